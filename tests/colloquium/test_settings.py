import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.conftest import CONFIG_VARIABLES, PROJECT


def manage_check(**env):
    clean_env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DEBUG": "1", "DATABASE_URL": "junk"},
            "ImproperlyConfigured: DATABASE_URL is not usable",
        ),
        (
            {"DEBUG": "1", "DATABASE_URL": "mysql://user@localhost/colloquium"},
            "ImproperlyConfigured: DATABASE_URL must be a postgres:// or sqlite:// URL.",
        ),
        (
            {"DEBUG": "maybe"},
            "ImproperlyConfigured: DEBUG='maybe' is not a boolean (use 1/0, true/false).",
        ),
        (
            {"DEBUG": "1", "TIME_ZONE": "Asia/Nowhere"},
            "ImproperlyConfigured: TIME_ZONE='Asia/Nowhere' is not a known time zone.",
        ),
        (
            {"DEBUG": "0"},
            "ImproperlyConfigured: Set SECRET_KEY (or DEBUG=1 for local development).",
        ),
    ],
)
def test_manage_check_fails_clearly_on_junk_configuration(env, message):
    result = manage_check(**env)

    assert result.returncode != 0
    assert message in result.stderr


def test_manage_check_passes_with_local_defaults():
    result = manage_check(DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "junk"),
        ("DATABASE_URL", "postgres://"),
        ("DATABASE_URL", "sqlite://"),
        ("DATABASE_URL", "postgres://user@host:notaport/db"),
        ("DEBUG", "yes please"),
        ("DEBUG", "2"),
        ("TIME_ZONE", ""),
        ("TIME_ZONE", "../../etc/passwd"),
        ("MAX_UPLOAD_SIZE", "50MB"),
        ("COUNTS_PER_ADDRESS_PER_DAY", "thirty"),
        ("COUNTS_PER_ADDRESS_PER_DAY", "0"),
    ],
)
def test_junk_value_is_an_error_at_start_up(load_settings, name, value):
    env = {"DEBUG": "1", name: value}

    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(**env)


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("On", True), ("0", False), ("no", False)]
)
def test_debug_accepts_the_usual_words(load_settings, value, expected):
    settings = load_settings(DEBUG=value, SECRET_KEY="x" * 50, SITE_URL="https://news.example.org")

    assert settings["DEBUG"] is expected


def test_no_database_url_means_sqlite_in_the_project_folder(load_settings):
    database = load_settings(DEBUG="1")["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == PROJECT / "db.sqlite3"


def test_sqlite_is_set_up_for_a_threaded_server(load_settings):
    options = load_settings(DEBUG="1")["DATABASES"]["default"]["OPTIONS"]

    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "PRAGMA journal_mode=WAL" in options["init_command"]


def test_sqlite_url_keeps_the_threaded_server_options(load_settings, tmp_path):
    database = load_settings(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/site.db")["DATABASES"][
        "default"
    ]

    assert database["NAME"] == f"{tmp_path}/site.db"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_url_selects_postgresql_with_a_pool(load_settings):
    database = load_settings(
        DEBUG="1", DATABASE_URL="postgres://news:secret@db.example:5433/colloquium"
    )["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["HOST"], database["PORT"]) == (
        "colloquium",
        "news",
        "db.example",
        5433,
    )
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == 4


def test_postgres_pool_can_be_turned_off_for_pgbouncer(load_settings):
    database = load_settings(
        DEBUG="1", DATABASE_URL="postgres://news@db.example/colloquium", DATABASE_POOL="0"
    )["DATABASES"]["default"]

    assert (database["ENGINE"], database["NAME"]) == ("django.db.backends.postgresql", "colloquium")
    assert "pool" not in database["OPTIONS"]


def test_redis_url_buffers_the_counters_and_shares_the_cache_under_one_prefix(load_settings):
    settings = load_settings(DEBUG="1", REDIS_URL="redis://10.0.0.5:6379/1")

    assert settings["COUNTERS_REDIS_URL"] == "redis://10.0.0.5:6379/1"
    assert settings["CACHES"]["default"]["LOCATION"] == "redis://10.0.0.5:6379/1"
    assert settings["CACHES"]["default"]["KEY_PREFIX"] == "colloquium"
    assert settings["COUNTS_PER_ADDRESS_PER_DAY"] == 30


def test_without_redis_counters_are_written_at_once(load_settings):
    settings = load_settings(DEBUG="1")

    assert settings["COUNTERS_REDIS_URL"] is None


def test_time_zone_defaults_to_seoul(load_settings):
    assert load_settings(DEBUG="1")["TIME_ZONE"] == "Asia/Seoul"


def test_production_defaults_are_secure(load_settings):
    settings = load_settings(
        DEBUG="0",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="news.example.org",
        SITE_URL="https://news.example.org",
    )

    assert settings["ALLOWED_HOSTS"] == ["news.example.org"]
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["LANGUAGE_COOKIE_SECURE"] is True
    assert settings["LANGUAGE_COOKIE_HTTPONLY"] is True
    assert settings["LANGUAGE_COOKIE_SAMESITE"] == "Lax"
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SERVE_MEDIA"] is False


def test_ckeditor_warning_is_silenced_on_purpose(load_settings):
    assert load_settings(DEBUG="1")["SILENCED_SYSTEM_CHECKS"] == ["ckeditor.W001"]


def test_sqlite_connection_really_uses_wal(tmp_path):
    script = (
        "from django.db import connection, transaction\n"
        "with transaction.atomic():\n"
        "    cursor = connection.cursor()\n"
        "    cursor.execute('PRAGMA journal_mode')\n"
        "    print(cursor.fetchone()[0], connection.in_atomic_block)\n"
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=PROJECT,
        env={**clean_env, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path}/wal.db"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.splitlines()[-1] == "wal True", result.stderr
    # Closed explicitly: Python 3.13 warns of a connection left open.
    with closing(sqlite3.connect(tmp_path / "wal.db")) as database:
        assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)
