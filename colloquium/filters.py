"""
What every public list shares: a FilterView that ignores bad filter values and forgives bad
page numbers, and a year filter whose choices are asked for once per page.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView

from colloquium.pagination import ForgivingPaginationMixin


def year_filter(field_name):
    """A filter by the year of `field_name`; a `YearFilterSet` gives its choices."""
    return django_filters.ChoiceFilter(
        label=_("Year"), field_name=field_name, lookup_expr="year", empty_label=_("All years")
    )


class YearFilterSet(django_filters.FilterSet):
    """A FilterSet with a `year = year_filter(…)`, its choices from `year_choices()`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Once per page: a callable would be queried for validation and again for rendering.
        self.filters["year"].extra["choices"] = self.year_choices()

    def year_choices(self):
        raise NotImplementedError


class FilteredListView(ForgivingPaginationMixin, FilterView):
    paginate_by = 10
    strict = False  # a bad filter value is ignored, never an error page
