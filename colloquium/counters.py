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

Where the increments go (README, "How counting works"):

- Without Redis (COUNTERS_REDIS_URL, set from REDIS_URL, empty): the counter's UPDATE and the
  item's DailyCount upsert run in one transaction, before the response.
- With Redis: one MULTI/EXEC adds the increment to two hashes, `pending` (item and counter) and
  `daily` (the same with the day), before the response, and nothing waits for the database.
  `manage.py flushcounters` folds them: a Lua script RENAMEs both hashes to the batch keys and
  names the batch, which is then applied in one database transaction that also inserts its
  CounterBatch row; only then are the batch keys deleted. A batch left over by an interrupted
  fold is applied by the next one unless its row exists (its transaction committed), and two
  folds of one batch at once collide on that row's primary key, so every batch counts once.
- Pages show stored + pending: the rows plus `pending` plus the batch being folded.

A client that sends back no cookie is counted at most COUNTS_PER_ADDRESS_PER_DAY times per item
per day from one address (a tally in the cache), so a script that drops its cookies cannot inflate
a counter, while an office behind one address still counts its people.
"""

import datetime as dt
import functools
import logging
import re
import threading
import time
import uuid
from collections import defaultdict

from axes.helpers import get_client_ip_address
from crawlerdetect import CrawlerDetect
from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, IntegrityError, connections, models, router, transaction
from django.db.models import F
from django.utils import timezone
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


def _log_failure(what, description, *args):
    """Log the first failure of `what` in this process; the next ones only once it recovered."""
    with _failing_lock:
        first = what not in _failing
        _failing.add(what)
    if first:
        logger.warning(description, *args, exc_info=True)


def _log_recovery(what, description):
    if what in _failing:
        with _failing_lock:
            recovered = what in _failing
            _failing.discard(what)
        if recovered:
            logger.info(description)


def increment(model, pk, field, using=None):
    """
    Add one to counter `field` of row `pk` of `model`, and to the row's count of today; False if
    it could not be stored.

    The one place a counter is written: the item's own record_hit()/record_download() and pages
    served from a cache, which have no instance at hand, both come through here.
    """
    return _count(model, pk, field, using) is not None


def _count(model, pk, field, using=None):
    """
    Count one; the pending increments of the counter now (this one included) when it went to
    Redis, 0 when it was written to the row at once, None when it could not be stored.
    """
    pending = _buffer(model._meta.label_lower, pk, field)
    if pending is not None:
        return pending
    return 0 if _write(model, pk, field, using) else None


def _write(model, pk, field, using=None):
    """The counter's UPDATE and its daily row, in one transaction; False if the write failed."""
    using = using or router.db_for_write(model)
    try:
        # A savepoint: a failed write must not leave the caller's transaction aborted.
        with transaction.atomic(using=using):
            updated = model._base_manager.using(using).filter(pk=pk).update(**{field: F(field) + 1})
            if updated:
                _add_daily(using, [(model._meta.label_lower, pk, timezone.localdate(), field, 1)])
    except DatabaseError:
        _log_failure(
            field,
            "Could not add one to %s of %s #%s; pages are served without counting it "
            "until a write succeeds again.",
            field,
            model._meta.label,
            pk,
        )
        return False
    _log_recovery(field, f"Counting {field} again.")
    return True


_DAILY_UPSERT = """
INSERT INTO {table} (content_type_id, object_id, day, hit_count, download_count)
SELECT id, %s, %s, %s, %s FROM {content_types} WHERE app_label = %s AND model = %s
ON CONFLICT (content_type_id, object_id, day) DO UPDATE SET
    hit_count = {table}.hit_count + excluded.hit_count,
    download_count = {table}.download_count + excluded.download_count
"""


def _add_daily(using, counts):
    """
    Add `counts`, (model label, pk, day, field, n), to the items' daily rows: one upsert that
    adds (INSERT ... ON CONFLICT DO UPDATE SET n = n + x, on SQLite and PostgreSQL alike), with
    the content type looked up in the same statement, so that it is one query and no cache.
    """
    from django.contrib.contenttypes.models import ContentType

    from colloquium.models import DailyCount

    connection = connections[using]
    quote = connection.ops.quote_name
    sql = _DAILY_UPSERT.format(
        table=quote(DailyCount._meta.db_table),
        content_types=quote(ContentType._meta.db_table),
    )
    rows = defaultdict(lambda: [0, 0])
    for label, pk, day, field, n in counts:
        rows[(label, pk, day)][field == "download_count"] += n
    params = [
        (
            pk,
            connection.ops.adapt_datefield_value(day),
            hits,
            downloads,
            *label.split("."),
        )
        for (label, pk, day), (hits, downloads) in rows.items()
    ]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)


