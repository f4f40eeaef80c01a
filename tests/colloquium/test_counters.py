import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory

from colloquium.counters import COOKIE_NAME, should_count_hit
from colloquium.publishing import Status
from news.models import Post
from tests.factories import (
    BROWSERS,
    CHROME,
    CRAWLERS,
    NOW,
    SEOUL,
    EditorFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory()


def visit(method="GET", user_agent=CHROME, user=None, cookies=None):
    request = RequestFactory().generic(method, "/en/news/1/", HTTP_USER_AGENT=user_agent)
    request.user = user or AnonymousUser()
    request.COOKIES.update(cookies or {})
    return request


def hits(post):
    return Post.objects.get(pk=post.pk).hit_count


@pytest.mark.parametrize("user_agent", BROWSERS)
def test_should_count_hit_counts_a_first_get_from_a_browser(post, user_agent):
    assert should_count_hit(visit(user_agent=user_agent), post) is True


@pytest.mark.parametrize("method", ["HEAD", "POST", "OPTIONS"])
def test_should_count_hit_ignores_other_methods(post, method):
    assert should_count_hit(visit(method=method), post) is False


@pytest.mark.parametrize("user_agent", CRAWLERS)
def test_should_count_hit_ignores_crawlers(post, user_agent):
    assert should_count_hit(visit(user_agent=user_agent), post) is False


def test_should_count_hit_ignores_staff(post):
    assert should_count_hit(visit(user=EditorFactory()), post) is False


def test_should_count_hit_counts_a_logged_in_visitor_who_is_not_staff(post):
    assert should_count_hit(visit(user=UserFactory()), post) is True


def test_should_count_hit_ignores_drafts_and_scheduled_posts():
    draft = PostFactory(status=Status.DRAFT)
    scheduled = PostFactory(published_at=dt.datetime(2099, 1, 1, tzinfo=SEOUL))

    assert should_count_hit(visit(), draft) is False
    assert should_count_hit(visit(), scheduled) is False


def test_a_get_counts_once_and_shows_the_visitors_own_hit(client, post):
    first = client.get(post.get_absolute_url())
    second = client.get(post.get_absolute_url())

    assert first.context["post"].hit_count == 1
    assert second.context["post"].hit_count == 1
    assert hits(post) == 1


def test_the_cookie_remembers_the_visit_without_a_database_session(client, post):
    response = client.get(post.get_absolute_url())

    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 24 * 60 * 60
    assert "sessionid" not in response.cookies
    assert "Cookie" in response["Vary"]


def test_each_post_counts_separately_for_one_visitor(client):
    first, second = PostFactory(), PostFactory()

    client.get(first.get_absolute_url())
    client.get(second.get_absolute_url())
    client.get(first.get_absolute_url())

    assert (hits(first), hits(second)) == (1, 1)


def test_a_visit_counts_again_after_24_hours(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    post = PostFactory()
    client.get(post.get_absolute_url())
    time_machine.move_to(NOW + dt.timedelta(hours=23, minutes=59), tick=False)
    client.get(post.get_absolute_url())

    time_machine.move_to(NOW + dt.timedelta(hours=24), tick=False)
    client.get(post.get_absolute_url())

    assert hits(post) == 2


def test_a_tampered_cookie_is_ignored(client, post):
    client.get(post.get_absolute_url())
    value = client.cookies[COOKIE_NAME].value
    client.cookies[COOKIE_NAME] = value.replace(f".{post.pk}:", f".{post.pk + 1}:")

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert hits(post) == 2


@pytest.mark.parametrize("value", ["garbage", "news.post.1:abc:def", "", "é" * 100])
def test_a_junk_cookie_is_not_an_error(client, post, value):
    client.cookies[COOKIE_NAME] = value

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert hits(post) == 1


def test_the_cookie_stays_small_for_a_visitor_who_reads_everything(client):
    posts = PostFactory.create_batch(105)

    for post in posts:
        client.get(post.get_absolute_url())

    assert len(client.cookies[COOKIE_NAME].value) < 4000


def test_head_is_not_counted(client, post):
    response = client.head(post.get_absolute_url())

    assert response.status_code == 200
    assert hits(post) == 0


@pytest.mark.parametrize("user_agent", CRAWLERS[:6])
def test_crawler_visit_is_not_counted(client, post, user_agent):
    response = client.get(post.get_absolute_url(), headers={"User-Agent": user_agent})

    assert response.status_code == 200
    assert hits(post) == 0
    assert COOKIE_NAME not in response.cookies


def test_staff_preview_is_not_counted(editor_client, post):
    editor_client.get(post.get_absolute_url())

    assert hits(post) == 0


def test_staff_preview_of_a_draft_is_not_counted(editor_client):
    draft = PostFactory(status=Status.DRAFT)

    response = editor_client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert hits(draft) == 0


def test_record_hit_from_two_stale_instances_adds_two(post):
    stale_one = Post.objects.get(pk=post.pk)
    stale_two = Post.objects.get(pk=post.pk)

    stale_one.record_hit()
    stale_two.record_hit()

    assert hits(post) == 2


@pytest.mark.django_db(transaction=True)
def test_record_hit_loses_no_increment_under_concurrency():
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need PostgreSQL; SQLite is covered by the live test")
    post = PostFactory()
    threads_count, visits_each = 8, 25
    # Every thread holds the same stale copy, as concurrent requests would.
    stale = Post.objects.get(pk=post.pk)
    barrier = threading.Barrier(threads_count, timeout=20)

    def visit_many():
        try:
            barrier.wait()
            for _ in range(visits_each):
                stale.record_hit()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads_count) as pool:
        for future in [pool.submit(visit_many) for _ in range(threads_count)]:
            future.result()

    assert hits(post) == threads_count * visits_each
