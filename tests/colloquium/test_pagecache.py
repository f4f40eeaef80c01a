"""
Pages from a cache (colloquium.pagecache), with every count on them exact.

tests.settings turns the page cache off (PAGE_CACHE_SECONDS = 0), so that the other modules'
query counts are those of a page rendered afresh; the `page_cache` fixture turns it on here.
"""

import datetime as dt
import os
import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from colloquium import pagecache
from colloquium.publishing import Status
from events.models import Event
from news.models import Post
from tests.factories import (
    CHROME,
    CRAWLERS,
    AttachmentFactory,
    BannerFactory,
    CategoryFactory,
    EventAttachmentFactory,
    EventFactory,
    EventHostFactory,
    OrganizationFactory,
    PhotoFactory,
    PostFactory,
    PresentationFactory,
    PresentationSpeakerFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db

BOARD_URL = "/en/news/"
REDIS_URL = os.environ.get("PAGE_CACHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
REDIS_REQUIRED = os.environ.get("REQUIRE_REDIS", "").strip().lower() in {"1", "true", "yes"}


def clear_cache():
    """Empty this test's cache: on Redis only the keys of its own prefix, since tests on other
    xdist workers share the database (Django's clear() is FLUSHDB)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        backend.clear()
        return
    client = backend._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{backend.key_prefix}:*"):
        client.delete(key)


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    clear_cache()
    yield
    clear_cache()


def visitor():
    """A new person's browser: no cookie yet."""
    return Client(headers={"User-Agent": CHROME})


def html_of(response):
    return response.content.decode()


def hits_shown(response):
    return re.search(r'class="post-header__hits">([^<]*)<', html_of(response)).group(1)


def downloads_shown(response):
    return re.findall(r'class="file-list__meta">\([^/]*/ ([^)]*)\)', html_of(response))


def board_hits(response):
    return re.findall(r'class="board__hit"><span[^>]*>[^<]*</span>([^<]*)<', html_of(response))


# What comes from the cache


@pytest.mark.parametrize("item_count", [1, 3])
def test_cached_board_costs_one_query_and_reads_as_rendered(
    page_cache, django_assert_num_queries, item_count
):
    PostFactory.create_batch(item_count, hit_count=1234)
    fresh = visitor().get(BOARD_URL)

    # The hit counts of every row, in one query.
    with django_assert_num_queries(1):
        cached = visitor().get(BOARD_URL)

    assert cached.status_code == 200
    assert html_of(cached) == html_of(fresh)
    assert board_hits(cached) == ["1,234"] * item_count


@pytest.mark.parametrize("item_count", [1, 3])
def test_cached_post_page_counts_the_visit_and_shows_it(
    page_cache, django_assert_num_queries, item_count
):
    post = PostFactory(hit_count=41)
    AttachmentFactory.create_batch(item_count, post=post, download_count=1500)
    first = visitor().get(post.get_absolute_url())
    second_visitor = visitor()

    # The hit's UPDATE and its daily row in a savepoint (SAVEPOINT, UPDATE, INSERT, RELEASE),
    # then one query per counter model: the post's hits and its attachments' downloads.
    with django_assert_num_queries(6):
        second = second_visitor.get(post.get_absolute_url())

    assert hits_shown(first) == "42"
    assert hits_shown(second) == "43"
    assert downloads_shown(second) == ["Download 1,500"] * item_count
    assert "seen" in second.cookies
    post.refresh_from_db()
    assert post.hit_count == 43


def test_cached_post_page_again_for_the_same_visitor_is_not_counted(
    page_cache, django_assert_num_queries
):
    post = PostFactory(hit_count=9)
    reader = visitor()
    reader.get(post.get_absolute_url())
    visitor().get(post.get_absolute_url())

    # Its hits, the one counter model on a post without files.
    with django_assert_num_queries(1):
        again = reader.get(post.get_absolute_url())

    assert hits_shown(again) == "11"
    assert "seen" not in again.cookies
    post.refresh_from_db()
    assert post.hit_count == 11


@pytest.mark.parametrize("user_agent", [CRAWLERS[0], ""])
def test_cached_post_page_is_not_counted_for_a_crawler(page_cache, user_agent):
    post = PostFactory(hit_count=5)
    visitor().get(post.get_absolute_url())

    response = Client(headers={"User-Agent": user_agent}).get(post.get_absolute_url())

    assert hits_shown(response) == "6"
    assert "seen" not in response.cookies
    post.refresh_from_db()
    assert post.hit_count == 6


def test_cached_post_page_shows_downloads_counted_since_it_was_cached(page_cache):
    attachment = AttachmentFactory(download_count=3)
    visitor().get(attachment.post.get_absolute_url())

    download = visitor().get(attachment.get_absolute_url())
    b"".join(download.streaming_content)  # read to the end, which closes the file
    response = visitor().get(attachment.post.get_absolute_url())

    assert downloads_shown(response) == ["Download 4"]


@pytest.mark.parametrize("item_count", [1, 3])
def test_cached_event_page_counts_the_visit_in_few_queries(
    page_cache, django_assert_num_queries, item_count
):
    event = EventFactory(hit_count=99)
    for _ in range(item_count):
        PresentationSpeakerFactory(presentation=PresentationFactory(event=event))
        PhotoFactory(event=event, download_count=2)
        EventAttachmentFactory(event=event, download_count=7)
    visitor().get(event.get_absolute_url())

    # The hit (SAVEPOINT, UPDATE, daily row, RELEASE), then one query per counter model on the page:
    # the event, its photos and its files (its talks have no slides here).
    with django_assert_num_queries(7):
        response = visitor().get(event.get_absolute_url())

    assert re.search(r'class="event-facts__hits">101<', html_of(response))
    assert downloads_shown(response) == ["Download 7"] * item_count
    assert html_of(response).count("Download 2)") == 2 * item_count  # gallery and viewer
    event.refresh_from_db()
    assert event.hit_count == 101


def test_cached_home_and_people_pages_cost_one_query_or_none(page_cache, django_assert_num_queries):
    PostFactory(hit_count=2)
    speaker = SpeakerFactory()
    PresentationSpeakerFactory(speaker=speaker)
    home = visitor().get("/en/")
    visitor().get(speaker.get_absolute_url())

    with django_assert_num_queries(1):
        cached_home = visitor().get("/en/")
    with django_assert_num_queries(0):
        cached_speaker = visitor().get(speaker.get_absolute_url())

    assert html_of(cached_home) == html_of(home)
    assert "2 views" in html_of(cached_home)
    assert speaker.name in html_of(cached_speaker)


def test_languages_and_query_strings_are_entries_of_their_own(page_cache):
    PostFactory(title="English news", language="en")
    PostFactory(title="한국어 소식", language="ko")
    PostFactory.create_batch(10, language="en")
    urls = ["/en/news/", "/ko/news/", "/en/news/?page=2", "/en/news/?q=English"]
    fresh = {url: html_of(visitor().get(url)) for url in urls}

    cached = {url: html_of(visitor().get(url)) for url in urls}

    assert cached == fresh
    assert len(set(cached.values())) == 4
    assert "한국어 소식" in cached["/ko/news/"]
    assert "한국어 소식" not in cached["/en/news/"]
    assert "English news" in cached["/en/news/?q=English"]


def test_cached_page_carries_no_other_visitors_cookie_nor_csrf_token(page_cache):
    other, post = PostFactory.create_batch(2)
    first_visitor = visitor()
    first_visitor.get(other.get_absolute_url())
    first = first_visitor.get(post.get_absolute_url())

    second = visitor().get(post.get_absolute_url())

    # The first visitor's cookie remembers both posts; the second's only the one they read.
    assert first.cookies["seen"].value.count("news.post.") == 2
    assert second.cookies["seen"].value.count("news.post.") == 1
    assert set(second.cookies) == {"seen"}
    # The language switch is plain links to this page in each language: no form, no token.
    assert "csrfmiddlewaretoken" not in html_of(second)
    korean = re.search(r'<a href="([^"]+)" hreflang="ko" lang="ko">', html_of(second)).group(1)
    assert korean.startswith(f"/ko/news/{post.pk}/")
    assert visitor().get(korean).status_code == 200


# Who never gets a cached page


def test_staff_get_fresh_pages_and_fill_no_cache(page_cache, editor_client):
    post = PostFactory(hit_count=7)
    visitor().get(BOARD_URL)
    Post.objects.filter(pk=post.pk).update(title="Renamed without a signal")

    staff_board = editor_client.get(BOARD_URL)
    staff_post = editor_client.get(post.get_absolute_url())
    anonymous_post = visitor().get(post.get_absolute_url())

    assert "Renamed without a signal" in html_of(staff_board)
    assert hits_shown(staff_post) == "7"  # staff are not counted, and see the stored count
    assert hits_shown(anonymous_post) == "8"
    assert "Renamed without a signal" not in html_of(visitor().get(BOARD_URL))


def test_a_preview_is_never_cached(page_cache, editor_client):
    draft = PostFactory(status=Status.DRAFT, published_at=None, title="Draft title")

    preview = editor_client.get(draft.get_absolute_url())
    anonymous = visitor().get(draft.get_absolute_url())

    assert preview.status_code == 200
    assert anonymous.status_code == 404
    assert pagecache_entries() == 0


def test_a_404_is_not_cached(page_cache):
    missing = visitor().get("/en/news/999999/")
    post = PostFactory(pk=999999)

    found = visitor().get(post.get_absolute_url())

    assert missing.status_code == 404
    assert found.status_code == 200


def pagecache_entries():
    return sum(":page:" in key for key in cache._cache)


# Invalidation: every change a page shows, at once


def _rename(post):
    post.title = "Changed"
    post.save()


def _rename_category(post):
    post.category.name = "Changed"
    post.category.save()


def _add_attachment(post):
    AttachmentFactory(post=post, upload_name="Changed.pdf")


def _delete_post(post):
    post.delete()


def _unpublish_queryset(post):
    Post.objects.filter(pk=post.pk).unpublish()


def _trash_queryset(post):
    Post.objects.filter(pk=post.pk).move_to_trash()


def _trash_instance(post):
    post.move_to_trash()


def _add_banner(post):
    BannerFactory(name="Changed", alt_text="Changed")


# Each change, and the page that shows it (None: the post is gone from every page).
POST_CHANGES = {
    "save": (_rename, "post"),
    "category": (_rename_category, "board"),  # its filter
    "attachment": (_add_attachment, "post"),
    "banner": (_add_banner, "post"),
    "delete": (_delete_post, None),
    "unpublish": (_unpublish_queryset, None),
    "trash queryset": (_trash_queryset, None),
    "trash": (_trash_instance, None),
}


@pytest.mark.parametrize("change", POST_CHANGES)
def test_a_change_shows_at_once_on_cached_pages(page_cache, change):
    category = CategoryFactory(name="Reports")
    post = PostFactory(title="Original", category=category)
    post_url = post.get_absolute_url()
    urls = [BOARD_URL, "/en/", post_url]
    for url in urls:
        visitor().get(url)
    apply, shown_on = POST_CHANGES[change]

    apply(post)
    pages = {url: visitor().get(url) for url in urls}

    if shown_on:
        assert "Changed" in html_of(pages[{"post": post_url, "board": BOARD_URL}[shown_on]])
    else:
        assert "Original" not in html_of(pages[BOARD_URL])
        assert "Original" not in html_of(pages["/en/"])
        assert pages[post_url].status_code == 404


def test_publishing_and_restoring_from_the_trash_show_at_once(page_cache):
    draft = PostFactory(title="Published later", status=Status.DRAFT, published_at=None)
    trashed = PostFactory(title="Restored later")
    trashed.move_to_trash()
    visitor().get(BOARD_URL)

    Post.all_objects.filter(pk=draft.pk).publish()
    Post.all_objects.filter(pk=trashed.pk).restore_from_trash()

    board = html_of(visitor().get(BOARD_URL))
    assert "Published later" in board
    assert "Restored later" in board


def _rename_speaker(event, speaker, organization):
    speaker.name = "Changed"
    speaker.save()


def _rename_organization(event, speaker, organization):
    organization.name = "Changed"
    organization.save()


def _add_host(event, speaker, organization):
    event.organizations.add(OrganizationFactory(name="Changed"), through_defaults={"position": 9})


def _rename_event_queryset_publish(event, speaker, organization):
    Event.objects.filter(pk=event.pk).update(title="Changed")
    Event.objects.filter(pk=event.pk).publish()


EVENT_CHANGES = {
    "speaker": _rename_speaker,
    "organization": _rename_organization,
    "m2m": _add_host,
    "publish action": _rename_event_queryset_publish,
}


@pytest.mark.parametrize("change", EVENT_CHANGES)
def test_a_change_to_what_an_event_shows_invalidates_it(page_cache, change):
    speaker = SpeakerFactory(name="Original speaker")
    event = EventFactory(title="Original event")
    PresentationSpeakerFactory(presentation=PresentationFactory(event=event), speaker=speaker)
    organization = EventHostFactory(event=event).organization
    urls = [event.get_absolute_url(), speaker.get_absolute_url()]
    for url in urls:
        visitor().get(url)

    EVENT_CHANGES[change](event, speaker, organization)

    assert "Changed" in html_of(visitor().get(event.get_absolute_url()))


def test_a_counted_visit_does_not_invalidate(page_cache, django_assert_num_queries):
    post = PostFactory()
    visitor().get(BOARD_URL)
    visitor().get(post.get_absolute_url())

    with django_assert_num_queries(1):
        visitor().get(BOARD_URL)


# Time


def test_a_scheduled_post_appears_at_its_time(page_cache, now, time_machine):
    PostFactory(title="Already out")
    PostFactory(title="Scheduled news", published_at=now + dt.timedelta(minutes=2))
    before = html_of(visitor().get(BOARD_URL))
    time_machine.move_to(now + dt.timedelta(minutes=1, seconds=59), tick=False)
    still_before = html_of(visitor().get(BOARD_URL))

    time_machine.move_to(now + dt.timedelta(minutes=2), tick=False)
    at_its_time = html_of(visitor().get(BOARD_URL))

    assert "Scheduled news" not in before
    assert still_before == before
    assert "Scheduled news" in at_its_time


def test_a_page_stays_cached_at_most_page_cache_seconds(page_cache, now, time_machine, settings):
    settings.PAGE_CACHE_SECONDS = 60
    post = PostFactory(title="Before")
    visitor().get(BOARD_URL)
    Post.objects.filter(pk=post.pk).update(title="After")  # no signal: only time tells
    time_machine.move_to(now + dt.timedelta(seconds=59), tick=False)
    cached = html_of(visitor().get(BOARD_URL))

    time_machine.move_to(now + dt.timedelta(seconds=60), tick=False)
    expired = html_of(visitor().get(BOARD_URL))

    assert "Before" in cached
    assert "After" in expired


def test_an_event_moves_to_past_when_it_ends(page_cache, now, time_machine):
    EventFactory(
        title="Ending soon",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    before = html_of(visitor().get("/en/"))

    time_machine.move_to(now + dt.timedelta(hours=1, seconds=1), tick=False)
    after = html_of(visitor().get("/en/"))

    assert "Ending soon" in before
    assert "Ending soon" not in after


# The cache's own rules


def test_page_cache_seconds_zero_turns_it_off(settings, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    cache.clear()
    PostFactory()
    visitor().get(BOARD_URL)

    # Rendered afresh, with the board's count cached by the first visit (colloquium.pagination).
    with django_assert_num_queries(5):
        visitor().get(BOARD_URL)


def test_counts_are_filled_in_as_the_page_language_writes_them(page_cache):
    post = PostFactory(language="ko", hit_count=1)
    AttachmentFactory(post=post, download_count=1233)
    visitor().get(f"/ko/news/{post.pk}/")

    response = visitor().get(f"/ko/news/{post.pk}/")

    assert hits_shown(response) == "3"
    assert downloads_shown(response) == ["다운로드 1,233회"]


@pytest.fixture
def redis_cache(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        if REDIS_REQUIRED:
            pytest.fail(f"No Redis at {REDIS_URL}, and REQUIRE_REDIS=1 forbids skipping.")
        pytest.skip(f"No Redis at {REDIS_URL}")
    settings.CACHES = {
        "default": {
            # The one settings.py names with REDIS_URL.
            "BACKEND": "colloquium.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"pagecache-tests-{uuid.uuid4().hex}",
        }
    }
    clear_cache()
    yield
    clear_cache()


def test_the_redis_cache_keeps_one_client_and_reads_what_djangos_wrote(redis_cache, settings):
    from django.core.cache import caches

    client = cache._cache.get_client()
    cache.set("written", {"by": "us"})
    cache.set("number", 41)
    cache.incr("number")
    settings.CACHES = {
        "default": settings.CACHES["default"]
        | {"BACKEND": "django.core.cache.backends.redis.RedisCache"}
    }

    assert type(caches["default"]).__module__ == "django.core.cache.backends.redis"
    assert cache.get("written") == {"by": "us"}
    assert cache.get("number") == 42
    settings.CACHES = {
        "default": settings.CACHES["default"] | {"BACKEND": "colloquium.cache.RedisCache"}
    }
    assert cache._cache.get_client(write=True) is cache._cache.get_client()
    assert cache._cache.get_client() is not client  # a new backend (new settings), its own


def test_pages_come_from_redis_with_their_counts_exact(
    page_cache, redis_cache, django_assert_num_queries
):
    post = PostFactory(hit_count=10)
    AttachmentFactory(post=post, download_count=20)
    visitor().get(post.get_absolute_url())

    with django_assert_num_queries(6):
        second = visitor().get(post.get_absolute_url())
    _rename(post)
    renamed = visitor().get(post.get_absolute_url())

    assert hits_shown(second) == "12"
    assert downloads_shown(second) == ["Download 20"]
    assert cache.get(pagecache.GENERATION_KEY) is not None
    assert "Changed" in html_of(renamed)
    assert hits_shown(renamed) == "13"


def test_a_page_that_used_a_csrf_token_is_not_stored(page_cache, rf):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    def form_page(request):
        return HttpResponse(
            f'<form><input name="csrfmiddlewaretoken" value="{get_token(request)}">'
        )

    first, second = rf.get("/en/form/"), rf.get("/en/form/")
    first_page = pagecache.serve(first, lambda: form_page(first))

    second_page = pagecache.serve(second, lambda: form_page(second))

    assert html_of(first_page) != html_of(second_page)
    assert pagecache_entries() == 0


def test_a_visitor_with_a_session_neither_reads_nor_fills_the_cache(
    page_cache, django_assert_num_queries
):
    PostFactory()
    with_session = visitor()
    with_session.cookies["sessionid"] = "not-a-session"
    with_session.get(BOARD_URL)
    visitor().get(BOARD_URL)

    # The whole board, rendered afresh (its count, cached by the first visit, excepted).
    with django_assert_num_queries(5):
        with_session.get(BOARD_URL)

    assert pagecache_entries() == 1


def test_a_cache_out_of_reach_costs_only_speed(page_cache, caplog):
    pytest.importorskip("redis")
    # Nothing listens there (a port of this part's range).
    dead = {
        "default": {
            "BACKEND": "colloquium.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:18399/0",
        }
    }
    post = PostFactory(hit_count=1)

    with override_settings(CACHES=dead):
        _rename(post)
        page = visitor().get(post.get_absolute_url())

    assert page.status_code == 200
    assert hits_shown(page) == "2"
    assert "Could not invalidate the cached pages." in caplog.messages
    assert "The page cache is out of reach; serving pages without it." in caplog.messages
