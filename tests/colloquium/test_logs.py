"""
What the site logs (colloquium.logs, settings.LOGGING): the time, the level and the request's id
on every line, nothing for a 4xx, one warning line for a bad Host, errors mailed to ADMINS and
sent to Sentry. The log lines are read from a real gunicorn's output, on the real settings.
"""

import gzip
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from colloquium.logs import OneLineSecurityWarning
from tests.factories import CHROME
from tests.servers import free_port_between, production_gunicorn

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} (DEBUG|INFO|WARNING|ERROR|CRITICAL) \[(\S+)\] "
)

# A view that fails, beside every page of the site, for the server and for the test client.
ERROR_URLS = """
from django.urls import path

from colloquium.urls import *  # noqa: F403
from colloquium.urls import urlpatterns


def boom(request):
    raise RuntimeError("a bug for the test")


urlpatterns = [path("boom", boom), *urlpatterns]
handler500 = "colloquium.faults.server_error"
"""


@pytest.fixture
def error_urls(settings, tmp_path, monkeypatch):
    (tmp_path / "ops_error_urls.py").write_text(ERROR_URLS)
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.ROOT_URLCONF = "ops_error_urls"


def test_request_id_is_taken_from_a_valid_header_and_answered(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": "5f0c7e2a9b1d4c3e8f6a2b1c0d9e8f7a"})

    assert response["X-Request-ID"] == "5f0c7e2a9b1d4c3e8f6a2b1c0d9e8f7a"


@pytest.mark.parametrize("sent", ["", "a b", "<script>", "x" * 129, "id\u00e9"])
def test_request_id_is_new_when_the_header_is_not_a_plausible_one(client, sent, db):
    response = client.get("/healthz", headers={"X-Request-ID": sent})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_every_request_gets_its_own_id(client, db):
    first, second = client.get("/healthz"), client.get("/healthz")

    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_refused_request_names_its_request_too(client, db):
    response = client.get("/healthz\x00", headers={"X-Request-ID": "refused-1"})

    assert response.status_code == 400
    assert response["X-Request-ID"] == "refused-1"


@pytest.mark.django_db
def test_a_server_error_mails_admins_with_the_request_id(error_urls, settings):
    settings.ADMINS = [("Ops", "ops@example.org")]
    browser = Client(raise_request_exception=False, headers={"User-Agent": CHROME})

    response = browser.get("/boom", headers={"X-Request-ID": "mail-500-test"})

    assert response.status_code == 500
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ops@example.org"]
    assert message.subject == "[Django] ERROR (EXTERNAL IP): Internal Server Error: /boom"
    assert "Request ID: mail-500-test" in message.body
    assert "RuntimeError at /boom\na bug for the test" in message.body


@pytest.mark.django_db
def test_a_missing_page_mails_no_one_and_logs_nothing(client, settings, caplog):
    settings.ADMINS = [("Ops", "ops@example.org")]

    response = client.get("/en/news/999999/")

    assert response.status_code == 404
    assert mail.outbox == []
    assert [r for r in caplog.records if r.name.startswith("django")] == []


def test_settings_read_admins_and_mail_server(load_settings):
    values = load_settings(
        DEBUG="1",
        ADMINS="Ops <ops@example.org>, kim@example.org",
        SERVER_EMAIL="news@example.org",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="1",
    )

    assert values["ADMINS"] == [("Ops", "ops@example.org"), ("", "kim@example.org")]
    assert values["SERVER_EMAIL"] == "news@example.org"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"], values["EMAIL_USE_TLS"]) == (
        "smtp.example.org",
        587,
        True,
    )
    assert "EMAIL_BACKEND" not in values  # SMTP, Django's default


def test_settings_print_mails_on_a_laptop(load_settings):
    assert load_settings(DEBUG="1")["EMAIL_BACKEND"] == (
        "django.core.mail.backends.console.EmailBackend"
    )


@pytest.mark.parametrize("admins", ["Ops", "Ops <ops>", "<>"])
def test_settings_refuse_admins_that_are_not_addresses(load_settings, admins):
    with pytest.raises(ImproperlyConfigured, match="ADMINS="):
        load_settings(DEBUG="1", ADMINS=admins)


