import django_filters
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from colloquium.filters import YearFilterSet, year_filter
from events.models import Event, Organization, Series


def listed_events():
    """The events the list shows: published, in the page's language."""
    return Event.objects.published().in_language()


def year_choices():
    years = (
        listed_events()
        .annotate(year=ExtractYear("starts_at"))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return [(year, str(year)) for year in years]


def series_choices(request):
    return Series.objects.filter(events__in=listed_events()).distinct()


def organization_choices(request):
    return Organization.objects.filter(events__in=listed_events()).distinct()


class EventFilter(YearFilterSet):
    year = year_filter("starts_at")
    series = django_filters.ModelChoiceFilter(
        label=_("Series"),
        queryset=series_choices,
        to_field_name="slug",
        empty_label=_("All series"),
    )
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"),
        field_name="organizations",
        queryset=organization_choices,
        to_field_name="slug",
        empty_label=_("All organizations"),
    )

    class Meta:
        model = Event
        fields = ("year", "series", "organization")

    def year_choices(self):
        return year_choices()
