"""Site-wide content that belongs to no board: the banner zone of related institutions."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
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


class DailyCount(models.Model):
    """
    The hits and downloads of one item on one day (the site's TIME_ZONE date), for the editors'
    statistics. Written with the item's own counter (colloquium/counters.py), never edited.
    """

    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        related_name="daily_counts",
        verbose_name=_("type of item"),
    )
    object_id = models.PositiveBigIntegerField(_("item"))
    item = GenericForeignKey("content_type", "object_id")
    day = models.DateField(_("day"), help_text=_("The date in the site's time zone."))
    hit_count = models.PositiveIntegerField(_("hits"), default=0)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        ordering = ("-day", "content_type", "object_id")
        constraints = (
            # Also the index of "one item over a period": its fields lead in that order.
            models.UniqueConstraint(
                fields=("content_type", "object_id", "day"), name="dailycount_one_row_per_day"
            ),
        )
        indexes = (
            # "The most read items of a period", per type of item.
            models.Index(fields=("content_type", "day"), name="dailycount_type_day"),
        )

    def __str__(self):
        return f"{self.content_type.model} #{self.object_id}, {self.day}"


class CounterBatch(models.Model):
    """
    A batch of buffered increments folded from Redis into the counters: recorded in the same
    transaction as the increments, so that a batch left in Redis by an interrupted fold is applied
    once and only once (colloquium/counters.py).
    """

    batch_id = models.CharField(max_length=40, primary_key=True)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("folded counter batch")
        verbose_name_plural = _("folded counter batches")

    def __str__(self):
        return self.batch_id