def _item(obj):
    return obj._meta.label_lower, obj.pk


def _counter_fields(obj):
    return [field for field in ("hit_count", "download_count") if hasattr(obj, field)]


def current_values(keys):
    """
    The counters as a visitor should see them now, for `keys` of (model label, pk, field), such
    as ("news.post", 12, "hit_count"): {key: value}, stored + pending, with one query per model
    and one Redis round trip. A key whose row is gone is left out. For pages kept in a cache,
    whose counters are filled in when they are served.
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
        for pk, *counts in stored.order_by().values_list("pk", *fields):
            for field, count in zip(fields, counts, strict=True):
                if field in rows[pk]:
                    values[(label, pk, field)] = count
    pending = pending_counts(values)
    return {key: value + pending.get(key, 0) for key, value in values.items()}


def add_pending(objects):
    """
    Show the pending increments on `objects` (HitCounted or DownloadCounted instances, such as
    the board's posts or a post's attachments), with one Redis round trip: each counter becomes
    stored + pending. Calling it again does not add them twice. Returns `objects`.
    """
    objects = [obj for obj in objects if obj.pk is not None]
    keys = [(*_item(obj), field) for obj in objects for field in _counter_fields(obj)]
    pending = pending_counts(keys)
    if pending:
        for obj in objects:
            for field in _counter_fields(obj):
                _show(obj, field, pending.get((*_item(obj), field), 0))
    return objects


def _show(obj, field, pending):
    stored = obj.__dict__.setdefault("_stored_counts", {}).setdefault(field, getattr(obj, field))
    setattr(obj, field, stored + pending)


# The Redis buffer.

_clients = {}
_clients_lock = threading.Lock()


def _redis():
    """This process's client of the counters' Redis, or None without one."""
    url = getattr(settings, "COUNTERS_REDIS_URL", None)
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                # Short timeouts: a Redis that hangs must not hang the page (it falls back to the
                # database), and redis-py's pool opens a new connection after a fork.
                client = _clients[url] = redis.Redis.from_url(
                    url, socket_connect_timeout=1, socket_timeout=2, health_check_interval=30
                )
    return client


class _Keys:
    def __init__(self):
        prefix = f"{getattr(settings, 'REDIS_KEY_PREFIX', 'colloquium')}:counters:"
        self.pending = prefix + "pending"
        self.daily = prefix + "daily"
        self.batch_pending = prefix + "batch:pending"
        self.batch_daily = prefix + "batch:daily"
        self.batch_id = prefix + "batch:id"

    def all(self):
        return [self.pending, self.daily, self.batch_pending, self.batch_daily, self.batch_id]


def _member(label, pk, field):
    return f"{label}|{pk}|{field}"


def _buffer(label, pk, field):
    """
    Add one to the counter's pending increments in Redis, atomically; the pending increments now
    (this one included), or None when there is no Redis or it does not answer.
    """
    client = _redis()
    if client is None:
        return None
    import redis

    keys = _Keys()
    member = _member(label, pk, field)
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.hincrby(keys.pending, member, 1)
            pipe.hincrby(keys.daily, f"{timezone.localdate().isoformat()}|{member}", 1)
            pipe.hget(keys.batch_pending, member)
            pending, _, folding = pipe.execute()
    except redis.RedisError:
        _log_failure(
            "redis",
            "Redis does not answer; counters are written to the database directly until it "
            "does again.",
        )
        return None
    _log_recovery("redis", "Redis answers again; counters are buffered in it again.")
    return pending + int(folding or 0)


def pending_counts(keys):
    """{(label, pk, field): increments in Redis not yet in the row} for `keys`; one round trip."""
    client = _redis()
    keys = list(keys)
    if client is None or not keys:
        return {}
    import redis

    redis_keys = _Keys()
    members = [_member(label, pk, field) for label, pk, field in keys]
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.hmget(redis_keys.pending, members)
            pipe.hmget(redis_keys.batch_pending, members)
            pending, folding = pipe.execute()
    except redis.RedisError:
        _log_failure("redis", "Redis does not answer; pages show the counters as stored.")
        return {}
    return {
        key: int(waiting or 0) + int(folded or 0)
        for key, waiting, folded in zip(keys, pending, folding, strict=True)
        if waiting or folded
    }


# Takes the pending hashes as a batch, atomically (a script runs alone): the batch left over by an
# interrupted fold first, else the pending increments under the new batch id ARGV[1].
_TAKE_BATCH = """
local leftover = redis.call('GET', KEYS[5])
if leftover then return leftover end
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('RENAME', KEYS[1], KEYS[3]) end
redis.call('RENAME', KEYS[2], KEYS[4])
redis.call('SET', KEYS[5], ARGV[1])
return ARGV[1]
"""
# Drops batch ARGV[1] once it is in the database (and nothing newer took its place).
_DROP_BATCH = """
if redis.call('GET', KEYS[5]) == ARGV[1] then
    redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
    return 1
