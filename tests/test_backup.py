import datetime as dt
import gc
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

PROJECT = Path(__file__).resolve().parent.parent
# Moments with microseconds that Django's JSON serializer would cut to milliseconds.
PUBLISHED_AT = dt.datetime(2019, 8, 29, 8, 28, 39, 336802, tzinfo=dt.UTC)
CREATED_AT = dt.datetime(2019, 8, 28, 23, 59, 59, 999999, tzinfo=dt.UTC)
LAST_LOGIN = dt.datetime(2026, 3, 2, 0, 0, 0, 1, tzinfo=dt.UTC)
HANGUL_NAME = "붙임1 보고서(최종).pdf"
HANGUL_BYTES = b"%PDF-1.4\n" + "보고서 본문".encode() * 50


# -- what "identical" means: every row of every table, every file of every storage ----------


def snapshot():
    """Every row (foreign keys to content types and permissions by natural key) and every file."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content_types = {ct.pk: [ct.app_label, ct.model] for ct in ContentType.objects.all()}
    permissions = {
        p.pk: [content_types[p.content_type_id], p.codename, p.name]
        for p in Permission.objects.all()
    }

    def plain(field, value):
        if value is not None and field.is_relation and field.related_model is ContentType:
            return content_types[value]
        if value is not None and field.is_relation and field.related_model is Permission:
            return permissions[value]
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, (bytes, memoryview)):
            return bytes(value).hex()
        if isinstance(value, (Decimal, UUID, dt.timedelta)):
            return str(value)
        return value

    rows = {
        "contenttypes.contenttype": sorted(content_types.values()),
        "auth.permission": sorted(permissions.values()),
    }
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in rows:
            continue
        fields = model._meta.local_concrete_fields
        rows[label] = [
            [plain(field, value) for field, value in zip(fields, row, strict=True)]
            for row in model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
        ]
    files = {}
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        root = Path(storages[alias].location)
        files[alias] = {
            str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }
    return {"rows": rows, "files": files}


def add_rows_with_microseconds():
    """A writer, a post and a Hangul-named attachment whose moments and counters are exact."""
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from news.models import Attachment, Post
    from tests.factories import AttachmentFactory, PostFactory

    user = get_user_model().objects.create_user("백업편집자", password="not-used-here-12345")
    user.user_permissions.add(Permission.objects.get(codename="change_post"))
    get_user_model().objects.filter(pk=user.pk).update(last_login=LAST_LOGIN)
    post = PostFactory(title="마이크로초까지 같은 글", created_by=user)
    Post.objects.filter(pk=post.pk).update(
        published_at=PUBLISHED_AT, created_at=CREATED_AT, hit_count=922
    )
    attachment = AttachmentFactory(post=post, upload_name=HANGUL_NAME, content=HANGUL_BYTES)
    Attachment.objects.filter(pk=attachment.pk).update(download_count=244)
    LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(Post),
        object_id=str(post.pk),
        object_repr=post.title,
        action_flag=ADDITION,
        change_message="[]",
    )
    return post


# -- SQLite -> PostgreSQL -> SQLite, each instance a process of its own ------------------------

INSTANCE_SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
from tests import test_backup

result = {}
for step in sys.argv[1:]:
    name, _, argument = step.partition("=")
    if name == "migrate":
        call_command("migrate", verbosity=0)
    elif name == "shuffle_content_types":
        # This instance's content type of news.Post gets an id no fresh instance has, so a
        # restore elsewhere must remap every reference to it.
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType
        with transaction.atomic():
            old = ContentType.objects.get(app_label="news", model="post").pk
            Permission.objects.filter(content_type_id=old).update(content_type_id=9999)
            ContentType.objects.filter(pk=old).update(id=9999)
        ContentType.objects.clear_cache()
    elif name == "loaddemo":
        call_command("loaddemo", stdout=open("/dev/null", "w"))
    elif name == "extras":
        test_backup.add_rows_with_microseconds()
    elif name == "backup":
        call_command("backup", argument, verbosity=0)
    elif name == "restore":
        call_command("restore", argument, verbosity=0)
    elif name == "snapshot":
        result["snapshot"] = test_backup.snapshot()
    elif name == "new_post":
        from news.models import Category
        from tests.factories import PostFactory
        result["new_post_pk"] = PostFactory(category=Category.objects.first(), slug="new").pk
print(json.dumps(result))
"""


