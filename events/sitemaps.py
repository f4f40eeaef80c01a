from colloquium.sitemaps import PublishableSitemap
from events.models import Event


class EventSitemap(PublishableSitemap):
    changefreq = "weekly"

    def items(self):
        return Event.objects.published().order_by("-starts_at", "-pk")
