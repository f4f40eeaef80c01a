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
