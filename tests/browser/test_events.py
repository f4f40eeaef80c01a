import datetime as dt
import io
import re
from pathlib import Path

import icalendar
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from events.demo import SOURCE_EVENT_SLUG
from events.models import Event

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def colloquium(transactional_db):
    call_command("loaddemo", stdout=io.StringIO())
    return Event.objects.get(slug=SOURCE_EVENT_SLUG)


def _photo_links(page):
    return page.get_by_role("region", name="Photos").get_by_role(
        "link", name=re.compile(r"\(view full size\)$")
    )


def test_visitor_moves_through_photos_with_keyboard(page, colloquium):
    photos = list(colloquium.photos.all())
    page.goto(colloquium.get_absolute_url())
    links = _photo_links(page)
    expect(links).to_have_count(len(photos))

    links.first.focus()
    focused = [page.evaluate("document.activeElement.getAttribute('href')")]
    for _ in photos[1:]:
        # Each photo's own download link sits between it and the next photo.
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text(re.compile(r"^Download the original"))
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_be_in_viewport()
        focused.append(page.evaluate("document.activeElement.getAttribute('href')"))
    outline = page.locator(":focus").evaluate("(link) => getComputedStyle(link).outlineStyle")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(links.nth(len(photos) - 2)).to_be_focused()
    full_size = photos[-2].image.url
    with page.expect_response(lambda response: response.url.endswith(full_size)) as opened:
        page.keyboard.press("Enter")

    assert focused == [photo.image.url for photo in photos]
    assert outline != "none"
    assert opened.value.ok
    assert opened.value.headers["content-type"] == "image/jpeg"
    expect(page).to_have_url(re.compile(re.escape(full_size) + "$"))
    assert page.locator("img").evaluate("(image) => image.naturalWidth") == photos[-2].width


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_photos_open_full_size_without_javascript(page, colloquium):
    photos = list(colloquium.photos.all())

    page.goto(colloquium.get_absolute_url())
    links = _photo_links(page)

    assert [link.get_attribute("href") for link in links.all()] == [
        photo.image.url for photo in photos
    ]
    thumbnail_width = links.first.locator("img").evaluate("(image) => image.clientWidth")
    links.first.click()
    assert page.url.endswith(photos[0].image.url)
    full_width = page.locator("img").evaluate("(image) => image.naturalWidth")
    assert full_width == photos[0].width > thumbnail_width


def test_visitor_adds_event_to_calendar(page, colloquium):
    page.goto(colloquium.get_absolute_url())

    with page.expect_download() as started:
        page.get_by_role("link", name="Calendar file (.ics)").click()
    download = started.value
    calendar = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())

    assert download.suggested_filename == f"{SOURCE_EVENT_SLUG}.ics"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "The 5th NIS Policy Colloquium"
    assert str(event["UID"]) == str(colloquium.uid)
    # An all-day event: dates, the end exclusive (RFC 5545).
    assert event.decoded("DTSTART") == dt.date(2019, 8, 29)
    assert event.decoded("DTEND") == dt.date(2019, 8, 30)
    assert page.url.endswith(colloquium.get_absolute_url())
