import django_filters
from django.db.models import Max, Min, Q
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
    # The first and last dates come from the published_at index; extracting the year of every
    # row instead cost ~10 ms per board page at 5,000 posts on SQLite (scripts/benchmark.py).
    span = (
        Post.objects.published()
        .in_language()
        .aggregate(first=Min("published_at"), last=Max("published_at"))
    )
    if span["first"] is None:
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
