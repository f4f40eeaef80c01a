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


def _thumbnails(page):
    return page.get_by_role("region", name="Photos").get_by_role(
        "link", name=re.compile(r"\(open in the photo viewer\)$")
    )


def _viewer(page, number, total):
    return page.get_by_role("dialog", name=re.compile(rf"^Photo {number} of {total}\b"))


def _focused_href(page):
    return page.evaluate("document.activeElement.getAttribute('href')")


def test_visitor_moves_through_photos_with_keyboard(page, colloquium):
    photos = list(colloquium.photos.all())
    total = len(photos)
    page.goto(colloquium.get_absolute_url())
    expect(_thumbnails(page)).to_have_count(total)

    presses = 0
    while _focused_href(page) != f"#view-photo-{photos[0].pk}" and presses < 80:
        page.keyboard.press("Tab")
        presses += 1
    page.keyboard.press("Enter")
    first = _viewer(page, 1, total)
    expect(first).to_be_visible()
    expect(page).to_have_url(re.compile(f"#view-photo-{photos[0].pk}$"))
    expect(first.get_by_role("link", name="Previous photo")).to_be_focused()
    outline = page.locator(":focus").evaluate("(link) => getComputedStyle(link).outlineStyle")

    page.keyboard.press("ArrowRight")
    second = _viewer(page, 2, total)
    expect(second).to_be_visible()
    expect(first).to_be_hidden()
    expect(page).to_have_url(re.compile(f"#view-photo-{photos[1].pk}$"))
    # Focus follows into the new panel, so Tab reaches its "Next photo" link.
    expect(second.get_by_role("link", name="Previous photo")).to_be_focused()
    page.keyboard.press("Tab")
    expect(second.get_by_role("link", name="Next photo")).to_be_focused()
    page.keyboard.press("Enter")
    third = _viewer(page, 3, total)
    expect(third).to_be_visible()
    expect(page).to_have_url(re.compile(f"#view-photo-{photos[2].pk}$"))
    expect(third.get_by_role("link", name="Previous photo")).to_be_focused()
    # The large photo loads only once its panel shows (it is lazy), from the copy that fits
    # this 1280-pixel-wide screen rather than the 1600-pixel original.
    shown_width = third.locator("img").evaluate(
        "async (image) => { await image.decode(); return image.naturalWidth; }"
    )

    # Tab stays inside the open viewer rather than wandering behind the backdrop.
    page.keyboard.press("Shift+Tab")
    expect(third.get_by_role("link", name=re.compile("^Download the original"))).to_be_focused()
    page.keyboard.press("Tab")
    expect(third.get_by_role("link", name="Previous photo")).to_be_focused()

    page.keyboard.press("Escape")

    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page).to_have_url(re.compile(f"#photo-{photos[2].pk}$"))
    expect(_thumbnails(page).nth(2)).to_be_focused()
    expect(_thumbnails(page).nth(2)).to_be_in_viewport()
    assert outline != "none"
    assert shown_width == 1280


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_photo_viewer_works_without_javascript(page, colloquium):
    photos = list(colloquium.photos.all())
    total = len(photos)
    page.goto(colloquium.get_absolute_url())
    thumbnails = _thumbnails(page)

    thumbnails.first.focus()
    page.keyboard.press("Enter")
    first = _viewer(page, 1, total)
    expect(first).to_be_visible()
    expect(page).to_have_url(re.compile(f"#view-photo-{photos[0].pk}$"))
    first.get_by_role("link", name="Next photo").click()
    second = _viewer(page, 2, total)
    expect(second).to_be_visible()
    expect(first).to_be_hidden()
    expect(page).to_have_url(re.compile(f"#view-photo-{photos[1].pk}$"))
    full_size = second.get_by_role("link", name="Full size")
    assert full_size.get_attribute("href") == photos[1].image.url

    full_size.click()

    assert page.url.endswith(photos[1].image.url)
    assert page.locator("img").evaluate("(image) => image.naturalWidth") == photos[1].width


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
