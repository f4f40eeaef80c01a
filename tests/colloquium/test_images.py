import io
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import ExifTags, Image

from colloquium.images import MultipleImageField, VerifiedImageFormField, variant_name
from events.models import Photo, Speaker
from tests.factories import EventFactory, PhotoFactory, picture_bytes

RED, BLUE = (220, 20, 20), (20, 20, 220)
NOT_AN_IMAGE = (
    "Upload a valid JPEG, PNG, GIF or WebP image. The file is not an image or it is damaged."
)
TOO_MANY_PIXELS = "This image has too many pixels to be processed safely."

pytestmark = pytest.mark.django_db


def png_header(width, height):
    """A tiny PNG that claims `width` × `height` pixels: what a decompression bomb looks like."""

    def chunk(kind, data):
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def sideways_photo_bytes(size=(800, 400)):
    """A JPEG, red left half and blue right half, that a phone took sideways at a known place."""
    width, height = size
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # to be shown turned 90° clockwise
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (37.0, 33.0, 59.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def stored_image(file, width=None):
    """The stored image, or its copy `width` pixels wide, as Pillow reads it back."""
    # The copies are public (MEDIA_ROOT); a photo's original is protected.
    storage, name = (
        (default_storage, variant_name(file.name, width)) if width else (file.storage, file.name)
    )
    with storage.open(name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def clean(field, name, data):
    return field.clean(SimpleUploadedFile(name, data))


def test_photo_is_stored_upright_without_exif_or_gps():
    photo = PhotoFactory(image=ContentFile(sideways_photo_bytes(), name="IMG_0001.jpg"))

    image = stored_image(photo.image)
    copy = stored_image(photo.image, 320)

    assert (photo.width, photo.height) == image.size == (400, 800)
    assert image.getpixel((200, 100))[0] > 200  # the red half is on top once turned upright
    assert image.getpixel((200, 700))[2] > 200
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert copy.size == (320, 640)
    assert dict(copy.getexif()) == {}


def test_copies_in_several_widths_are_made_at_upload():
    photo = PhotoFactory(size=(1000, 500))

    name = photo.image.name

    assert photo.image.variant_widths == [320, 640, 960]
    assert [stored_image(photo.image, width).size for width in (320, 640, 960)] == [
        (320, 160),
        (640, 320),
        (960, 480),
    ]
    assert not default_storage.exists(variant_name(name, 1280))


def test_srcset_offers_every_copy_and_the_full_size():
    photo = PhotoFactory(size=(700, 350))
    url = photo.image.url  # the full-size public copy of a protected original
    stem = url.removesuffix(".jpg")

    assert re.fullmatch(r"/media/renditions/[0-9a-f]{32}\.jpg", url)
    assert photo.image.srcset == f"{stem}-w320.jpg 320w, {stem}-w640.jpg 640w, {url} 700w"
    assert photo.image.url_for_width(500) == f"{stem}-w640.jpg"
    assert photo.image.url_for_width(2000) == url


def test_small_image_has_no_copies():
    photo = PhotoFactory(size=(300, 200))

    assert photo.image.srcset == f"{photo.image.url} 300w"


def test_stored_name_takes_the_extension_of_what_the_file_is():
    photo = PhotoFactory(image=ContentFile(picture_bytes(image_format="PNG"), name="photo.jpg"))

    assert photo.image.name.endswith(".png")
    assert stored_image(photo.image).format == "PNG"


def test_palette_gif_gets_smooth_copies():
    buffer = io.BytesIO()
    Image.new("P", (700, 300), 3).save(buffer, format="GIF")

    photo = PhotoFactory(image=ContentFile(buffer.getvalue(), name="logo.gif"))

    copy = stored_image(photo.image, 640)
    assert (copy.format, copy.size) == ("GIF", (640, 274))


def test_deleting_the_image_deletes_its_copies():
    photo, other = PhotoFactory(size=(700, 350)), PhotoFactory(size=(700, 350))
    storage, name = photo.image.storage, photo.image.name
    assert default_storage.exists(variant_name(name, 320))

    photo.image.delete(save=False)

    assert not storage.exists(name)
    assert not default_storage.exists(variant_name(name, 320))
    assert not default_storage.exists(variant_name(name))
    assert storage.exists(other.image.name)
    assert default_storage.exists(variant_name(other.image.name, 320))


def test_saving_a_non_image_from_code_is_refused():
    event = EventFactory()

    with pytest.raises(ValidationError) as error:
        Photo.objects.create(event=event, image=ContentFile(b"not an image", name="x.jpg"))

    assert error.value.messages == [NOT_AN_IMAGE]


def test_form_field_accepts_a_real_image():
    upload = clean(VerifiedImageFormField(), "photo.jpg", picture_bytes())

    assert (upload.image.format, upload.content_type) == ("JPEG", "image/jpeg")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", b"GIF89a but not really", NOT_AN_IMAGE),
        ("photo.jpg", picture_bytes()[:200], NOT_AN_IMAGE),
        ("bomb.png", png_header(20_000, 20_000), TOO_MANY_PIXELS),  # 400 Mpx: Pillow's error
        ("bomb.png", png_header(7_000, 7_000), TOO_MANY_PIXELS),  # 49 Mpx: Pillow only warns
        ("photo.tiff", picture_bytes(image_format="PNG"), "File extension “tiff” is not allowed."),
        (
            "photo.jpg",
            picture_bytes(image_format="TIFF"),
            "Upload a JPEG, PNG, GIF or WebP image (this file is TIFF).",
        ),
    ],
)
def test_form_field_refuses_with_a_clear_message(name, data, message):
    with pytest.raises(ValidationError) as error:
        clean(VerifiedImageFormField(), name, data)

    assert message in " ".join(error.value.messages)


