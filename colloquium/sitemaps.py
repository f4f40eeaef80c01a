"""
The sitemap: every published post and event at its own language's address, and the pages that
exist in every language (home, boards) with their alternates.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import translation

from events.models import Event
from news.models import Post


class PostSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Post.objects.published().order_by("-published_at", "-pk")

    def location(self, post):
        with translation.override(post.language):
            return post.get_absolute_url()

    def lastmod(self, post):
        return post.updated_at


class PageSitemap(Sitemap):
    """Pages that exist in every language, each naming the others as alternates."""

    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"

    def items(self):
        return ["home", "news:post-list", "events:event-list"]

    def location(self, name):
        return reverse(name)


class EventSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Event.objects.published().order_by("-starts_at", "-pk")

    def location(self, event):
        with translation.override(event.language):
            return event.get_absolute_url()

    def lastmod(self, event):
        return event.updated_at


SITEMAPS = {"pages": PageSitemap, "news": PostSitemap, "events": EventSitemap}
