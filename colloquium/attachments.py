"""
Attached files with a download counter, for every app (news posts, events).

An app subclasses `AttachmentBase` with a ForeignKey to its parent and serves downloads with
`serve_attachment()`, after choosing which attachments the visitor may see. Any other downloadable
file (an event photo's full-size original) inherits `colloquium.counters.DownloadCounted` for the
counter and is served by `serve_download()`, the same code.
"""

import mimetypes
import re
from pathlib import PurePath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.cache import get_conditional_response
from django.utils.http import (
    content_disposition_header,
    http_date,
    parse_http_date_safe,
    quote_etag,
)
from django.utils.translation import gettext_lazy as _

from colloquium.counters import DownloadCounted, remember_hit, should_count_download
from colloquium.storage import get_protected_storage, unguessable_name
from colloquium.uploads import CheckedFileField, clean_filename

# Documents and images an institution publishes; never anything a browser would run (html, svg, js).
ALLOWED_EXTENSIONS = (
    "pdf", "hwp", "hwpx", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp",
    "txt", "csv", "rtf", "zip", "jpg", "jpeg", "png", "gif", "webp", "mp3", "mp4",
)  # fmt: skip
EXTRA_TYPES = {
    ".hwp": "application/x-hwp",
    ".hwpx": "application/haansofthwpx",
}
CHUNK_SIZE = 64 * 1024


def attachment_upload_to(instance, filename):
    # A random name in protected storage: no one finds a file by guessing a date or a time
    # (the source board's 20190829172839.jpg). Visitors see `original_name`.
    return unguessable_name("attachments", filename)


def validate_upload_size(file):
    if file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            _("This file is %(size)s; files may be at most %(limit)s."),
            params={"size": format_size(file.size), "limit": format_size(settings.MAX_UPLOAD_SIZE)},
            code="file_too_large",
        )


def format_size(size):
    """Bytes as the board shows them: 440945 -> "430.61KB", from 1 MiB up in MB."""
    if size is None:
        return ""
    kib = f"{size / 1024:.2f}"
    # 1,048,575 bytes rounds to 1024.00KB: a reader expects 1.00MB there.
    if size >= 1024 * 1024 or kib == "1024.00":
        return f"{size / (1024 * 1024):.2f}MB"
    return f"{kib}KB"


def guess_content_type(name):
    suffix = PurePath(name).suffix.lower()
    return EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


class AttachmentBase(DownloadCounted):
    file = CheckedFileField(
        _("file"),
        upload_to=attachment_upload_to,
        storage=get_protected_storage,
        extensions=ALLOWED_EXTENSIONS,
        validators=[validate_upload_size],
        help_text=_(
            "Visitors download it once the item is published; until then it is kept private."
        ),
    )
    original_name = models.CharField(
        _("file name"),
        max_length=255,
        blank=True,
        help_text=_(
            "The name visitors see and download the file as. Leave blank to keep the "
            "name of the uploaded file."
        ),
    )
    size = models.PositiveBigIntegerField(
        _("size"), default=0, editable=False, help_text=_("In bytes.")
    )
    content_type = models.CharField(_("content type"), max_length=100, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ("position", "pk")

    def __str__(self):
        return self.original_name

    @classmethod
    def from_db(cls, db, field_names, values):
        attachment = super().from_db(db, field_names, values)
        attachment._stored_original_name = attachment.__dict__.get("original_name")
        return attachment

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            # A new upload, or a replacement: capture what it is before the storage renames it.
            # It keeps the row (its URL, its counter) but brings its own name, type and size,
            # unless the editor typed another name with it.
            uploaded_name = clean_filename(PurePath(self.file.name).name)
            unchanged = self.original_name == getattr(self, "_stored_original_name", None)
            if not self.original_name or unchanged:
                self.original_name = uploaded_name
            self.size = self.file.size
            self.content_type = guess_content_type(uploaded_name)
        self.original_name = clean_filename(self.original_name)
        super().save(*args, **kwargs)
        self._stored_original_name = self.original_name

    @property
    def type_label(self):
        """The short label shown before the name: "jpg", "pdf", "hwp"."""
        return PurePath(self.original_name or self.file.name).suffix.lstrip(".").lower()


# Serving: every checked download view ends here.

# A file someone uploaded never acts in this site's origin: it is always a download, never shown
# inline; browsers take the type we declare instead of sniffing one from the bytes; and were one
# rendered anyway (an HTML page that slipped in), the sandbox leaves it no scripts, no forms, no
# same-origin access and nothing to load.
FILE_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}
# Private for drafts and published files alike, and checked again before each reuse (a 304 for the
# ETag, which costs no download): a file keeps its URL when an editor replaces it, an unpublished or
# trashed item's files must stop at once, and a shared cache would serve files without the
# visibility check and hide downloads from the counter.
CACHE_CONTROL = "private, no-cache"

