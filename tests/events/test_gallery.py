"""The event page's photo viewer as markup: links and CSS :target, so it works without a script."""

import re
from collections import Counter

import pytest
from django.test.html import Element, parse_html
from django.utils import translation

from tests.factories import EventFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def _elements(node):
    for child in node.children:
        if isinstance(child, Element):
            yield child
            yield from _elements(child)


def _text(node):
    parts = [child if isinstance(child, str) else _text(child) for child in node.children]
    return " ".join(" ".join(parts).split())


def _page(client, event):
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    return parse_html(response.content.decode())


def _with_class(page, name):
    return [
        element
        for element in _elements(page)
        if name in dict(element.attributes).get("class", "").split()
    ]


def _links(node):
    return [
        (dict(element.attributes)["href"], _text(element))
        for element in _elements(node)
        if element.name == "a"
    ]


@pytest.fixture
def photos():
    event = EventFactory()
    return [
        PhotoFactory(event=event, caption=caption, position=position, size=(1200, 800))
        for position, caption in enumerate(("Opening", "Keynote", "Panel discussion"), 1)
    ]


def test_each_thumbnail_opens_its_own_viewer(client, photos):
    page = _page(client, photos[0].event)

    thumbnails = [href for href, _ in _links(page) if href.startswith("#view-photo-")]
    viewers = [dict(viewer.attributes) for viewer in _with_class(page, "viewer")]

    # Each thumbnail first, then the viewers' own previous and next links.
    assert thumbnails[:3] == [f"#view-photo-{photo.pk}" for photo in photos]
    assert [viewer["id"] for viewer in viewers] == [f"view-photo-{photo.pk}" for photo in photos]
    assert {viewer["role"] for viewer in viewers} == {"dialog"}


def test_viewer_links_go_previous_next_close_full_size_and_download(client, photos):
    first, middle, last = photos

    page = _page(client, middle.event)
    viewers = _with_class(page, "viewer")

    assert _links(viewers[1]) == [
        (f"#view-photo-{first.pk}", "Previous photo"),
        (f"#view-photo-{last.pk}", "Next photo"),
        (f"#photo-{middle.pk}", "Close"),
        (middle.image.url, "Full size"),
        (f"/en/events/photos/{middle.pk}/download/", "Download the original Keynote"),
    ]
    # At the ends the viewer goes round: previous from the first photo is the last one.
    assert _links(viewers[0])[:2] == [
        (f"#view-photo-{last.pk}", "Previous photo"),
        (f"#view-photo-{middle.pk}", "Next photo"),
    ]
    assert _links(viewers[2])[:2] == [
        (f"#view-photo-{middle.pk}", "Previous photo"),
        (f"#view-photo-{first.pk}", "Next photo"),
    ]


def test_viewer_shows_the_large_photo_its_caption_and_where_it_is(client, photos):
    page = _page(client, photos[0].event)
    viewers = _with_class(page, "viewer")

    assert [_text(count) for count in _with_class(page, "viewer__count")] == [
        "Photo 1 of 3",
        "Photo 2 of 3",
        "Photo 3 of 3",
    ]
    assert [_text(caption) for caption in _with_class(page, "viewer__caption")] == [
        "Opening",
        "Keynote",
        "Panel discussion",
    ]
    [image] = [element for element in _elements(viewers[2]) if element.name == "img"]
    image = dict(image.attributes)
    stem = photos[2].image.url.removesuffix(".jpg")
    assert image["sizes"] == "100vw"
    assert image["alt"] == "Panel discussion"
    assert image["src"] == photos[2].image.url
    assert image["srcset"] == (
        f"{stem}-w320.jpg 320w, {stem}-w640.jpg 640w, {stem}-w960.jpg 960w, "
        f"{photos[2].image.url} 1200w"
    )
    assert _text(_with_class(viewers[2], "viewer__meta")[0]) == "(1200×800 / Download 0)"


def test_viewer_is_named_by_its_count_and_caption(client, photos):
    page = _page(client, photos[0].event)
    ids = {dict(element.attributes).get("id"): element for element in _elements(page)}

    names = [
        " ".join(_text(ids[label]) for label in dict(viewer.attributes)["aria-labelledby"].split())
        for viewer in _with_class(page, "viewer")
    ]

    assert names == [
        "Photo 1 of 3 Opening",
        "Photo 2 of 3 Keynote",
        "Photo 3 of 3 Panel discussion",
    ]


def test_event_page_ids_stay_unique_with_the_viewer(client, photos):
    page = _page(client, photos[0].event)

    ids = Counter(dict(element.attributes).get("id") for element in _elements(page))
    del ids[None]

    assert [name for name, count in ids.items() if count > 1] == []
    assert {f"photo-{photo.pk}" for photo in photos} <= ids.keys()


def test_viewer_of_a_single_photo_has_no_previous_or_next(client):
    photo = PhotoFactory(caption="Group photo")

    page = _page(client, photo.event)
    [viewer] = _with_class(page, "viewer")

    assert [text for _, text in _links(viewer)] == [
        "Close",
        "Full size",
        "Download the original Group photo",
    ]
    assert [_text(count) for count in _with_class(viewer, "viewer__count")] == ["Photo 1 of 1"]


def test_viewer_speaks_korean(client, photos):
    with translation.override("ko"):
        page = _page(client, photos[0].event)

    viewer = _with_class(page, "viewer")[0]

    assert [text for _, text in _links(viewer)][:4] == [
        "이전 사진",
        "다음 사진",
        "닫기",
        "원본 크기",
    ]
    assert _text(_with_class(viewer, "viewer__count")[0]) == "3장 중 1번째 사진"


def test_gallery_script_loads_only_with_photos(client, photos):
    with_photos = client.get(photos[0].event.get_absolute_url()).content.decode()
    without = client.get(EventFactory().get_absolute_url()).content.decode()

    assert re.findall(r"<script [^>]*src=\"[^\"]*\"[^>]*>", with_photos) == [
        '<script src="/static/js/gallery.js" defer>'
    ]
    assert "gallery.js" not in without
