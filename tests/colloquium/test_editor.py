import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image, ImageCms

from tests.factories import UserFactory, gps_photo_bytes, picture_bytes

UPLOAD_URL = "/admin/editor/upload/"
SMALL = (40, 30)


@pytest.fixture
def staff_client(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    # The admin page sets the CSRF cookie that CKEditor's upload plugin sends back as a header.
    client.get("/admin/")
    return client


def upload(client, name, data):
    return client.post(
        UPLOAD_URL,
        {"upload": SimpleUploadedFile(name, data)},
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )


def stored_path(url):
    assert url.startswith(settings.MEDIA_URL)
    return settings.MEDIA_ROOT / url.removeprefix(settings.MEDIA_URL)


@pytest.mark.django_db
def test_upload_by_an_anonymous_visitor_redirects_to_the_login(client):
    response = client.post(
        UPLOAD_URL, {"upload": SimpleUploadedFile("a.png", picture_bytes(SMALL, "PNG"))}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_upload_by_a_logged_in_visitor_who_is_not_staff_redirects_to_the_login(client):
    client.force_login(UserFactory())

    response = client.post(
        UPLOAD_URL, {"upload": SimpleUploadedFile("a.png", picture_bytes(SMALL, "PNG"))}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_upload_without_a_csrf_token_is_forbidden(staff_client):
    response = staff_client.post(
        UPLOAD_URL, {"upload": SimpleUploadedFile("a.png", picture_bytes(SMALL, "PNG"))}
    )

    assert response.status_code == 403


def test_upload_only_accepts_post(staff_client):
    assert staff_client.get(UPLOAD_URL).status_code == 405


def test_upload_of_a_png_returns_the_url_of_the_stored_file(staff_client):
    response = upload(staff_client, "photo.png", picture_bytes(SMALL, "PNG"))

    assert response.status_code == 200
    data = response.json()
    assert data["uploaded"] == 1
    assert data["url"].startswith("/media/editor/")
    assert data["url"].endswith(".png")
    with Image.open(stored_path(data["url"])) as stored:
        assert (stored.format, stored.size) == ("PNG", (40, 30))


@pytest.mark.parametrize(
    ("name", "image_format", "extension"),
    [
        ("p.jpg", "JPEG", "jpg"),
        ("p.JPEG", "JPEG", "jpg"),
        ("p.gif", "GIF", "gif"),
        ("p.webp", "WEBP", "webp"),
    ],
)
def test_upload_stores_each_image_format_under_its_own_extension(
    staff_client, name, image_format, extension
):
    response = upload(staff_client, name, picture_bytes(SMALL, image_format))

    url = response.json()["url"]
    assert url.endswith(f".{extension}")
    with Image.open(stored_path(url)) as stored:
        assert stored.format == image_format


def test_upload_names_the_file_after_its_content_not_the_visitor(staff_client):
    response = upload(staff_client, "../../evil name.png", picture_bytes(SMALL, "PNG"))

    url = response.json()["url"]
    assert re.fullmatch(r"/media/editor/\d{4}/\d{2}/[0-9a-f]{32}\.png", url), url
    assert "evil" not in url
    assert ".." not in url


def polyglot_gif():
    """A real GIF that a browser would also render as an HTML page."""
    return picture_bytes(SMALL, "GIF") + b"<html><script>alert(document.cookie)</script></html>"


def test_upload_of_an_html_gif_polyglot_named_html_is_refused(staff_client):
    response = upload(staff_client, "x.html", polyglot_gif())

    assert response.status_code == 400
    assert response.json() == {
        "uploaded": 0,
        "error": {"message": "Upload a JPEG, PNG, GIF or WebP image."},
    }


def test_upload_of_a_polyglot_named_gif_is_refused_naming_the_allowed_types(staff_client):
    before = set(settings.MEDIA_ROOT.glob("editor/**/*.gif"))

    response = upload(staff_client, "x.gif", polyglot_gif())

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "This file contains web page or script code (HTML, SVG, JavaScript or PHP), which is "
        "never accepted. Allowed types: JPG, JPEG, PNG, GIF, WEBP."
    )
    assert set(settings.MEDIA_ROOT.glob("editor/**/*.gif")) == before


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        ("report.png", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        ("picture.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("picture.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("truncated.png", picture_bytes(SMALL, "PNG")[:40]),
        ("scan.bmp", picture_bytes(SMALL, "BMP")),
        ("scan.png", picture_bytes(SMALL, "BMP")),
        ("empty.png", b""),
    ],
)
def test_upload_of_a_file_that_is_not_an_allowed_image_is_refused(staff_client, name, data):
    response = upload(staff_client, name, data)

    assert response.status_code == 400
    assert response.json()["uploaded"] == 0
    assert response.json()["error"]["message"]


def test_upload_without_a_file_is_refused(staff_client):
    response = staff_client.post(
        UPLOAD_URL, {}, headers={"X-CSRFToken": staff_client.cookies["csrftoken"].value}
    )

    assert response.json() == {"uploaded": 0, "error": {"message": "No file was sent."}}


def test_upload_over_max_image_pixels_is_refused(staff_client, settings):
    settings.MAX_IMAGE_PIXELS = 1_000

    response = upload(staff_client, "big.png", picture_bytes((50, 30), "PNG"))

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "This image is 50×30 pixels; the limit is 1,000 pixels in all."
    )


def test_upload_of_a_decompression_bomb_is_refused(staff_client):
    # Above Pillow's limit (set from MAX_IMAGE_PIXELS) but below twice it, where Pillow only warns.
    width = 8_000
    height = Image.MAX_IMAGE_PIXELS // width + 100
    bomb = picture_bytes((width, height), "PNG", color=0, mode="1")

    response = upload(staff_client, "bomb.png", bomb)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "This image has too many pixels to be processed safely."
    )


def test_upload_over_the_size_limit_is_refused(staff_client, settings):
    settings.MAX_UPLOAD_SIZE = 1_000

    response = upload(staff_client, "photo.jpg", picture_bytes(SMALL, "JPEG") + b"\0" * 2_000)

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("This file is ")


def test_upload_of_a_jpeg_drops_exif_and_gps_and_turns_it_upright(staff_client):
    original = gps_photo_bytes()
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo really has GPS

    response = upload(staff_client, "IMG_0001.JPG", original)

    path = stored_path(response.json()["url"])
    with Image.open(path) as stored:
        assert stored.size == (40, 60)
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info
        red_top, blue_bottom = stored.convert("RGB").getpixel((20, 10)), stored.getpixel((20, 50))
    assert red_top[0] > 150 > red_top[2]
    assert blue_bottom[2] > 150 > blue_bottom[0]
    assert b"PhoneMaker" not in path.read_bytes()


def test_upload_keeps_the_colour_profile(staff_client):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    response = upload(staff_client, "p.jpg", picture_bytes(SMALL, icc_profile=srgb))

    with Image.open(stored_path(response.json()["url"])) as stored:
        assert stored.info["icc_profile"] == srgb
