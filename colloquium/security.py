"""
The request's edge: what is refused before any view, form or database sees a request.

- TRACE, TRACK and CONNECT: 405 with an empty body (nothing of the request is echoed).
- A NUL byte or another control character anywhere in the path, or such a character or bytes
  that are not UTF-8 in the query string (percent-encoded or not): 400. PostgreSQL cannot hold
  NUL in text, so such a value reaching a slug lookup or an admin filter was a 500 there (and a
  404 on SQLite). Bytes that are not UTF-8 in the path Django escapes again itself ("%FF"),
  which names no page: 404.
- A cookie carrying such characters is dropped, as if it had not been sent (a session key with a
  NUL in it would reach the database the same way).
- A locked-out login (django-axes, see settings) gets `lockout`, a page that says why and for how
  long, in the visitor's language.
- A body larger than the route takes is refused by its Content-Length, before a byte of it is read
  (so before Django writes an upload to a temporary file): 413. Public routes take small forms
  only (PUBLIC_MAX_BODY_SIZE); the admin takes ADMIN_MAX_BODY_SIZE, from staff only. A body
  without a Content-Length (chunked) is 411: Django would not read it anyway.

`RequestHygieneMiddleware` stands before the session and everything else; `StaffBodyMiddleware`
stands after AuthenticationMiddleware, which it needs, and still before CsrfViewMiddleware's
process_view, the first thing that reads a body.
"""

import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

REFUSED_METHODS = frozenset({"TRACE", "TRACK", "CONNECT"})
ADMIN_PREFIX = "/admin/"
# C0 control characters and DEL: no address of the site has one.
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
# In parameters, tab and line breaks are left to the forms (a pasted search may carry a tab).
_CONTROL_IN_QUERY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _wsgi_bytes(value):
    """A WSGI environ string as the bytes that came over the wire (PEP 3333: latin-1)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:  # a server that decoded it already (ASGI)
        return value.encode("utf-8", "surrogatepass")


def is_clean(raw, control=_CONTROL):
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not control.search(raw)


def clean_path(request):
    return not _CONTROL.search(request.path_info.encode("utf-8", "surrogatepass"))


def clean_query(request):
    query = _wsgi_bytes(request.META.get("QUERY_STRING", ""))
    return is_clean(unquote_to_bytes(query.replace(b"+", b" ")), _CONTROL_IN_QUERY)


def drop_unclean_cookies(request):
    cookies = request.COOKIES
    kept = {
        name: value
        for name, value in cookies.items()
        if is_clean(name.encode("utf-8", "surrogatepass"))
        and is_clean(value.encode("utf-8", "surrogatepass"))
    }
    if len(kept) != len(cookies):
        request.COOKIES = kept


def refusal(request, status, message):
    """A short plain-text answer in the visitor's language; no page, no database."""
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        body = f"{message()}\n"
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def bad_request(request):
    return refusal(
        request, 400, lambda: _("This address contains characters that no page of the site uses.")
    )


def too_large(request):
    return refusal(request, 413, lambda: _("This request is larger than this page accepts."))


def body_length(request):
    """The body's announced length: an int, None when it has none, or "missing"/"invalid"."""
    length = request.META.get("CONTENT_LENGTH", "")
    if length in ("", None):
        return "missing" if request.META.get("HTTP_TRANSFER_ENCODING") else None
    try:
        length = int(length)
    except ValueError:
        return "invalid"
    return "invalid" if length < 0 else length


def is_admin_route(request):
    return request.path_info.startswith(ADMIN_PREFIX)


class RequestHygieneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in REFUSED_METHODS:
            return HttpResponseNotAllowed(["GET", "HEAD", "POST", "OPTIONS"])
        if not (clean_path(request) and clean_query(request)):
            return bad_request(request)
        drop_unclean_cookies(request)

        length = body_length(request)
        if length == "missing":
            return refusal(
                request, 411, lambda: _("A request with a body must say its Content-Length.")
            )
        if length == "invalid":
            return refusal(request, 400, lambda: _("This request's Content-Length is not valid."))
        limit = (
            settings.ADMIN_MAX_BODY_SIZE
            if is_admin_route(request)
            else settings.PUBLIC_MAX_BODY_SIZE
        )
        if length and length > limit:
            return too_large(request)
        return self.get_response(request)


class StaffBodyMiddleware:
    """Only staff may send the admin a body larger than a public form's (an upload)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = body_length(request)
        if (
            isinstance(length, int)
            and length > settings.PUBLIC_MAX_BODY_SIZE
            and is_admin_route(request)
            and not (request.user.is_active and request.user.is_staff)
        ):
            return too_large(request)
        return self.get_response(request)


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: the admin's page, in the visitor's language."""
    from django.contrib import admin  # the admin site is ready only once the apps are

    context = {
        **admin.site.each_context(request),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "admin/lockout.html", context, status=429)
