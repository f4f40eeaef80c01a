"""
Uploaded images, for every app: verified by Pillow, turned upright, stripped of EXIF.

An upload is refused with a clear message when it is not a real JPEG/PNG/GIF/WebP image, when it
is a decompression bomb, or when it has more pixels than settings.MAX_IMAGE_PIXELS.

Every uploaded image a visitor sees also says what it shows: models inherit `DescribedImage`,
whose clean() requires alt text unless the editor ticks "decorative" (then the image gets alt="",
and screen readers skip it). Templates write `alt="{{ obj.alt }}"`.

Model fields use `VerifiedImageField`: the file is checked by the form and again when it is
stored, kept upright without EXIF, and copied in smaller widths once, for `srcset`.
"""

import hashlib
import io
import uuid
import warnings
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from colloquium.storage import is_protected, public_storage
from colloquium.uploads import refuse_markup

FORMAT_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp")


def validate_image(upload):
    """Return the opened image, or raise ValidationError saying what is wrong with it."""
    # A GIF or a JPEG can be a web page too (polyglots, a page appended): none is accepted.
    refuse_markup(upload, IMAGE_EXTENSIONS)
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
            _(
                "Upload a valid JPEG, PNG, GIF or WebP image. The file is not an image or it is "
                "damaged."
            ),
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


def clean_image(image):
    """
    `image` turned upright and re-encoded without EXIF (GPS included), keeping its colour
    profile: (the upright image, its bytes, the file extension of its format).
    """
    upright = ImageOps.exif_transpose(image)
    data = encode_image(upright, image.format, image.info.get("icc_profile"))
    return upright, data, FORMAT_EXTENSIONS[image.format]


def encode_image(image, image_format, icc_profile=None):
    """`image` as bytes of `image_format`; no EXIF is written, only the colour profile."""
    options = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options |= {"quality": 90, "optimize": True}
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def save_clean_image(upload, image, folder):
    """Store a cleaned copy of an uploaded image under a new name; return its URL."""
    _upright, data, extension = clean_image(image)
    name = f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
    stored = default_storage.save(name, ContentFile(data))
    return default_storage.url(stored)


class DescribedImage(models.Model):
    """
    Alt text for a model's uploaded image, or the editor's explicit word that it is decorative.
    `described_image_field` names the image field; with no image uploaded, nothing is asked.
    """

    described_image_field = "image"

    alt_text = models.CharField(
        gettext_lazy("alt text"),
        max_length=250,
        blank=True,
        help_text=gettext_lazy(
            "What the image shows, for people who cannot see it (read aloud by screen readers). "
            "Leave blank only for a decorative image."
        ),
    )
    is_decorative = models.BooleanField(
        gettext_lazy("decorative"),
        default=False,
        help_text=gettext_lazy(
            "Tick only when the image adds nothing that the text next to it does not already "
            "say; screen readers then skip it."
        ),
    )

    class Meta:
        abstract = True

    @property
    def alt(self):
        return "" if self.is_decorative else self.alt_text

    def clean(self):
        super().clean()
        if not getattr(self, self.described_image_field):
            return
        alt_text = self.alt_text.strip()
        if self.is_decorative and alt_text:
            raise ValidationError(
                {
                    "alt_text": _(
                        "A decorative image has no alt text: clear it, or untick Decorative."
                    )
                }
            )
        if not self.is_decorative and not alt_text:
            raise ValidationError(
                {
                    "alt_text": _(
                        "Describe the image, or tick Decorative if it adds nothing to the page."
                    )
                }
            )


# Stored images: an image field whose uploads are checked, cleaned and copied in smaller widths
# once, when the file is saved, so no page ever resizes an image on a visitor's request.

# The widths of the smaller copies offered in srcset; an image only gets the ones below its width.
VARIANT_WIDTHS = (320, 640, 960, 1280)
RENDITIONS_FOLDER = "renditions"


def variant_name(name, width=None):
    """
    The public name of a copy of the stored image `name`: `width` pixels wide, or (None) full
    size. The copies of every image live in one folder of their own, where no upload is ever
    stored, under a digest of the original's (random) name: a copy never takes the place of an
    original or of another image's copy, and says nothing of where its original is kept.
    """
    path = PurePosixPath(name)
    digest = hashlib.sha256(f"rendition:{name}".encode()).hexdigest()[:32]
    size = f"-w{width}" if width else ""
    return f"{RENDITIONS_FOLDER}/{digest}{size}{path.suffix.lower()}"


def variant_widths(width):
    return [candidate for candidate in VARIANT_WIDTHS if candidate < (width or 0)]


