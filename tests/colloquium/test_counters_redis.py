"""
Counters buffered in Redis (REDIS_URL): increments go to Redis before the response, pages show
stored + pending, and `manage.py flushcounters` folds them into the rows and daily rows exactly
once, whatever interrupts it. Against the machine's Redis (tests/conftest.py, `redis_counters`):
skipped where it does not answer, failed instead with REQUIRE_REDIS=1 (as on CI).
"""

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from colloquium import counters
from colloquium.models import CounterBatch, DailyCount
from news.models import Attachment, Post
from tests.conftest import TEST_REDIS_URL
from tests.factories import (
    CHROME,
    SEOUL,
    AttachmentFactory,
    EventAttachmentFactory,
    EventFactory,
    PhotoFactory,
    PostFactory,
    PresentationFactory,
)
from tests.servers import PROJECT, TLS, gunicorn

pytestmark = pytest.mark.django_db


@pytest.fixture
def buffer(redis_counters):
    return redis.Redis.from_url(TEST_REDIS_URL)


def hits(post):
    return Post.objects.get(pk=post.pk).hit_count


def downloads(attachment):
    return Attachment.objects.get(pk=attachment.pk).download_count


def daily_rows(item=None):
    rows = DailyCount.objects.order_by("day", "object_id")
    if item is not None:
        rows = rows.filter(content_type=ContentType.objects.get_for_model(item), object_id=item.pk)
    return [(str(row.day), row.hit_count, row.download_count) for row in rows]


def visitor():
    from django.test import Client

    return Client(headers={"User-Agent": CHROME})


