"""
Publishing rules shared by every public model: a status, a publication time that may lie in the
future (scheduled, with no cron job), a hit counter, and who created the row.

`Model.objects.published()` is the only door to public content.
"""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED, published_at__lte=timezone.now())

    def drafts(self):
        return self.filter(status=Status.DRAFT)

    def scheduled(self):
        return self.filter(status=Status.PUBLISHED, published_at__gt=timezone.now())


class Publishable(models.Model):
    Status = Status

    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_("Only published items are shown to visitors."),
    )
    published_at = models.DateTimeField(
        _("publication date"),
        default=timezone.now,
        db_index=True,
        help_text=_(
            "Visitors see this once it is published and this time has passed. "
            "Choose a future time to schedule it."
        ),
    )
    hit_count = models.PositiveIntegerField(
        _("hits"), default=0, editable=False, help_text=_("Counted visits by visitors.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="created_%(class)ss",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == Status.PUBLISHED and self.published_at > timezone.now()

    def record_hit(self):
        """Count one visit; the database does the arithmetic, so no concurrent hit is lost."""
        type(self)._base_manager.filter(pk=self.pk).update(hit_count=F("hit_count") + 1)
        # Show the visitor their own visit without another query.
        self.hit_count += 1
