"""
N first-time visitors at once raise a counter by exactly N, through a real server, and an editor
saving the same post meanwhile loses neither their edit nor anyone's count.

SQLite runs behind the same server `make run` starts (runserver, threaded, DEBUG=1) on a file
database; PostgreSQL runs behind pytest-django's live server, and behind gunicorn as the README
deploys it for the editor. Every visitor has its own HTTP client, so no cookie is shared.
"""

import json
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from html.parser import HTMLParser

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython

from news.models import Attachment, Post
from tests.factories import (
    CHROME,
    AttachmentFactory,
    EditorFactory,
    EventAttachmentFactory,
    EventFactory,
    PhotoFactory,
    PostFactory,
    PresentationFactory,
)
from tests.servers import (
    PROJECT,
    TLS,
    free_port,
    gunicorn,
    instance_environment,
    manage,
    wait_until_serving,
)

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

# The editor's post, read and downloaded by the crowd while its editor saves it.
edited = Post.objects.create(
    category=category, title="Edited while read", status=Status.PUBLISHED,
    published_at=timezone.now() - dt.timedelta(hours=1), body="<p>Hi</p>", writer="Yeory Lim",
)
edited_file = Attachment.objects.create(post=edited, file=ContentFile(CONTENT, name="붙임2.pdf"))
from django.contrib.auth.models import Group, User
editor = User.objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
print(json.dumps({"post": post.get_absolute_url(), "download": attachment.get_absolute_url(),
                  "post_pk": post.pk, "attachment_pk": attachment.pk,
                  "edited": {"post": edited.get_absolute_url(),
                             "download": edited_file.get_absolute_url(),
                             "change": f"/admin/news/post/{edited.pk}/change/",
                             "post_pk": edited.pk, "attachment_pk": edited_file.pk}}))