def read(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


# What a counted request costs


def test_with_redis_a_counted_visit_makes_no_database_write(
    client, buffer, django_assert_num_queries
):
    post = PostFactory()
    AttachmentFactory(post=post)

    # The post page's own six queries, and none of the counter's (10 without Redis).
    with django_assert_num_queries(6) as captured:
        response = client.get(post.get_absolute_url())

    assert not [q for q in captured.captured_queries if not q["sql"].startswith("SELECT")]
    assert response.context["post"].hit_count == 1
    assert hits(post) == 0
    assert daily_rows() == []


def test_without_redis_a_download_writes_its_counter_and_daily_row(
    client, django_assert_num_queries
):
    attachment = AttachmentFactory()

    # The attachment, then the counter's UPDATE and daily upsert in a savepoint.
    with django_assert_num_queries(5):
        response = client.get(attachment.get_absolute_url())
    read(response)

    assert downloads(attachment) == 1


def test_with_redis_a_download_makes_no_database_write(client, buffer, django_assert_num_queries):
    attachment = AttachmentFactory()

    with django_assert_num_queries(1):  # the attachment
        response = client.get(attachment.get_absolute_url())
    read(response)

    assert response.status_code == 200
    assert downloads(attachment) == 0
    counters.fold()
    assert downloads(attachment) == 1


# Pages show stored + pending


def test_the_post_page_shows_stored_plus_pending_including_the_visitors_own_visit(buffer):
    post = PostFactory()
    attachment = AttachmentFactory(post=post, download_count=243)
    Post.objects.filter(pk=post.pk).update(hit_count=921)
    for _ in range(2):
        visitor().get(post.get_absolute_url())
    read(visitor().get(attachment.get_absolute_url()))

    response = visitor().get(post.get_absolute_url())

    assert response.context["post"].hit_count == 924
    assert "Download 244" in " ".join(response.content.decode().split())
    assert (hits(post), downloads(attachment)) == (921, 243)


def test_the_board_shows_stored_plus_pending(buffer):
    post = PostFactory()
    Post.objects.filter(pk=post.pk).update(hit_count=10)
    visitor().get(post.get_absolute_url())

    response = visitor().get("/en/news/")

    assert [row.hit_count for _, row in response.context["numbered_posts"]] == [11]


def test_current_values_are_stored_plus_pending_before_and_after_the_fold(buffer):
    post = PostFactory(hit_count=5)
    key = ("news.post", post.pk, "hit_count")
    counters.increment(Post, post.pk, "hit_count")
    counters.increment(Post, post.pk, "hit_count")
    before = counters.current_values([key])

    counters.fold()

    assert before == counters.current_values([key]) == {key: 7}
    assert hits(post) == 7


def test_add_pending_reads_a_list_in_one_round_trip_and_adds_only_once(buffer):
    posts = PostFactory.create_batch(3)
    for post in posts[:2]:
        counters.increment(Post, post.pk, "hit_count")
    counters.increment(Post, posts[0].pk, "hit_count")

    counters.add_pending(posts)
    counters.add_pending(posts)

    assert [post.hit_count for post in posts] == [2, 1, 0]


def test_the_visitors_own_visit_shows_while_a_fold_is_applying_its_batch(buffer):
    post = PostFactory()
    counters.increment(Post, post.pk, "hit_count")
    counters.take_batch()  # a fold has taken the batch and not yet written it

    response = visitor().get(post.get_absolute_url())

    assert response.context["post"].hit_count == 2


# The fold


def test_the_fold_moves_pending_counts_to_rows_and_daily_rows_and_empties_the_buffer(buffer, now):
    post = PostFactory()
    attachment = AttachmentFactory(post=post)
    for _ in range(3):
        visitor().get(post.get_absolute_url())
    read(visitor().get(attachment.get_absolute_url()))

    out = io.StringIO()
    call_command("flushcounters", stdout=out)

    assert out.getvalue() == "Folded 4 buffered increments.\n"
    assert (hits(post), downloads(attachment)) == (3, 1)
    assert daily_rows(post) == [("2026-03-02", 3, 0)]
    assert daily_rows(attachment) == [("2026-03-02", 0, 1)]
    assert list(buffer.scan_iter(match=f"{counters._Keys().pending.rsplit(':', 2)[0]}:*")) == []
    assert counters.fold() == 0


def test_increments_from_threads_at_once_give_exactly_n_after_the_fold(buffer):
    post = PostFactory()
    threads_count, visits_each = 8, 50
    barrier = threading.Barrier(threads_count, timeout=20)

    def visit_many():
        barrier.wait()
        for _ in range(visits_each):
            counters.increment(Post, post.pk, "hit_count")

    with ThreadPoolExecutor(max_workers=threads_count) as pool:
        for future in [pool.submit(visit_many) for _ in range(threads_count)]:
            future.result()
    counters.fold()

    assert hits(post) == threads_count * visits_each


INCREMENTS = """
import django
django.setup()
from colloquium import counters
from news.models import Post
for _ in range({count}):
    assert counters.increment(Post, {pk}, "hit_count")
"""


def test_increments_from_processes_at_once_give_exactly_n_after_the_fold(buffer, redis_counters):
    post = PostFactory()
    processes_count, visits_each = 4, 100
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TEST_SERVER_COUNTERS_REDIS_URL": TEST_REDIS_URL,
        "REDIS_KEY_PREFIX": redis_counters,
    }
    script = INCREMENTS.format(count=visits_each, pk=post.pk)

    processes = [
        subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT, env=env)
        for _ in range(processes_count)
    ]
    assert [process.wait(timeout=120) for process in processes] == [0] * processes_count
    counters.fold()

    assert hits(post) == processes_count * visits_each


def test_a_fold_interrupted_before_its_commit_neither_loses_nor_doubles(buffer, monkeypatch):
    post = PostFactory()
    for _ in range(3):
        counters.increment(Post, post.pk, "hit_count")

    # The fold dies in its transaction, after the counters' UPDATE and before the daily rows.
    def die(*args):
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(counters, "_add_daily", die)
        with pytest.raises(ConnectionError):
            counters.fold()
    interrupted = hits(post)
    counters.increment(Post, post.pk, "hit_count")  # a visit meanwhile
    counters.fold()

    assert (interrupted, hits(post)) == (0, 4)
    assert [row[1] for row in daily_rows(post)] == [4]


