"""
Uploads are what they say: the bytes of every uploaded file must be of the type its extension
names, and no upload may carry a web page or a script, whatever it is called.

`check_upload(file, allowed)` raises a ValidationError that names the allowed types. Each type is
told by its own structure, with puremagic for signatures and olefile for OLE2 compound files:
- PDF starts with %PDF; RTF with {\\rtf; MP3 and MP4 by their signatures (puremagic);
- HWP is an OLE2 compound file whose FileHeader stream begins "HWP Document File"; DOC, XLS and PPT
  are OLE2 files with a WordDocument, Workbook (or Book), PowerPoint Document stream;
- HWPX, ODT, ODS and ODP are zips whose `mimetype` entry names their type; DOCX, XLSX and PPTX
  zips whose [Content_Types].xml declares their main part; ZIP any zip;
- JPEG, PNG, GIF and WebP are opened and verified by Pillow (colloquium.images);
- TXT and CSV are text: no NUL byte, readable as UTF-8, UTF-16 (with its BOM) or CP949.
Whatever the type, bytes that look like HTML, SVG, JavaScript or PHP anywhere in the file are
refused: a JPEG with a page appended, a GIF that is also a page, a text file with a script.

`CheckedFileField` is the model field of attachments and event files: its uploads are checked so.
"""

import codecs
import io
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath

import olefile
import puremagic
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from colloquium.storage import is_protected

# Markup a browser would run or render: a tag that opens a page, a script, an SVG or a frame,
# or PHP's opening. Each needs at least six exact bytes, so compressed data (a zip entry, a
# JPEG's scan) hits one by chance about once in hundreds of 50 MB files.
MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|script[\s>/]|svg[\s>/]"
    rb"|iframe[\s>/]|object[\s>/]|embed[\s>/]|\?php[\s])",
    re.IGNORECASE,
)
_CHUNK = 1024 * 1024
_OVERLAP = 32

OLE_STREAMS = {
    "doc": (("WordDocument",),),
    "xls": (("Workbook",), ("Book",)),
    "ppt": (("PowerPoint Document",),),
}
ZIP_MIMETYPES = {
    "hwpx": b"application/hwp+zip",
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
}
OOXML_MAIN_PARTS = {
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.",
    "pptx": b"application/vnd.openxmlformats-officedocument.presentationml.",
}
IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
TEXT_ENCODINGS = ("utf-8", "cp949")


def allowed_types(extensions):
    """ "PDF, HWP, DOCX": the allowed types as a message names them."""
    return ", ".join(extension.upper() for extension in extensions)


def extension_of(name):
    return PurePosixPath(str(name).replace("\\", "/")).suffix.lower().lstrip(".")


def clean_filename(name, max_length=255):
    """
    The name a visitor's file is kept and downloaded under: its last path part only, without
    control or invisible format characters, composed (NFC, as Korean input methods differ), not
    hidden, and at most `max_length` characters with its extension kept. Hangul stays.
    """
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if len(name) > max_length:
        suffix = PurePosixPath(name).suffix
        if len(suffix) > 16:
            suffix = ""
        name = name[: max_length - len(suffix)].rstrip() + suffix
    return name or "file"


def find_markup(file):
    """Whether the bytes of `file` (an open binary file) contain HTML, SVG, script or PHP."""
    file.seek(0)
    tail = b""
    while chunk := file.read(_CHUNK):
        if MARKUP.search(tail + chunk):
            file.seek(0)
            return True
        tail = chunk[-_OVERLAP:]
    file.seek(0)
    return False


def refuse_markup(file, extensions):
    if find_markup(file):
        raise ValidationError(
            _(
                "This file contains web page or script code (HTML, SVG, JavaScript or PHP), "
                "which is never accepted. Allowed types: %(types)s."
            ),
            params={"types": allowed_types(extensions)},
            code="markup",
        )


def check_upload(file, extensions):
    """
    Refuse `file` (an upload, with a name) unless its extension is among `extensions` and its
    bytes are of that type, with no markup in them. The message names the allowed types.
    """
    extension = extension_of(file.name)
    if extension not in extensions:
        raise ValidationError(
            _("Files of type %(type)s cannot be uploaded. Allowed types: %(types)s."),
            params={"type": extension.upper() or "?", "types": allowed_types(extensions)},
            code="invalid_extension",
        )
    refuse_markup(file, extensions)
    file.seek(0)
    try:
        matches = is_of_type(file, extension)
    except ValidationError:
        raise
    except Exception:  # a parser choking on damaged bytes: not of the type, either
        matches = False
    finally:
        file.seek(0)
    if not matches:
        raise ValidationError(
            _(
                "The contents of this file are not of the type its name says (%(type)s), or "
                "the file is damaged. Allowed types: %(types)s."
            ),
            params={"type": extension.upper(), "types": allowed_types(extensions)},
            code="content_mismatch",
        )


