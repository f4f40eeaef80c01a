"""
The upload corpus: real files, made here, through the forms editors use (the post form's
attachment rows, image fields, the rich-text editor's upload). Uploads are what they say.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from colloquium.attachments import ALLOWED_EXTENSIONS
from colloquium.images import IMAGE_EXTENSIONS
from colloquium.publishing import Status
from colloquium.uploads import check_upload, clean_filename
from events.models import Speaker
from news.models import Attachment, Post
from tests import uploads
from tests.factories import CategoryFactory, picture_bytes

pytestmark = pytest.mark.django_db

ALLOWED = (
    "PDF, HWP, HWPX, DOC, DOCX, XLS, XLSX, PPT, PPTX, ODT, ODS, ODP, TXT, CSV, RTF, ZIP, JPG, "
    "JPEG, PNG, GIF, WEBP, MP3, MP4"
)
IMAGES = "JPG, JPEG, PNG, GIF, WEBP"
MARKUP = (
    "This file contains web page or script code (HTML, SVG, JavaScript or PHP), which is never "
    "accepted. Allowed types: {}."
)
MISMATCH = (
    "The contents of this file are not of the type its name says ({}), or the file is damaged. "
    "Allowed types: {}."
)
NOT_ALLOWED = "Files of type {} cannot be uploaded. Allowed types: {}."
ADD_URL = "/admin/news/post/add/"


def post_with_attachment(editor_client, upload):
    form = {
        "category": CategoryFactory().pk,
        "title": "Embargoed report",
        "slug": "",
        "writer": "",
        "summary": "",
        "body": "<p>Report.</p>",
        "status": Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "language": "en",
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "attachments-0-position": "0",
        "attachments-0-original_name": "",
        "attachments-0-file": upload,
        "_save": "Save",
    }
    return editor_client.post(ADD_URL, form)


def attachment_errors(response):
    assert response.status_code == 200, "expected the form again"
    [inline] = response.context["inline_admin_formsets"]
    return inline.formset.errors[0].get("file", [])


def stored_files():
    root = Path(settings.PROTECTED_MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


REFUSED = [
    ("setup.jpg", uploads.pe_executable, MISMATCH.format("JPG", ALLOWED)),
    ("setup.pdf", uploads.pe_executable, MISMATCH.format("PDF", ALLOWED)),
    ("setup.exe", uploads.pe_executable, NOT_ALLOWED.format("EXE", ALLOWED)),
    ("report.pdf", lambda: uploads.HTML_PAGE, MARKUP.format(ALLOWED)),
    ("page.html", lambda: uploads.HTML_PAGE, NOT_ALLOWED.format("HTML", ALLOWED)),
    ("drawing.svg", lambda: uploads.SVG_SCRIPT, NOT_ALLOWED.format("SVG", ALLOWED)),
    ("drawing.png", lambda: uploads.SVG_SCRIPT, MARKUP.format(ALLOWED)),
    ("shell.php", lambda: uploads.PHP_SHELL, NOT_ALLOWED.format("PHP", ALLOWED)),
    ("notes.txt", lambda: uploads.PHP_SHELL, MARKUP.format(ALLOWED)),
    ("photo.jpg", uploads.jpeg_with_html, MARKUP.format(ALLOWED)),
    ("report.pdf", lambda: b"%PDF-1.7\n" + uploads.HTML_PAGE, MARKUP.format(ALLOWED)),
    ("bomb.png", uploads.png_bomb, "This image has too many pixels to be processed safely."),
    ("report.hwp", uploads.doc_bytes, MISMATCH.format("HWP", ALLOWED)),
    ("report.hwp", uploads.pdf_bytes, MISMATCH.format("HWP", ALLOWED)),
    ("report.hwpx", lambda: uploads.ooxml_bytes("docx"), MISMATCH.format("HWPX", ALLOWED)),
    ("report.docx", uploads.hwpx_bytes, MISMATCH.format("DOCX", ALLOWED)),
    ("sheet.xlsx", lambda: uploads.ooxml_bytes("docx"), MISMATCH.format("XLSX", ALLOWED)),
    ("report.doc", uploads.xls_bytes, MISMATCH.format("DOC", ALLOWED)),
    ("data.csv", uploads.pe_executable, MISMATCH.format("CSV", ALLOWED)),
    ("passwd", lambda: b"root:x:0:0:root:/root:/bin/bash\n", NOT_ALLOWED.format("?", ALLOWED)),
    ("../../etc/passwd", lambda: b"root:x:0:0\n", NOT_ALLOWED.format("?", ALLOWED)),
    ("empty.pdf", lambda: b"", "The submitted file is empty."),
]


@pytest.mark.parametrize(
    ("name", "make", "message"), REFUSED, ids=[f"{row[0]}-{i}" for i, row in enumerate(REFUSED)]
)
def test_hostile_attachment_is_refused_with_a_message_naming_the_allowed_types(
    editor_client, name, make, message
):
    before = stored_files()

    response = post_with_attachment(editor_client, SimpleUploadedFile(name, make()))

    assert attachment_errors(response) == [message]
    assert not Post.objects.exists()
    assert stored_files() == before


ACCEPTED = [
    ("report.pdf", uploads.pdf_bytes, "application/pdf"),
    ("붙임1_행사안내.hwp", uploads.hwp_bytes, "application/x-hwp"),
    ("report.hwpx", uploads.hwpx_bytes, "application/haansofthwpx"),
    ("report.docx", lambda: uploads.ooxml_bytes("docx"), None),
    ("sheet.xlsx", lambda: uploads.ooxml_bytes("xlsx"), None),
    ("slides.pptx", lambda: uploads.ooxml_bytes("pptx"), None),
    ("old.doc", uploads.doc_bytes, "application/msword"),
    ("old.xls", uploads.xls_bytes, "application/vnd.ms-excel"),
    ("old.ppt", uploads.ppt_bytes, "application/vnd.ms-powerpoint"),
    ("photo.jpg", lambda: picture_bytes((40, 30), "JPEG"), "image/jpeg"),
    ("chart.png", lambda: picture_bytes((40, 30), "PNG"), "image/png"),
    ("명단.csv", lambda: "이름,소속\n김호,BISTEP\n".encode("cp949"), "text/csv"),
    ("readme.txt", lambda: "Plain text, 한국어.\n".encode(), "text/plain"),
]


@pytest.mark.parametrize(("name", "make", "content_type"), ACCEPTED)
def test_real_document_is_accepted_and_stored_privately(editor_client, name, make, content_type):
    data = make()

    response = post_with_attachment(editor_client, SimpleUploadedFile(name, data))

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == name
    assert attachment.size == len(data)
    if content_type:
        assert attachment.content_type == content_type
    assert (Path(settings.PROTECTED_MEDIA_ROOT) / attachment.file.name).read_bytes() == data
    assert Client().get(attachment.get_absolute_url()).status_code == 404  # a draft's file
    download = editor_client.get(attachment.get_absolute_url())
    assert b"".join(download.streaming_content) == data


@override_settings(MAX_UPLOAD_SIZE=4096)
def test_one_byte_over_the_limit_is_refused_and_the_limit_itself_accepted(editor_client):
    over = uploads.pdf_bytes().ljust(4097, b"\n")

    response = post_with_attachment(editor_client, SimpleUploadedFile("big.pdf", over))

    assert attachment_errors(response) == ["This file is 4.00KB; files may be at most 4.00KB."]
    response = post_with_attachment(editor_client, SimpleUploadedFile("big.pdf", over[:4096]))
    assert response.status_code == 302


def test_a_300_character_hangul_name_is_kept_shortened_with_its_extension(editor_client):
    name = "가" * 296 + ".hwp"

    response = post_with_attachment(editor_client, SimpleUploadedFile(name, uploads.hwp_bytes()))

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "가" * 251 + ".hwp"
    assert len(attachment.original_name) == 255
    assert attachment.type_label == "hwp"


def test_a_name_with_path_parts_and_control_characters_keeps_only_its_own_name(editor_client):
    response = post_with_attachment(
        editor_client,
        SimpleUploadedFile("../../etc/붙임\x00\x1b[31m1\u200b.pdf", uploads.pdf_bytes()),
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "붙임[31m1.pdf"
    assert ".." not in attachment.file.name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\kim\\붙임 1.pdf", "붙임 1.pdf"),
        ("report\r\n.pdf", "report.pdf"),
        ("..", "file"),
        (".hidden.pdf", "hidden.pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
        ("\u1100\u1161.pdf", "가.pdf"),  # decomposed Hangul, as macOS sends it
    ],
)
def test_clean_filename(name, expected):
    assert clean_filename(name) == expected


# Images


def speaker_form(upload):
    return {"name": "Ho Kim", "slug": "", "job_title": "", "affiliation": "", "bio": "",
            "alt_text": "Portrait of Ho Kim", "photo": upload, "_save": "Save"}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("portrait.jpg", uploads.pe_executable, "Upload a valid JPEG, PNG, GIF or WebP image. "
         "The file is not an image or it is damaged."),
        ("portrait.png", lambda: uploads.SVG_SCRIPT, MARKUP.format(IMAGES)),
        ("portrait.svg", lambda: uploads.SVG_SCRIPT, MARKUP.format(IMAGES)),
        ("portrait.svg", lambda: picture_bytes((40, 30), "PNG"), "File extension “svg” is not "
         "allowed. Allowed extensions are: jpg, jpeg, png, gif, webp."),
        ("portrait.jpg", uploads.jpeg_with_html, MARKUP.format(IMAGES)),
        ("portrait.png", uploads.png_bomb, "This image has too many pixels to be processed "
         "safely."),
        ("portrait.jpg", lambda: b"", "The submitted file is empty."),
    ],
)  # fmt: skip
def test_hostile_image_is_refused(editor_client, name, make, message):
    response = editor_client.post(
        reverse("admin:events_speaker_add"), speaker_form(SimpleUploadedFile(name, make()))
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo"] == [message]
    assert not Speaker.objects.exists()


def test_an_image_named_with_over_100_characters_is_accepted(editor_client):
    name = "행사 사진 " * 20 + ".jpg"  # 121 characters
    upload = SimpleUploadedFile(name, picture_bytes((700, 400), "JPEG"))

    response = editor_client.post(reverse("admin:events_speaker_add"), speaker_form(upload))

    assert response.status_code == 302, response.context["adminform"].form.errors
    speaker = Speaker.objects.get()
    assert len(speaker.photo.name) < 100
    assert speaker.photo.name.endswith(".jpg")


def test_editor_upload_refuses_markup_and_a_mismatched_image(editor_client):
    url = reverse("editor-upload")

    html_gif = editor_client.post(
        url, {"upload": SimpleUploadedFile("x.gif", uploads.jpeg_with_html())}
    )
    exe = editor_client.post(url, {"upload": SimpleUploadedFile("x.jpg", uploads.pe_executable())})
    png_as_jpg = editor_client.post(
        url, {"upload": SimpleUploadedFile("x.jpg", picture_bytes((40, 30), "PNG"))}
    )

    assert html_gif.json()["error"]["message"] == MARKUP.format(IMAGES)
    assert exe.json()["error"]["message"] == MISMATCH.format("JPG", IMAGES)
    assert png_as_jpg.json()["error"]["message"] == MISMATCH.format("JPG", IMAGES)


def test_messages_are_in_korean_too():
    upload = SimpleUploadedFile("report.pdf", uploads.HTML_PAGE)

    with translation.override("ko"), pytest.raises(ValidationError) as refused:
        check_upload(upload, ALLOWED_EXTENSIONS)

    [message] = refused.value.messages
    assert message != MARKUP.format(ALLOWED)
    assert "PDF, HWP" in message
    assert any("\uac00" <= ch <= "\ud7a3" for ch in message)


@pytest.mark.parametrize("extension", sorted({*ALLOWED_EXTENSIONS, *IMAGE_EXTENSIONS}))
def test_bytes_of_no_type_are_refused_under_every_allowed_extension(extension):
    upload = SimpleUploadedFile(f"file.{extension}", bytes(range(256)) * 4)

    with pytest.raises(ValidationError) as refused:
        check_upload(upload, ALLOWED_EXTENSIONS)

    assert refused.value.code == "content_mismatch"
