"""
Faults a visitor notices only as a clear answer, against real servers (gunicorn, as in
production, with DEBUG off) and a database really out of reach or really read-only.

Out of reach: PostgreSQL refusing connections (a closed port), PostgreSQL accepting them and never
answering (a silent socket, which only `connect_timeout` ends) and SQLite in a missing folder.
Every page that needs the database answers the 503 page with Retry-After within 3.5 seconds;
robots.txt and static files still answer 200.

Read-only: SQLite opened in its own read-only mode (`mode=ro`: the tests run as root, who ignores
file modes) and PostgreSQL sessions with `default_transaction_read_only`. People's visits and
downloads are served with the counts as stored, and each counter's failure is logged once.
"""

import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import pytest
from django.conf import settings
from django.db import connection, transaction

from colloquium import counters
from events.models import Event
from news.models import Attachment, Post
from tests.factories import CHROME, AttachmentFactory, EventFactory, PostFactory
from tests.servers import TLS, free_port, gunicorn, instance_environment, manage

pytestmark = pytest.mark.xdist_group("faults")

# The 3-second connection timeout, and a little for the page.
ANSWER_WITHIN = 3.5
# Seventeen pages at once wait for the database side by side, then take turns on one process to
# render: a busy two-core machine needs about a second for that.
ALL_ANSWERED_WITHIN = 4.5
RETRY_AFTER = "30"
# A session key as Django writes them: the visitor is logged in, so the session is read first.
SESSION_KEY = "k3v9q2m7x1c8b4n6z0l5j2h7g9f3d1s8"

# Every kind of page that reads the database, the missing page included.
DATABASE_PAGES = (
    "/en/",
    "/en/news/",
    "/en/news/1/",
    "/en/news/1/a-post/",
    "/en/news/feed/rss/",
    "/en/news/feed/atom/",
    "/en/news/attachments/1/download/",
    "/en/events/",
    "/en/events/a-colloquium/",
    "/en/events/feed.ics",
    "/en/events/a-colloquium.ics",
    "/en/people/a-speaker/",
    "/sitemap.xml",
    "/en/no-such-page/",
)
# Pages that read the database only through a logged-in visitor's session.
SESSION_PAGES = ("/en/news/1/", "/admin/", "/admin/news/post/")


def closed_port():
    """A port nothing listens on: connections are refused at once."""
    return free_port()


