"""
Files in an S3-compatible bucket (settings: S3_BUCKET and the other S3_ variables).

Public media use django-storages' S3Storage as it is, with unsigned URLs under S3_PUBLIC_URL.
Protected files use `ProtectedS3Storage`: like ProtectedFileSystemStorage it has no `url()`, so
no page can link to one; the checked download view asks for `presigned_url()` instead, a URL
that lets its holder read that one file for S3_PRESIGNED_SECONDS, with the headers the bucket
must answer with (the download's name, Hangul included, and its type).
"""

from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage


@deconstructible(path="colloquium.objectstorage.ProtectedS3Storage")
class ProtectedS3Storage(S3Storage):
    is_protected = True

    def url(self, name, *args, **kwargs):
        raise ValueError(
            f"{name!r} is a protected file: it has no public URL. Link to its download view."
        )

    def presigned_url(self, name, filename, content_type):
        """A short-lived URL from which the bucket sends `name` as a download named `filename`."""
        parameters = {
            # RFC 6266 with RFC 5987's filename*: the same header the app sends itself.
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
            # The URL works for a few minutes; no cache in between may keep the file longer.
            "ResponseCacheControl": "private, no-cache",
        }
        return super().url(name, parameters=parameters)
