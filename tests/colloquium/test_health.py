"""/healthz and /readyz (colloquium.health), for load balancers."""

import httpx
import pytest
from django.core.files.storage import storages

from tests.factories import CHROME
from tests.servers import free_port_between, production_gunicorn

pytestmark = pytest.mark.django_db

# Addresses where nothing listens (this module's port range): a database and a Redis gone away.
DEAD_POSTGRES = "postgres://postgres@127.0.0.1:18498/colloquium_ops_gone"
DEAD_REDIS = "redis://127.0.0.1:18499/4"


def test_healthz_answers_ok_without_database_session_or_cookie(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz", headers={"User-Agent": CHROME})

    assert (response.status_code, response.content) == (200, b"ok\n")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.cookies == {}
    assert "no-cache" in response["Cache-Control"]
    # The same middleware as every page: the edge's headers are on it.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert len(response["X-Request-ID"]) == 32


def test_readyz_checks_database_cache_and_storage(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.content == b"database: ok\ncache: ok\nstorage: ok\n"
    assert response.cookies == {}


def test_health_checks_refuse_posts(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_readyz_names_a_database_that_is_down_503_not_500(tmp_path):
    port = free_port_between(18400, 18489)
    with production_gunicorn(tmp_path, port, DATABASE_URL=DEAD_POSTGRES) as server:
        healthz = httpx.get(f"{server['base']}/healthz", timeout=20)
        readyz = httpx.get(f"{server['base']}/readyz", timeout=20)
        log = server["log"].read_text()

    assert (healthz.status_code, healthz.text) == (200, "ok\n")
    assert readyz.status_code == 503
    assert readyz.text in (
        "database: failed (OperationalError)\ncache: ok\nstorage: ok\n",
        "database: failed (PoolTimeout)\ncache: ok\nstorage: ok\n",
    )
    # One warning for the failed check; no error (and no mail to ADMINS) for the 503 itself.
    assert "WARNING" in log
    assert "the database check failed" in log
    assert " ERROR " not in log


def test_readyz_names_a_cache_that_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 2},
        }
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"database: ok\ncache: failed (ConnectionError)\nstorage: ok\n"


def test_readyz_names_a_storage_it_cannot_use(client, settings, tmp_path):
    # A file where the protected folder should be (a mount that failed, a typo).
    (tmp_path / "protected").write_text("not a folder")
    settings.PROTECTED_MEDIA_ROOT = tmp_path / "protected"
    storages["protected"].__dict__.pop("base_location", None)
    storages["protected"].__dict__.pop("location", None)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"database: ok\ncache: ok\nstorage: failed (NotADirectoryError)\n"


def test_health_checks_are_in_no_sitemap(client):
    response = client.get("/sitemap.xml")

    assert b"healthz" not in response.content
    assert b"readyz" not in response.content


REDIS = "redis://127.0.0.1:6379/4"  # this part's Redis database


def redis_or_skip():
    import os

    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        required = os.environ.get("CI") == "true" or os.environ.get("REQUIRE_REDIS") == "1"
        if required:
            pytest.fail(f"no Redis at {REDIS}, and CI/REQUIRE_REDIS forbids skipping")
        pytest.skip(f"no Redis at {REDIS}")


def test_readyz_checks_a_real_redis_cache(client, settings):
    redis_or_skip()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}
    }

    response = client.get("/readyz")

    assert response.content == b"database: ok\ncache: ok\nstorage: ok\n"