end
return 0
"""
# Applied batches are remembered this long: far longer than a fold can be interrupted for.
BATCH_MEMORY = dt.timedelta(days=7)


def take_batch():
    """The id of the batch to fold next, or None when nothing is pending."""
    client = _redis()
    batch_id = client.eval(_TAKE_BATCH, 5, *_Keys().all(), uuid.uuid4().hex)
    return batch_id.decode() if batch_id is not None else None


def apply_batch(batch_id):
    """
    Add batch `batch_id` to the rows and daily rows in one transaction that records it; the
    number of increments it applied, 0 if the batch had been applied before.
    """
    from colloquium.models import CounterBatch

    keys = _Keys()
    counts = []
    for member, n in _redis().hgetall(keys.batch_daily).items():
        day, label, pk, field = member.decode().split("|")
        counts.append((dt.date.fromisoformat(day), label, pk, field, int(n)))
    using = router.db_for_write(CounterBatch)
    with transaction.atomic(using=using):
        try:
            # First, so that a second fold of the same batch waits here and then finds it.
            with transaction.atomic(using=using):
                CounterBatch.objects.using(using).create(batch_id=batch_id)
        except IntegrityError:
            return 0
        daily = _apply_counts(using, counts)
        if daily:
            _add_daily(using, daily)
        CounterBatch.objects.using(using).filter(
            applied_at__lt=timezone.now() - BATCH_MEMORY
        ).delete()
    return sum(n for *_, n in daily)


def _apply_counts(using, counts):
    """Add `counts` to their items' counters; those of items that still exist, for daily rows."""
    by_model = defaultdict(lambda: defaultdict(int))
    for day, label, pk, field, n in counts:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # a model removed since: nothing to count on
        by_model[model][(model._meta.pk.to_python(pk), field, day)] += n
    daily = []
    for model, model_counts in by_model.items():
        manager = model._base_manager.using(using)
        existing = set(
            manager.filter(pk__in={pk for pk, _, _ in model_counts}).values_list("pk", flat=True)
        )
        totals = defaultdict(int)
        for (pk, field, day), n in model_counts.items():
            if pk in existing:
                totals[(pk, field)] += n
                daily.append((model._meta.label_lower, pk, day, field, n))
        by_increment = defaultdict(list)
        for (pk, field), n in totals.items():
            by_increment[(field, n)].append(pk)
        for (field, n), pks in by_increment.items():
            manager.filter(pk__in=pks).update(**{field: F(field) + n})
    return daily


def drop_batch(batch_id):
    _redis().eval(_DROP_BATCH, 5, *_Keys().all(), batch_id)


def fold():
    """
    Fold the buffered increments into the rows: a batch left over by an interrupted fold, then
    the pending ones. The number of increments added; 0 without Redis.
    """
    if _redis() is None:
        return 0
    folded = 0
    taken = []
    # At most two batches: the leftover and the pending, not every visit arriving meanwhile.
    while len(taken) < 2 and (batch_id := take_batch()) is not None and batch_id not in taken:
        taken.append(batch_id)
        folded += apply_batch(batch_id)
        drop_batch(batch_id)
    return folded


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
        """Count a visit; True if it was stored. The instance then shows stored + pending."""
        return _record(self, "hit_count")


class DownloadCounted(CountedModel):
    """A download counter that loses no increment, for any model with a file to download."""

    download_count = models.PositiveIntegerField(_("downloads"), default=0, editable=False)

    class Meta:
        abstract = True

    def record_download(self):
        """Count a download; True if it was stored. The instance then shows stored + pending."""
        return _record(self, "download_count")