UNSATISFIABLE = "unsatisfiable"
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE)
# Longer positions lie past the end of any file; int() refuses numbers of over 4,300 digits.
_MAX_DIGITS = 19


def parse_range(header, size):
    """
    What a Range header asks of a file of `size` bytes (RFC 9110, section 14): `(first, last)`
    inclusive; None to send the whole file, as a server may for a header it ignores (malformed,
    a last position before the first, several ranges, a unit other than bytes); or UNSATISFIABLE
    for a well-formed range that starts past the end, or a suffix of zero bytes (416).
    """
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = (_position(digits) for digits in match.groups())
    if first is None:  # a suffix range: the last `last` bytes, or all of a shorter file
        if last == 0:
            return UNSATISFIABLE
        return (max(size - last, 0), size - 1) if size else None
    if last is not None and last < first:
        return None
    if first >= size:
        return UNSATISFIABLE
    return first, size - 1 if last is None else min(last, size - 1)


def _position(digits):
    if not digits:
        return None
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


def _if_range_matches(value, etag, last_modified):
    """RFC 9110, section 13.1.5: the strong ETag by strong comparison, or exactly the date."""
    value = value.strip()
    if value.startswith('"'):
        return value == etag
    return parse_http_date_safe(value) == last_modified  # never for W/"…": weak tags never match


def file_validators(file):
    """
    The ETag and Last-Modified (a Unix time) of a stored file, from its modification time and
    size, in nginx's own format: in the "nginx" mode the web server sends its ETag and evaluates
    If-Range with it, so the view must reach the same verdict to count the same downloads. A
    replaced file is a new file (a new name and modification time), so its ETag changes.
    """
    size = file.size
    modified = int(file.storage.get_modified_time(file.name).timestamp())
    return quote_etag(f"{modified:x}-{size:x}"), modified, size


def serve_attachment(request, attachment):
    """Give out an attachment under its original name, counting the download."""
    return serve_download(
        request, attachment, attachment.file, attachment.original_name, attachment.content_type
    )