@pytest.fixture(scope="module")
def silent_database():
    """A socket that accepts connections and never says a word, as a hung database does."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        yield listener.getsockname()[1]


@pytest.fixture(scope="module")
def refused_postgres_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refused-postgres")
    url = f"postgres://postgres@127.0.0.1:{closed_port()}/colloquium"
    with gunicorn(folder, url, warm_up=True, threads=32) as server:
        yield server


@pytest.fixture(scope="module")
def silent_postgres_server(tmp_path_factory, silent_database):
    # Without the pool, only libpq's connect_timeout ends the wait for a silent server.
    folder = tmp_path_factory.mktemp("silent-postgres")
    url = f"postgres://postgres@127.0.0.1:{silent_database}/colloquium"
    with gunicorn(folder, url, warm_up=True, threads=32, DATABASE_POOL="0") as server:
        yield server


@pytest.fixture(scope="module")
def missing_sqlite_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("missing-sqlite")
    url = f"sqlite:///{folder}/no-such-folder/db.sqlite3"
    with gunicorn(folder, url, warm_up=True, threads=32) as server:
        yield server


def fetch_all_at_once(base, requests):
    """GET each (path, cookies) together; returns [(path, response, seconds)]."""

    def fetch(item):
        path, cookies = item
        with httpx.Client(
            headers={"User-Agent": CHROME}, cookies=cookies, timeout=15, verify=TLS
        ) as client:
            started = time.monotonic()
            response = client.get(base + path)
            return path, response, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(fetch, requests))


def assert_every_page_is_a_prompt_503(server):
    requests = [(path, {}) for path in DATABASE_PAGES]
    requests += [(path, {"sessionid": SESSION_KEY}) for path in SESSION_PAGES]

    [(_, alone, alone_seconds)] = fetch_all_at_once(server["base"], [("/en/news/1/", {})])
    results = fetch_all_at_once(server["base"], requests)

    assert alone.status_code == 503
    assert alone_seconds < ANSWER_WITHIN, f"the page took {alone_seconds:.2f} s"
    answers = {
        (path, response.status_code, response.headers.get("Retry-After"))
        for path, response, _ in results
    }
    assert answers == {(path, 503, RETRY_AFTER) for path, _ in requests}
    timings = sorted((round(seconds, 2), path) for path, _, seconds in results)
    assert timings[-1][0] < ALL_ANSWERED_WITHIN, f"the slowest answers took {timings[-3:]} s"
    for _, response, _ in results:
        page = response.text
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "<title>Temporarily unavailable | KISTEP</title>" in page
        assert "Please try again in a few minutes." in page
        # The site's chrome: its header, navigation and footer.
        assert '<a class="skip-link" href="#main">Skip to main content</a>' in page
        assert '<nav class="site-nav" aria-label="Main">' in page
        assert "<p>Korea Institute of S&T Evaluation and Planning (KISTEP)</p>" in page
        # A logged-in visitor stays logged in for when the database is back.
        assert "sessionid" not in response.cookies


def assert_pages_without_database_work(server):
    robots = httpx.get(server["base"] + "/robots.txt", timeout=5)
    stylesheet = httpx.get(server["base"] + "/static/css/site.css", timeout=5)

    assert robots.status_code == 200
    assert robots.text.startswith("User-agent: *\nDisallow: /admin/\n")
    assert stylesheet.status_code == 200
    assert stylesheet.headers["Content-Type"].startswith("text/css")


def test_refused_postgres_answers_503_promptly(refused_postgres_server):
    assert_every_page_is_a_prompt_503(refused_postgres_server)


def test_silent_postgres_answers_503_promptly(silent_postgres_server):
    assert_every_page_is_a_prompt_503(silent_postgres_server)


def test_missing_sqlite_answers_503_promptly(missing_sqlite_server):
    assert_every_page_is_a_prompt_503(missing_sqlite_server)


def test_refused_postgres_still_serves_robots_and_static_files(refused_postgres_server):
    assert_pages_without_database_work(refused_postgres_server)


def test_missing_sqlite_still_serves_robots_and_static_files(missing_sqlite_server):
    assert_pages_without_database_work(missing_sqlite_server)


def test_the_503_page_speaks_the_visitors_language(missing_sqlite_server):
    response = httpx.get(missing_sqlite_server["base"] + "/ko/news/", timeout=5)

    assert response.status_code == 503
    assert "<title>일시적으로 이용할 수 없습니다 | " in response.text
    assert "잠시 후 다시 시도해 주세요." in response.text


def test_a_database_down_is_logged_with_its_cause(missing_sqlite_server):
    httpx.get(missing_sqlite_server["base"] + "/en/news/", timeout=5)

    log = missing_sqlite_server["log"].read_text()
    assert "Service Unavailable: /en/news/" in log
    assert "unable to open database file" in log


# Read-only databases


STORED_HITS = 41
STORED_EVENT_HITS = 12
STORED_DOWNLOADS = 7
VISITORS = 5
CONTENT = b"%PDF-1.4\n" + b"read-only " * 100

READ_ONLY_SETUP = """
import datetime as dt
import json
from django.core.files.base import ContentFile
from django.utils import timezone
from colloquium.publishing import Status
from events.models import Event
from news.models import Attachment, Category, Post

now = timezone.now()
category = Category.objects.create(name="News & Event", slug="news-event")
post = Post.objects.create(category=category, title="Read only", status=Status.PUBLISHED,
                           published_at=now - dt.timedelta(hours=1), body="<p>Still here.</p>")
attachment = Attachment.objects.create(post=post, file=ContentFile(CONTENT, name="report.pdf"))
event = Event.objects.create(title="Read-only colloquium", status=Status.PUBLISHED,
                             published_at=now - dt.timedelta(hours=1),
                             starts_at=now + dt.timedelta(days=3),
                             ends_at=now + dt.timedelta(days=3, hours=2))
Post.objects.filter(pk=post.pk).update(hit_count=HITS)
Event.objects.filter(pk=event.pk).update(hit_count=EVENT_HITS)
Attachment.objects.filter(pk=attachment.pk).update(download_count=DOWNLOADS)
print(json.dumps({"post": post.get_absolute_url(), "event": event.get_absolute_url(),
                  "download": attachment.get_absolute_url()}))
