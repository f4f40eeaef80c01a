"""
scripts/bench_http.py (`make bench`): a tiny real run (gunicorn and wrk, a second a page), and
its choice of databases. No figure is asserted: only that the run works, cleans up after itself
and stores every counted visit.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port

PROJECT = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT / "scripts" / "bench_http.py"
# CI installs wrk and sets this: a benchmark that quietly skipped there would hide a broken one.
REQUIRED = os.environ.get("REQUIRE_WRK") == "1" or os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import bench_http
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return bench_http


def test_bench_instance_ignores_an_exported_database_and_redis(bench, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/colloquium")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SECRET_KEY", "the shell's")
    args = bench.parse_args([])

    sqlite = bench.instance_environment(tmp_path, "sqlite", args, 18500)
    production = bench.instance_environment(tmp_path, "postgres+redis", args, 18501)

    assert sqlite["DATABASE_URL"] == f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert "REDIS_URL" not in sqlite
    assert production["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/colloquium_bench"
    assert production["REDIS_URL"] == "redis://127.0.0.1:6379/5"
    assert sqlite["SECRET_KEY"] == production["SECRET_KEY"] != "the shell's"
    assert sqlite["TRUSTED_PROXY_COUNT"] == "1"  # the Lua script's addresses are the clients'


def test_bench_refuses_redis_database_zero(bench):
    with pytest.raises(SystemExit, match="database 0 is everyone's"):
        bench.redis_database("redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(
    "argv",
    [("--setups", "mysql"), ("--sizes", "1m"), ("--project", "/nonexistent"), ("--rounds", "0")],
)
def test_bench_refuses_what_it_cannot_run(bench, argv, capsys):
    with pytest.raises(SystemExit):
        bench.parse_args(list(argv))

    assert "error:" in capsys.readouterr().err


@pytest.mark.skipif(
    shutil.which("wrk") is None and not REQUIRED,
    reason="wrk is not installed (apt-get install wrk)",
)
def test_bench_tiny_run_stores_every_counted_visit_and_stops_its_server(tmp_path):
    port = free_port()
    figures = tmp_path / "figures.json"
    command = [sys.executable, str(SCRIPT), "--setups", "sqlite", "--sizes", "demo"]
    command += ["--duration", "1", "--rounds", "1", "--pages", "healthz,post,post-crawler"]
    command += ["--port", str(port), "--json", str(figures)]

    result = subprocess.run(
        command, cwd=PROJECT, capture_output=True, text=True, timeout=240, check=False
    )

    assert result.returncode == 0, result.stderr
    run = json.loads(figures.read_text())["setups"]["sqlite"]["demo"]
    assert list(run["pages"])[1:] == [
        "post page, counted (new visitor)",
        "post page, not counted (crawler)",
    ]
    assert run["hits"]["sent"] > 0
    assert run["hits"]["rose"] == run["hits"]["sent"]  # the crawler's visits counted nothing
    assert len(run["memory_mib"]) >= 2  # a peak for each gunicorn worker it saw
    assert "as new visitors" in result.stdout
    assert ": exact" in result.stdout
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # no server left listening
