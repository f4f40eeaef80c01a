"""
Publishing rules shared by every public model: a status, a publication time that may lie in the
future (scheduled, with no cron job), a hit counter, who created the row, and its language.

`Model.objects.published()` is the only door to public content.

Each item is written in one language. A translation points to its original through
`translation_of`, so the English and Korean versions of one story form a small family: the
original plus the items that name it. Boards list their own language's items
(`.published().in_language()`); a page offers its family's other members in the language switcher
and in hreflang links.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


def current_language():
    """The active language as one of settings.LANGUAGES ("ko-kr" -> "ko"), else the default."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


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

    def visible_to(self, user):
        """What `user` may open: everything for staff, who preview drafts; published items else."""
        return self if user.is_staff else self.published()

    def in_language(self, language=None):
        """Items written in `language`, by default the language of the page being served."""
        return self.filter(language=language or current_language())


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
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        db_index=True,
        help_text=_("The language this is written in. It is listed on that language's pages."),
    )
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        help_text=_(
            "If this is a translation, choose the original here, so that visitors reading one "
            "can switch to the other. Leave blank for an original."
        ),
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == Status.PUBLISHED and self.published_at > timezone.now()

    def clean(self):
        super().clean()
        original = self.translation_of
        if original is None:
            return
        if original.pk == self.pk:
            raise ValidationError({"translation_of": _("An item cannot be its own translation.")})
        if original.translation_of_id is not None:
            raise ValidationError(
                {"translation_of": _("Choose the original, not another translation of it.")}
            )
        if self.pk and type(self)._base_manager.filter(translation_of=self).exists():
            raise ValidationError(
                {"translation_of": _("This item has translations of its own: it is an original.")}
            )
        if original.language == self.language:
            raise ValidationError(
                {"translation_of": _("A translation must be in a different language.")}
            )
        siblings = (
            type(self)
            ._base_manager.filter(translation_of=original, language=self.language)
            .exclude(pk=self.pk)
        )
        if siblings.exists():
            raise ValidationError(
                {"translation_of": _("That item already has a translation in this language.")}
            )

    def get_translations(self):
        """The published versions of this item in other languages (its original included)."""
        if not hasattr(self, "_translations"):
            family = self.translation_of_id or self.pk
            self._translations = list(
                type(self)
                .objects.published()
                .filter(Q(pk=family) | Q(translation_of=family))
                .exclude(pk=self.pk)
                .exclude(language=self.language)
            )
        return self._translations

    def record_hit(self):
        """Count one visit; the database does the arithmetic, so no concurrent hit is lost."""
        type(self)._base_manager.filter(pk=self.pk).update(hit_count=F("hit_count") + 1)
        # Show the visitor their own visit without another query.
        self.hit_count += 1