def test_a_fold_that_died_after_taking_its_batch_is_finished_by_the_next(buffer):
    post = PostFactory()
    for _ in range(3):
        counters.increment(Post, post.pk, "hit_count")
    counters.take_batch()  # then the process was killed

    counters.fold()

    assert hits(post) == 3


def test_a_fold_interrupted_after_its_commit_is_not_applied_again(buffer):
    post = PostFactory()
    for _ in range(3):
        counters.increment(Post, post.pk, "hit_count")
    # The process was killed after the commit, before it deleted the batch from Redis.
    batch_id = counters.take_batch()
    counters.apply_batch(batch_id)
    counters.increment(Post, post.pk, "hit_count")  # a visit meanwhile
    shown = counters.current_values([("news.post", post.pk, "hit_count")])

    counters.fold()

    assert CounterBatch.objects.filter(batch_id=batch_id).exists()
    assert shown == {("news.post", post.pk, "hit_count"): 7}  # the leftover shows twice meanwhile
    assert hits(post) == 4
    assert [row[1] for row in daily_rows(post)] == [4]
    assert counters.fold() == 0


@pytest.mark.django_db(transaction=True)
def test_two_folds_of_one_batch_at_once_apply_it_once(postgres_only, buffer):
    post = PostFactory()
    for _ in range(5):
        counters.increment(Post, post.pk, "hit_count")
    batch_id = counters.take_batch()
    barrier = threading.Barrier(2, timeout=20)

    def apply():
        try:
            barrier.wait()
            return counters.apply_batch(batch_id)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        applied = sorted(pool.map(lambda _: apply(), range(2)))

    assert applied == [0, 5]
    assert hits(post) == 5


def test_counts_of_an_item_deleted_before_the_fold_are_dropped(buffer):
    kept, deleted = PostFactory(), PostFactory()
    counters.increment(Post, kept.pk, "hit_count")
    counters.increment(Post, deleted.pk, "hit_count")
    Post._base_manager.filter(pk=deleted.pk).delete()

    assert counters.fold() == 1
    assert daily_rows() == [(daily_rows()[0][0], 1, 0)]


def test_without_redis_flushcounters_says_there_is_nothing_to_fold():
    out = io.StringIO()

    call_command("flushcounters", stdout=out)

    assert "REDIS_URL is not set" in out.getvalue()


def test_a_redis_that_does_not_answer_falls_back_to_the_database(settings, client, caplog):
    settings.COUNTERS_REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    post = PostFactory()

    response = client.get(post.get_absolute_url())

    assert response.context["post"].hit_count == 1
    assert hits(post) == 1
    assert "Redis does not answer" in caplog.text


# Daily rows


@pytest.mark.parametrize(
    ("factory", "record", "field"),
    [
        (PostFactory, "record_hit", "hit_count"),
        (EventFactory, "record_hit", "hit_count"),
        (AttachmentFactory, "record_download", "download_count"),
        (EventAttachmentFactory, "record_download", "download_count"),
        (PhotoFactory, "record_download", "download_count"),
        (PresentationFactory, "record_download", "download_count"),
    ],
)
@pytest.mark.parametrize("buffered", [False, True], ids=["database", "redis"])
def test_every_counted_kind_gets_exact_daily_rows(request, now, factory, record, field, buffered):
    if buffered:
        request.getfixturevalue("redis_counters")
    item = factory()

    getattr(item, record)()
    getattr(item, record)()
    counters.fold()

    expected = (2, 0) if field == "hit_count" else (0, 2)
    assert daily_rows(item) == [("2026-03-02", *expected)]
    assert type(item).objects.values_list(field, flat=True).get(pk=item.pk) == 2


