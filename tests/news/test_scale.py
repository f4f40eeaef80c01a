"""The board at scale: its last pages, its cached count, and the plans PostgreSQL makes for it."""

import datetime as dt
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from news.models import Post
from tests.factories import CategoryFactory, PostFactory
from tests.news.test_views import BOARD_URL, board_numbers, board_titles, make_posts

pytestmark = pytest.mark.django_db


def summary(response):
    markup = response.content.decode()
    start = markup.index(">", markup.index('<p class="board-summary"')) + 1
    return " ".join(markup[start : markup.index("</p>", start)].split())


def test_the_last_pages_list_the_oldest_posts_in_board_order(client):
    make_posts(25)

    # Page 3 lies in the second half of the board, read from its end; page 2 from the start.
    last = client.get(BOARD_URL, {"page": 3})
    middle = client.get(BOARD_URL, {"page": 2})

    assert board_titles(last) == [f"Post {n}" for n in range(5, 0, -1)]
    assert board_numbers(last) == ["5", "4", "3", "2", "1"]
    assert board_titles(middle) == [f"Post {n}" for n in range(15, 5, -1)]
    assert board_numbers(middle) == [str(n) for n in range(15, 5, -1)]


def test_a_search_s_last_page_keeps_the_search_order(client):
    make_posts(14)

    response = client.get(BOARD_URL, {"q": "Post", "page": 2})

    assert board_titles(response) == ["Post 4", "Post 3", "Post 2", "Post 1"]


def test_the_count_is_asked_once_until_a_post_changes(client, django_assert_num_queries):
    make_posts(3)
    client.get(BOARD_URL)

    # The years, the page, the notices, the categories and the banners: no count.
    with django_assert_num_queries(5):
        response = client.get(BOARD_URL)

    assert summary(response).startswith("3 posts")


def test_the_count_follows_every_change_to_the_posts_at_once(client, admin_user):
    posts = make_posts(3)
    assert summary(client.get(BOARD_URL)).startswith("3 posts")

    PostFactory(title="Post 4")
    assert summary(client.get(BOARD_URL)).startswith("4 posts")

    Post.objects.filter(pk=posts[0].pk).unpublish()
    assert summary(client.get(BOARD_URL)).startswith("3 posts")

    Post.objects.filter(pk=posts[0].pk).publish()
    assert summary(client.get(BOARD_URL)).startswith("4 posts")

    posts[1].move_to_trash(admin_user)
    assert summary(client.get(BOARD_URL)).startswith("3 posts")

    Post.all_objects.filter(pk=posts[1].pk).restore_from_trash()
    assert summary(client.get(BOARD_URL)).startswith("4 posts")

    Post.objects.filter(pk=posts[2].pk).move_to_trash(admin_user)
    assert summary(client.get(BOARD_URL)).startswith("3 posts")

    posts[0].delete()
    assert summary(client.get(BOARD_URL)).startswith("2 posts")


def test_a_category_s_count_follows_its_new_slug(client):
    category = CategoryFactory(slug="reports")
    make_posts(2, category=category)
    assert summary(client.get(BOARD_URL, {"category": "reports"})).startswith("2 posts")

    category.slug = "papers"
    category.save()

    assert summary(client.get(BOARD_URL, {"category": "papers"})).startswith("2 posts")
    # An unknown slug is ignored (strict = False): the whole board.
    assert summary(client.get(BOARD_URL, {"category": "reports"})).startswith("2 posts")


def test_a_scheduled_post_is_counted_once_its_time_has_come(client):
    make_posts(2)
    due = timezone.now() + dt.timedelta(seconds=1)
    PostFactory(title="Scheduled", published_at=due)
    assert summary(client.get(BOARD_URL)).startswith("2 posts")

    time.sleep(max(0, (due - timezone.now()).total_seconds()) + 0.05)
    response = client.get(BOARD_URL)

    assert summary(response).startswith("3 posts")
    assert board_titles(response)[0] == "Scheduled"


# PostgreSQL's plans: enough rows that a sequential scan would be the cheaper plan for a table
# without a usable index, then ANALYZE.


@pytest.fixture
def many_posts(postgres_only):
    category = CategoryFactory(slug="news-event")
    start = timezone.now() - dt.timedelta(days=1)
    Post.all_objects.bulk_create(
        Post(
            category=category,
            title=f"Report {n}",
            slug=f"report-{n}",
            language="en",
            status="published",
            published_at=start - dt.timedelta(hours=n),
            body_text=f"Report {n} on policy",
        )
        for n in range(20_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE news_post")
    return Post.objects.order_by("-published_at", "-pk")[100]


def plans_of(client, url):
    """{SQL: plan} of every query on news_post that `url`'s page makes."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    plans = {}
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if query["sql"].startswith("SELECT") and "news_post" in query["sql"]:
                cursor.execute("EXPLAIN " + query["sql"])
                plans[query["sql"]] = "\n".join(row[0] for row in cursor.fetchall())
    return plans


@pytest.mark.parametrize("query", ["", "?page=2001", "?page=1000"])
def test_the_board_reads_posts_through_an_index(client, many_posts, query):
    plans = plans_of(client, BOARD_URL + query)

    assert len(plans) == 4  # the years, the count, the page, the notices
    # The count reads every listed post whatever the plan (a sequential scan is the cheapest way
    # when they are all listed): it is asked once per change to the posts, not once per page.
    for sql, plan in plans.items():
        if sql.startswith("SELECT COUNT(*)"):
            continue
        assert "Seq Scan on news_post" not in plan, (sql, plan)
    # The page itself comes in the board's order from the index: no sort of every post.
    (page,) = [plan for sql, plan in plans.items() if "LIMIT 10" in sql]
    # PostgreSQL may take the date's own index and order posts of one date by number
    # (an incremental sort), but it never sorts the whole board.
    assert re.search(r"Index Scan (Backward )?using news_post_\w+ on news_post", page), page
    assert not re.search(r"(^|->  )Sort  \(", page, re.MULTILINE), page


def test_previous_and_next_are_read_through_the_index(client, many_posts):
    plans = plans_of(client, many_posts.get_absolute_url())

    neighbours = [plan for sql, plan in plans.items() if sql.rstrip().endswith("LIMIT 1")]
    assert len(neighbours) == 2
    for plan in plans.values():
        assert "Seq Scan on news_post" not in plan, plan
