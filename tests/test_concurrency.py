"""
N first-time visitors at once raise a counter by exactly N, through a real server.

SQLite runs behind the same server `make run` starts (runserver, threaded, DEBUG=1) on a file
database; PostgreSQL runs behind pytest-django's live server. Every visitor has its own HTTP
client, so no cookie is shared, and all are released together by a barrier.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from news.models import Attachment, Post
from tests.factories import CHROME, AttachmentFactory, PostFactory

PROJECT = Path(__file__).resolve().parent.parent
VISITORS = 30
CONTENT = b"%PDF-1.4\n" + b"0123456789" * 2_000

pytestmark = pytest.mark.xdist_group("live")

SETUP_SCRIPT = """
import datetime as dt
import json
from django.core.files.base import ContentFile
from colloquium.publishing import Status
from django.utils import timezone
from news.models import Attachment, Category, Post

category = Category.objects.create(name="News & Event", slug="news-event")
post = Post.objects.create(
    category=category, title="Concurrency", status=Status.PUBLISHED,
    published_at=timezone.now() - dt.timedelta(hours=1), body="<p>Hi</p>",
)
attachment = Attachment.objects.create(post=post, file=ContentFile(CONTENT, name="붙임1.pdf"))
print(json.dumps({"post": post.get_absolute_url(), "download": attachment.get_absolute_url(),
                  "post_pk": post.pk, "attachment_pk": attachment.pk}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def visit_all_at_once(url, count=VISITORS):
    """`count` new visitors GET `url` together; returns their (status, body length) pairs."""
    barrier = threading.Barrier(count)

    def visit(_):
        with httpx.Client(headers={"User-Agent": CHROME}, timeout=30) as client:
            barrier.wait()
            response = client.get(url)
            return response.status_code, len(response.content)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(visit, range(count)))


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    """`manage.py runserver` as `make run` starts it, on a fresh SQLite file."""
    folder = tmp_path_factory.mktemp("live-sqlite")
    database = folder / "db.sqlite3"
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "MEDIA_ROOT")
    }
    env = {
        **inherited,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        # Inside the run's media folder, which goes when the run ends (tests/conftest.py).
        "MEDIA_ROOT": str(settings.MEDIA_ROOT / "live-sqlite"),
        "PYTHONUNBUFFERED": "1",
    }

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "--no-input")
    script = f"CONTENT = {CONTENT!r}\n{SETUP_SCRIPT}"
    urls = json.loads(manage("shell", "--no-imports", "-c", script).splitlines()[-1])

    port = free_port()
    log = (folder / "server.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{base}/static/css/site.css", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, (folder / "server.log").read_text()
                assert time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.1)  # waiting for a process to listen, not for the clock

        yield {"base": base, "database": database, "log": folder / "server.log", **urls}
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def sqlite_value(database, sql, pk):
    # sqlite3's own context manager only ends the transaction; Python 3.13 warns of the
    # connection left open, which filterwarnings turns into a failure.
    with closing(sqlite3.connect(database)) as db:
        return db.execute(sql, (pk,)).fetchone()[0]


def test_sqlite_server_counts_every_concurrent_first_visit(sqlite_server):
    url = sqlite_server["base"] + sqlite_server["post"]

    results = visit_all_at_once(url)

    assert {status for status, _ in results} == {200}
    hits = sqlite_value(
        sqlite_server["database"],
        "SELECT hit_count FROM news_post WHERE id = ?",
        sqlite_server["post_pk"],
    )
    assert hits == VISITORS
    log = sqlite_server["log"].read_text()
    assert "database is locked" not in log
    assert '" 500 ' not in log


def test_sqlite_server_counts_every_concurrent_download(sqlite_server):
    url = sqlite_server["base"] + sqlite_server["download"]

    results = visit_all_at_once(url)

    assert results == [(200, len(CONTENT))] * VISITORS
    downloads = sqlite_value(
        sqlite_server["database"],
        "SELECT download_count FROM news_attachment WHERE id = ?",
        sqlite_server["attachment_pk"],
    )
    assert downloads == VISITORS
    log = sqlite_server["log"].read_text()
    assert "database is locked" not in log
    assert '" 500 ' not in log


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the test database is SQLite; run with DATABASE_URL=postgres://… to test PostgreSQL"
        )


@pytest.mark.django_db(transaction=True)
def test_postgres_live_server_counts_every_concurrent_first_visit(postgres_only, live_server):
    post = PostFactory()

    results = visit_all_at_once(live_server.url + post.get_absolute_url())

    assert {status for status, _ in results} == {200}
    assert Post.objects.get(pk=post.pk).hit_count == VISITORS


@pytest.mark.django_db(transaction=True)
def test_postgres_live_server_counts_every_concurrent_download(postgres_only, live_server):
    attachment = AttachmentFactory(content=CONTENT)

    results = visit_all_at_once(live_server.url + attachment.get_absolute_url())

    assert results == [(200, len(CONTENT))] * VISITORS
    assert Attachment.objects.get(pk=attachment.pk).download_count == VISITORS
