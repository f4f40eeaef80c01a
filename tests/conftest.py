import io
import os
import re
import runpy
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_unconfigure(config):
    # The run's media folder (see tests/settings.py) goes when the run ends, in the process that
    # made it: the xdist controller, once its workers have stopped, or pytest alone.
    from tests import settings

    if os.environ.get(settings.TEST_MEDIA_OWNER_VARIABLE) == str(os.getpid()):
        shutil.rmtree(settings.TEST_MEDIA_RUN, ignore_errors=True)


@pytest.fixture
def now(time_machine):
    """The clock stopped at tests.factories.NOW for the test."""
    from tests.factories import NOW

    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def client():
    """Django's test client as a person's browser: a request without a User-Agent is not counted."""
    from django.test import Client

    from tests.factories import CHROME

    return Client(headers={"User-Agent": CHROME})


@pytest.fixture
def editor(db):
    from tests.factories import EditorFactory

    return EditorFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def _english_by_default():
    # LocaleMiddleware activates a request's language in the test thread and never resets it:
    # without this, a /ko/ request in one test makes reverse() give /ko/ URLs in the next.
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def module_demo(django_db_setup, django_db_blocker):
    """
    The demo content, loaded once for a module whose tests read it, and gone when the module ends.

    It is loaded in a transaction left open for the module: each test's own transaction nests in
    it as a savepoint, so whatever a test writes (a hit, a download, loading the demo again) is
    undone after that test, and the demo itself is rolled back at the end, before the next module
    on this worker runs. Not for transactional tests (live_server), which flush the database.
    """
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        demo_transaction = transaction.atomic()
        demo_transaction.__enter__()
        call_command("loaddemo", stdout=io.StringIO())
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            demo_transaction.__exit__(None, None, None)


PROJECT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = PROJECT / "colloquium" / "settings.py"
# Every variable the settings read, so that a test sees only the environment it sets.
CONFIG_VARIABLES = {
    *re.findall(
        r'(?:env_bool|env_int|env_list|environ\.get)\("([A-Z_]+)"', SETTINGS_FILE.read_text()
    ),
    "DJANGO_SETTINGS_MODULE",
}


@pytest.fixture
def load_settings(monkeypatch):
    """The settings module as a fresh process would see it with exactly `env`."""

    def load(**env):
        for name in CONFIG_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load


@pytest.fixture
def postgres_only():
    """Skips a test that needs PostgreSQL when the suite runs on SQLite (CI runs both)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "the test database is SQLite; run with DATABASE_URL=postgres://… to test PostgreSQL"
        )


# Redis for the counters' buffer: the machine's, a database of the tests' own. Where it does not
# answer the tests that need it skip, unless REQUIRE_REDIS=1 (as on CI), where they fail.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
REDIS_REQUIRED = os.environ.get("REQUIRE_REDIS", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture
def redis_counters(settings):
    """
    Counters buffered in the tests' Redis under a key prefix of this test's own (parallel
    workers share the database), removed afterwards; yields that prefix.
    """
    import uuid

    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        message = f"Redis does not answer at {TEST_REDIS_URL} ({error})"
        if REDIS_REQUIRED:
            pytest.fail(f"{message}, and REQUIRE_REDIS=1 forbids skipping.", False)
        pytest.skip(message)
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.COUNTERS_REDIS_URL = TEST_REDIS_URL
    settings.REDIS_KEY_PREFIX = prefix
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(autouse=True)
def _empty_cache():
    # The in-process cache outlives a test; what one test tallied there (an address's counts,
    # colloquium/counters.py) must not count against the next, whose rows may reuse the same keys.
    yield
    from django.core.cache import cache

    cache.clear()
