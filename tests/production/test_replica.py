"""
DATABASE_REPLICA_URL: a second PostgreSQL database stands in for the replica. The same post is
in both, with a different writer in each, so every answer shows which database it was read from.
A site instance of its own (a subprocess, with both variables set) answers requests through
Django's test client and reports what it saw; writes must land on the primary only.
"""

import json

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from news.models import Post
from tests.factories import PostFactory
from tests.servers import instance_environment, manage

pytestmark = pytest.mark.django_db(transaction=True)

PRIMARY_WRITER = "Written on the primary"
REPLICA_WRITER = "Written on the replica"

# The replica's copy of the primary's post: same keys, same slugs, another writer.
COPY_SCRIPT = """
from news.models import Category, Post
Category.objects.create(pk=CATEGORY["pk"], name=CATEGORY["name"], slug=CATEGORY["slug"])
Post.objects.create(**POST)
"""

CHECK_SCRIPT = """
import json
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from colloquium import counters, db
from news.models import Post
from tests.factories import CHROME
from django.test.utils import setup_test_environment

setup_test_environment()  # responses keep their template context
seen = {}


def on_both(name, call):
    with CaptureQueriesContext(connections["replica"]) as replica:
        with CaptureQueriesContext(connections["default"]) as default:
            result = call()
    seen[name] = {"replica": len(replica), "default": len(default)}
    return result


visitor = Client(headers={"User-Agent": CHROME}, HTTP_HOST="localhost")
board = on_both("board", lambda: visitor.get("/en/news/"))
page = on_both("post", lambda: visitor.get(POST_URL))
seen["board_writer"] = [w for w in (PRIMARY, REPLICA) if w in board.content.decode()]
seen["post_writer"] = [w for w in (PRIMARY, REPLICA) if w in page.content.decode()]
seen["post_status"] = page.status_code
seen["hits"] = {
    alias: Post._base_manager.using(alias).get(pk=POST_PK).hit_count
    for alias in ("default", "replica")
}

# No request: a management command, a shell.
seen["outside_a_request"] = Post.objects.get(pk=POST_PK).writer
# A request's reads inside a transaction see the primary, which the transaction writes.
token = db._replica_reads.set(True)
try:
    seen["in_a_request"] = Post.objects.get(pk=POST_PK).writer
    with transaction.atomic():
        seen["in_a_transaction"] = Post.objects.get(pk=POST_PK).writer
    # A row read from the replica is saved to the primary.
    post = Post.objects.get(pk=POST_PK)
    post.title = "Saved from a replica's row"
    post.save(update_fields=["title"])
    seen["counters_shown"] = counters.current_values([("news.post", POST_PK, "hit_count")])[
        ("news.post", POST_PK, "hit_count")
    ]
finally:
    db._replica_reads.reset(token)
seen["titles"] = {
    alias: Post._base_manager.using(alias).get(pk=POST_PK).title for alias in ("default", "replica")
}

# The editor: a new account, and a login (a POST) that writes a session, on the primary; the admin
# reads them there, and so do public pages.
from django.contrib.auth.models import User
User.objects.create_superuser("boss", password="a long secret 7")
editor = Client(HTTP_HOST="localhost")
logged_in = editor.post("/admin/login/", {"username": "boss", "password": "a long secret 7"})
changelist = editor.get("/admin/news/post/")
seen["login_status"] = logged_in.status_code
seen["admin_status"] = changelist.status_code
seen["admin_writer"] = [w for w in (PRIMARY, REPLICA) if w in changelist.content.decode()]
seen["staff_public_page"] = editor.get("/en/news/").context["user"].username

from django.db import router
seen["migrate"] = {
    alias: router.allow_migrate_model(alias, Post) for alias in ("default", "replica")
}
print(json.dumps(seen))
"""


