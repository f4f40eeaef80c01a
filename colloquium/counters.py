"""
Every counting rule in one place: which requests count as a hit or a download, the cookie that
remembers who was counted, and the abstract models that carry the counters.

A visitor counts once per item per 24 hours, remembered in a signed cookie, so anonymous
visitors never create database sessions. HEAD requests, crawlers, staff and unpublished items
never count as hits; a download counts when a GET from a person who is not staff starts at the
first byte, so a resumed download is not counted twice. The database does the arithmetic
(`F() + 1`), so no concurrent increment is lost, and an ordinary save() never writes a counter
back: an editor who saves the item would otherwise store the count read when the row was loaded,
undoing every visit counted meanwhile.

A counter that cannot be written (a read-only database, a full disk) costs only that count: the
visitor still gets the page with the count as stored, and the failure is logged once per process
until a write of that counter succeeds again, not once per visit.
"""

import logging
import re
import threading
import time

from crawlerdetect import CrawlerDetect
from django.apps import apps
from django.db import DatabaseError, models, router, transaction
from django.db.models import F
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

COOKIE_NAME = "seen"
COOKIE_SALT = "colloquium.hits"
WINDOW_SECONDS = 24 * 60 * 60
# A cookie must stay well under 4 KB: the oldest entries give way first.
MAX_REMEMBERED = 100

# Crawlers, link previews and scripted clients, from a list that is kept up to date upstream
# (crawlerdetect, a port of the PHP Crawler-Detect list), which takes HeadlessChrome and HTTP
# libraries for what they are and a Cubot phone for a phone. A request without a User-Agent is no
# person's browser either. Our own additions are crawlers that matter here, kept even where the
# list has them too: Naver's Yeti, Daum's crawler ("Daum/4.1" or "Daumoa"; its app's in-app
# browser, "DaumApps/6.5", is people) and KakaoTalk's link preview ("kakaotalk-scrap/1.0", which
# the list misses when it comes without "facebookexternalhit").
_CRAWLER_LIST = CrawlerDetect()
CRAWLER_ADDITIONS = re.compile(r"\bYeti/|\bDaum/|Daumoa|kakaotalk-scrap", re.IGNORECASE)


logger = logging.getLogger(__name__)

COUNTER_FIELDS = frozenset({"hit_count", "download_count"})
# The counters whose last write failed in this process: their next failure is not logged again.
_failing = set()
_failing_lock = threading.Lock()


def increment(model, pk, field, using=None):
    """
    Add one to counter `field` of row `pk` of `model`; False if the write failed.

    The one place a counter is written: the item's own record_hit()/record_download() and pages
    served from a cache, which have no instance at hand, both come through here.
    """
    try:
        # A savepoint: a failed write must not leave the caller's transaction aborted.
        with transaction.atomic(using=using):
            model._base_manager.using(using).filter(pk=pk).update(**{field: F(field) + 1})
    except DatabaseError:
        with _failing_lock:
            first = field not in _failing
            _failing.add(field)
        if first:
            logger.warning(
                "Could not add one to %s of %s #%s; pages are served without counting it "
                "until a write succeeds again.",
                field,
                model._meta.label,
                pk,
                exc_info=True,
            )
        return False
    if field in _failing:
        with _failing_lock:
            recovered = field in _failing
            _failing.discard(field)
        if recovered:
            logger.info("Counting %s again.", field)
    return True


def _increment(item, field):
    # The database writes go to, not the one the item was read from (a read replica: colloquium.db).
    return increment(
        type(item), item.pk, field, using=router.db_for_write(type(item), instance=item)
    )


def current_values(keys):
    """
    The counters as a visitor should see them now, for `keys` of (model label, pk, field), such
    as ("news.post", 12, "hit_count"): {key: value}, one query per model. A key whose row is gone
    is left out. For pages kept in a cache, whose counters are filled in when they are served.
    """
    wanted = {}
    for label, pk, field in keys:
        wanted.setdefault(label.lower(), {}).setdefault(pk, set()).add(field)
    values = {}
    for label, rows in wanted.items():
        model = apps.get_model(label)
        fields = sorted(set().union(*rows.values()))
        # From where the counters are written: a read replica may be a moment behind.
        stored = model._base_manager.using(router.db_for_write(model)).filter(pk__in=rows)
        for pk, *counts in stored.values_list("pk", *fields):
            for field, count in zip(fields, counts, strict=True):
                if field in rows[pk]:
                    values[(label, pk, field)] = count
    return values


