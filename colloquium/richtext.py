"""
Server-side sanitizing of rich text, independent of whichever editor produced it.

Every stored body passes through `sanitize()` on its way to the database, so that the admin, the
shell, fixtures and queryset updates are all covered; templates may then mark those fields safe.
When the allow-list changes, `manage.py resanitize` cleans the rows already stored.
"""

import html
import re

import nh3
from django.conf import settings
from django.db import models
from django.utils.html import strip_tags

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol", "li", "a", "img", "figure", "figcaption", "table", "caption",
    "thead", "tbody", "tfoot", "tr", "th", "td", "hr", "span",
}  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "style"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "p": {"style"},
    "table": {"style"},
    "ol": {"start"},
}

# Listing "class" in ALLOWED_ATTRIBUTES for a tag named here makes nh3 panic (a BaseException).
ALLOWED_CLASSES = {"figure": {"image"}}
ALLOWED_STYLE_PROPERTIES = {"text-align", "width", "height"}
URL_SCHEMES = {"http", "https", "mailto"}


# A length, a percentage or a keyword: nothing that calls a function (expression(), url()).
_SAFE_STYLE_VALUE = re.compile(r"^[\w\s.%#-]+$")


def _filter_attribute(tag, attribute, value):
    # Images come from our own uploads (MEDIA_URL: /media/ or the bucket's address) or a secure
    # origin; data: and other plain-http images do not.
    own = ("/media/", settings.MEDIA_URL, "https://")
    if tag == "img" and attribute == "src" and not value.startswith(own):
        return None
    if attribute == "style":
        # nh3 keeps the allowed property names but not their values: old browsers run
        # `width: expression(...)`, so only plain values survive.
        declarations = [
            f"{name.strip()}:{declared.strip()}"
            for name, _, declared in (part.partition(":") for part in value.split(";"))
            if _SAFE_STYLE_VALUE.match(declared.strip())
        ]
        return ";".join(declarations) or None
    return value


def sanitize(markup):
    """Return `markup` reduced to the allow-list: no scripts, handlers or foreign URLs."""
    if not markup:
        return ""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        allowed_classes=ALLOWED_CLASSES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
    )


# Block boundaries separate words: "<h2>Notice</h2><p>Dates" is "Notice Dates", not "NoticeDates".
_BLOCK_TAG = re.compile(
    r"<(/?(?:p|h[1-6]|li|ul|ol|br|hr|table|caption|tr|th|td|figure|figcaption|blockquote)\b)",
    re.IGNORECASE,
)


def to_plain_text(markup):
    """The words of a body, for search and for summaries: tags gone, entities decoded."""
    text = html.unescape(strip_tags(_BLOCK_TAG.sub(r" <\1", markup or "")))
    return " ".join(text.split())


class SanitizedHTMLField(models.TextField):
    """
    A TextField whose value is sanitized on every write.

    `plain_text_field` names a sibling field, declared after this one, that receives the
    body's plain text for search.
    """

    def __init__(self, *args, plain_text_field=None, **kwargs):
        self.plain_text_field = plain_text_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_text_field:
            kwargs["plain_text_field"] = self.plain_text_field
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        cleaned = sanitize(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, cleaned)
        if self.plain_text_field:
            setattr(model_instance, self.plain_text_field, to_plain_text(cleaned))
        return cleaned

    def get_prep_value(self, value):
        # Also reached by fixtures (raw saves skip pre_save) and by QuerySet.update().
        value = super().get_prep_value(value)
        return sanitize(value) if isinstance(value, str) else value


class RichTextQuerySet(models.QuerySet):
    """
    Keeps each `SanitizedHTMLField`'s plain-text sibling in step on `update()`, which skips
    `pre_save()`: `update(body="<p>…</p>")` writes `body_text` too. A body computed in the
    database (an F() or other expression) cannot be turned into text here, so it is refused
    unless the caller sets the plain text in the same update.
    """

    def update(self, **kwargs):
        for field in self.model._meta.concrete_fields:
            plain = getattr(field, "plain_text_field", None)
            if not plain or field.name not in kwargs or plain in kwargs:
                continue
            value = kwargs[field.name]
            if value is not None and not isinstance(value, str):
                raise TypeError(
                    f"update({field.name}=…) needs a string so that {plain} can follow it; "
                    f"with an expression, set {plain} in the same update."
                )
            kwargs[plain] = to_plain_text(sanitize(value))
        return super().update(**kwargs)
