"""Real servers for the tests that need one: gunicorn on a free port, in a subprocess."""

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

PROJECT = Path(__file__).resolve().parent.parent
# One TLS context for every client: making one each costs ~50 ms of CPU, and these are http://.
TLS = ssl.create_default_context()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What a site instance of its own (a subprocess) must not take from this test process.
INSTANCE_VARIABLES = (
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "PGOPTIONS",
    "SECRET_KEY",
    "MEDIA_ROOT",
    "PROTECTED_MEDIA_ROOT",
)


def instance_environment(database_url, media, protected, **variables):
    """
    The environment of a site instance on `database_url` that keeps its files in the folders
    `media` and `protected`: this process's, without its database, settings and folders.
    """
    return {
        **{k: v for k, v in os.environ.items() if k not in INSTANCE_VARIABLES},
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "PROTECTED_MEDIA_ROOT": str(protected),
        **variables,
    }


def manage(env, *args, timeout=120):
    """`manage.py args` in a subprocess with `env`; its output. The test fails with its errors."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def wait_until_serving(server, url, log_path, name, seconds):
    """Until the process `server` answers at `url`; fails with its log if it dies or is late."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.1)  # waiting for a process to listen, not for the clock


# Test settings with the media folder the server shares with the test that fills it.
SERVER_SETTINGS = """
import os
from pathlib import Path

from tests.settings import *  # noqa: F403

MEDIA_ROOT = Path(os.environ["MEDIA_ROOT"])
PROTECTED_MEDIA_ROOT = Path(os.environ["PROTECTED_MEDIA_ROOT"])
"""


@contextmanager
def gunicorn(folder, database_url, warm_up=False, workers=1, threads=4, config=None, **extra_env):
    """
    A production-like server (DEBUG off, the test settings) on a free port, serving the media
    folder `folder`/media: yields its address and its log. `config` is a gunicorn configuration
    file (deploy/gunicorn.conf.py), whose settings the address, workers and threads given here
    override; `extra_env` may also override the variables set here (SECURE_SSL_REDIRECT).
    """
    (folder / "fault_settings.py").write_text(SERVER_SETTINGS)
    media = folder / "media"
    media.mkdir(exist_ok=True)
    (folder / "protected").mkdir(exist_ok=True)
    env = instance_environment(
        database_url,
        media,
        folder / "protected",
        DJANGO_SETTINGS_MODULE="fault_settings",
        PYTHONPATH=os.pathsep.join((str(folder), str(PROJECT))),
        DEBUG="0",
        **{
            "SECRET_KEY": "tests-only-not-secret",
            "SECURE_SSL_REDIRECT": "0",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        },
    )
    port = free_port()
    arguments = ["--workers", str(workers), "--threads", str(threads)]
    arguments += ["--config", str(config)] if config else []
    with _serving_gunicorn(folder, port, env, arguments, "/robots.txt") as server:
        if warm_up:
            # One page first, as a server that has answered before: the timings then measure the
            # database wait and not the first compilation of the templates.
            httpx.get(f"{server['base']}/en/no-such-page/", timeout=15)
        yield server


@contextmanager
def _serving_gunicorn(folder, port, env, arguments, ready_path):
    """gunicorn on `port` with `env` and `arguments`, once `ready_path` answers: its address and
    log (stdout and stderr in one file); stopped on the way out, killed if a worker is stuck."""
    log_path = folder / f"server-{port}.log"
    log = log_path.open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "colloquium.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--timeout", "60", *arguments],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, f"{base}{ready_path}", log_path, "gunicorn", seconds=20)
        yield {"base": base, "log": log_path}
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()  # a worker stuck in a request (the test failed): no stray server
            server.wait()
        log.close()


def free_port_between(first, last):
    """A port in `first`..`last` that nothing listens on (a part's own range on a shared host)."""
    for port in range(first, last + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port between {first} and {last}")


@contextmanager
def production_gunicorn(folder, port, **variables):
    """
    gunicorn with the real settings (colloquium.settings, DEBUG off: not the test settings) and
    `variables` on `port`, its stdout and stderr in one log: yields its address and its log.
    A settings module or URLconf of the test's own can be put in `folder`, which is on the path.
    """
    env = {
        **{k: v for k, v in os.environ.items() if k not in INSTANCE_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "colloquium.settings",
        "PYTHONPATH": os.pathsep.join((str(folder), str(PROJECT))),
        "DEBUG": "0",
        "SECRET_KEY": "tests-only-not-secret",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": f"http://localhost:{port}",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "PROTECTED_MEDIA_ROOT": str(folder / "protected"),
        "PYTHONUNBUFFERED": "1",
        **variables,
    }
    with _serving_gunicorn(
        folder, port, env, ["--workers", "1", "--threads", "2"], "/healthz"
    ) as server:
        yield server
