import warnings

from django.apps import AppConfig, apps
from django.conf import settings


class ColloquiumConfig(AppConfig):
    name = "colloquium"
    verbose_name = "Colloquium"

    def ready(self):
        from PIL import Image

        # Pillow only warns between 1x and 2x its pixel limit; make every bomb an error.
        Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
        warnings.simplefilter("error", Image.DecompressionBombWarning)

        from colloquium import storage

        # Files released by a deleted or changed row leave the disk once nothing needs them.
        storage.connect_signals()

        from colloquium import pagecache
        from colloquium.models import Banner
        from colloquium.publishing import Publishable, Status

        # Cached pages show the banners; every published item appears at its publication time.
        pagecache.watch(Banner)
        pagecache.schedule(Banner, "starts_at", "ends_at", is_active=True)
        for model in apps.get_models():
            if issubclass(model, Publishable):
                pagecache.schedule(
                    model, "published_at", status=Status.PUBLISHED, deleted_at__isnull=True
                )

        from colloquium import revisions

        # A saved version can bring a file back on restore, so its files stay. Trashed items keep
        # their rows, and with them their file fields: the storage's own field check covers them.
        if revisions.file_referenced_by_revision not in storage.reference_checks:
            storage.reference_checks.append(revisions.file_referenced_by_revision)
