"""
Public pages from a cache, with every count on them exact.

Anonymous visitors get the board, post, event, home and people pages from Django's cache (in
process on a laptop, Redis with REDIS_URL), one entry per language, path and full query string.
Whoever sends a session cookie (staff, or anyone who ever logged in) neither reads nor fills it, so
previews of drafts are never cached; only a 200 is stored, never with its cookies, and never a page
that used a CSRF token or the session.

Invalidation is one site-wide generation, part of every key: saving or deleting any row a page
shows (the models an app hands to `watch()`) and the bulk updates of publishing and the trash
replace it, once at once and again when the transaction commits, so no page rendered from the old
rows outlives the change. Time is the other thing that changes pages (a scheduled post appears, an
event becomes past, a banner comes down): no entry lives past the next such moment (`schedule()`),
nor longer than PAGE_CACHE_SECONDS (0 turns the cache off).

Counters are not part of the cached HTML: while a page is rendered for the cache, `count_marker()`
writes a marker where a counter stands and notes its key; serving the page fills every marker from
`counters.current_values()` (one query per counter model), after the visit itself is counted
(`should_count_hit()` on the item's published state, kept in the entry), so the count a visitor
sees includes their own visit.

A cache that cannot be reached costs only speed: the page is rendered as if there were none, and
the failure is logged.
"""

import hashlib
import logging
import re
import time
import uuid

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import formats, timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from colloquium import counters

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# The request attribute that holds, while a page is rendered for the cache, its counters' values.
_RENDERING = "_pagecache_counts"
_MARKER = re.compile(r"<!--count:([a-z0-9_]+\.[a-z0-9_]+):(\d+):([a-z_]+):([a-z_]+)-->")
# Response headers a cached page keeps; the middleware adds the rest again when it is served.
KEPT_HEADERS = ("Content-Type", "Content-Language")
# What a counted page keeps of its item, for should_count_hit() on a cache hit.
ITEM_STATE = ("status", "published_at", "deleted_at")

_watched = set()
_schedules = {}


def _number(value):
    return formats.number_format(value, force_grouping=True)


# How a counter reads on the page, by name: what the templates said before it was cached.
FORMATS = {
    "number": _number,
    "views": lambda n: ngettext("%(shown)s view", "%(shown)s views", n) % {"shown": _number(n)},
    "downloads": lambda n: (
        ngettext("Download %(shown)s", "Download %(shown)s", n) % {"shown": _number(n)}
    ),
    "downloads_plain": lambda n: (
        ngettext("Download %(counter)s", "Download %(counter)s", n) % {"counter": n}
    ),
}


def seconds():
    return settings.PAGE_CACHE_SECONDS


# Invalidation


def _replace_generation():
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    except Exception:
        logger.warning("Could not invalidate the cached pages.", exc_info=True)


def invalidate():
    """Forget every cached page: now, and again once the current transaction commits."""
    _replace_generation()
    # A page rendered meanwhile from the rows as they were before the commit is stored under
    # the generation replaced here, which nobody reads after the commit.
    transaction.on_commit(_replace_generation, robust=True)


def _changed(sender, **kwargs):
    invalidate()


def _m2m_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        invalidate()