def is_of_type(file, extension):
    """Whether the open binary `file` is a file of type `extension` (see the module's list)."""
    head = file.read(64)
    file.seek(0)
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "rtf":
        return head.startswith(b"{\\rtf")
    if extension in ("mp3", "mp4"):
        return f".{extension}" in _signatures(file)
    if extension in IMAGE_FORMATS:
        return _is_image(file, IMAGE_FORMATS[extension])
    if extension == "hwp":
        return _ole_stream_starts(file, "FileHeader", b"HWP Document File")
    if extension in OLE_STREAMS:
        return _is_ole_with(file, OLE_STREAMS[extension])
    if extension in ZIP_MIMETYPES:
        return _zip_mimetype(file) == ZIP_MIMETYPES[extension]
    if extension in OOXML_MAIN_PARTS:
        return _ooxml_declares(file, OOXML_MAIN_PARTS[extension])
    if extension == "zip":
        return zipfile.is_zipfile(file) and _zip_opens(file)
    if extension in ("txt", "csv"):
        return _is_text(file)
    return False


def _signatures(file):
    try:
        return {match.extension for match in puremagic.magic_stream(file)}
    except (puremagic.PureError, ValueError):
        return set()


def _is_image(file, image_format):
    from colloquium.images import validate_image  # images check their uploads with this module

    try:
        image = validate_image(file)
    except ValidationError as error:
        if error.code == "invalid_image":
            return False  # not an image at all: the message names the allowed types
        raise  # a bomb, too many pixels, markup: their own, clearer messages
    return image.format == image_format


def _ole(file):
    file.seek(0)
    if not olefile.isOleFile(file):
        return None
    file.seek(0)
    return olefile.OleFileIO(file)


def _ole_stream_starts(file, stream, signature):
    ole = _ole(file)
    if ole is None:
        return False
    with ole:
        if not ole.exists(stream):
            return False
        return ole.openstream(stream).read(len(signature)) == signature


def _is_ole_with(file, alternatives):
    ole = _ole(file)
    if ole is None:
        return False
    with ole:
        return any(all(ole.exists(stream) for stream in streams) for streams in alternatives)


def _zip(file):
    file.seek(0)
    return zipfile.ZipFile(file)


def _zip_opens(file):
    with _zip(file) as archive:
        return archive.infolist() is not None


def _zip_mimetype(file):
    with _zip(file) as archive:
        entries = archive.infolist()
        # Stored first and uncompressed, by the ODF and OWPML packaging rules.
        if not entries or entries[0].filename != "mimetype":
            return None
        return archive.read(entries[0]).strip()


def _ooxml_declares(file, prefix):
    with _zip(file) as archive:
        try:
            info = archive.getinfo("[Content_Types].xml")
        except KeyError:
            return False
        if info.file_size > 1024 * 1024:
            return False
        types = archive.read(info)
    return re.search(rb'ContentType="' + re.escape(prefix) + rb'[^"]*main\+xml"', types) is not None


def _is_text(file):
    data = file.read()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            data.decode("utf-16")
        except UnicodeDecodeError:
            return False
        return True
    if b"\x00" in data:
        return False
    for encoding in TEXT_ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def open_upload(value):
    """The binary file behind a field's value or an upload, at its start."""
    file = getattr(value, "file", value)
    if isinstance(file, bytes):
        file = io.BytesIO(file)
    file.seek(0)
    return file


class UploadValidator:
    """A file field validator: checks what is being uploaded, not a file stored earlier."""

    def __init__(self, extensions):
        self.extensions = tuple(extensions)

    def __call__(self, value):
        if not value or getattr(value, "_committed", True):
            return
        check_upload(_Named(open_upload(value), value.name), self.extensions)

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and other.extensions == self.extensions

    def deconstruct(self):
        return ("colloquium.uploads.UploadValidator", (self.extensions,), {})


class _Named:
    """A binary file with the name it was uploaded under."""

    def __init__(self, file, name):
        self.file, self.name = file, name

    def __getattr__(self, attribute):
        return getattr(self.file, attribute)


class ProtectedFieldFile(FieldFile):
    """
    A stored document. One kept in protected storage has no public URL: its `url` is the checked
    download view's, `<field>_url` of its row when the row has one (slides_url), else the row's
    own address (an attachment's is its download).
    """

    @property
    def url(self):
        self._require_file()
        if not is_protected(self.storage):
            return super().url
        download_url = getattr(self.instance, f"{self.field.name}_url", None)
        return download_url if download_url is not None else self.instance.get_absolute_url()


class CheckedFileField(models.FileField):
    """
    A file field for documents visitors download: its uploads must be of one of `extensions`,
    with bytes of that type (check_upload). The visitor's file name may be of any length: it is
    kept, shortened, in a field of the model (the stored name is new).
    """

    attr_class = ProtectedFieldFile

    def __init__(self, *args, extensions=(), **kwargs):
        self.extensions = tuple(extensions)
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    @property
    def default_validators(self):
        return [UploadValidator(self.extensions)] if self.extensions else []

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["extensions"] = self.extensions
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{**kwargs, "max_length": None})
