import warnings

from django.apps import AppConfig
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

        from colloquium import revisions

        # A saved version can bring a file back on restore, so its files stay. Trashed items keep
        # their rows, and with them their file fields: the storage's own field check covers them.
        if revisions.file_referenced_by_revision not in storage.reference_checks:
            storage.reference_checks.append(revisions.file_referenced_by_revision)
