import ast
import hashlib
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from events.models import Event
from news.demo import KOREAN_SOURCE_TITLE, SOURCE_SLUG, SOURCE_TITLE
from news.models import Post

pytestmark = pytest.mark.django_db

# What the command's help and the demo modules' docstrings say it creates.
DOCUMENTED_COUNTS = {
    "news.Post": 40,
    "news.Attachment": 13,
    "events.Event": 6,
    "events.Photo": 10,
    "events.EventAttachment": 1,
    "colloquium.Banner": 5,
}


@pytest.fixture
def media_root(settings, tmp_path):
    # A folder of its own, so that the demo's files can be counted exactly.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROTECTED_MEDIA_ROOT = tmp_path / "protected"
    return tmp_path


def load_demo():
    call_command("loaddemo", stdout=io.StringIO())


def all_rows():
    """Every column of every row of the project's models."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label in ("news", "events", "colloquium")
    }


def media_files(root):
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_loaddemo_creates_the_documented_rows_and_files(media_root):
    load_demo()

    counts = {label: len(rows) for label, rows in all_rows().items()}
    assert {label: counts[label] for label in DOCUMENTED_COUNTS} == DOCUMENTED_COUNTS
    assert [Post.objects.filter(language=language).count() for language in ("en", "ko")] == [33, 7]
    assert Post.objects.filter(language="ko", translation_of__isnull=False).count() == 5
    assert Event.objects.filter(language="ko", translation_of__isnull=False).count() == 2
    # Public: 5 body pictures, 5 event photos' 4 smaller copies and full-size copy each, 5
    # banner logos. Private: 12 post attachments (the Korean post shares the source
    # photograph), the 5 photo originals, the programme PDF.
    assert len(media_files(media_root / "media")) == 5 + 5 * 5 + 5
    assert len(media_files(media_root / "protected")) == 12 + 5 + 1


def test_loaddemo_twice_changes_nothing(media_root):
    load_demo()
    rows, files = all_rows(), media_files(media_root)

    load_demo()

    assert all_rows() == rows
    assert media_files(media_root) == files
    assert len(rows["news.Post"]) == 40


def test_loaddemo_links_each_source_post_to_the_event_in_its_language():
    load_demo()

    linked = Post.objects.filter(event__isnull=False).order_by("language")

    assert [(post.title, post.event.slug) for post in linked] == [
        (SOURCE_TITLE, "5th-nis-policy-colloquium"),
        (KOREAN_SOURCE_TITLE, "5th-nis-policy-colloquium-ko"),
    ]


def test_loaddemo_keeps_a_link_an_editor_changed():
    load_demo()
    workshop = Event.objects.get(slug="regional-st-planning-workshop")
    Post.objects.filter(slug=SOURCE_SLUG).update(event=workshop)

    load_demo()

    assert Post.objects.get(slug=SOURCE_SLUG).event == workshop
    assert Post.objects.get(title=KOREAN_SOURCE_TITLE).event.slug == "5th-nis-policy-colloquium-ko"


def project_imports(path):
    tree = ast.parse((Path(settings.BASE_DIR) / path).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return sorted(name for name in names if name.split(".")[0] in ("colloquium", "news", "events"))


@pytest.mark.parametrize(
    ("path", "imports"),
    [
        # The shared core knows no app; each app's demo knows its own app and the core only.
        ("colloquium/demo.py", ["colloquium.models"]),
        ("events/demo.py", ["colloquium.demo", "colloquium.publishing", "events.models"]),
        ("news/demo.py", ["colloquium.demo", "colloquium.publishing", "news.models"]),
    ],
)
def test_demo_module_imports_only_its_own_app_and_the_core(path, imports):
    assert project_imports(path) == imports