class CountedModel(models.Model):
    """Saves an existing row without its counters, which only `_increment` writes."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if (
            not self._state.adding
            and self.pk is not None
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            deferred = self.get_deferred_fields()
            apart = self.fields_saved_apart()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and not field.generated
                and field.name not in apart
                and field.attname not in deferred
            ]
        super().save(*args, **kwargs)

    @classmethod
    def fields_saved_apart(cls):
        """Fields an ordinary save leaves alone: written by their own UPDATEs, never stale."""
        return COUNTER_FIELDS


class HitCounted(CountedModel):
    """A hit counter that loses no increment, for any page that counts its visitors."""

    hit_count = models.PositiveIntegerField(
        _("hits"), default=0, editable=False, help_text=_("Counted visits by visitors.")
    )

    class Meta:
        abstract = True

    def record_hit(self):
        """Count a visit; True if it was stored."""
        if not _increment(self, "hit_count"):
            return False
        # Show the visitor their own visit without another query.
        self.hit_count += 1
        return True


class DownloadCounted(CountedModel):
    """A download counter that loses no increment, for any model with a file to download."""

    download_count = models.PositiveIntegerField(_("downloads"), default=0, editable=False)

    class Meta:
        abstract = True

    def record_download(self):
        """Count a download; True if it was stored."""
        if not _increment(self, "download_count"):
            return False
        self.download_count += 1
        return True


def is_crawler(request):
    user_agent = request.headers.get("User-Agent", "").strip()
    return (
        not user_agent
        or CRAWLER_ADDITIONS.search(user_agent) is not None
        or _CRAWLER_LIST.is_crawler(user_agent)
    )


def _is_staff(request):
    user = getattr(request, "user", None)
    return user is not None and user.is_staff


def _key(obj):
    return f"{obj._meta.label_lower}.{obj.pk}"


def _seen(request):
    """The items this visitor was counted for in the last 24 hours: {key: unix time}."""
    raw = request.get_signed_cookie(COOKIE_NAME, default="", salt=COOKIE_SALT)
    now = time.time()
    seen = {}
    for entry in raw.split("|") if raw else ():
        key, _, stamp = entry.rpartition(":")
        if key and stamp.isdigit() and now - int(stamp) < WINDOW_SECONDS:
            seen[key] = int(stamp)
    return seen


def should_count_hit(request, obj):
    if request.method != "GET" or not obj.is_published:
        return False
    if is_crawler(request) or _is_staff(request):
        return False
    return _key(obj) not in _seen(request)


def should_count_download(request, byte_range):
    """
    Whether sending `byte_range` counts a download: a GET from a person who is not staff (an
    editor checking a file is no reader, as for hits) that starts at the first byte. `byte_range`
    is the part actually sent, `(first, last)`, or None for the whole file (no Range header, one
    that is ignored, or an If-Range that no longer matches), so a resumed download is not counted
    twice and a restart from scratch is. Call it before the file is handed to the web server.
    """
    if request.method != "GET" or is_crawler(request) or _is_staff(request):
        return False
    return byte_range is None or byte_range[0] == 0


def remember_hit(request, response, obj):
    seen = _seen(request)
    seen[_key(obj)] = int(time.time())
    newest = sorted(seen.items(), key=lambda item: item[1])[-MAX_REMEMBERED:]
    response.set_signed_cookie(
        COOKIE_NAME,
        "|".join(f"{key}:{stamp}" for key, stamp in newest),
        salt=COOKIE_SALT,
        max_age=WINDOW_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    patch_vary_headers(response, ("Cookie",))


class HitCountMixin:
    """For a DetailView of a HitCounted item: counts the visit and shows it in the same response."""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        # A visit that could not be stored is not remembered either: it counts once it can.
        counted = should_count_hit(request, self.object) and self.object.record_hit()
        response = self.render_to_response(self.get_context_data(object=self.object))
        if counted:
            remember_hit(request, response, self.object)
        return response
