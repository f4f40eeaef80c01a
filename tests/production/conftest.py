"""
Production tests: the shipped deploy/ files at work, Debian's nginx in front of two gunicorn
servers on one PostgreSQL and one Redis, and the read replica's router.

They need nginx (/usr/sbin/nginx), openssl, PostgreSQL (the suite run with
DATABASE_URL=postgres://…) and Redis at 127.0.0.1:6379; where one is missing they skip with the
reason, unless REQUIRE_PRODUCTION_TESTS=1 (set by .ci/run for the PostgreSQL run), where a skip
would hide a broken deployment, so it fails instead.
"""

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REQUIRED = os.environ.get("REQUIRE_PRODUCTION_TESTS", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRED and report.skipped and Path(item.path).resolve().is_relative_to(HERE):
        report.outcome = "failed"
        report.longrepr = (
            f"REQUIRE_PRODUCTION_TESTS=1, but this production test skipped: {report.longrepr}"
        )