@pytest.mark.parametrize("buffered", [False, True], ids=["database", "redis"])
def test_daily_rows_are_exact_across_midnight_in_seoul(request, time_machine, buffered):
    if buffered:
        request.getfixturevalue("redis_counters")
    time_machine.move_to(dt.datetime(2026, 3, 2, 23, 59, 59, tzinfo=SEOUL), tick=False)
    post = PostFactory()
    post.record_hit()
    post.record_hit()
    # 15:00 UTC: the next day in Seoul, still the same day in UTC.
    time_machine.move_to(dt.datetime(2026, 3, 3, 0, 0, tzinfo=SEOUL), tick=False)
    post.record_hit()

    counters.fold()

    assert daily_rows(post) == [("2026-03-02", 2, 0), ("2026-03-03", 1, 0)]
    assert hits(post) == 3


def test_a_counter_of_a_missing_row_writes_no_daily_row():
    assert counters.increment(Post, 123456, "hit_count") is True
    assert daily_rows() == []


# The per-address allowance is tallied in Redis when the cache is Redis


def test_the_address_allowance_is_tallied_in_the_redis_cache(settings, buffer, redis_counters):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": redis_counters,
        }
    }
    settings.COUNTS_PER_ADDRESS_PER_DAY = 2
    post = PostFactory()
    from tests.colloquium.test_counters import cookieless

    for _ in range(3):
        cookieless().get(post.get_absolute_url())
    counters.fold()

    assert hits(post) == 2
    assert len(list(buffer.scan_iter(match=f"{redis_counters}:*counters:address:*"))) == 1


# Real app servers: processes that restart


@pytest.mark.django_db(transaction=True)
def test_app_servers_restarting_lose_no_buffered_count(
    postgres_only, buffer, redis_counters, tmp_path
):
    post = PostFactory()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    buffered = {
        "TEST_SERVER_COUNTERS_REDIS_URL": TEST_REDIS_URL,
        "REDIS_KEY_PREFIX": redis_counters,
        # Every new visitor comes from 127.0.0.1 without a cookie: let each of them count.
        "COUNTS_PER_ADDRESS_PER_DAY": "1000",
    }
    visitors = 20

    def visit_all(base):
        with ThreadPoolExecutor(max_workers=visitors) as pool:
            return list(
                pool.map(lambda _: first_visit(base + post.get_absolute_url()), range(visitors))
            )

    with gunicorn(tmp_path, url, workers=2, **buffered) as server:
        first = visit_all(server["base"])
    # Both workers are gone: nothing was folded, nothing was lost.
    stored_after_restart = hits(post)
    with gunicorn(tmp_path, url, workers=2, **buffered) as server:
        second = visit_all(server["base"])
        shown = first_visit(server["base"] + post.get_absolute_url())
    log = tmp_path / "flushcounters.log"
    with log.open("w") as errors:
        folder = subprocess.Popen(
            [sys.executable, "manage.py", "flushcounters", "--every", "600"],
            cwd=PROJECT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": url,
                "PYTHONUNBUFFERED": "1",
                **buffered,
            },
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        started = folder.stdout.readline()  # it listens for SIGTERM from here
        folder.send_signal(signal.SIGTERM)  # and folds once more on its way out
        output, _ = folder.communicate(timeout=60)

    assert {status for status, _ in first + second} == {200}
    assert stored_after_restart == 0
    assert shown == (200, 2 * visitors + 1)
    assert started == "Folding the buffered counters every 600 seconds.\n"
    assert folder.returncode == 0, log.read_text()
    assert hits(post) == 2 * visitors + 1
    assert [row[1] for row in daily_rows(post)] == [2 * visitors + 1]


def first_visit(url):
    """A new visitor's GET: its status and the hit count the page shows."""
    import re

    with httpx.Client(headers={"User-Agent": CHROME}, timeout=60, verify=TLS) as http:
        response = http.get(url)
    match = re.search(r'class="post-header__hits">([\d,]+)<', response.text)
    return response.status_code, int(match.group(1).replace(",", "")) if match else None
