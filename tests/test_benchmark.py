"""scripts/benchmark.py's choice of database, with the benchmark itself left out."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "benchmark.py"
EXPORTED = "postgres://postgres@127.0.0.1:5432/colloquium"


@pytest.fixture
def benchmark(monkeypatch):
    spec = importlib.util.spec_from_file_location("benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # main() sets the settings' environment for the process: give it back after the test.
    for name in module.environment(module.parse_args([]), Path()):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.setenv("DATABASE_URL", EXPORTED)
    return module


def run_main(benchmark, monkeypatch, *argv):
    """The environment main() hands the benchmark, with the benchmark replaced by a stub."""
    seen = {}
    monkeypatch.setattr(benchmark, "benchmark", lambda args: seen.update(os.environ, args=args))
    monkeypatch.setattr(sys, "argv", ["benchmark.py", *argv])
    benchmark.main()
    return seen


def test_benchmark_ignores_an_exported_database_url(benchmark, monkeypatch):
    seen = run_main(benchmark, monkeypatch)

    database = Path(seen["DATABASE_URL"].removeprefix("sqlite:///"))
    assert seen["DATABASE_URL"] == f"sqlite:///{database}"
    assert database.name == "bench.sqlite3"
    assert database.parent.name.startswith("colloquium-bench-")
    assert seen["MEDIA_ROOT"] == str(database.parent / "media")
    assert not database.parent.exists()  # the throwaway folder goes at the end


def test_benchmark_uses_the_database_named_with_database_url(benchmark, monkeypatch):
    url = "postgres://postgres@127.0.0.1:5432/colloquium_bench"

    seen = run_main(benchmark, monkeypatch, "--database-url", url, "--posts", "100000")

    assert seen["DATABASE_URL"] == url
    assert seen["args"].posts == 100_000