def resize_to_width(image, width):
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        # Palette images cannot be resampled smoothly; keep transparency where there is some.
        has_alpha = image.mode in ("P", "PA") and "transparency" in image.info
        image = image.convert("RGBA" if has_alpha or image.mode == "PA" else "RGB")
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def save_variants(name, image, image_format, icc_profile=None, full_size=None):
    """
    Store the public copies of the stored image `name`, made from its upright `image`: one per
    width below its own, and with `full_size` (its cleaned bytes) a full-size one, for an
    original that is not public itself.
    """
    storage = public_storage()
    for width in variant_widths(image.width):
        target = variant_name(name, width)
        storage.delete(target)  # named after our own original: an old file there is ours
        data = encode_image(resize_to_width(image, width), image_format, icc_profile)
        storage.save(target, ContentFile(data))
    if full_size is not None:
        target = variant_name(name)
        storage.delete(target)
        storage.save(target, ContentFile(full_size))


def validate_new_image_file(value):
    """A model field validator: verifies a file being uploaded, not one stored earlier."""
    if value and not getattr(value, "_committed", True):
        validate_image(value)


class CleanImageFieldFile(ImageFieldFile):
    """
    A stored image: saved upright and without EXIF, with its public copies in smaller widths. An
    original kept in protected storage (an event photo) also gets a full-size public copy, which
    pages show in its place: `url` is that copy's.
    """

    def save(self, name, content, save=True):
        image = validate_image(content)
        upright, data, extension = clean_image(image)
        # The extension follows what the file is, whatever it was called.
        name = f"{PurePosixPath(name).stem}.{extension}"
        # Named, so that the width and height fields are read from these upright bytes.
        super().save(name, ContentFile(data, name=name), save=False)
        save_variants(
            self.name,
            upright,
            image.format,
            image.info.get("icc_profile"),
            full_size=data if self.is_protected else None,
        )
        if save:
            self.instance.save()

    save.alters_data = True

    def delete(self, save=True):
        if self:
            for storage, name in self.field.related_files(self.name):
                storage.delete(name)
        super().delete(save)

    delete.alters_data = True

    @property
    def is_protected(self):
        return is_protected(self.storage)

    @property
    def url(self):
        self._require_file()
        if self.is_protected:
            return public_storage().url(variant_name(self.name))
        return super().url

    @property
    def stored_width(self):
        # The width field, when the model has one, saves opening the file on every page.
        if self.field.width_field:
            return getattr(self.instance, self.field.width_field) or 0
        return self.width

    @property
    def stored_height(self):
        if self.field.height_field:
            return getattr(self.instance, self.field.height_field) or 0
        return self.height

    @property
    def variant_widths(self):
        return variant_widths(self.stored_width)

    def url_for_width(self, width):
        """The URL of the smallest copy at least `width` pixels wide, else of the full image."""
        for candidate in self.variant_widths:
            if candidate >= width:
                return public_storage().url(variant_name(self.name, candidate))
        return self.url

    @property
    def srcset(self):
        """The `srcset` of an <img>: every smaller copy, then the full image at its width."""
        storage = public_storage()
        candidates = [
            f"{storage.url(variant_name(self.name, width))} {width}w"
            for width in self.variant_widths
        ]
        candidates.append(f"{self.url} {self.stored_width}w")
        return ", ".join(candidates)


class VerifiedImageFormField(forms.ImageField):
    """
    An image upload checked by `validate_image`, so that a bomb or an oversize image is named as
    such in the form error instead of Django's generic "not an image" message.
    """

    default_validators = [FileExtensionValidator(IMAGE_EXTENSIONS)]

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        image = validate_image(upload)
        upload.image = image
        upload.content_type = Image.MIME.get(image.format)
        upload.seek(0)
        return upload


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleImageField(VerifiedImageFormField):
    """Several images in one file input; each is checked, and each error names its file."""

    widget = MultipleImageInput

    def clean(self, data, initial=None):
        if not isinstance(data, list | tuple):
            data = [data]
        uploads = [upload for upload in data if upload]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(super().clean(upload))
            except ValidationError as error:
                name = getattr(upload, "name", "")
                errors.extend(f"{name}: {message}" for message in error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class VerifiedImageField(models.ImageField):
    """
    An ImageField for everything visitors see: the upload is verified by Pillow (with a clear
    form error), stored upright without EXIF (no GPS), and copied in VARIANT_WIDTHS for srcset.
    Give it `width_field` so pages can build srcset without opening the file.
    """

    attr_class = CleanImageFieldFile
    default_validators = [FileExtensionValidator(IMAGE_EXTENSIONS), validate_new_image_file]

    def __init__(self, *args, **kwargs):
        # Stored names are random and short (colloquium.storage.UploadTo); room to spare.
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def related_files(self, name):
        """The public copies that go when the stored image `name` goes (colloquium.storage)."""
        storage = public_storage()
        return [(storage, variant_name(name, width)) for width in (*VARIANT_WIDTHS, None)]

    def formfield(self, **kwargs):
        # The visitor's file name is not kept (the stored name is new): any length will do.
        return super().formfield(
            **{"form_class": VerifiedImageFormField, **kwargs, "max_length": None}
        )
