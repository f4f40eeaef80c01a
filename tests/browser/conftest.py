"""
Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

No browser is ever downloaded (`playwright install` needs a CDN that CI cannot reach): the tests use
the `chromium` package, at CHROMIUM_PATH or /usr/bin/chromium. axe-core comes from the npm
registry (`npm ci` at the repository root). Where either is missing these tests skip with one
reason, unless REQUIRE_BROWSER_TESTS=1 (as on CI), where a skipped browser test would hide a
broken site, so they fail instead.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.urls import reverse
from django.utils import translation

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The Makefile prints this folder at the end of `make test`; a relative ARTIFACTS is relative to
# the repository root, where make runs.
ARTIFACTS = REPO_ROOT / os.environ.get("ARTIFACTS", "test-artifacts")
REQUIRED = os.environ.get("REQUIRE_BROWSER_TESTS", "").strip().lower() in {"1", "true", "yes"}

# The conformance level of KWCAG 2.2, which follows WCAG 2.1 AA.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
CHROMIUM_ARGS = (
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No calls home: CI machines reach only package registries.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


CHROMIUM_MISSING = not (CHROMIUM_PATH.is_file() and os.access(CHROMIUM_PATH, os.X_OK))


def _unavailable(missing, tests):
    # Raised here rather than in each test, so pytest folds every skip into one summary line.
    if REQUIRED:
        pytest.fail(f"{missing}, and REQUIRE_BROWSER_TESTS=1 forbids skipping {tests}.", False)
    pytest.skip(f"{missing}: {tests} skipped")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # A skip from anywhere (a fixture, a test's own pytest.skip) fails when browser tests are
    # required: CI must never pass with a browser test quietly left out.
    outcome = yield
    report = outcome.get_result()
    if REQUIRED and report.skipped and item.get_closest_marker("browser"):
        report.outcome = "failed"
        report.longrepr = (
            f"REQUIRE_BROWSER_TESTS=1, but this browser test skipped: {report.longrepr}"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture: no live server or database for a test that cannot run.
    if CHROMIUM_MISSING:
        _unavailable("Chromium not installed (apt-get install chromium)", "browser tests")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM_PATH),
        "args": list(CHROMIUM_ARGS),
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    # Replaces pytest-playwright's own fixture (a method that pytest 9 deprecates), and lets
    # tests say page.goto("/en/news/").
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    from tests.factories import CHROME

    # An English-speaking visitor on a laptop unless a test says otherwise.
    return {
        **browser_context_args,
        "locale": "en-US",
        "timezone_id": "Asia/Seoul",
        "viewport": {"width": 1280, "height": 800},
        # Headless Chromium says "HeadlessChrome", which is not counted as a person.
        "user_agent": CHROME,
    }


@pytest.fixture(autouse=True)
def _fail_fast(context):
    # Playwright waits 30 s by default; a page of this site answers in well under a second.
    context.set_default_timeout(10_000)


@pytest.fixture(autouse=True)
def _english_urls():
    # Test-client requests leave their language active in this thread (LocaleMiddleware never
    # deactivates it), so an earlier test on this worker may have left /ko/ for reverse().
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def _group_migrations():
    """The data migrations that make the Editors group, and the models as migrations leave them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    operations = [
        operation
        for migration in loader.disk_migrations.values()
        for operation in migration.operations
        if isinstance(operation, RunPython) and operation.code.__module__ == "colloquium.groups"
    ]
    return loader.project_state().apps, operations


@pytest.fixture(autouse=True)
def _editors_group(transactional_db, _group_migrations):
    # A live server needs a transactional test, which empties every table when it ends, rows of
    # data migrations included; the next test on this worker gets the Editors group back here.
    apps, operations = _group_migrations
    for operation in operations:
        operation.code(apps, None)


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_PATH.is_file():
        _unavailable("axe-core not installed (npm ci)", "accessibility tests")
    return AXE_PATH.read_text(encoding="utf-8")


@pytest.fixture
def axe(context, axe_source):
    """Returns check(page): the page's WCAG 2.1 A/AA violations, as readable lines.

    axe is added as an init script, which Chromium runs through the DevTools protocol: the site's
    strict Content-Security-Policy stays on (a <script> tag with the source would be refused).
    """
    context.add_init_script(script=axe_source)

    def check(page):
        violations = page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
                return result.violations.map((violation) => ({
                    id: violation.id,
                    impact: violation.impact,
                    help: violation.help,
                    targets: violation.nodes.map((node) => node.target.join(" ")),
                }));
            }""",
            list(AXE_TAGS),
        )
        return [
            f"{item['id']} ({item['impact']}): {item['help']} at {', '.join(item['targets'])}"
            for item in violations
        ]

    return check


@pytest.fixture
def csp_violations(page):
    """What the browser refused under the Content-Security-Policy: inline scripts, styles, CDNs."""
    refused = []

    def record(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", record)
    return refused


@pytest.fixture(scope="session")
def screenshots_dir():
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Words that find the demo colloquium on each language's board ("콜로키움" is Hangul search).
SEARCH_WORDS = {"en": "colloquium", "ko": "콜로키움"}


def _in_language(item, language):
    """`item` itself, or its published translation into `language` when it has one."""
    if item.language == language:
        return item
    return next((other for other in item.get_translations() if other.language == language), item)


@pytest.fixture
def demo_pages(transactional_db):
    """Loads the demo content; returns pages(language): issue #4's public pages, {name: path}."""
    from events.demo import SOURCE_EVENT_SLUG
    from events.models import Event, Speaker
    from news.demo import SOURCE_SLUG
    from news.models import Post

    call_command("loaddemo", stdout=io.StringIO())

    def pages(language):
        post = Post.objects.get(slug=SOURCE_SLUG)
        event = Event.objects.get(slug=SOURCE_EVENT_SLUG)
        speaker = Speaker.objects.filter(presentations__event=event).first()
        with translation.override(language):
            return {
                "home": reverse("home"),
                "board": reverse("news:post-list"),
                "search results": f"{reverse('news:post-list')}?q={SEARCH_WORDS[language]}",
                "post": _in_language(post, language).get_absolute_url(),
                "event list": reverse("events:event-list"),
                "event": _in_language(event, language).get_absolute_url(),
                "speaker": speaker.get_absolute_url(),
            }

    return pages
