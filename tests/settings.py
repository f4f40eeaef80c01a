"""Test settings: the real settings, with only speed and isolation overridden."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# The test client's host: pages give the addresses a test reads as http://testserver/...
os.environ.setdefault("SITE_URL", "http://testserver")

from colloquium.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# One folder of uploads per run: the process that starts the run makes it and names itself its
# owner, and the xdist workers it starts inherit both through the environment. Each worker keeps
# its files in a folder of its own in it, so a test that lists MEDIA_ROOT sees only its own
# worker's. tests/conftest.py removes the run's folder when the owner's run ends.
TEST_MEDIA_RUN_VARIABLE = "COLLOQUIUM_TEST_MEDIA_RUN"
TEST_MEDIA_OWNER_VARIABLE = "COLLOQUIUM_TEST_MEDIA_OWNER"
if TEST_MEDIA_RUN_VARIABLE not in os.environ:
    os.environ[TEST_MEDIA_RUN_VARIABLE] = tempfile.mkdtemp(prefix="colloquium-test-media-")
    os.environ[TEST_MEDIA_OWNER_VARIABLE] = str(os.getpid())
TEST_MEDIA_RUN = Path(os.environ[TEST_MEDIA_RUN_VARIABLE])  # noqa: F405
MEDIA_ROOT = TEST_MEDIA_RUN / os.environ.get("PYTEST_XDIST_WORKER", "main")
MEDIA_ROOT.mkdir(exist_ok=True)
# Beside the public folder, never in it: no URL serves the protected files.
PROTECTED_MEDIA_ROOT = TEST_MEDIA_RUN / f"{MEDIA_ROOT.name}.protected"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Pages are rendered afresh by default, so each test's exact query counts are the page's own; the
# page cache's tests turn it on (tests/colloquium/test_pagecache.py).
PAGE_CACHE_SECONDS = 0
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
ALLOWED_HOSTS = ["*"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SERVE_MEDIA = True
# Serve static files from the source folders, as runserver does, with no collectstatic step.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Counters are written to the database at once unless a test asks for Redis (the `redis_counters`
# fixture, or this variable for a server of its own), whatever REDIS_URL the shell exports.
COUNTERS_REDIS_URL = os.environ.get("TEST_SERVER_COUNTERS_REDIS_URL") or None
