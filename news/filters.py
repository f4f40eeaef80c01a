import django_filters
from django.db.models import Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from colloquium.filters import YearFilterSet, year_filter
from news.models import Category, Post

SEARCH_FIELDS = {
    "title": ("title",),
    "body": ("body_text",),
    "writer": ("writer",),
    "all": ("title", "body_text", "writer", "summary"),
}
MAX_SEARCH_WORDS = 10


def year_choices():
    # The first and last dates, each read from one end of the board's index. One MIN and MAX
    # together made SQLite read every post between them (95 ms at 100,000 posts); extracting the
    # year of every row cost ~10 ms per board page at 5,000 posts (scripts/benchmark.py).
    # Any table could carry the two subqueries; every post has a category, so there is a row
    # whenever there are posts.
    board = Post.objects.published().in_language().order_by().values("published_at")
    span = (
        Category.objects.annotate(
            first=Subquery(board.order_by("published_at")[:1]),
            last=Subquery(board.order_by("-published_at")[:1]),
        )
        .values("first", "last")
        .first()
    )
    if span is None or span["first"] is None:
        return []
    first, last = (timezone.localtime(span[end]).year for end in ("first", "last"))
    return [(year, str(year)) for year in range(last, first - 1, -1)]


class PostFilter(YearFilterSet):
    field = django_filters.ChoiceFilter(
        label=_("Search in"),
        choices=(
            ("all", _("All")),
            ("title", _("Title")),
            ("body", _("Body")),
            ("writer", _("Writer")),
        ),
        empty_label=None,
        method="ignore",
    )
    q = django_filters.CharFilter(label=_("Search"), method="search")
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label=_("All categories"),
    )
    year = year_filter("published_at")

    class Meta:
        model = Post
        fields = ("field", "q", "category", "year")

    def year_choices(self):
        return year_choices()

    def ignore(self, queryset, name, value):
        # `field` only says where `q` looks; search() reads it.
        return queryset

    def search(self, queryset, name, value):
        # Each word adds a condition: a pasted paragraph must not grow the SQL without bound.
        words = list(dict.fromkeys(value.split()))[:MAX_SEARCH_WORDS]
        if not words:
            return queryset
        field = self.form.cleaned_data.get("field") or "all"
        columns = SEARCH_FIELDS.get(field, SEARCH_FIELDS["all"])
        for word in words:
            matches = Q()
            for column in columns:
                matches |= Q(**{f"{column}__icontains": word})
            queryset = queryset.filter(matches)
        return queryset

    @property
    def is_searching(self):
        # A bad value elsewhere (year=abc) is ignored by the filters, so it must not end the search.
        if not self.is_bound:
            return False
        self.form.is_valid()
        return bool(self.form.cleaned_data.get("q"))
