"""
The Makefile's decisions, read with `make -n` (print, run nothing) in a copy of the project's
Makefile: no venv is made and nothing is installed, so these tests are fast and offline.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
OTHER_VERSION = f"3.{sys.version_info.minor + 1}"
# The make (under `make test`), the database and the Makefile's own settings this test runs under.
UNSET = {
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
    "DATABASE_URL",
    "HOST",
    "PORT",
    "ARTIFACTS",
    "PYTEST_ARGS",
    "BENCH_ARGS",
}

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def project(tmp_path):
    """The Makefile and what its targets depend on, with everything already installed."""
    for name in ("Makefile", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    fake_venv_python(tmp_path, f'exec {PYTHON} "$@"')
    (tmp_path / "node_modules").mkdir()
    for stamp in (".venv/.installed", ".venv/.installed-dev", "node_modules/.package-lock.json"):
        (tmp_path / stamp).touch()
    return tmp_path


def fake_venv_python(project, script):
    python = project / ".venv" / "bin" / "python"
    python.unlink(missing_ok=True)
    python.write_text(f"#!/bin/sh\n{script}\n")
    python.chmod(0o755)


def make(project, *arguments, python=PYTHON, **environ):
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    return subprocess.run(
        ["make", "--no-print-directory", f"PYTHON={python}", *arguments],
        cwd=project,
        env=env | environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def make_n(project, *arguments, **environ):
    """What `make -n` would run, as a list of command lines."""
    result = make(project, "-n", *arguments, **environ)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def rebuilds_venv(commands):
    return "rm -rf .venv" in commands and f"{PYTHON} -m venv .venv" in commands


def test_make_keeps_a_venv_of_the_same_python(project):
    commands = make_n(project, ".venv/.installed")

    assert commands == ["make: '.venv/.installed' is up to date."]


def test_make_keeps_a_working_venv_when_python_is_not_found(project):
    result = make(project, "-n", ".venv/.installed", python="/nowhere/python3.11")

    assert result.stdout.splitlines() == ["make: '.venv/.installed' is up to date."]
    where, warning = result.stderr.split(": ", 1)
    assert where.startswith("Makefile:")
    assert warning == (
        "PYTHON (/nowhere/python3.11) does not run: "
        f"keeping .venv, which is Python {sys.version_info.major}.{sys.version_info.minor}\n"
    )


def test_make_without_a_usable_python_says_what_is_needed(project):
    fake_venv_python(project, "exit 1")

    result = make(project, ".venv/.installed", python="/nowhere/python3.11")

    assert result.returncode == 2
    assert result.stdout == (
        "Python 3.11 or newer is needed: install it, or run 'make PYTHON=/path/to/python3.11 ...'\n"
    )
    assert (project / ".venv" / "bin" / "python").exists()


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(f"echo {OTHER_VERSION}", id="another-python"),
        pytest.param("exit 1", id="broken"),
    ],
)
def test_make_rebuilds_a_venv_of_another_or_a_broken_python(project, script):
    fake_venv_python(project, script)

    commands = make_n(project, ".venv/.installed")

    assert rebuilds_venv(commands)
    assert commands[-2:] == [
        ".venv/bin/python -m pip install --quiet -e .",
        "touch .venv/.installed",
    ]


def test_make_rebuilds_a_venv_whose_interpreter_is_gone(project):
    python = project / ".venv" / "bin" / "python"
    python.unlink()
    python.symlink_to(project / "uninstalled" / "python3.11")

    commands = make_n(project, ".venv/.installed")

    assert rebuilds_venv(commands)


def test_make_test_after_a_python_change_rebuilds_the_venv_and_reinstalls_everything(project):
    fake_venv_python(project, f"echo {OTHER_VERSION}")

    commands = make_n(project, "test")

    assert rebuilds_venv(commands)
    assert '.venv/bin/python -m pip install --quiet -e ".[dev]"' in commands
    assert "ARTIFACTS=test-artifacts .venv/bin/python -m pytest -n auto --dist loadgroup " in (
        commands
    )


def test_make_run_prints_and_serves_the_port_asked_for(project):
    commands = make_n(project, "run", "PORT=8001")

    assert commands == [
        ".venv/bin/python manage.py migrate --no-input",
        ".venv/bin/python manage.py loaddemo",
        ".venv/bin/python manage.py ensureadmin --address http://127.0.0.1:8001/",
        'echo "Serving http://127.0.0.1:8001/  (Ctrl-C stops it)"',
        ".venv/bin/python manage.py runserver 127.0.0.1:8001",
    ]


def test_make_test_postgres_uses_database_url_when_given(project):
    url = "postgres://ci@127.0.0.1:5433/colloquium_ci"

    commands = make_n(project, "test-postgres", DATABASE_URL=url)

    assert commands[0] == f"DATABASE_URL='{url}' make test"


def test_make_test_postgres_defaults_to_the_local_server(project):
    commands = make_n(project, "test-postgres")

    assert commands[0] == "DATABASE_URL='postgres://postgres@127.0.0.1:5432/colloquium' make test"


def test_make_bench_drives_gunicorn_with_the_options_given(project):
    commands = make_n(project, "bench", "BENCH_ARGS=--setups sqlite --sizes demo")

    assert commands == [".venv/bin/python scripts/bench_http.py --setups sqlite --sizes demo"]


def test_make_bench_inprocess_runs_the_in_process_benchmark(project):
    commands = make_n(project, "bench-inprocess")

    assert commands == [".venv/bin/python scripts/benchmark.py"]
