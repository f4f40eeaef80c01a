"""
Pagination shared by every public list: forgiving of bad page numbers, with elided links, and
as fast on the last page of 100,000 items as on the first.

Two things grow with a list: the count (every page shows it) and the OFFSET of its later pages.
`ListPaginator` reads a page in the second half of a list in reverse order, so that the last page
skips a few rows rather than all of them, and takes the count from the cache when the view gives
it a key. A cached count is keyed by the model's `list_version()`: a token that changes as soon as
an item is saved, deleted, published, unpublished, trashed or restored (`lists_changed()`), and
when the earliest scheduled item of the model comes due, so a count is never older than the
list it counts.
"""

import logging
import uuid

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.functional import cached_property

# A cached count lives at most this long, whatever its version: bounds what a change made
# outside this code (a raw UPDATE, another process's in-process cache) can leave stale.
COUNT_CACHE_SECONDS = 300

logger = logging.getLogger(__name__)


def _cached(operation, *args, default=None):
    """`cache.<operation>(*args)`, or `default` when the cache is out of reach: lists are then
    counted every time, which costs speed only (as pages do, colloquium.pagecache)."""
    try:
        return getattr(cache, operation)(*args)
    except Exception:
        logger.warning("The cache did not answer; counting lists afresh.", exc_info=True)
        return default


def _version_key(model):
    return f"colloquium:list-version:{model._meta.label_lower}"


def _new_version(model):
    queryset = model._base_manager.all()
    due = None
    if hasattr(queryset, "scheduled"):
        due = queryset.scheduled().aggregate(due=Min("published_at"))["due"]
    state = {"token": uuid.uuid4().hex, "due": due}
    _cached("set", _version_key(model), state, None)
    return state


def list_version(model):
    """A token that stays the same as long as the lists of `model`'s items do."""
    state = _cached("get", _version_key(model))
    if state is None or (state["due"] is not None and state["due"] <= timezone.now()):
        state = _new_version(model)
    return state["token"]


def lists_changed(model, **kwargs):
    """Items of `model` changed: counts cached for its lists are no longer used."""
    # At once, for this transaction's own pages, and again at the commit: a page served by another
    # connection meanwhile counted the rows as they were before.
    _new_version(model)
    transaction.on_commit(lambda: _new_version(model))


class ListPaginator(Paginator):
    def __init__(self, *args, count_key=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self):
        if self.count_key is None:
            return super().count
        count = _cached("get", self.count_key)
        if count is None:
            count = super().count
            _cached("set", self.count_key, count, COUNT_CACHE_SECONDS)
        return count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ordered = getattr(self.object_list, "ordered", False)
        if not ordered or bottom <= self.count // 2:
            return self._get_page(self.object_list[bottom:top], number, self)
        # From the end: the same rows in the opposite order, turned back.
        rows = list(self.object_list.reverse()[self.count - top : self.count - bottom])
        rows.reverse()
        return self._get_page(rows, number, self)


class ForgivingPaginationMixin:
    """page=abc gives the first page and page=99999 the last, rather than an error page."""

    paginator_class = ListPaginator

    def get_count_key(self):
        """A cache key for the count of this list, or None to count it on every page."""
        return None

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return self.paginator_class(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count_key=self.get_count_key(),
            **kwargs,
        )

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if page := context.get("page_obj"):
            # includes/_pagination.html shows "1 2 … 9 10 11 … 40 41", not forty links.
            context["page_range"] = page.paginator.get_elided_page_range(page.number)
        return context
