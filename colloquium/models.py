"""Site-wide content that belongs to no board: the banner zone of related institutions."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from colloquium.images import DescribedImage, VerifiedImageField
from colloquium.storage import UploadTo


class BannerQuerySet(models.QuerySet):
    def visible(self):
        """Active banners whose start has come and whose end has not (both are optional)."""
        now = timezone.now()
        return self.filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
            is_active=True,
        )


class Banner(DescribedImage):
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("The institution's name, for the list of banners here in the admin."),
    )
    image = VerifiedImageField(
        _("image"),
        upload_to=UploadTo("banners"),
        width_field="width",
        height_field="height",
        help_text=_("The logo: a JPEG, PNG, GIF or WebP image, about 200 × 60 pixels."),
    )
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    url = models.URLField(
        _("link"), help_text=_("The page a visitor reaches by choosing the logo.")
    )
    order = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower numbers are shown first.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to take the banner down.")
    )
    starts_at = models.DateTimeField(
        _("shown from"),
        null=True,
        blank=True,
        help_text=_("Leave blank to show the banner straight away."),
    )
    ends_at = models.DateTimeField(
        _("shown until"),
        null=True,
        blank=True,
        help_text=_("Leave blank to show it until removed."),
    )

    objects = BannerQuerySet.as_manager()

    class Meta:
        ordering = ("order", "name")
        verbose_name = _("banner")
        verbose_name_plural = _("banners")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="banner_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_visible(self):
        now = timezone.now()
        return (
            self.is_active
            and (self.starts_at is None or self.starts_at <= now)
            and (self.ends_at is None or self.ends_at > now)
        )
