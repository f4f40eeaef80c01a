"""
RSS and Atom feeds of the news board, one pair per language (the URL's language prefix).

Items carry the full sanitized body with its links and images made absolute, since feed readers
show it away from the site, and the post's attachments as enclosures.
"""

import re

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.translation import gettext as _

from colloquium import site
from news.models import Post

FEED_LENGTH = 20
# Site-relative addresses in sanitized bodies: src="/media/..." and href="/en/news/...".
_RELATIVE_URL = re.compile(r'(\s(?:src|href)=")/(?!/)')
# Characters XML 1.0 cannot carry: Django refuses to write a feed with one (a 500). Text pasted
# from a word processor brings some, such as Word's manual line break (U+000B).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(text):
    return _NOT_XML.sub("", text)


class PostRSSFeed(Feed):
    feed_type = Rss201rev2Feed
    # RSS 2.0 allows one enclosure per item (Django refuses more); Atom takes them all.
    max_enclosures = 1

    def title(self):
        return _("KISTEP News & Event")

    def description(self):
        return _("News and events of the Korea Institute of S&T Evaluation and Planning.")

    # Every address absolute from SITE_URL: syndication would complete relative ones with the
    # request's Host header.
    def link(self):
        return site.absolute_url(reverse("news:post-list"))

    def feed_url(self, request):
        return site.absolute_url(request.path)

    def item_link(self, post):
        return site.absolute_url(post.get_absolute_url())

    def get_object(self, request, *args, **kwargs):
        # Feed attribute methods see only the item: the request is the feed's "object", so
        # items() can make bodies and enclosures absolute.
        return request

    def items(self, request):
        posts = list(
            Post.objects.published().in_language().prefetch_related("attachments")[:FEED_LENGTH]
        )
        base = site.absolute_url("/")
        for post in posts:
            post.feed_body = xml_text(_RELATIVE_URL.sub(rf"\g<1>{base}", post.body))
            post.feed_enclosures = [
                Enclosure(
                    url=site.absolute_url(attachment.get_absolute_url()),
                    length=str(attachment.size),
                    mime_type=attachment.content_type or "application/octet-stream",
                )
                for attachment in post.attachments.all()
            ]
        return posts

    def item_title(self, post):
        return xml_text(post.title)

    def item_description(self, post):
        return post.feed_body

    def item_author_name(self, post):
        return xml_text(post.writer)

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        return post.updated_at

    def item_enclosures(self, post):
        if self.max_enclosures is None:
            return post.feed_enclosures
        return post.feed_enclosures[: self.max_enclosures]


class PostAtomFeed(PostRSSFeed):
    feed_type = Atom1Feed
    max_enclosures = None
    subtitle = PostRSSFeed.description
