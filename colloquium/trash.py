"""
The trash: deleting a post or an event in the admin moves it here instead of out of the database.

An item in the trash keeps every row it owns (attachments, programme, photos…), its files and its
counters; no visitor sees it (`objects` leaves it out, and so does `published()`), and an editor
restores it as it was. `purge()` (the `emptytrash` command) deletes for good what has been in the
trash long enough: a real delete, whose post_delete handlers release the files.

Models take part by inheriting `Trashable` (every `Publishable` does). `objects` is the door for
pages; `all_objects`, the default and base manager, also holds the trash, so that uniqueness
checks, related rows and backups still see trashed items.
"""

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from colloquium import pagecache
from colloquium.pagination import lists_changed

TRASH_FIELDS = ("deleted_at", "deleted_by")
DEFAULT_KEEP_DAYS = 30


class TrashQuerySet(models.QuerySet):
    def in_trash(self):
        return self.filter(deleted_at__isnull=False)

    def not_in_trash(self):
        return self.filter(deleted_at__isnull=True)

    def move_to_trash(self, user=None):
        """Moves these items to the trash (those already there keep their date). The count."""
        count = self.not_in_trash().update(deleted_at=timezone.now(), deleted_by=user)
        pagecache.invalidate()  # an UPDATE sends no signal
        lists_changed(self.model)
        return count

    def restore_from_trash(self):
        """Takes these items out of the trash, as they were. Returns the count."""
        count = self.in_trash().update(deleted_at=None, deleted_by=None)
        pagecache.invalidate()
        lists_changed(self.model)
        return count


class LiveManager(models.Manager):
    """Items not in the trash."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Trashable(models.Model):
    # No index: nearly every row has none, and an index on it tempts PostgreSQL away from the
    # search's trigram indexes; the trash itself is small.
    deleted_at = models.DateTimeField(
        _("moved to the trash"), null=True, blank=True, editable=False
    )
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved to the trash by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="trashed_%(class)ss",
    )

    class Meta:
        abstract = True

    @property
    def is_in_trash(self):
        return self.deleted_at is not None

    @classmethod
    def fields_saved_apart(cls):
        # Moving to and from the trash is an UPDATE of its own: a save of an instance loaded
        # before must not write its old trash state back (see colloquium.counters.CountedModel).
        parent = getattr(super(), "fields_saved_apart", frozenset)
        return frozenset(parent()) | frozenset(TRASH_FIELDS)

    def move_to_trash(self, user=None):
        self.deleted_at, self.deleted_by = timezone.now(), user
        type(self)._base_manager.filter(pk=self.pk).update(
            deleted_at=self.deleted_at, deleted_by=user
        )
        pagecache.invalidate()
        lists_changed(type(self))

    def restore_from_trash(self):
        self.deleted_at = self.deleted_by = None
        type(self)._base_manager.filter(pk=self.pk).update(deleted_at=None, deleted_by=None)
        pagecache.invalidate()
        lists_changed(type(self))


def trashable_models():
    return [model for model in apps.get_models() if issubclass(model, Trashable)]


def purge(older_than_days=DEFAULT_KEEP_DAYS):
    """Deletes for good what went to the trash more than `older_than_days` ago: {model: count}."""
    from colloquium.revisions import forget_versions

    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    counts = {}
    with transaction.atomic():
        for model in trashable_models():
            expired = model._base_manager.filter(deleted_at__lt=cutoff)
            # Its history goes too: nothing is left to restore, and no version keeps its files.
            forget_versions(model, list(expired.values_list("pk", flat=True)))
            # A translation whose original goes stays (SET_NULL); rows it owns go with it.
            _total, by_label = expired.delete()
            counts[model] = by_label.get(model._meta.label, 0)
    return counts


def _paths_to_trashable(model, depth=3):
    """Lookups from `model` to the trash date of the item owning it ("post__deleted_at")."""
    if issubclass(model, Trashable):
        return ["deleted_at"]
    if depth == 0:
        return []
    paths = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.remote_field.on_delete is models.CASCADE:
            paths += [
                f"{field.name}__{path}"
                for path in _paths_to_trashable(field.related_model, depth - 1)
            ]
    return paths


def file_referenced_by_trash(name):
    """Whether an item in the trash, or a row it owns, names the stored file `name`."""
    if not name:
        return False
    for model in apps.get_models():
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        paths = _paths_to_trashable(model)
        if not file_fields or not paths:
            continue
        in_trash = Q()
        for path in paths:
            in_trash |= Q(**{f"{path}__isnull": False})
        names = Q()
        for field in file_fields:
            names |= Q(**{field.name: name})
        if model._base_manager.filter(in_trash, names).exists():
            return True
    return False