def watch(*models):
    """Pages show these models: any save or delete of theirs (and of their m2m) invalidates."""
    for model in models:
        if model in _watched:
            continue
        _watched.add(model)
        uid = f"pagecache:{model._meta.label_lower}"
        # Per sender: a receiver for every model would disable Django's fast deletes everywhere.
        post_save.connect(_changed, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(_changed, sender=model, weak=False, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _m2m_changed, sender=through, weak=False, dispatch_uid=f"{uid}.{field.name}"
            )


def schedule(model, *fields, **filters):
    """Pages change when a moment in `fields` of `model`'s rows (those matching `filters`) comes."""
    _schedules.setdefault((model, tuple(sorted(filters.items()))), set()).update(fields)


def next_change(now=None):
    """The next moment a scheduled change comes (a datetime), or None: one query per model."""
    now = now or timezone.now()
    soonest = None
    for (model, filters), fields in _schedules.items():
        moments = model._base_manager.filter(**dict(filters)).aggregate(
            **{field: Min(field, filter=Q(**{f"{field}__gte": now})) for field in sorted(fields)}
        )
        for moment in moments.values():
            if moment is not None and (soonest is None or moment < soonest):
                soonest = moment
    return soonest


def _expiry(generation, now):
    """Until when a page stored now may be served (unix time)."""
    key = f"pagecache:{generation}:expiry"
    known = cache.get(key)
    if known is not None and known["until"] > now:
        return known["until"]
    until = now + seconds()
    change = next_change(timezone.now())
    if change is not None:
        until = min(until, change.timestamp())
    cache.set(key, {"until": until}, timeout=max(1, int(until - now) + 1))
    return until


def _generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return generation


# Counters in cached pages


def count_marker(request, obj, field, format_name="number"):
    """A counter as the page shows it; a marker for serve time while the page is being cached."""
    value = getattr(obj, field)
    rendering = getattr(request, _RENDERING, None)
    if rendering is None:
        return conditional_escape(FORMATS[format_name](value))
    label = obj._meta.label_lower
    rendering[(label, obj.pk, field)] = value
    return mark_safe(f"<!--count:{label}:{obj.pk}:{field}:{format_name}-->")


def _fill(content, values):
    def replace(match):
        label, pk, field, format_name = match.groups()
        value = values.get((label, int(pk), field))
        return conditional_escape(FORMATS[format_name](value if value is not None else 0))

    return _MARKER.sub(replace, content.decode()).encode()


# Serving


def _may_use_cache(request):
    if seconds() <= 0 or request.method not in {"GET", "HEAD"}:
        return False
    # A session means staff (or someone who was logged in): their pages are their own.
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _page_key(request, generation):
    page = f"{translation.get_language()}\n{request.get_full_path()}"
    return f"pagecache:{generation}:page:{hashlib.sha256(page.encode()).hexdigest()}"


def _storable(request, response, item):
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    # A page with a CSRF token or session data in it belongs to one visitor.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    if "private" in response.get("Cache-Control", "") or "no-store" in response.get(
        "Cache-Control", ""
    ):
        return False
    return item is None or item.is_published


def _item_entry(item):
    if item is None:
        return None
    return (item._meta.label_lower, item.pk, {name: getattr(item, name) for name in ITEM_STATE})


def serve(request, render, counted_item=None):
    """
    The page `render()` makes, from the cache when it may be. `counted_item()` gives, after
    rendering, the item whose visits the page counts (None for pages that count none).
    """
    if not _may_use_cache(request):
        return render()
    now = time.time()
    try:
        generation = _generation()
        key = _page_key(request, generation)
        entry = cache.get(key)
    except Exception:
        logger.warning("The page cache is out of reach; serving pages without it.", exc_info=True)
        return render()
    if entry is not None and entry["until"] > now:
        return _from_entry(request, entry)

    setattr(request, _RENDERING, {})
    try:
        response = render()
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
    finally:
        rendered_counts = request.__dict__.pop(_RENDERING)
    item = counted_item() if counted_item else None
    if _storable(request, response, item):
        try:
            until = _expiry(generation, now)
            if until > now:
                entry = {
                    "content": response.content,
                    "headers": {h: response[h] for h in KEPT_HEADERS if h in response},
                    "counts": sorted(rendered_counts),
                    "item": _item_entry(item),
                    "until": until,
                }
                cache.set(key, entry, timeout=max(1, int(until - now) + 1))
        except Exception:
            logger.warning("Could not store a page in the cache.", exc_info=True)
    response.content = _fill(response.content, rendered_counts)
    return response


def _from_entry(request, entry):
    item = None
    counted = False
    if entry["item"] is not None:
        label, pk, state = entry["item"]
        model = apps.get_model(label)
        item = model(pk=pk, **state)
        counted = counters.should_count_hit(request, item) and counters.increment(
            model, pk, "hit_count"
        )
    response = HttpResponse(
        _fill(entry["content"], counters.current_values(entry["counts"])),
        headers=entry["headers"],
    )
    if counted:
        counters.remember_hit(request, response, item)
    return response


class CachedPageMixin:
    """For a public page's view: anonymous visitors get it from the cache (see the module)."""

    def dispatch(self, request, *args, **kwargs):
        def render():
            return super(CachedPageMixin, self).dispatch(request, *args, **kwargs)

        counted_item = None
        if isinstance(self, counters.HitCountMixin):

            def counted_item():
                return getattr(self, "object", None)

        return serve(request, render, counted_item)