def serve_download(request, item, file, filename, content_type=""):
    """
    Give out `file` as a download named `filename`, counting it on `item` (a `DownloadCounted`),
    once the caller has checked that the visitor may see it.

    Conditional requests get their 304 (not counted), one byte range its 206 and a range past the
    end its 416, by RFC 9110; any other Range header is ignored and the whole file sent. The bytes
    are streamed from here, or with PROTECTED_FILES_SERVED_BY = "nginx" handed to the web server
    after the decision and the count. A file in a bucket (S3_BUCKET) is a redirect to it.
    """
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(("GET", "HEAD"))
    if not file:
        raise Http404
    if getattr(file.storage, "presigned_url", None) is not None:
        return _redirect_to_bucket(request, item, file, filename, content_type)
    try:
        etag, modified, size = file_validators(file)
    except FileNotFoundError:
        # A file deleted or lost on disk is a missing page, not a server error.
        raise Http404 from None
    response = HttpResponse(
        headers={
            "Content-Type": content_type or guess_content_type(filename),
            "Content-Disposition": content_disposition_header(True, filename),
            "ETag": etag,
            "Last-Modified": http_date(modified),
            "Cache-Control": CACHE_CONTROL,
            "Accept-Ranges": "bytes",
            **FILE_SECURITY_HEADERS,
        }
    )
    conditional = get_conditional_response(
        request, etag=etag, last_modified=modified, response=response
    )
    if conditional is not response:
        return conditional  # 304 Not Modified, or 412 for a failed If-Match
    if request.method == "HEAD":
        response["Content-Length"] = size
        return response

    # A failed If-Range asks for the whole file: the client's part belongs to an older version.
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if if_range is not None and not _if_range_matches(if_range, etag, modified):
        range_header = None
    byte_range = parse_range(range_header, size) if range_header is not None else None
    if byte_range == UNSATISFIABLE:
        return HttpResponse(
            status=416, headers={"Content-Range": f"bytes */{size}", **FILE_SECURITY_HEADERS}
        )
    # nginx answers a Range header we ignore with a 416 or several parts; RFC 9110 wants the whole
    # file, so those rare requests are streamed from here.
    ignored_range = range_header is not None and byte_range is None
    if settings.PROTECTED_FILES_SERVED_BY == "nginx" and not ignored_range:
        counted = should_count_download(request, byte_range, item) and item.record_download()
        response = _hand_off(response, file)
        if counted:
            remember_hit(request, response, item)
        return response

    try:
        handle = file.storage.open(file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    counted = should_count_download(request, byte_range, item) and item.record_download()
    if byte_range is None:
        streamed = FileResponse(handle, as_attachment=True, filename=filename)
    else:
        first, last = byte_range
        streamed = StreamingHttpResponse(_ByteRange(handle, first, last), status=206)
        streamed["Content-Range"] = f"bytes {first}-{last}/{size}"
        streamed["Content-Length"] = last - first + 1
    for header, value in response.items():
        streamed[header] = value
    if counted:
        remember_hit(request, streamed, item)
    return streamed


def _redirect_to_bucket(request, item, file, filename, content_type):
    """
    A 302 to a presigned URL from which the bucket sends the file, named and typed as here, to
    whoever holds the URL for S3_PRESIGNED_SECONDS. The download is counted first, by the same
    rule: a GET that starts at the first byte (the client sends its Range again to the bucket,
    which answers it). Conditional requests are the bucket's: it has the file's own ETag.
    """
    try:
        size = file.storage.size(file.name)
    except FileNotFoundError:
        raise Http404 from None
    range_header = request.headers.get("Range")
    byte_range = parse_range(range_header, size) if range_header is not None else None
    if byte_range != UNSATISFIABLE and should_count_download(request, byte_range):
        item.record_download()
    url = file.storage.presigned_url(
        file.name, filename, content_type or guess_content_type(filename)
    )
    response = HttpResponseRedirect(url)
    # A signed URL expires: no cache may keep the redirect for the next visitor.
    response["Cache-Control"] = "no-store"
    return response


def _hand_off(response, file):
    """
    Let nginx send the file from its `internal` location, Range and If-Range included (README,
    "Protected files"). nginx decodes the path: a raw Hangul one is a 404 there. Of our headers it
    keeps Content-Type, Content-Disposition and Cache-Control, computes the same ETag and
    Last-Modified, sends its own Accept-Ranges and drops the rest, so the location adds the
    security headers.
    """
    del response["Accept-Ranges"]
    response["X-Accel-Redirect"] = settings.PROTECTED_FILES_INTERNAL_URL + quote(file.name)
    return response


class _ByteRange:
    """Bytes `first` to `last` of an open file, in chunks; the response closes it when done."""

    def __init__(self, handle, first, last):
        self.handle, self.first, self.last = handle, first, last

    def __iter__(self):
        self.handle.seek(self.first)
        remaining = self.last - self.first + 1
        while remaining > 0:
            chunk = self.handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk

    def close(self):
        self.handle.close()
