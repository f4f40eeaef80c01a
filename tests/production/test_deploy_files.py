"""
The files of deploy/ and the README agree with the code: every variable the settings read is in
deploy/env.example and in the README's table, and every command a systemd unit runs exists.
These need nothing but the repository, so they run (and never skip) in every run of the suite.
"""

import re
import shlex

from django.core.management import get_commands

from tests.conftest import CONFIG_VARIABLES
from tests.servers import PROJECT

DEPLOY = PROJECT / "deploy"
UNITS = DEPLOY / "systemd"
# Read by deploy/gunicorn.conf.py, not by the settings.
GUNICORN_VARIABLES = {"GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS"}
SETTINGS_VARIABLES = CONFIG_VARIABLES - {"DJANGO_SETTINGS_MODULE"}


def test_env_example_lists_every_variable_the_settings_read():
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.M))

    assert SETTINGS_VARIABLES - listed == set()
    assert GUNICORN_VARIABLES - listed == set()


def test_readme_documents_every_variable_the_settings_read():
    readme = (PROJECT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", readme, re.M))
    # Rows naming two variables at once: "| `MAX_UPLOAD_SIZE`, `MAX_IMAGE_PIXELS` |".
    for row in re.findall(r"^\| (`[A-Z_]+`(?:, `[A-Z_]+`)+) \|", readme, re.M):
        documented |= set(re.findall(r"`([A-Z_]+)`", row))

    assert SETTINGS_VARIABLES - documented == set()


def unit_commands():
    """The manage.py commands the units run: {unit file name: command}."""
    commands = {}
    for unit in sorted(UNITS.glob("*.service")):
        for line in re.findall(r"^ExecStart=(.+)$", unit.read_text(), re.M):
            words = shlex.split(line)
            if words[0] == "/bin/sh":
                words = shlex.split(words[-1])
            if "manage.py" in words:
                commands[unit.name] = words[words.index("manage.py") + 1]
    return commands


def test_every_unit_runs_a_command_that_exists_with_the_site_environment():
    commands = unit_commands()
    missing = set(commands.values()) - set(get_commands())

    assert missing == set()
    assert set(commands.values()) >= {
        "flushcounters",
        "backup",
        "emptytrash",
        "orphanfiles",
        "clearsessions",
    }
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert "EnvironmentFile=/etc/colloquium/env\n" in text, unit.name
        assert "User=colloquium\n" in text, unit.name


def test_every_timer_starts_a_oneshot_service_of_its_own():
    timers = sorted(UNITS.glob("*.timer"))

    assert timers
    for timer in timers:
        service = timer.with_suffix(".service")
        assert service.exists(), f"{timer.name} has no {service.name}"
        assert "Type=oneshot\n" in service.read_text()
        assert re.search(r"^OnCalendar=\S", timer.read_text(), re.M)
        assert "WantedBy=timers.target" in timer.read_text()


def test_nginx_allows_the_admins_largest_body():
    from django.conf import settings

    size = re.search(
        r"client_max_body_size (\d+)m;", (DEPLOY / "nginx/colloquium.conf").read_text()
    )

    assert int(size[1]) * 1024 * 1024 == settings.ADMIN_MAX_BODY_SIZE