def _record(item, field):
    # Where a save of the item would go (an item read from a replica is counted on the primary).
    using = router.db_for_write(type(item), instance=item)
    pending = _count(type(item), item.pk, field, using=using)
    if pending is None:
        return False
    if pending:
        # Buffered: the row as loaded, plus every increment waiting for the fold, this one too.
        _show(item, field, pending)
    else:
        # Show the visitor their own visit without another query.
        setattr(item, field, getattr(item, field) + 1)
    return True


def is_crawler(request):
    return _is_crawler_agent(request.headers.get("User-Agent", "").strip())


# The list is one long regular expression, slow to run on every visit; the verdict for a User-Agent
# never changes, and few of them send most of the requests: the last ones seen are remembered
# (bounded, so that a client sending a new User-Agent each time costs only its own lookups).
@functools.lru_cache(maxsize=4096)
def _is_crawler_agent(user_agent):
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


def _cookie(request):
    return request.get_signed_cookie(COOKIE_NAME, default="", salt=COOKIE_SALT)


def _seen(request):
    """The items this visitor was counted for in the last 24 hours: {key: unix time}."""
    raw = _cookie(request)
    now = time.time()
    seen = {}
    for entry in raw.split("|") if raw else ():
        key, _, stamp = entry.rpartition(":")
        if key and stamp.isdigit() and now - int(stamp) < WINDOW_SECONDS:
            seen[key] = int(stamp)
    return seen


def _within_address_cap(request, obj, field):
    """
    Whether one more count of `obj` from this request's address stays within
    COUNTS_PER_ADDRESS_PER_DAY, for a client that sent back no cookie of ours (a first visit, or
    a script that drops cookies): tallied in the cache, so shared by every worker with Redis.
    A visitor whose cookie comes back is remembered by it, and not tallied.
    """
    if _cookie(request):
        return True
    address = get_client_ip_address(request) or "unknown"
    day = timezone.localdate().isoformat()
    key = f"counters:address:{day}:{_key(obj)}:{field}:{address}"
    try:
        tally = _tally(key, WINDOW_SECONDS + 60 * 60)
    except Exception:  # a cache that does not answer must not stop the count
        logger.warning("Could not tally the counts of an address.", exc_info=True)
        return True
    return tally <= settings.COUNTS_PER_ADDRESS_PER_DAY


def _tally(key, timeout):
    """Add one to the cache's tally `key` (created for `timeout` seconds); the tally now."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip instead of add()'s and incr()'s: the same SET NX EX then INCR, in one
        # pipeline, on the key and connection Django's cache uses (it stores integers as such).
        redis_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(redis_key, write=True)
        with client.pipeline(transaction=False) as pipe:
            pipe.set(redis_key, 0, ex=timeout, nx=True)
            pipe.incr(redis_key)
            return pipe.execute()[1]
    # add() then incr(): atomic in the in-process cache too.
    cache.add(key, 0, timeout=timeout)
    return cache.incr(key)


def should_count_hit(request, obj):
    """
    Whether this request counts as a visit of `obj`. Call it once per request: a request from a
    client without our cookie is tallied against its address's daily allowance.
    """
    if request.method != "GET" or not obj.is_published:
        return False
    if is_crawler(request) or _is_staff(request):
        return False
    if _key(obj) in _seen(request):
        return False
    return _within_address_cap(request, obj, "hit_count")


def should_count_download(request, byte_range, item=None):
    """
    Whether sending `byte_range` counts a download: a GET from a person who is not staff (an
    editor checking a file is no reader, as for hits) that starts at the first byte. `byte_range`
    is the part actually sent, `(first, last)`, or None for the whole file (no Range header, one
    that is ignored, or an If-Range that no longer matches), so a resumed download is not counted
    twice and a restart from scratch is. Call it before the file is handed to the web server.

    With `item` (the DownloadCounted being downloaded), a visitor counts once per file per 24
    hours, remembered in the cookie with remember_hit(), and a client without the cookie is
    tallied against its address's daily allowance, as for hits.
    """
    if request.method != "GET" or is_crawler(request) or _is_staff(request):
        return False
    if byte_range is not None and byte_range[0] != 0:
        return False
    if item is None:
        return True
    if _key(item) in _seen(request):
        return False
    return _within_address_cap(request, item, "download_count")


def remember_hit(request, response, obj):
    """Remember in the visitor's cookie that they were counted for `obj` (a visit or a download)."""
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
