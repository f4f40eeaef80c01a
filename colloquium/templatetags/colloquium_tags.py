import html
import json
import re

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse, translate_url
from django.utils import formats, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from colloquium import pagecache, site
from colloquium.attachments import format_size
from colloquium.models import Banner
from colloquium.publishing import Publishable

register = template.Library()


@register.filter
def kib(size):
    """{{ attachment.size|kib }} -> "430.61KB" (bytes / 1024, two decimals; MB from 1 MiB up)."""
    return format_size(size)


@register.simple_tag(takes_context=True)
def live_count(context, obj, field, format_name="number"):
    """
    {% live_count post "hit_count" %} -> "1,234", as `number` writes it; in a page kept in the
    cache, a marker filled in with the count as it stands whenever the page is served. The format
    names how the count reads (colloquium.pagecache.FORMATS): "number", "views", "downloads"...
    """
    return pagecache.count_marker(context.get("request"), obj, field, format_name)


@register.filter
def number(value):
    """{{ post.hit_count|number }} -> "1,234": digits grouped as the page's language groups them."""
    if value is None or value == "":
        return ""
    return formats.number_format(value, force_grouping=True)


# Bodies are sanitized on save, so every <img> in them is a plain tag as nh3 writes it.
_IMG_TAG = re.compile(r"<img\s", re.IGNORECASE)
_IMG_SRC = re.compile(r'<img\b[^>]*?\ssrc="([^"]+)"', re.IGNORECASE)


@register.filter
def lazy_images(markup):
    """Let the browser fetch a body's images as they scroll into view (their width/height stay)."""
    return _IMG_TAG.sub('<img loading="lazy" decoding="async" ', str(markup or ""))


@register.filter
def first_image(markup):
    """The address of the first image in a sanitized body, or "" (a post's cover image)."""
    match = _IMG_SRC.search(str(markup or ""))
    return html.unescape(match.group(1)) if match else ""


_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """A dict as a <script type="application/ld+json"> block, escaped as json_script escapes."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload.translate(_JSON_SCRIPT_ESCAPES)),
    )


def _path_in(language, item):
    with translation.override(language):
        return item.get_absolute_url()


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """{% absolute_url post.get_absolute_url %} -> "https://host/en/news/1/" (feeds, cards)."""
    return site.absolute_url(path) if path else ""


@register.simple_tag(takes_context=True)
def page_languages(context):
    """
    This page in every language: for the language switcher, the canonical link and hreflang.

    On an item's page (a DetailView of a Publishable, so `object` is in the context), a language
    in which the item has a published translation leads to that translation, and any other
    language to the same item under that language's interface. Such a page gets hreflang links
    only when a translation exists: the same words under another interface are not a
    translation. Every other page exists in each language, and its x-default is the bare
    address, which redirects by the visitor's Accept-Language.
    """
    request = context.get("request")
    if request is None:  # a template rendered outside a request (a test, an e-mail)
        return {"switcher": [], "hreflang": [], "canonical": ""}
    current = translation.get_language()
    item = context.get("object")
    versions = {}
    if isinstance(item, Publishable) and item.pk:
        versions[item.language] = item
        for translated in item.get_translations():
            versions.setdefault(translated.language, translated)

    switcher = []
    paths = {}
    for code, _name in settings.LANGUAGES:
        if code in versions:
            paths[code] = _path_in(code, versions[code])
        else:
            paths[code] = translate_url(request.path, code)
        switcher.append(
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "url": paths[code],
                "is_current": code == current,
            }
        )

    hreflang = []
    if versions:
        canonical = _path_in(item.language, item)
        if len(versions) > 1:
            hreflang = [(code, paths[code]) for code in versions]
            original = versions.get(settings.LANGUAGE_CODE, item)
            hreflang.append(("x-default", _path_in(original.language, original)))
    else:
        canonical = request.path
        page = request.GET.get("page", "")
        if page.isdigit() and int(page) > 1:
            canonical += f"?page={page}"
        hreflang = list(paths.items())
        prefix = f"/{current}/"
        if request.path.startswith(prefix):
            hreflang.append(("x-default", "/" + request.path.removeprefix(prefix)))
    return {
        "switcher": switcher,
        "hreflang": [(code, site.absolute_url(path)) for code, path in hreflang],
        "canonical": site.absolute_url(canonical),
    }


@register.inclusion_tag("includes/_nav_link.html", takes_context=True)
def nav_link(context, url_name, label):
    """A main navigation link, marked current on every page of its section (its URL namespace)."""
    # No match on an address that resolves to no page (its 404), nor outside a request.
    match = getattr(context.get("request"), "resolver_match", None)
    return {
        "url": reverse(url_name),
        "label": label,
        "is_current": match is not None and match.namespace == url_name.partition(":")[0],
    }


@register.inclusion_tag("includes/_banner_zone.html")
def banner_zone():
    """The related institutions' logos, in the editors' order: one query."""
    return {"banners": list(Banner.objects.visible())}
