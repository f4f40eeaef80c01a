"""
Checks for load balancers and process supervisors.

- `/healthz`: the process answers. No database, no cache, no session, no cookie: a database that
  is down must not make every app server look dead (they would all be taken out together). It
  goes through the same middleware as every page, so its speed is the stack's own floor.
- `/readyz`: this server can serve pages: the database answers a query, the cache stores and
  returns a value, and every storage (public media, protected files) is reachable. A 503 names
  what failed, one line per check; a check that raises is a failure, never a 500.

Neither is in a sitemap, counts anything or is cached. SECURE_REDIRECT_EXEMPT spares them the
HTTPS redirect: a load balancer checks over plain HTTP. They still need an allowed Host.
"""

import logging
import os
import uuid
from pathlib import Path

from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from colloquium.storage import unwrap

TEXT = "text/plain; charset=utf-8"
logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok\n", content_type=TEXT)


def check_database():
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()


def check_cache():
    key, value = f"colloquium:readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    stored = cache.get(key)
    cache.delete(key)
    if stored != value:
        raise RuntimeError("a value set was not read back")


def check_storage():
    from django.conf import settings

    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue  # WhiteNoise serves them from the release itself
        storage = unwrap(storages[alias])
        if isinstance(storage, FileSystemStorage):
            _check_folder(Path(storage.location))
        else:
            # An S3 bucket: one HEAD request that needs the credentials and the bucket.
            storage.bucket.meta.client.head_bucket(Bucket=storage.bucket_name)


def _check_folder(folder):
    # A folder not made yet (no upload so far) is made on the first save: its parent must allow it.
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"{folder} is not writable")


CHECKS = (("database", check_database), ("cache", check_cache), ("storage", check_storage))


@require_safe
@never_cache
def readyz(request):
    lines, failed = [], False
    for name, check in CHECKS:
        try:
            check()
        except Exception as exc:
            failed = True
            lines.append(f"{name}: failed ({type(exc).__name__})")
            logger.warning("Not ready: the %s check failed: %r", name, exc)
        else:
            lines.append(f"{name}: ok")
    response = HttpResponse(
        "\n".join(lines) + "\n", status=503 if failed else 200, content_type=TEXT
    )
    # One warning line per failed check says enough; no error with a mail to ADMINS for each
    # time the load balancer asks while the database is down.
    response._has_been_logged = True
    return response