def instance_environment(folder, database_url):
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT", "PGOPTIONS")
            and not k.startswith("PYTEST_")
        },
        "DJANGO_SETTINGS_MODULE": "colloquium.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(folder / "media"),
        "PROTECTED_MEDIA_ROOT": str(folder / "protected"),
        "PYTHONPATH": str(PROJECT),
    }


def run_instance(folder, database_url, *steps):
    env = instance_environment(folder, database_url)
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "protected").mkdir(parents=True, exist_ok=True)
    script = folder / "instance.py"
    script.write_text(INSTANCE_SCRIPT)
    process = subprocess.run(
        [sys.executable, str(script), *steps],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.splitlines()[-1])


@pytest.fixture
def postgres_database():
    """An empty PostgreSQL database of its own on the suite's server (or the local one)."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        server = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"]}
        if db["PASSWORD"]:
            server["password"] = db["PASSWORD"]
    else:
        server = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
    name = f"test_backup_restore_{os.getpid()}"
    try:
        admin = psycopg.connect(dbname="postgres", connect_timeout=3, autocommit=True, **server)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server to restore into ({exc})")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        try:
            password = f":{server['password']}" if "password" in server else ""
            yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_round_trip_sqlite_postgresql_sqlite_keeps_every_row_and_file(tmp_path, postgres_database):
    first, second, third = (tmp_path / name for name in ("sqlite-a", "postgres-b", "sqlite-c"))
    first.mkdir()
    second.mkdir()
    third.mkdir()

    made = run_instance(
        first,
        f"sqlite:///{first / 'db.sqlite3'}",
        "migrate",
        "shuffle_content_types",
        "loaddemo",
        "extras",
        "snapshot",
        f"backup={tmp_path / 'a.zip'}",
    )
    on_postgres = run_instance(
        second,
        postgres_database,
        "migrate",
        f"restore={tmp_path / 'a.zip'}",
        "snapshot",
        f"backup={tmp_path / 'b.zip'}",
        "new_post",
    )
    back_on_sqlite = run_instance(
        third,
        f"sqlite:///{third / 'db.sqlite3'}",
        "migrate",
        f"restore={tmp_path / 'b.zip'}",
        "snapshot",
    )

    original = made["snapshot"]
    assert on_postgres["snapshot"] == original
    assert back_on_sqlite["snapshot"] == original
    posts = original["rows"]["news.post"]
    assert len(posts) == 41
    exact = (PUBLISHED_AT.isoformat(), CREATED_AT.isoformat(), 922)
    assert sum(all(value in row for value in exact) for row in posts) == 1
    # The demo's 35 public files (photo copies, banners, logos) and its 18 private originals
    # and attachments, with the Hangul-named attachment added to them.
    public, private = original["files"]["default"], original["files"]["protected"]
    assert (len(public), len(private)) == (35, 18 + 1)
    assert hashlib.sha256(HANGUL_BYTES).hexdigest() in private.values()
    # The sequences follow the restored rows: the next post is numbered after them.
    assert on_postgres["new_post_pk"] == max(row[0] for row in posts) + 1


def test_restore_into_an_instance_with_content_is_refused_with_exit_status_1(tmp_path):
    made = tmp_path / "made"
    made.mkdir()
    database = f"sqlite:///{made / 'db.sqlite3'}"
    run_instance(made, database, "migrate", "extras", f"backup={tmp_path / 'a.zip'}")

    refused = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "a.zip")],
        cwd=PROJECT,
        env=instance_environment(made, database),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert (
        "CommandError: This instance is not empty (admin.logentry: 1 row(s); auth.user: 1 row(s); "
        "auth.user_user_permissions: 1 row(s); "
        "news.attachment: 1 row(s); news.category: 1 row(s); news.post: 1 row(s)). restore "
        "fills an empty, migrated instance; run it with --force to replace this instance's "
        "content with the archive's."
    ) in refused.stderr


# -- in this process, on the suite's database ------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.PROTECTED_MEDIA_ROOT = tmp_path / "protected"
    settings.PROTECTED_MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def backup(path, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("backup", str(path), stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def restore(path, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("restore", str(path), stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_restore_force_brings_back_every_row_counter_and_file(media_root, tmp_path):
    from news.models import Attachment, Post
    from tests.factories import PostFactory

    call_command("loaddemo", stdout=io.StringIO())
    post = add_rows_with_microseconds()
    before = snapshot()
    backup(tmp_path / "backup.zip")
    Post.objects.filter(pk=post.pk).update(
        hit_count=0, published_at=PUBLISHED_AT.replace(microsecond=0)
    )
    attachment = Attachment.objects.get(post=post)
    Path(attachment.file.path).write_bytes(b"changed")
    Post.objects.exclude(pk=post.pk).filter(is_pinned=True).delete()
    PostFactory(title="written after the backup")
    assert snapshot() != before

    restore(tmp_path / "backup.zip", force=True)

    assert snapshot() == before
    restored = Post.objects.get(pk=post.pk)
    assert (restored.published_at, restored.created_at, restored.hit_count) == (
        PUBLISHED_AT,
        CREATED_AT,
        922,
    )
    assert Path(attachment.file.path).read_bytes() == HANGUL_BYTES


@pytest.mark.django_db
def test_backup_manifest_counts_rows_and_checksums_every_file(media_root, tmp_path):
    post = add_rows_with_microseconds()

    backup(tmp_path / "backup.zip")

    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        posts = [json.loads(line) for line in archive.read("data/news.post.jsonl").splitlines()]
        (stored,) = manifest["files"]
        member = archive.read(f"files/protected/{stored['name']}")
    assert manifest["format"] == "colloquium-backup"
    assert manifest["database_vendor"] == connection.vendor
    assert {label: manifest["tables"][label]["rows"] for label in ("news.post", "auth.user")} == {
        "news.post": 1,
        "auth.user": 1,
    }
    assert [(p["id"], p["published_at"], p["created_at"], p["hit_count"]) for p in posts] == [
        (post.pk, "2019-08-29T08:28:39.336802+00:00", "2019-08-28T23:59:59.999999+00:00", 922)
    ]
    assert stored["storage"] == "protected"  # attachments are private until published
    assert stored["sha256"] == hashlib.sha256(HANGUL_BYTES).hexdigest()
    assert stored["size"] == len(HANGUL_BYTES)
    assert member == HANGUL_BYTES


@pytest.mark.django_db
def test_every_configured_storage_but_static_files_is_backed_up_and_restored(
    media_root, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "protected": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "protected")},
        },
    }
    protected = storages["protected"]
    protected.save("attachments/비공개 보고서.hwp", io.BytesIO(b"HWP Document File"))
    FileSystemStorage(location=media_root).save("events/photos/x.w640.jpg", io.BytesIO(b"jpg"))
    backup(tmp_path / "backup.zip")
    protected.delete("attachments/비공개 보고서.hwp")

    restore(tmp_path / "backup.zip")

    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        members = sorted(name for name in archive.namelist() if name.startswith("files/"))
    assert members == [
        "files/default/events/photos/x.w640.jpg",
        "files/protected/attachments/비공개 보고서.hwp",
    ]
    with protected.open("attachments/비공개 보고서.hwp") as restored:
        assert restored.read() == b"HWP Document File"


@pytest.mark.django_db
def test_long_runs_show_progress_and_quiet_silences_it(media_root, tmp_path):
    add_rows_with_microseconds()

    stdout, stderr = backup(tmp_path / "loud.zip")
    quiet = backup(tmp_path / "quiet.zip", quiet=True)
    silent = backup(tmp_path / "silent.zip", verbosity=0)
    restored = restore(tmp_path / "loud.zip", force=True)

    assert "news.post: 1 row(s)\n" in stderr
    assert f"Files: 1 ({len(HANGUL_BYTES):,} bytes).\n" in stderr
    assert stdout.startswith(f"Wrote {tmp_path / 'loud.zip'}: ")
    assert quiet == silent == ("", "")
    assert "news.post: 1 row(s) restored\n" in restored[1]
    assert "Files: 0 written, 1 already there.\n" in restored[1]


def rewrite(source, target, change):
    """A copy of the archive `source` with `change(name, bytes)` applied to each member."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = change(info.filename, original.read(info.filename))
            if data is not None:
                copy.writestr(info.filename, data)


