"""
What the site writes to its log, and how one request's lines are found again.

- `RequestIDMiddleware`, the first of all: every request gets an id, the one nginx sends in
  `X-Request-ID` when it is a plausible one (letters, digits, `.`, `_`, `-`, `:`; at most 128),
  else a new random one. It is `request.id`, the response's `X-Request-ID` header (so gunicorn's
  access line, nginx's and a visitor's report name the same request), a tag on a Sentry event,
  and, through `RequestIDFilter`, part of every log line written while the request runs.
- `RequestIDFilter` gives every record a `request_id` ("-" outside a request) for the formatters
  and the mail to ADMINS.
- `OneLineSecurityWarning`: a refused request (a bad Host header, above all, which every scanner
  sends) is one warning line, not an error with a traceback. It stays a 400 for the client.

Django writes no line for a 4xx response (settings.LOGGING): gunicorn's access log is the one
line per request; Django adds lines for what went wrong inside (a 500, with its traceback, also
mailed to ADMINS and sent to Sentry when configured).
"""

import contextvars
import logging
import re
import uuid

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current_id = contextvars.ContextVar("request_id", default="-")


def new_request_id():
    # The form nginx's $request_id has: 32 hex digits.
    return uuid.uuid4().hex


def request_id_from(request):
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    return sent if _VALID_ID.fullmatch(sent) else new_request_id()


def current_request_id():
    return _current_id.get()


class RequestIDMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request_id_from(request)
        token = _current_id.set(request.id)
        try:
            _tag_sentry_event(request.id)
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.id
            return response
        finally:
            _current_id.reset(token)


def _tag_sentry_event(request_id):
    from django.conf import settings

    if settings.SENTRY_DSN:
        import sentry_sdk

        sentry_sdk.set_tag("request_id", request_id)


class RequestIDFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = _current_id.get()
        return True


class OneLineSecurityWarning(logging.Filter):
    """django.security.*: the client's mistake, worth a line, not a traceback or a mail."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def init_sentry(dsn, environment, release):
    """Errors to Sentry (the optional extra `.[sentry]`); called from the settings."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
        from sentry_sdk.integrations.logging import ignore_logger
    except ImportError:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: "
            "pip install -e '.[sentry]' (or unset SENTRY_DSN)."
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment or None,
        release=release or None,
        # Errors only: no performance tracing, no visitor's address, cookies or user.
        traces_sample_rate=0,
        send_default_pii=False,
    )
    # A bad Host header is a scanner's request, not an error of ours.
    ignore_logger("django.security.DisallowedHost")
