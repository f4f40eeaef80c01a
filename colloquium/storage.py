"""
Where uploaded files are kept, under which names, and when they leave the disk.

Two storages (settings.STORAGES):
- "default" is MEDIA_ROOT, served at MEDIA_URL: what public pages show (logos, portraits, covers,
  the editor's images, the smaller copies of every photo).
- "protected" is PROTECTED_MEDIA_ROOT, which no URL serves: attachments, event files and photo
  originals. Only the checked download views (colloquium.attachments) give them out, once they
  have checked that the visitor may see the item; `url()` refuses, so no page can link to one.
With S3_BUCKET set, both are folders of one bucket instead (colloquium.objectstorage).

Every upload is stored under a new random name (`UploadTo`): nothing about a file's name, date or
neighbours tells where another one is. Visitors see the name the editor gave, kept in a field.

A file leaves the disk only once nothing needs it: when a row that held it is deleted or given
another file, the file is *released*; after the transaction commits (a rolled-back delete keeps
its files) it is removed unless a file field of some row still names it, or one of the
`reference_checks` (revisions, the trash) says it is still wanted.
"""

import functools
import logging
import uuid
from pathlib import PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, cached_property, empty

logger = logging.getLogger(__name__)

# Callables `name -> bool` that say whether something other than a model's file field (a saved
# revision, an item in the trash) still refers to the stored file `name`. Apps append to it.
reference_checks = []


@deconstructible(path="colloquium.storage.ProtectedFileSystemStorage")
class ProtectedFileSystemStorage(FileSystemStorage):
    """Files on disk that no public URL serves: PROTECTED_MEDIA_ROOT unless given a location."""

    # Also colloquium.objectstorage.ProtectedS3Storage: what `is_protected()` asks.
    is_protected = True

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PROTECTED_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PROTECTED_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError(
            f"{name!r} is a protected file: it has no public URL. Link to its download view."
        )


class _ProtectedStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["protected"]


protected_storage = _ProtectedStorage()


def get_protected_storage():
    """The `storage` of protected file fields (a callable, so migrations name no folder)."""
    return protected_storage


def _reset_protected_storage(*, setting, **kwargs):
    if setting in ("STORAGES", "PROTECTED_MEDIA_ROOT"):
        protected_storage._wrapped = empty


setting_changed.connect(_reset_protected_storage)


def unwrap(storage):
    """The storage object behind a lazy one (default_storage, protected_storage)."""
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage


def is_protected(storage):
    return getattr(unwrap(storage), "is_protected", False)


def public_storage():
    return unwrap(default_storage)


# Names


def safe_suffix(filename):
    """The lower-case extension of `filename` (".pdf"), or "" when it has none worth keeping."""
    suffix = PurePosixPath(str(filename).replace("\\", "/")).suffix.lower()
    return suffix if 1 < len(suffix) <= 8 and suffix[1:].isascii() and suffix[1:].isalnum() else ""


def unguessable_name(folder, filename):
    """A new stored name in `folder`, random, with the extension of `filename`."""
    return f"{folder}/{uuid.uuid4().hex}{safe_suffix(filename)}"


@deconstructible(path="colloquium.storage.UploadTo")
class UploadTo:
    """A field's `upload_to`: every upload gets a random name in `folder`."""

    def __init__(self, folder):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename):
        return unguessable_name(self.folder, filename)

    def __eq__(self, other):
        return isinstance(other, UploadTo) and other.folder == self.folder

    def __hash__(self):
        return hash(self.folder)


# Which rows hold files


@functools.cache
def file_fields(model):
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


def models_with_files():
    """(model, [file fields]) for every installed model that stores files."""
    for model in apps.get_models():
        fields = file_fields(model)
        if fields:
            yield model, fields


def stored_names():
    """Every stored file name that a file field of some row holds, over all models."""
    names = set()
    for model, fields in models_with_files():
        for field in fields:
            # A plain queryset: no manager hides a row (a trashed post still holds its files).
            rows = models.QuerySet(model).exclude(**{field.attname: ""})
            names.update(rows.values_list(field.attname, flat=True).distinct())
    names.discard(None)
    return names


