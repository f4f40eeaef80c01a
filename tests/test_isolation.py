"""
The suite cleans up after itself: a pytest run of its own, on generated test files with the
project's settings and tests/conftest.py, shows where uploads go and what a module leaves behind.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import settings as test_settings

PROJECT = Path(__file__).resolve().parent.parent

REPORT = """
import json
import os
from pathlib import Path

from django.conf import settings


def report(name, **facts):
    facts |= {"worker": os.environ.get("PYTEST_XDIST_WORKER"), "media": str(settings.MEDIA_ROOT)}
    facts["media_exists"] = Path(settings.MEDIA_ROOT).is_dir()
    (Path(os.environ["REPORTS"]) / f"{name}.{facts['worker']}.json").write_text(json.dumps(facts))
"""

# With --dist each, both workers run every module, in this order.
GENERATED_TESTS = {
    "test_a_demo.py": """
import pytest

from news.models import Post
from report import report

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("module_demo")
def test_demo_is_loaded():
    report("demo", posts=Post.objects.count())
""",
    "test_b_after_the_demo.py": """
import pytest

from news.models import Post
from report import report

pytestmark = pytest.mark.django_db


def test_next_module_starts_empty():
    report("after", posts=Post.objects.count())
""",
    "test_upload.py": """
import pytest

from report import report
from tests.factories import AttachmentFactory

pytestmark = pytest.mark.django_db


def test_upload():
    attachment = AttachmentFactory()
    report("upload", stored=attachment.file.path)
""",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Runs the generated tests on each of two xdist workers; returns {(test, worker): facts}."""
    folder = tmp_path_factory.mktemp("isolation")
    reports = folder / "reports"
    reports.mkdir()
    (folder / "report.py").write_text(REPORT)
    for name, source in GENERATED_TESTS.items():
        (folder / name).write_text(source)
    # A run of its own: not this run's media folder or worker, and an in-memory SQLite database
    # rather than a second set of test databases next to this run's on PostgreSQL.
    leave_out = {
        "DATABASE_URL",
        test_settings.TEST_MEDIA_RUN_VARIABLE,
        test_settings.TEST_MEDIA_OWNER_VARIABLE,
    }
    env = {
        **{k: v for k, v in os.environ.items() if k not in leave_out and "XDIST" not in k},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join((str(PROJECT), str(folder))),
        "REPORTS": str(reports),
    }

    command = ["-p", "tests.conftest", "-p", "no:cacheprovider", "-n", "2", "--dist", "each"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *command, "-q", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    return {tuple(path.stem.split(".")): json.loads(path.read_text()) for path in reports.iterdir()}


def test_run_keeps_its_uploads_in_one_folder_removed_at_the_end(run):
    folder = Path(run["upload", "gw0"]["media"]).parent

    assert sorted(run) == [
        (test, worker) for test in ("after", "demo", "upload") for worker in ("gw0", "gw1")
    ]
    assert {report["media"] for report in run.values()} == {
        str(folder / "gw0"),
        str(folder / "gw1"),
    }
    assert all(report["media_exists"] for report in run.values())
    assert Path(run["upload", "gw0"]["stored"]).is_relative_to(folder / "gw0")
    assert Path(run["upload", "gw1"]["stored"]).is_relative_to(folder / "gw1")
    assert folder.name.startswith("colloquium-test-media-")
    assert not folder.exists()


@pytest.mark.parametrize("worker", ["gw0", "gw1"])
def test_module_demo_is_gone_before_the_next_module(run, worker):
    assert run["demo", worker]["posts"] > 30
    assert run["after", worker]["posts"] == 0
