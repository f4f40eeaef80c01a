"""
Publishing rules shared by every public model: a status, a publication time that may lie in the
future (scheduled, with no cron job), who created the row, and its language.

`Model.objects.published()` is the only door to public content. An item is in one of three
states (`Publishable.state`): a draft, scheduled (published with a time still to come) or
published. A draft has no publication time until it is first published, unless its editor typed
one (to back-date an old report or to schedule it): publishing stamps the time then, whether it
happens through the form (`save()`) or the admin actions (`publish()` on the queryset).

Each item is written in one language. A translation points to its original through
`translation_of`, so the English and Korean versions of one story form a small family: the
original plus the items that name it. Boards list their own language's items
(`.published().in_language()`); a page offers its family's other members in the language switcher
and in hreflang links.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from colloquium import pagecache
from colloquium.pagination import lists_changed
from colloquium.richtext import RichTextQuerySet
from colloquium.trash import LiveManager, Trashable, TrashQuerySet


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


class State(models.TextChoices):
    """What an editor reads in the admin list: the status and the time taken together."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class PublishableQuerySet(TrashQuerySet, RichTextQuerySet):
    # Each state leaves the trash out, also when reached through a related manager (which reads
    # the trash too, as `all_objects` does).

    def published(self):
        return self.not_in_trash().filter(status=Status.PUBLISHED, published_at__lte=timezone.now())

    def drafts(self):
        return self.not_in_trash().filter(status=Status.DRAFT)

    def scheduled(self):
        return self.not_in_trash().filter(status=Status.PUBLISHED, published_at__gt=timezone.now())

    def in_state(self, state):
        """Items in one of the three `State`s."""
        return {
            State.DRAFT: self.drafts,
            State.SCHEDULED: self.scheduled,
            State.PUBLISHED: self.published,
        }[state]()

    @transaction.atomic
    def publish(self):
        """Publish these items; those never published before are dated now. Returns the count."""
        now = timezone.now()
        self.filter(published_at__isnull=True).update(published_at=now)
        count = self.update(status=Status.PUBLISHED, updated_at=now)
        pagecache.invalidate()  # an UPDATE sends no signal
        lists_changed(self.model)
        return count

    def unpublish(self):
        """Take these items back to drafts; they keep their publication time. Returns the count."""
        count = self.update(status=Status.DRAFT, updated_at=timezone.now())
        pagecache.invalidate()
        lists_changed(self.model)
        return count

    def visible_to(self, user):
        """What `user` may open: all but the trash for staff, who preview drafts; else published."""
        return self.not_in_trash() if user.is_staff else self.published()

    def in_language(self, language=None):
        """Items written in `language`, by default the language of the page being served."""
        return self.filter(language=language or current_language())


def live_manager(queryset_class):
    """The `objects` of a publishable model: its queryset's methods, without the trash."""
    return LiveManager.from_queryset(queryset_class)()


class Publishable(Trashable):
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
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "Leave blank to date it when it is first published. Type a time to back-date an old "
            "report, or a future time to schedule it: visitors see it once it is published and "
            "this time has passed."
        ),
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

    # Pages start from `objects`; the admin, uniqueness checks and backups from `all_objects`,
    # which holds the trash too (a subclass names it its default and base manager).
    objects = live_manager(PublishableQuerySet)
    all_objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "published_at"}
        super().save(*args, **kwargs)

    @property
    def state(self):
        if self.status != Status.PUBLISHED:
            return State.DRAFT
        if self.published_at > timezone.now():
            return State.SCHEDULED
        return State.PUBLISHED

    @property
    def is_published(self):
        return self.deleted_at is None and self.state == State.PUBLISHED

    @property
    def is_scheduled(self):
        return self.state == State.SCHEDULED

    def publish(self):
        self.status = Status.PUBLISHED
        self.save()

    def unpublish(self):
        self.status = Status.DRAFT
        self.save()

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


def forget_default_draft_dates(app_label, model_name):
    """
    A RunPython body for the move to undated drafts. Before it, every draft got the moment its
    form was opened as its publication time, so publishing it later showed the wrong day. A draft
    dated within a day before its creation (or a minute after) took that default: it becomes
    undated. A draft dated otherwise was back-dated or scheduled on purpose and keeps its time.
    """

    def forget(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        model._base_manager.filter(
            status=Status.DRAFT,
            published_at__gte=F("created_at") - dt.timedelta(days=1),
            published_at__lte=F("created_at") + dt.timedelta(minutes=1),
        ).update(published_at=None)

    return forget
