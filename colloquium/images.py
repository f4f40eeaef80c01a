"""
Uploaded images, for every app: verified by Pillow, turned upright, stripped of EXIF.

An upload is refused with a clear message when it is not a real JPEG/PNG/GIF/WebP image, when it
is a decompression bomb, or when it has more pixels than settings.MAX_IMAGE_PIXELS.
"""

import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

FORMAT_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp")


def validate_image(upload):
    """Return the opened image, or raise ValidationError saying what is wrong with it."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This image has too many pixels to be processed safely."), code="image_too_large"
        ) from None
    except Exception:
        raise ValidationError(
            _("Upload a valid image. The file is not an image or it is damaged."),
            code="invalid_image",
        ) from None
    if image.format not in FORMAT_EXTENSIONS:
        raise ValidationError(
            _("Upload a JPEG, PNG, GIF or WebP image (this file is %(format)s).")
            % {"format": image.format},
            code="invalid_image_format",
        )
    width, height = image.size
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise ValidationError(
            _("This image is %(width)s×%(height)s pixels; the limit is %(limit)s pixels in all.")
            % {"width": width, "height": height, "limit": f"{settings.MAX_IMAGE_PIXELS:,}"},
            code="image_too_large",
        )
    # verify() leaves the image unusable: reopen it for whoever needs the pixels.
    upload.seek(0)
    return Image.open(upload)


def clean_image_bytes(image):
    """Re-encode `image` upright and without EXIF (GPS included), keeping its colour profile."""
    image_format = image.format
    upright = ImageOps.exif_transpose(image)
    options = {}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    if image_format == "JPEG":
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        options |= {"quality": 90, "optimize": True}
    buffer = io.BytesIO()
    upright.save(buffer, format=image_format, **options)
    return buffer.getvalue(), FORMAT_EXTENSIONS[image_format]


def save_clean_image(upload, image, folder):
    """Store a cleaned copy of an uploaded image under a new name; return its URL."""
    data, extension = clean_image_bytes(image)
    name = f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
    stored = default_storage.save(name, ContentFile(data))
    return default_storage.url(stored)
