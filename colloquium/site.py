"""
The site's own address, from settings.SITE_URL: every absolute link the site gives out (canonical
and hreflang links, og:url, JSON-LD, feeds, sitemaps, robots.txt, calendars) is built here, so
no page ever echoes the Host header a request came with.
"""

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path):
    """ "/en/news/1/" -> "https://news.example.org/en/news/1/"; an absolute URL stays as it is."""
    path = str(path)
    if urlsplit(path).scheme:
        return path
    return settings.SITE_URL + "/" + path.lstrip("/")


class CanonicalSite:
    """The site as django.contrib.sitemaps and syndication want it (no sites framework)."""

    def __init__(self):
        parts = urlsplit(settings.SITE_URL)
        self.scheme = parts.scheme
        self.domain = self.name = parts.netloc

    def __str__(self):
        return self.domain