@override_settings(MAX_IMAGE_PIXELS=100 * 100)
def test_form_field_refuses_an_image_over_the_configured_pixel_limit():
    with pytest.raises(ValidationError) as error:
        clean(VerifiedImageFormField(), "photo.png", picture_bytes((200, 100), "PNG"))

    assert error.value.messages == [
        "This image is 200×100 pixels; the limit is 10,000 pixels in all."
    ]


def test_multiple_image_field_names_each_bad_file():
    field = MultipleImageField(required=False)
    uploads = [
        SimpleUploadedFile("good.jpg", picture_bytes()),
        SimpleUploadedFile("notes.jpg", b"plain text"),
        SimpleUploadedFile("bomb.png", png_header(20_000, 20_000)),
    ]

    with pytest.raises(ValidationError) as error:
        field.clean(uploads)

    assert error.value.messages == [f"notes.jpg: {NOT_AN_IMAGE}", f"bomb.png: {TOO_MANY_PIXELS}"]


def test_multiple_image_field_returns_every_good_file():
    field = MultipleImageField(required=False)
    uploads = [SimpleUploadedFile(f"{n}.jpg", picture_bytes()) for n in range(3)]

    assert [upload.name for upload in field.clean(uploads)] == ["0.jpg", "1.jpg", "2.jpg"]
    assert field.clean([]) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"%PDF-1.4 not a photo", NOT_AN_IMAGE), (png_header(20_000, 20_000), TOO_MANY_PIXELS)],
)
def test_speaker_photo_form_shows_the_error_to_the_editor(editor_client, data, message):
    response = editor_client.post(
        "/admin/events/speaker/add/",
        {
            "name": "Ho Kim",
            "slug": "",
            "job_title": "Director",
            "affiliation": "BISTEP",
            "photo": SimpleUploadedFile("portrait.png", data),
            "bio": "",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo"] == [message]
    assert not Speaker.objects.exists()


def test_speaker_photo_from_the_admin_is_cleaned(editor_client):
    response = editor_client.post(
        "/admin/events/speaker/add/",
        {
            "name": "Ho Kim",
            "slug": "",
            "job_title": "Director",
            "affiliation": "BISTEP",
            "photo": SimpleUploadedFile("portrait.jpg", sideways_photo_bytes((400, 200))),
            "alt_text": "Portrait of Ho Kim",
            "bio": "",
        },
    )

    assert response.status_code == 302
    speaker = Speaker.objects.get()
    assert (speaker.photo_width, speaker.photo_height) == (200, 400)
    assert dict(stored_image(speaker.photo).getexif()) == {}
