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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from colloquium.counters import DownloadCounted, should_count_download

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
    # Stored as the upload time, like the source board (20190829172839.jpg); the storage adds a
    # suffix if two files arrive in the same second. Visitors see `original_name`.
    now = timezone.localtime()
    suffix = PurePath(filename).suffix.lower()
    return f"attachments/{now:%Y/%m/%d}/{now:%Y%m%d%H%M%S}{suffix}"


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
    file = models.FileField(
        _("file"),
        upload_to=attachment_upload_to,
        max_length=255,
        validators=[FileExtensionValidator(ALLOWED_EXTENSIONS), validate_upload_size],
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

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            # A new upload: capture what it is before the storage renames it.
            uploaded_name = PurePath(self.file.name).name
            if not self.original_name:
                self.original_name = uploaded_name
            self.size = self.file.size
            self.content_type = guess_content_type(self.original_name)
        super().save(*args, **kwargs)

    @property
    def type_label(self):
        """The short label shown before the name: "jpg", "pdf", "hwp"."""
        return PurePath(self.original_name or self.file.name).suffix.lstrip(".").lower()


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _requested_range(request, size):
    """(start, end) of a single satisfiable byte range, None for the whole file, or "invalid"."""
    header = request.headers.get("Range", "").strip()
    match = _RANGE.match(header)
    if not match or not any(match.groups()):
        return None  # no Range, or one we do not handle (several ranges): send it all
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        return "invalid"
    return start, end


def serve_attachment(request, attachment):
    """Stream an attachment under its original name, counting the download, with Range support."""
    return serve_download(
        request, attachment, attachment.file, attachment.original_name, attachment.content_type
    )


def serve_download(request, item, file, filename, content_type=""):
    """Stream `file` as `filename`, counting the download on `item` (a `DownloadCounted`)."""
    try:
        size = file.size
    except FileNotFoundError:
        # A file deleted or lost on disk is a missing page, not a server error.
        raise Http404 from None
    byte_range = _requested_range(request, size)
    if byte_range == "invalid":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if should_count_download(request, byte_range):
        item.record_download()
    handle = file.open("rb")
    if byte_range is None:
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type=content_type or None
        )
    else:
        start, end = byte_range
        handle.seek(start)
        response = StreamingHttpResponse(
            _read_range(handle, end - start + 1),
            status=206,
            content_type=content_type or "application/octet-stream",
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _read_range(handle, remaining):
    try:
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()