def is_referenced(name):
    """Whether a row's file field, or anything in `reference_checks`, still needs `name`."""
    for model, fields in models_with_files():
        for field in fields:
            if models.QuerySet(model).filter(**{field.attname: name}).exists():
                return True
    return any(check(name) for check in reference_checks)


def related_files(field, name):
    """The stored files that live and die with `name` of `field`: itself, its smaller copies."""
    files = [(field.storage, name)]
    extra = getattr(field, "related_files", None)
    if extra is not None:
        files.extend(extra(name))
    return files


def release(field, name):
    """
    `name`, stored by `field`, is no longer held by the row that held it: remove it (and its
    smaller copies) once the current transaction commits, unless something still refers to it.
    """
    if not name:
        return
    files = related_files(field, name)
    transaction.on_commit(lambda: remove_unreferenced(name, files), robust=True)


def remove_unreferenced(name, files):
    """Remove `files` (`name` and its copies) unless `name` is still referred to. True if gone."""
    if is_referenced(name):
        return False
    for storage, stored in files:
        storage.delete(stored)
    logger.info("Removed the released file %s.", name)
    return True


# Signals: every model with a file field releases the files it lets go.


def _current_name(instance, field):
    value = instance.__dict__.get(field.attname)
    return getattr(value, "name", value) or ""


def _remember_files(sender, instance, **kwargs):
    instance._stored_files = {
        field.attname: _current_name(instance, field)
        for field in file_fields(sender)
        if field.attname in instance.__dict__
    }


def _release_replaced(sender, instance, raw=False, **kwargs):
    if raw:
        return
    stored = getattr(instance, "_stored_files", {})
    for field in file_fields(sender):
        old = stored.get(field.attname)
        if old and old != _current_name(instance, field):
            release(field, old)
    _remember_files(sender, instance)


def _release_all(sender, instance, **kwargs):
    for field in file_fields(sender):
        release(field, _current_name(instance, field))


def connect_signals():
    """Called from AppConfig.ready(): every model with file fields releases what it drops."""
    for model, _fields in models_with_files():
        uid = f"colloquium.storage:{model._meta.label}"
        post_init.connect(_remember_files, sender=model, dispatch_uid=uid, weak=False)
        post_save.connect(_release_replaced, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(_release_all, sender=model, dispatch_uid=uid, weak=False)


# Moving files stored before these rules (migrations *_private_files)


def _old_variant_name(name, width):
    """How smaller copies were named before they had a folder of their own: a.jpg -> a.w640.jpg."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.w{width}{path.suffix}"))


def move_to_new_names(apps, model_label, field_name, folder, *, protected, image=False):
    """
    A data migration's step: give every file that `model_label`.`field_name` holds a random name
    in `folder` in its storage (protected or public), taking an image's smaller copies along to
    their new names (and, for a protected original, a full-size public copy), then remove the
    old public files. Rows that share a file keep sharing it; a missing file keeps its name.
    """
    from colloquium.images import VARIANT_WIDTHS, variant_name

    model = apps.get_model(model_label)
    source = public_storage()
    target = unwrap(storages["protected"]) if protected else source
    moved = {}
    for pk, old in (
        model._base_manager.exclude(**{field_name: ""}).order_by("pk").values_list("pk", field_name)
    ):
        if old not in moved:
            if old.startswith(f"{folder}/") and target.exists(old) and target is not source:
                moved[old] = old  # moved already
                continue
            if not source.exists(old):
                logger.warning(
                    "%s %s: the file %s is missing; its name is kept.", model_label, pk, old
                )
                moved[old] = old
                continue
            with source.open(old, "rb") as handle:
                new = target.save(unguessable_name(folder, old), handle)
            if image:
                for width in VARIANT_WIDTHS:
                    copy = _old_variant_name(old, width)
                    if source.exists(copy):
                        with source.open(copy, "rb") as handle:
                            source.save(variant_name(new, width), handle)
                if protected:
                    with target.open(new, "rb") as handle:
                        source.save(variant_name(new), handle)
            moved[old] = new
        if moved[old] != old:
            model._base_manager.filter(pk=pk).update(**{field_name: moved[old]})
    for old, new in moved.items():
        if new != old:
            source.delete(old)
            if image:
                for width in VARIANT_WIDTHS:
                    source.delete(_old_variant_name(old, width))
