"""
The suite cleans up after itself: a pytest run of its own, on generated test files with the
project's settings and tests/conftest.py, shows where uploads go and what a module leaves behind.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests import settings as test_settings

PROJECT = Path(__file__).resolve().parent.parent
# tests/conftest.py as a plugin, since the generated files live outside tests/; one xdist worker.
PYTEST_OPTIONS = ("-p", "tests.conftest", "-p", "no:cacheprovider", "-n", "1")

REPORT = """
import json
import os
from pathlib import Path

from django.conf import settings


def report(name, **facts):
    facts |= {"worker": os.environ.get("PYTEST_XDIST_WORKER"), "media": str(settings.MEDIA_ROOT)}
    facts["media_exists"] = Path(settings.MEDIA_ROOT).is_dir()
    (Path(os.environ["REPORTS"]) / f"{name}.json").write_text(json.dumps(facts))
"""

# One xdist worker runs the modules in this order.
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


def run_generated_tests(folder):
    """Runs GENERATED_TESTS on an xdist worker in `folder`; returns {test: what it reported}."""
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

    result = subprocess.run(
        [sys.executable, "-m", "pytest", *PYTEST_OPTIONS],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    return {path.stem: json.loads(path.read_text()) for path in reports.iterdir()}


def test_a_run_leaves_neither_its_uploads_nor_a_module_demo_behind(tmp_path):
    run = run_generated_tests(tmp_path)

    media = Path(run["upload"]["media"])
    assert (media.name, media.parent.name[:22]) == ("gw0", "colloquium-test-media-")
    assert {report["worker"] for report in run.values()} == {"gw0"}
    assert all(report["media"] == str(media) and report["media_exists"] for report in run.values())
    # An attachment: in the worker's protected folder, beside its media folder in the run's.
    assert Path(run["upload"]["stored"]).is_relative_to(media.parent / "gw0.protected")
    assert not media.parent.exists()
    assert run["demo"]["posts"] > 30
    assert run["after"]["posts"] == 0
