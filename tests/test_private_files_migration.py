"""The migrations *_private_files move files stored under the old rules, and keep them working."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from colloquium.images import variant_name
from tests.factories import SEOUL, picture_bytes

BEFORE = [
    ("news", "0007_trash"),
    ("events", "0008_trash"),
    ("colloquium", "0002_editors_group"),
]
AFTER = [
    ("news", "0008_private_files"),
    ("events", "0009_private_files"),
    ("colloquium", "0003_private_files"),
]

# Migrating the schema back and forth needs real transactions (SQLite refuses it inside one).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROTECTED_MEDIA_ROOT = tmp_path / "protected"
    yield tmp_path
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def put(root, name, data):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return name


def test_old_files_move_to_protected_storage_under_random_names(folders):
    media, protected = folders / "media", folders / "protected"
    apps = migrate(BEFORE)
    Category, Post, Attachment = (
        apps.get_model("news", n) for n in ("Category", "Post", "Attachment")
    )
    Event, Photo = apps.get_model("events", "Event"), apps.get_model("events", "Photo")
    category = Category._default_manager.create(name="News", slug="news")
    english = Post._default_manager.create(category=category, title="Report", language="en")
    korean = Post._default_manager.create(category=category, title="보고", language="ko")
    pdf = b"%PDF-1.4 the embargoed report"
    old = put(media, "attachments/2019/08/29/20190829172839.pdf", pdf)
    for post in (english, korean):  # the Korean post shares the English post's file
        Attachment._default_manager.create(
            post=post, file=old, original_name="report.pdf", size=len(pdf)
        )
    event = Event._default_manager.create(
        title="Colloquium",
        slug="colloquium",
        starts_at=dt.datetime(2019, 8, 29, 14, tzinfo=SEOUL),
        ends_at=dt.datetime(2019, 8, 29, 17, tzinfo=SEOUL),
    )
    jpeg = picture_bytes((400, 300), "JPEG")
    photo_name = put(media, "events/photos/2019/08/a.jpg", jpeg)
    put(media, "events/photos/2019/08/a.w320.jpg", b"the 320 copy")
    Photo._default_manager.create(
        event=event, image=photo_name, width=400, height=300, caption="Panel"
    )

    apps = migrate(AFTER)

    Attachment, Photo = apps.get_model("news", "Attachment"), apps.get_model("events", "Photo")
    names = set(Attachment._default_manager.values_list("file", flat=True))
    assert len(names) == 1  # still shared
    [name] = names
    assert name.startswith("attachments/")
    assert len(Path(name).stem) == 32
    assert (protected / name).read_bytes() == pdf
    assert not (media / old).exists()
    photo = Photo._default_manager.get()
    assert (protected / photo.image.name).read_bytes() == jpeg
    assert (media / variant_name(photo.image.name, 320)).read_bytes() == b"the 320 copy"
    assert (media / variant_name(photo.image.name)).read_bytes() == jpeg  # full-size public copy
    assert not (media / photo_name).exists()
    assert not (media / "events/photos/2019/08/a.w320.jpg").exists()
