from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from colloquium.attachments import guess_content_type, serve_attachment, serve_download
from colloquium.counters import HitCountMixin, add_pending
from colloquium.filters import FilteredListView
from colloquium.pagecache import CachedPageMixin
from events.calendar import build_calendar, calendar_response
from events.filters import EventFilter, listed_events
from events.models import (
    Event,
    EventAttachment,
    EventHost,
    Panel,
    Panelist,
    Photo,
    Presentation,
    PresentationSpeaker,
    Remark,
    Speaker,
)
from news.models import Post


def hosts_prefetch():
    return Prefetch("hosts", queryset=EventHost.objects.select_related("organization"))


class EventListView(CachedPageMixin, FilteredListView):
    filterset_class = EventFilter
    template_name = "events/event_list.html"
    context_object_name = "events"

    def get_queryset(self):
        return (
            listed_events()
            .in_list_order()
            .select_related("series")
            .prefetch_related(hosts_prefetch())
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        # One ordering puts upcoming events before past ones; the page shows them apart.
        context["upcoming_events"] = [e for e in page.object_list if e.list_group == 0]
        context["past_events"] = [e for e in page.object_list if e.list_group == 1]
        return context


class EventDetailView(CachedPageMixin, HitCountMixin, DetailView):
    context_object_name = "event"
    template_name = "events/event_detail.html"

    def get_queryset(self):
        events = Event.objects.select_related("series").prefetch_related(
            hosts_prefetch(),
            Prefetch(
                "presentations",
                queryset=Presentation.objects.prefetch_related(
                    Prefetch(
                        "speaker_roles",
                        queryset=PresentationSpeaker.objects.select_related("speaker"),
                    )
                ),
            ),
            Prefetch(
                "panels",
                queryset=Panel.objects.prefetch_related(
                    Prefetch("panelists", queryset=Panelist.objects.select_related("speaker"))
                ),
            ),
            Prefetch("remarks", queryset=Remark.objects.select_related("speaker")),
            "photos",
            "attachments",
            Prefetch(
                "posts",
                queryset=Post.objects.published().in_language().order_by("-published_at", "-pk"),
                to_attr="published_posts",
            ),
        )
        return events.visible_to(self.request.user)  # staff previews come with a banner

    def get_context_data(self, **kwargs):
        event = self.object
        # Its files' counters as stored + pending, in one round trip (prefetched: no query).
        add_pending([*event.presentations.all(), *event.photos.all(), *event.attachments.all()])
        return super().get_context_data(**kwargs)


class SpeakerDetailView(CachedPageMixin, DetailView):
    context_object_name = "speaker"
    template_name = "events/speaker_detail.html"
    queryset = Speaker.objects.all()

    def get_object(self, queryset=None):
        speaker = super().get_object(queryset)
        self.appearances = speaker.published_appearances()
        # A page about someone who appears nowhere public would reveal a draft's programme.
        if not self.appearances and not self.request.user.is_staff:
            raise Http404
        return speaker

    def get_context_data(self, **kwargs):
        return super().get_context_data(appearances=self.appearances, **kwargs)


def event_calendar(request, slug):
    event = get_object_or_404(Event.objects.published().select_related("series"), slug=slug)
    data = build_calendar([event], event.title)
    return calendar_response(data, filename=f"{event.slug}.ics")


def calendar_feed(request):
    events = Event.objects.published().in_language().for_calendar().select_related("series")
    return calendar_response(build_calendar(events, _("KISTEP events")))


def _visible(queryset, request):
    return queryset.filter(event__in=Event.objects.visible_to(request.user))


def download_attachment(request, pk):
    attachments = _visible(EventAttachment.objects.all(), request)
    return serve_attachment(request, get_object_or_404(attachments, pk=pk))


def download_photo(request, pk):
    photo = get_object_or_404(_visible(Photo.objects.select_related("event"), request), pk=pk)
    return serve_download(
        request, photo, photo.image, photo.download_name, guess_content_type(photo.image.name)
    )


def download_slides(request, pk):
    presentations = _visible(Presentation.objects.select_related("event"), request)
    presentation = get_object_or_404(presentations.exclude(slides=""), pk=pk)
    return serve_download(
        request,
        presentation,
        presentation.slides,
        presentation.slides_name,
        presentation.slides_content_type,
    )