@pytest.fixture
def replica_database(postgres_only, tmp_path):
    """A second database on the test server, migrated: the replica's stand-in."""
    db = connection.settings_dict
    name = f"{db['NAME']}_replica"
    server = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    env = instance_environment(
        url, tmp_path / "media", tmp_path / "protected", DEBUG="1", PYTHONUNBUFFERED="1"
    )
    manage(env, "migrate", "--no-input", "-v0")
    try:
        yield {"url": url, "env": env, "primary": f"{server}/{db['NAME']}"}
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_public_pages_read_the_replica_and_everything_else_the_primary(replica_database, tmp_path):
    post = PostFactory(writer=PRIMARY_WRITER)
    fields = ("title", "slug", "status", "published_at", "body", "writer", "category_id")
    copy = Post.objects.filter(pk=post.pk).values(*fields).get() | {"pk": post.pk}
    copy["writer"] = REPLICA_WRITER
    copy["published_at"] = copy["published_at"].isoformat()
    category = {"pk": post.category.pk, "name": post.category.name, "slug": post.category.slug}
    manage(
        replica_database["env"],
        "shell",
        "--no-imports",
        "-c",
        "import datetime\n"
        f"CATEGORY = {category!r}\n"
        f"POST = {copy!r}\n"
        "POST['published_at'] = datetime.datetime.fromisoformat(POST['published_at'])\n"
        + COPY_SCRIPT,
    )

    env = instance_environment(
        replica_database["primary"],
        settings.MEDIA_ROOT,
        settings.PROTECTED_MEDIA_ROOT,
        DEBUG="1",
        DATABASE_REPLICA_URL=replica_database["url"],
        PYTHONUNBUFFERED="1",
    )
    script = (
        f"POST_PK, POST_URL = {post.pk}, {post.get_absolute_url()!r}\n"
        f"PRIMARY, REPLICA = {PRIMARY_WRITER!r}, {REPLICA_WRITER!r}\n" + CHECK_SCRIPT
    )
    seen = json.loads(manage(env, "shell", "--no-imports", "-c", script).splitlines()[-1])

    # A visitor's pages come from the replica, the visit is counted on the primary.
    assert seen["board_writer"] == [REPLICA_WRITER]
    assert seen["post_writer"] == [REPLICA_WRITER]
    assert seen["post_status"] == 200
    # The board's queries all went to the replica (how many is the board's business).
    assert seen["board"]["default"] == 0
    assert seen["board"]["replica"] > 0
    assert seen["hits"] == {"default": 1, "replica": 0}
    # Writes and the counters shown: the primary only.
    assert seen["titles"] == {"default": "Saved from a replica's row", "replica": post.title}
    assert seen["counters_shown"] == 1
    # Without a request, or in a transaction: the primary.
    assert seen["in_a_request"] == REPLICA_WRITER
    assert seen["outside_a_request"] == PRIMARY_WRITER
    assert seen["in_a_transaction"] == PRIMARY_WRITER
    # The editor logs in and works on the primary, and is known on public pages at once.
    assert (seen["login_status"], seen["admin_status"]) == (302, 200)
    assert seen["admin_writer"] == [PRIMARY_WRITER]
    assert seen["staff_public_page"] == "boss"
    assert seen["migrate"] == {"default": True, "replica": False}


def test_replica_url_adds_the_database_the_router_and_the_middleware(load_settings):
    loaded = load_settings(
        DEBUG="1",
        DATABASE_URL="postgres://news@db1.example/colloquium",
        DATABASE_REPLICA_URL="postgres://news@db2.example/colloquium",
    )

    replica = loaded["DATABASES"]["replica"]
    assert (replica["HOST"], replica["NAME"]) == ("db2.example", "colloquium")
    assert replica["OPTIONS"]["pool"] == loaded["DATABASES"]["default"]["OPTIONS"]["pool"]
    assert loaded["DATABASE_ROUTERS"] == ["colloquium.db.ReplicaRouter"]
    assert loaded["MIDDLEWARE"][0] == "colloquium.db.ReplicaReadsMiddleware"


def test_no_replica_url_means_one_database_and_no_router(load_settings):
    loaded = load_settings(DEBUG="1")

    assert list(loaded["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in loaded
    assert "colloquium.db.ReplicaReadsMiddleware" not in loaded["MIDDLEWARE"]


def test_a_junk_replica_url_is_an_error_that_names_it(load_settings):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL must be a postgres"):
        load_settings(DEBUG="1", DATABASE_REPLICA_URL="mysql://db.example/colloquium")