"""


def new_visitor(**kwargs):
    """An HTTP client without cookies: a person on their first visit."""
    return httpx.Client(headers={"User-Agent": CHROME}, timeout=60, verify=TLS, **kwargs)


def visit_all_at_once(url, count=VISITORS):
    """`count` new visitors GET `url` together; returns their (status, body length) pairs."""
    barrier = threading.Barrier(count)

    def visit(_):
        with new_visitor() as client:
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
    env = instance_environment(
        f"sqlite:///{database}",
        # Inside the run's media folder, which goes when the run ends (tests/conftest.py).
        settings.MEDIA_ROOT / "live-sqlite",
        settings.PROTECTED_MEDIA_ROOT / "live-sqlite",
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        # The crowd comes from one address without cookies: let every one of its people count.
        COUNTS_PER_ADDRESS_PER_DAY=str(CROWD),
    )

    manage(env, "migrate", "--no-input", timeout=60)
    script = f"CONTENT = {CONTENT!r}\nUSERNAME, PASSWORD = {EDITOR!r}\n{SETUP_SCRIPT}"
    urls = json.loads(manage(env, "shell", "--no-imports", "-c", script).splitlines()[-1])

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
        wait_until_serving(
            server, f"{base}/static/css/site.css", folder / "server.log", "runserver", seconds=15
        )

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


# An editor saves a post again and again while a crowd reads it and downloads its file.

CROWD = 200
EDITOR_SAVES = 20
EDITOR = ("editor", "a-long-editor-password")


class FormReader(HTMLParser):
    """The fields a browser submits from the form with id `form_id`, as (name, value) pairs."""

    def __init__(self, form_id, submit="_save"):
        super().__init__()
        self.form_id, self.submit = form_id, submit
        self.inside = False
        self.fields = []
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or (tag != "option" and "name" not in attrs):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value", "on")))
            elif kind == "submit":
                if attrs["name"] == self.submit:
                    self.fields.append((attrs["name"], attrs.get("value", "")))
            elif kind not in ("file", "button", "reset", "image"):
                self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self.select = {"name": attrs["name"], "first": None, "selected": None}
        elif tag == "option" and self.select is not None:
            if self.select["first"] is None:
                self.select["first"] = attrs.get("value", "")
            if "selected" in attrs:
                self.select["selected"] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = self.select["selected"]
            value = chosen if chosen is not None else self.select["first"]
            if value is not None:
                self.fields.append((self.select["name"], value))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the newline that follows <textarea>.
            name, value = self.textarea
            self.fields.append((name, value.removeprefix("\n")))
            self.textarea = None


def form_fields(page, form_id):
    reader = FormReader(form_id)
    reader.feed(page)
    return dict(reader.fields)


@contextmanager
def logged_in_editor(base):
    """The editor's browser, logged in through the admin's login form."""
    with new_visitor(base_url=base) as browser:
        login = browser.get("/admin/login/?next=/admin/")
        fields = form_fields(login.text, "login-form")
        fields.update(username=EDITOR[0], password=EDITOR[1])
        response = browser.post("/admin/login/?next=/admin/", data=fields)
        assert response.status_code == 302, response.text
        yield browser


def edit_repeatedly(browser, change_path, titles, while_open):
    """
    Open the change form and save it with each title in turn, as a browser does, calling
    `while_open()` between opening and saving: returns the statuses of every request and when
    each save was answered.
    """
    statuses, saved_at = [], []
    for title in titles:
        form = browser.get(change_path)
        while_open()
        fields = form_fields(form.text, "post_form")
        fields["title"] = title
        saved = browser.post(change_path, data=fields)
        saved_at.append(time.monotonic())
        statuses += [form.status_code, saved.status_code]
    return statuses, saved_at


def read_and_download(post_url, download_url):
    with new_visitor() as person:
        started = time.monotonic()
        page = person.get(post_url)
        file = person.get(download_url)
        return (
            page.status_code,
            file.status_code,
            file.content == CONTENT,
            started,
            time.monotonic(),
        )


def crowd_and_editor(base, edited):
    """
    CROWD people read and download while the editor saves EDITOR_SAVES times. Every person has
    a thread of their own from the start, and each time the editor opens the form, the next
    CROWD / EDITOR_SAVES of them go: visits land while the editor's form is open and saved.
    """
    titles = [f"Edited while read, version {n}" for n in range(1, EDITOR_SAVES + 1)]
    go = threading.Semaphore(0)

    def edit(browser):
        try:
            return edit_repeatedly(
                browser, edited["change"], titles, lambda: go.release(CROWD // EDITOR_SAVES)
            )
        finally:
            go.release(CROWD)  # whatever happened to the editor, nobody waits for ever

    def visit(_):
        go.acquire()
        return read_and_download(base + edited["post"], base + edited["download"])

    with logged_in_editor(base) as browser, ThreadPoolExecutor(max_workers=CROWD + 1) as pool:
        visiting = [pool.submit(visit, n) for n in range(CROWD)]
        statuses, saved_at = pool.submit(edit, browser).result()
        visits = [future.result() for future in visiting]
    return titles, statuses, saved_at, visits


def assert_nobody_lost_anything(statuses, saved_at, visits):
    assert statuses == [200, 302] * EDITOR_SAVES  # each form opened, each save redirected
    assert [visit[:3] for visit in visits] == [(200, 200, True)] * CROWD
    # The saves happened while people were reading, not before or after them all.
    during = [any(visit[3] < moment < visit[4] for visit in visits) for moment in saved_at]
    assert during.count(True) >= EDITOR_SAVES // 2


def test_sqlite_editor_saving_while_a_crowd_reads_loses_nothing(sqlite_server):
    edited = sqlite_server["edited"]

    titles, statuses, saved_at, visits = crowd_and_editor(sqlite_server["base"], edited)

    assert_nobody_lost_anything(statuses, saved_at, visits)
    with sqlite3.connect(sqlite_server["database"]) as db:
        post = db.execute(
            "SELECT title, hit_count FROM news_post WHERE id = ?", (edited["post_pk"],)
        ).fetchone()
        files = db.execute(
            "SELECT id, original_name, size, download_count FROM news_attachment WHERE post_id = ?",
            (edited["post_pk"],),
        ).fetchall()
    assert post == (titles[-1], CROWD)
    assert files == [(edited["attachment_pk"], "붙임2.pdf", len(CONTENT), CROWD)]
    log = sqlite_server["log"].read_text()
    assert "database is locked" not in log
    assert '" 500 ' not in log


@pytest.fixture
def editors_group(transactional_db):
    """
    The Editors group, made by its data migrations' own code: a transactional test empties every
    table when it ends, so a group made by a migration is gone for the tests after it.
    """
    loader = MigrationLoader(None, ignore_no_migrations=True)
    apps = loader.project_state().apps
    for migration in loader.disk_migrations.values():
        for operation in migration.operations:
            if (
                isinstance(operation, RunPython)
                and operation.code.__module__ == "colloquium.groups"
            ):
                operation.code(apps, None)


@pytest.mark.django_db(transaction=True)
def test_postgres_editor_saving_while_a_crowd_reads_loses_nothing(
    postgres_only, editors_group, tmp_path
):
    attachment = AttachmentFactory(content=CONTENT, upload_name="붙임2.pdf")
    post = attachment.post
    editor = EditorFactory(username=EDITOR[0])
    editor.set_password(EDITOR[1])
    editor.save()
    edited = {
        "post": post.get_absolute_url(),
        "download": attachment.get_absolute_url(),
        "change": f"/admin/news/post/{post.pk}/change/",
    }
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    (tmp_path / "media").symlink_to(settings.MEDIA_ROOT)
    (tmp_path / "protected").symlink_to(settings.PROTECTED_MEDIA_ROOT)

    # As the README deploys it: three workers of four threads, each with its pool of four.
    # The crowd comes from one address without cookies: let every one of its people count.
    with gunicorn(
        tmp_path, url, workers=3, threads=4, COUNTS_PER_ADDRESS_PER_DAY=str(CROWD)
    ) as server:
        titles, statuses, saved_at, visits = crowd_and_editor(server["base"], edited)
        log = server["log"].read_text()

    assert_nobody_lost_anything(statuses, saved_at, visits)
    post.refresh_from_db()
    assert (post.title, post.hit_count) == (titles[-1], CROWD)
    files = post.attachments.values_list("pk", "original_name", "size", "download_count")
    assert list(files) == [(attachment.pk, "붙임2.pdf", len(CONTENT), CROWD)]
    assert "Traceback" not in log


# Saving an item never writes its counters back: they may have moved since it was loaded.

COUNTED = (
    (PostFactory, "title", "record_hit", "hit_count"),
    (EventFactory, "title", "record_hit", "hit_count"),
    (AttachmentFactory, "original_name", "record_download", "download_count"),
    (EventAttachmentFactory, "original_name", "record_download", "download_count"),
    (PhotoFactory, "caption", "record_download", "download_count"),
    (PresentationFactory, "title", "record_download", "download_count"),
)


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "field", "record", "counter"), COUNTED)
def test_saving_an_item_loaded_before_visits_keeps_their_counts(factory, field, record, counter):
    item = factory()
    editors_copy = type(item).objects.get(pk=item.pk)
    getattr(item, record)()
    getattr(item, record)()

    setattr(editors_copy, field, "Edited")
    editors_copy.save()

    stored = type(item)._base_manager.values_list(field, counter).get(pk=item.pk)
    assert stored == ("Edited", 2)


@pytest.mark.django_db
def test_a_new_item_keeps_the_counts_it_is_created_with():
    attachment = AttachmentFactory(download_count=7, post=PostFactory(hit_count=41))

    assert Post.objects.values_list("hit_count", flat=True).get() == 41
    assert Attachment.objects.values_list("download_count", flat=True).get() == 7
    assert attachment.download_count == 7