"""


def visit_as_new_people(base, paths, count=VISITORS):
    """`count` people, each with their own cookies, GET every path: their responses."""
    responses = []
    for _ in range(count):
        with httpx.Client(headers={"User-Agent": CHROME}, timeout=15, verify=TLS) as person:
            responses += [person.get(base + path) for path in paths]
    return responses


def shown_hits(page):
    return re.search(r'class="(?:post-header|event-facts)__hits">([^<]*)<', page)[1]


def assert_served_as_stored(responses, urls):
    post_pages = [r for r in responses if r.url.path == urls["post"]]
    event_pages = [r for r in responses if r.url.path == urls["event"]]
    downloads = [r for r in responses if r.url.path == urls["download"]]
    assert [r.status_code for r in responses] == [200] * (3 * VISITORS)
    assert [shown_hits(r.text) for r in post_pages] == [str(STORED_HITS)] * VISITORS
    assert [shown_hits(r.text) for r in event_pages] == [str(STORED_EVENT_HITS)] * VISITORS
    assert [r.content for r in downloads] == [CONTENT] * VISITORS
    assert f"Download {STORED_DOWNLOADS})" in post_pages[0].text
    # A visit that was not counted is not remembered: it counts once the database takes writes.
    assert [r.cookies.get(counters.COOKIE_NAME) for r in post_pages] == [None] * VISITORS


def assert_each_failure_logged_once(log):
    assert log.count("Could not add one to hit_count") == 1
    assert log.count("Could not add one to download_count") == 1
    assert "Internal Server Error" not in log


@pytest.fixture(scope="module")
def read_only_sqlite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("read-only-sqlite")
    database = folder / "db.sqlite3"
    env = instance_environment(
        f"sqlite:///{database}",
        folder / "media",
        folder / "protected",
        DJANGO_SETTINGS_MODULE="colloquium.settings",
        DEBUG="1",
    )

    manage(env, "migrate", "--no-input", timeout=60)
    script = (
        f"CONTENT = {CONTENT!r}\nHITS = {STORED_HITS}\nEVENT_HITS = {STORED_EVENT_HITS}\n"
        f"DOWNLOADS = {STORED_DOWNLOADS}\n{READ_ONLY_SETUP}"
    )
    urls = json.loads(manage(env, "shell", "--no-imports", "-c", script).splitlines()[-1])
    # SQLite's own read-only mode, through a URI file name (Django opens every name as a URI).
    read_only_url = "sqlite:///" + quote(f"file:{database}?mode=ro", safe="/:")
    with gunicorn(folder, read_only_url) as server:
        yield {**server, **urls, "database": database}


def test_read_only_sqlite_serves_people_their_pages_and_files(read_only_sqlite):
    paths = (read_only_sqlite["post"], read_only_sqlite["event"], read_only_sqlite["download"])

    responses = visit_as_new_people(read_only_sqlite["base"], paths)

    assert_served_as_stored(responses, read_only_sqlite)
    assert_each_failure_logged_once(read_only_sqlite["log"].read_text())


@pytest.mark.django_db(transaction=True)
def test_read_only_postgres_serves_people_their_pages_and_files(postgres_only, tmp_path):
    attachment = AttachmentFactory(content=CONTENT)
    post = attachment.post
    event = EventFactory()
    Post.objects.filter(pk=post.pk).update(hit_count=STORED_HITS)
    Event.objects.filter(pk=event.pk).update(hit_count=STORED_EVENT_HITS)
    Attachment.objects.filter(pk=attachment.pk).update(download_count=STORED_DOWNLOADS)
    urls = {
        "post": post.get_absolute_url(),
        "event": event.get_absolute_url(),
        "download": attachment.get_absolute_url(),
    }
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    (tmp_path / "media").symlink_to(settings.MEDIA_ROOT)
    (tmp_path / "protected").symlink_to(settings.PROTECTED_MEDIA_ROOT)

    # Every session of the server is read-only, as on a hot standby.
    with gunicorn(tmp_path, url, PGOPTIONS="-c default_transaction_read_only=on") as server:
        responses = visit_as_new_people(server["base"], list(urls.values()))
        log = server["log"].read_text()

    assert_served_as_stored(responses, urls)
    assert_each_failure_logged_once(log)
    assert "read-only transaction" in log
    assert Post.objects.get(pk=post.pk).hit_count == STORED_HITS


@pytest.fixture
def counting_state():
    counters._failing.clear()
    yield
    counters._failing.clear()


# 2**31 - 1, the largest value of PostgreSQL's integer: one more is a real write failure.
LARGEST_COUNT = 2_147_483_647


@pytest.mark.django_db
def test_a_failed_count_leaves_the_transaction_usable_and_is_logged_once(
    postgres_only, counting_state, caplog
):
    full, other = PostFactory(), PostFactory()
    Post.objects.filter(pk=full.pk).update(hit_count=LARGEST_COUNT)

    with transaction.atomic():
        results = [full.record_hit(), full.record_hit(), other.record_hit(), full.record_hit()]
        # The failed writes were rolled back to their savepoints: the transaction goes on.
        titles = sorted(Post.objects.values_list("title", flat=True))

    assert results == [False, False, True, False]
    assert titles == sorted([full.title, other.title])
    assert Post.objects.get(pk=full.pk).hit_count == LARGEST_COUNT
    assert Post.objects.get(pk=other.pk).hit_count == 1
    warnings = [r for r in caplog.records if r.name == "colloquium.counters" and r.levelno == 30]
    # Logged at the first failure, and again at the first one after a success.
    assert len(warnings) == 2
    assert "integer out of range" in caplog.text
