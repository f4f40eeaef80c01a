from django import template
from django.templatetags.static import static
from django.utils import translation

from colloquium import site
from colloquium.templatetags.colloquium_tags import first_image, json_ld

register = template.Library()


@register.filter
def cover_image(post):
    """The picture that stands for a post in link previews: its first image, else the site's."""
    return first_image(post.body) or static("img/og-default.png")


@register.simple_tag(takes_context=True)
def news_article_json_ld(context, post):
    """schema.org NewsArticle for search engines, in the post's own language."""
    with translation.override(post.language):
        url = site.absolute_url(post.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title[:110],
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": post.language,
        "dateModified": post.updated_at.isoformat(),
        "image": [site.absolute_url(cover_image(post))],
        "author": [{"@type": "Person", "name": post.writer}] if post.writer else [],
        "publisher": {
            "@type": "Organization",
            "name": "KISTEP",
            "url": site.absolute_url("/"),
        },
    }
    if post.published_at:  # a draft's preview has no publication date yet
        data["datePublished"] = post.published_at.isoformat()
    if post.summary:
        data["description"] = post.summary
    return json_ld(data)