def test_settings_refuse_a_sentry_dsn_without_sentry_sdk(load_settings, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_sentry(name, *args, **kwargs):
        if name == "sentry_sdk" or name.startswith("sentry_sdk."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_sentry)

    with pytest.raises(ImproperlyConfigured, match=r"pip install -e '\.\[sentry\]'"):
        load_settings(DEBUG="1", SENTRY_DSN="http://key@127.0.0.1:18401/1")


def test_security_warnings_lose_their_traceback():
    import logging

    try:
        raise ValueError("bad")
    except ValueError:
        record = logging.LogRecord("django.security.X", logging.ERROR, "", 0, "m", (), True)
        record.exc_info = __import__("sys").exc_info()

    OneLineSecurityWarning().filter(record)

    assert (record.levelname, record.exc_info) == ("WARNING", None)


class SentryIntake(BaseHTTPRequestHandler):
    """A Sentry server's envelope endpoint, as far as the SDK's transport needs one."""

    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif self.headers.get("Content-Encoding") == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_intake():
    port = free_port_between(18490, 18497)
    SentryIntake.received = []
    server = ThreadingHTTPServer(("127.0.0.1", port), SentryIntake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://public-key@127.0.0.1:{port}/1", SentryIntake.received
    finally:
        server.shutdown()
        server.server_close()


def events(received):
    """The error events of the envelopes received (an envelope: a header, then item pairs)."""
    found = []
    for _path, body in received:
        lines = body.split(b"\n")
        for item_header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(item_header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def lines_of(log, request_id):
    return [line for line in log.splitlines() if f"[{request_id}]" in line]


def test_gunicorn_logs_time_level_and_request_id_and_sends_errors_to_sentry(
    tmp_path, sentry_intake
):
    dsn, received = sentry_intake
    (tmp_path / "ops_error_urls.py").write_text(ERROR_URLS)
    (tmp_path / "ops_settings.py").write_text(
        "from colloquium.settings import *  # noqa: F403\nROOT_URLCONF = 'ops_error_urls'\n"
    )
    port = free_port_between(18400, 18489)

    with production_gunicorn(
        tmp_path, port, DJANGO_SETTINGS_MODULE="ops_settings", SENTRY_DSN=dsn
    ) as server:
        base = server["base"]
        error = httpx.get(f"{base}/boom", headers={"X-Request-ID": "ops-500"})
        bad_host = httpx.get(
            f"{base}/en/", headers={"Host": "evil.example", "X-Request-ID": "ops-host"}
        )
        no_csrf = httpx.post(f"{base}/healthz", headers={"X-Request-ID": "ops-403"})
        trace = httpx.request("TRACE", f"{base}/healthz", headers={"X-Request-ID": "ops-405"})
        deadline = time.monotonic() + 20
        while not events(received) and time.monotonic() < deadline:
            time.sleep(0.1)  # waiting for the SDK's background transport, not for the clock
        log = server["log"].read_text()

    assert (error.status_code, error.headers["X-Request-ID"]) == (500, "ops-500")
    assert (bad_host.status_code, bad_host.headers["X-Request-ID"]) == (400, "ops-host")
    assert (no_csrf.status_code, no_csrf.headers["X-Request-ID"]) == (403, "ops-403")
    assert (trace.status_code, trace.headers["X-Request-ID"]) == (405, "ops-405")

    # The error: a line with the time, the level and the id, then its traceback.
    error_lines = lines_of(log, "ops-500")
    assert len(error_lines) == 1
    assert LINE.match(error_lines[0]).groups() == ("ERROR", "ops-500")
    assert error_lines[0].endswith("django.request: Internal Server Error: /boom")
    assert "RuntimeError: a bug for the test" in log

    # A bad Host: one warning line, no traceback.
    host_lines = [line for line in log.splitlines() if "evil.example" in line]
    assert len(host_lines) == 1
    assert LINE.match(host_lines[0]).groups() == ("WARNING", "ops-host")
    assert (
        "django.security.DisallowedHost: Invalid HTTP_HOST header: 'evil.example'"
        in (host_lines[0])
    )
    assert log.count("Traceback") == 1  # the 500's

    # A 4xx: no line from Django (the access log is the one line per request).
    assert lines_of(log, "ops-403") == []
    assert lines_of(log, "ops-405") == []

    # Sentry got the error, tagged with the request's id, and nothing for the bad Host.
    [event] = events(received)
    assert received[0][0] == "/api/1/envelope/"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == "ops-500"
    assert event["request"]["url"].endswith("/boom")
