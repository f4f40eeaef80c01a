"""
Sitemap pieces shared by the apps: each published item at its own language's address, and the
pages that exist in every language. The apps' sitemaps are composed in `colloquium/urls.py`.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import translation


class PublishableSitemap(Sitemap):
    """Published items of one model, each at the address of the language it is written in."""

    def location(self, item):
        with translation.override(item.language):
            return item.get_absolute_url()

    def lastmod(self, item):
        return item.updated_at


class PageSitemap(Sitemap):
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
