"""
Sitemap pieces shared by the apps: each published item at its own language's address, and the
pages that exist in every language. The apps' sitemaps are composed in `colloquium/urls.py`.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import translation

from colloquium.site import CanonicalSite


class SiteSitemap(Sitemap):
    """Locations on SITE_URL's scheme and host, whatever Host the request named."""

    def get_urls(self, page=1, site=None, protocol=None):
        site = CanonicalSite()
        return super().get_urls(page=page, site=site, protocol=site.scheme)


class PublishableSitemap(SiteSitemap):
    """Published items of one model, each at the address of the language it is written in."""

    def location(self, item):
        with translation.override(item.language):
            return item.get_absolute_url()

    def lastmod(self, item):
        return item.updated_at


class PageSitemap(SiteSitemap):
    """Pages that exist in every language (named URLs), each naming the others as alternates."""

    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"

    def __init__(self, url_names):
        self.url_names = url_names

    def items(self):
        return self.url_names

    def location(self, name):
        return reverse(name)
