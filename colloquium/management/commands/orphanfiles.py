"""`manage.py orphanfiles`: stored files that nothing refers to any more."""

import datetime as dt
import re
from urllib.parse import unquote

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand
from django.db import models
from django.utils import timezone

from colloquium import storage as file_storage


class Command(BaseCommand):
    help = (
        "List the files in the public and the protected storage that no row refers to: not a "
        "file field, not a smaller copy of a stored image, not an image in a rich-text body, "
        "nothing in the registered reference checks (revisions, the trash). A dry run unless "
        "--delete is given. Files younger than --older-than hours (24) are left out: an editor "
        "may be writing the post that will use them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Remove the orphaned files.")
        parser.add_argument(
            "--older-than",
            type=float,
            default=24,
            metavar="HOURS",
            help="Only files last changed this many hours ago or earlier (default 24).",
        )

    def handle(self, *args, delete=False, older_than=24, **options):
        cutoff = timezone.now() - dt.timedelta(hours=older_than)
        referenced = referenced_names()
        orphans, total = [], 0
        for alias in settings.STORAGES:
            if alias == "staticfiles":
                continue
            store = storages[alias]
            for name in walk(store):
                if name in referenced or store.get_modified_time(name) > cutoff:
                    continue
                if any(check(name) for check in file_storage.reference_checks):
                    continue
                size = store.size(name)
                orphans.append((alias, store, name))
                total += size
                self.stdout.write(f"{alias}: {name} ({size} bytes)")
        if not orphans:
            self.stdout.write("No orphaned files.")
            return
        if delete:
            for _alias, store, name in orphans:
                store.delete(name)
            self.stdout.write(f"Removed {len(orphans)} orphaned files ({total} bytes).")
        else:
            self.stdout.write(
                f"{len(orphans)} orphaned files ({total} bytes). Run with --delete to remove them."
            )


def walk(store, folder=""):
    """Every file name in `store` (a local storage), folders first."""
    try:
        folders, files = store.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(folders):
        yield from walk(store, f"{folder}{name}/")
    for name in sorted(files):
        yield f"{folder}{name}"


def referenced_names():
    """The names rows refer to: file fields, their copies, and /media/ links in text fields."""
    names = set()
    for model, fields in file_storage.models_with_files():
        for field in fields:
            rows = models.QuerySet(model).exclude(**{field.attname: ""})
            for name in rows.values_list(field.attname, flat=True).distinct():
                names.update(stored for _store, stored in file_storage.related_files(field, name))
    media_link = re.compile(re.escape(settings.MEDIA_URL) + r"([^\"'\s<>)?#]+)")
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.TextField):
                continue
            rows = models.QuerySet(model).filter(
                **{f"{field.attname}__contains": settings.MEDIA_URL}
            )
            for text in rows.values_list(field.attname, flat=True):
                names.update(unquote(match) for match in media_link.findall(text))
    return names