def tamper_file(name, data):
    return data + b"!" if name.startswith("files/") else data


def drop_manifest(name, data):
    return None if name == "manifest.json" else data


def foreign_manifest(name, data):
    return (
        json.dumps({"format": "someone-else", "version": 1}).encode()
        if name == "manifest.json"
        else data
    )


def other_schema(name, data):
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["tables"]["news.post"]["columns"].remove("hit_count")
    manifest["tables"]["news.post"]["columns"].append("view_count")
    return json.dumps(manifest).encode()


def damaged_row(name, data):
    row = b'{"id": 1}\n'
    if name == "data/news.category.jsonl":
        return row
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    # The member as its manifest entry says, but a row without the table's columns.
    manifest["tables"]["news.category"]["sha256"] = hashlib.sha256(row).hexdigest()
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda good, bad: bad.write_text("name,title\n1,not a zip\n"),
            "{bad} is not a backup archive (not a readable zip file: File is not a zip file).",
        ),
        (
            lambda good, bad: bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2]),
            "{bad} is not a backup archive (not a readable zip file: File is not a zip file).",
        ),
        (
            lambda good, bad: rewrite(good, bad, drop_manifest),
            "{bad} is a zip file but not a backup made by `manage.py backup` "
            "(it has no manifest.json).",
        ),
        (
            lambda good, bad: rewrite(good, bad, foreign_manifest),
            "{bad} is not a backup made by `manage.py backup`.",
        ),
        (
            lambda good, bad: rewrite(good, bad, tamper_file),
            "The archive is damaged: files/protected/{attachment} does not have the checksum "
            "its manifest records.",
        ),
        (
            lambda good, bad: rewrite(good, bad, other_schema),
            "The archive was made with other models than this installation has: news.post "
            "differs (columns only in the archive: view_count; only here: hit_count). Restore "
            "it with the code (and `migrate`) it was made with.",
        ),
        (
            lambda good, bad: rewrite(good, bad, damaged_row),
            "The archive is damaged: a row cannot be read (KeyError('name')).",
        ),
        (
            lambda good, bad: bad.with_suffix(".missing"),
            "{bad} does not exist or is not a file.",
        ),
    ],
    ids=[
        "not-a-zip",
        "truncated",
        "no-manifest",
        "foreign",
        "tampered-file",
        "schema",
        "damaged-row",
        "missing",
    ],
)
@pytest.mark.django_db
def test_corrupt_or_foreign_archive_is_refused_with_a_clear_message_and_nothing_changes(
    media_root, tmp_path, make, message
):
    from news.models import Attachment

    add_rows_with_microseconds()
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    backup(good)
    attachment = Attachment.objects.get()
    before = snapshot()
    made = make(good, bad)
    target = made if isinstance(made, Path) else bad

    with pytest.raises(CommandError) as refused:
        restore(target, force=True)

    assert str(refused.value) == message.format(bad=target, attachment=attachment.file.name)
    assert snapshot() == before
    del refused
    gc.collect()  # an archive left open would warn here, in this test, not in a later one
