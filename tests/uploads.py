"""
Real files of every type editors upload, made in the test: documents whose structure a reader
opens (OLE2 compound files written sector by sector, zip packages, PDF and images by Pillow), and
the hostile ones the upload corpus throws at the forms.
"""

import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image

from tests.factories import picture_bytes

# OLE2 (Compound File Binary, MS-CFB version 3): 512-byte sectors, streams of at least 4,096
# bytes each so that none goes to the mini stream.
_SECTOR = 512
_FREE, _END, _FAT_SECTOR, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def ole_bytes(streams):
    """A compound file holding `streams` ({name: bytes}), as Office and Hangul write them."""
    streams = {name: data.ljust(4096, b"\0") for name, data in streams.items()}
    sectors = {name: -(-len(data) // _SECTOR) for name, data in streams.items()}
    fat = [_FAT_SECTOR, _END]  # sector 0 holds the FAT, sector 1 the directory
    starts = {}
    for name, count in sectors.items():
        starts[name] = len(fat)
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(_END)
    assert len(fat) <= _SECTOR // 4
    fat += [_FREE] * (_SECTOR // 4 - len(fat))

    def entry(name, kind, right=_NONE, child=_NONE, start=_END, size=0):
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", _NONE, right, child)
            + b"\0" * 16
            + struct.pack("<I", 0)
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, child=1 if names else _NONE)
    for index, name in enumerate(names, start=1):
        right = index + 1 if index < len(names) else _NONE
        directory += entry(name, 2, right=right, start=starts[name], size=len(streams[name]))
    directory = directory.ljust(-(-len(directory) // _SECTOR) * _SECTOR, b"\0")
    assert len(directory) == _SECTOR, "up to three streams"
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREE) * 108
    )
    assert len(header) == _SECTOR
    body = struct.pack(f"<{len(fat)}I", *fat) + directory
    return header + body + b"".join(streams.values())


def hwp_bytes():
    """A Hangul (HWP 5) document: a compound file whose FileHeader stream names the format."""
    signature = b"HWP Document File".ljust(32, b"\0")
    version = struct.pack("<I", 0x05000300)
    return ole_bytes({"FileHeader": signature + version, "DocInfo": zlib.compress(b"doc")})


def doc_bytes():
    return ole_bytes({"WordDocument": b"\xec\xa5" + b"\0" * 30, "1Table": b"\0" * 8})


def xls_bytes():
    return ole_bytes({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"})


def ppt_bytes():
    return ole_bytes({"PowerPoint Document": b"\0" * 16, "Current User": b"\0" * 16})


def zip_bytes(entries, mimetype=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def hwpx_bytes():
    return zip_bytes(
        {
            "version.xml": '<?xml version="1.0"?><hv:HCFVersion tagetApplication="WORDPROCESSOR"/>',
            "Contents/content.hpf": '<?xml version="1.0"?><opf:package/>',
            "Contents/section0.xml": '<?xml version="1.0"?><hs:sec><hp:p>붙임</hp:p></hs:sec>',
            "META-INF/container.xml": '<?xml version="1.0"?><ocf:container/>',
        },
        mimetype="application/hwp+zip",
    )


OOXML = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
}


def ooxml_bytes(kind):
    part, content_type = OOXML[kind]
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="application/'
        f'vnd.openxmlformats-officedocument.{content_type}"/></Types>'
    )
    return zip_bytes(
        {"[Content_Types].xml": types, "_rels/.rels": "<Relationships/>", part: "<document/>"}
    )


def pdf_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buffer, format="PDF")
    return buffer.getvalue()


def png_bomb():
    """A tiny PNG that claims 100,000 × 100,000 pixels: a decompression bomb."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


def pe_executable():
    """A real Windows executable: the launcher pip's distlib ships, or a minimal PE header."""
    import pip

    launchers = sorted(Path(pip.__file__).parent.glob("_vendor/distlib/*.exe"))
    if launchers:
        return launchers[0].read_bytes()
    return b"MZ\x90\x00" + b"\0" * 56 + struct.pack("<I", 64) + b"PE\0\0" + b"\0" * 200


HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script></svg>"
)
PHP_SHELL = b"<?php system($_GET['c']); ?>\n"


def jpeg_with_html():
    return picture_bytes((40, 30), "JPEG") + HTML_PAGE
