"""scripts/benchmark.py's choice of databases, with the benchmark itself left out."""

import importlib.util
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
    monkeypatch.setenv("DATABASE_URL", EXPORTED)
    return module


def test_each_size_has_a_throwaway_sqlite_file_whatever_the_shell_exported(benchmark):
    args = benchmark.parse_args([])
    work = Path("/tmp/colloquium-bench-x")

    demo = benchmark.environment(args, work, 0)
    large = benchmark.environment(args, work, 100_000)

    assert demo["DATABASE_URL"] == "sqlite:////tmp/colloquium-bench-x/bench-demo.sqlite3"
    assert large["DATABASE_URL"] == "sqlite:////tmp/colloquium-bench-x/bench-100000.sqlite3"
    assert demo["MEDIA_ROOT"] == "/tmp/colloquium-bench-x/media"
    assert demo["PROTECTED_MEDIA_ROOT"] == "/tmp/colloquium-bench-x/protected"
    assert demo["REDIS_URL"] == ""


def test_database_url_names_the_server_and_the_databases_prefix(benchmark):
    args = benchmark.parse_args(
        ["--database-url", "postgres://postgres@127.0.0.1:5432/colloquium_bench", "--posts", "5000"]
    )

    assert args.posts == 5000
    assert benchmark.environment(args, Path(), 0)["DATABASE_URL"] == (
        "postgres://postgres@127.0.0.1:5432/colloquium_bench_demo"
    )
    assert benchmark.environment(args, Path(), 5000)["DATABASE_URL"] == (
        "postgres://postgres@127.0.0.1:5432/colloquium_bench_5000"
    )


def test_the_throwaway_folder_goes_at_the_end(benchmark, monkeypatch):
    seen = {}
    monkeypatch.setattr(benchmark, "compare", lambda args, work: seen.update(work=work))
    monkeypatch.setattr(sys, "argv", ["benchmark.py"])

    benchmark.main()

    assert seen["work"].name.startswith("colloquium-bench-")
    assert not seen["work"].exists()
