import datetime as dt
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.urls import reverse

from colloquium.publishing import Status
from events.calendar import google_calendar_url
from events.models import Event
from tests.factories import SEOUL, EventFactory, SeriesFactory

FEED_URL = "/en/events/feed.ics"

pytestmark = pytest.mark.django_db


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def ics_url(event):
    return reverse("events:event-ical", kwargs={"slug": event.slug})


def test_event_file_has_its_times_in_seoul_with_the_zone_described(client):
    event = EventFactory(
        title="The 13th NIS Policy Colloquium",
        starts_at=dt.datetime(2026, 9, 3, 14, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2026, 9, 3, 17, 30, tzinfo=SEOUL),
        venue="KISTEP Conference Hall",
        address="Eumseong",
    )

    calendar = parse(client.get(ics_url(event)))

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//KISTEP//Colloquium events//EN"
    assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Asia/Seoul"]
    [vevent] = calendar.events
    assert vevent["SUMMARY"] == "The 13th NIS Policy Colloquium"
    assert vevent["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert vevent.start == dt.datetime(2026, 9, 3, 14, 0, tzinfo=SEOUL)
    assert vevent.end == dt.datetime(2026, 9, 3, 17, 30, tzinfo=SEOUL)
    assert vevent.start.tzinfo.key == "Asia/Seoul"
    assert vevent["LOCATION"] == "KISTEP Conference Hall, Eumseong"
    assert vevent["UID"] == str(event.uid)
    assert vevent["SEQUENCE"] == 0
    assert vevent["URL"] == f"http://testserver/en/events/{event.slug}/"
    assert vevent["DTSTAMP"].dt == event.updated_at.replace(microsecond=0)
    assert vevent["STATUS"] == "CONFIRMED"


def test_event_file_downloads_under_the_event_address(client):
    event = EventFactory(slug="5th-nis-policy-colloquium")

    response = client.get(ics_url(event))

    assert response["Content-Disposition"] == (
        'attachment; filename="5th-nis-policy-colloquium.ics"'
    )


def test_all_day_event_has_date_values_with_the_end_exclusive(client):
    event = EventFactory(
        starts_at=dt.datetime(2019, 8, 29, 0, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2019, 8, 29, 23, 59, tzinfo=SEOUL),
        is_all_day=True,
    )

    [vevent] = parse(client.get(ics_url(event))).events

    assert vevent["DTSTART"].params["VALUE"] == "DATE"
    assert vevent.start == dt.date(2019, 8, 29)
    assert vevent.end == dt.date(2019, 8, 30)
    assert vevent["TRANSP"] == "TRANSPARENT"
    assert b"DTSTART;VALUE=DATE:20190829" in client.get(ics_url(event)).content


def test_two_day_event_spans_both_days(client):
    all_day = EventFactory(
        starts_at=dt.datetime(2026, 10, 7, 0, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2026, 10, 8, 0, 0, tzinfo=SEOUL),
        is_all_day=True,
    )
    timed = EventFactory(
        starts_at=dt.datetime(2026, 10, 7, 9, 30, tzinfo=SEOUL),
        ends_at=dt.datetime(2026, 10, 8, 17, 0, tzinfo=SEOUL),
    )

    [all_day_vevent] = parse(client.get(ics_url(all_day))).events
    [timed_vevent] = parse(client.get(ics_url(timed))).events

    assert (all_day_vevent.start, all_day_vevent.end) == (
        dt.date(2026, 10, 7),
        dt.date(2026, 10, 9),
    )
    assert timed_vevent.end == dt.datetime(2026, 10, 8, 17, 0, tzinfo=SEOUL)


def test_a_date_entered_in_utc_is_still_the_seoul_day(client):
    event = EventFactory(
        starts_at=dt.datetime(2019, 8, 28, 15, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2019, 8, 28, 15, 0, tzinfo=dt.UTC),
        is_all_day=True,
    )

    [vevent] = parse(client.get(ics_url(event))).events

    assert vevent.start == dt.date(2019, 8, 29)


def test_uid_is_stable_and_sequence_grows_when_the_time_changes(client):
    event = EventFactory()
    [before] = parse(client.get(ics_url(event))).events

    event = Event.objects.get(pk=event.pk)
    event.starts_at += dt.timedelta(days=1)
    event.ends_at += dt.timedelta(days=1)
    event.save()
    [after] = parse(client.get(ics_url(event))).events

    assert after["UID"] == before["UID"] == str(event.uid)
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.start == before.start + dt.timedelta(days=1)


def test_feed_lists_upcoming_and_past_year_events_but_no_drafts(client, now):
    upcoming = EventFactory(
        title="Upcoming",
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=2),
    )
    recent = EventFactory(
        title="Recent",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=30) + dt.timedelta(hours=2),
    )
    EventFactory(
        title="Old",
        starts_at=now - dt.timedelta(days=400),
        ends_at=now - dt.timedelta(days=400) + dt.timedelta(hours=2),
    )
    EventFactory(title="Draft", status=Status.DRAFT)

    calendar = parse(client.get(FEED_URL))

    assert [str(vevent["SUMMARY"]) for vevent in calendar.events] == ["Recent", "Upcoming"]
    assert [str(vevent["UID"]) for vevent in calendar.events] == [
        str(recent.uid),
        str(upcoming.uid),
    ]
    assert calendar["X-WR-CALNAME"] == "KISTEP events"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=12)
    assert "Content-Disposition" not in client.get(FEED_URL)


def test_feed_text_follows_rfc_5545_line_rules(client):
    EventFactory(title="A long title " * 10, summary="Commas, semicolons; and a newline\nhere.")

    content = client.get(FEED_URL).content

    lines = content.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert lines[-2:] == [b"END:VCALENDAR", b""]
    assert max(len(line) for line in lines) <= 75
    description = parse(client.get(FEED_URL)).events[0]["DESCRIPTION"]
    assert "Commas, semicolons; and a newline\nhere." in description


def test_draft_event_has_no_calendar_file(client):
    event = EventFactory(status=Status.DRAFT)

    assert client.get(ics_url(event)).status_code == 404


def test_unknown_event_has_no_calendar_file(client):
    assert client.get("/en/events/no-such-event.ics").status_code == 404


def test_google_calendar_link_carries_utc_times_for_a_timed_event():
    event = EventFactory.build(
        title="Colloquium",
        starts_at=dt.datetime(2026, 9, 3, 14, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2026, 9, 3, 17, 30, tzinfo=SEOUL),
        series=SeriesFactory(),
        edition=13,
    )

    query = parse_qs(urlsplit(google_calendar_url(event, "https://x/e/")).query)

    assert query["dates"] == ["20260903T050000Z/20260903T083000Z"]
    assert query["text"] == ["Colloquium"]
    assert query["ctz"] == ["Asia/Seoul"]


def test_google_calendar_link_carries_dates_for_an_all_day_event():
    event = EventFactory.build(
        starts_at=dt.datetime(2019, 8, 29, 0, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2019, 8, 29, 0, 0, tzinfo=SEOUL),
        is_all_day=True,
    )

    query = parse_qs(urlsplit(google_calendar_url(event, "https://x/e/")).query)

    assert query["dates"] == ["20190829/20190830"]


@pytest.mark.parametrize("item_count", [1, 3])
def test_feed_query_count_is_constant(client, django_assert_num_queries, item_count):
    series = SeriesFactory()
    for number in range(item_count):
        EventFactory(series=series, edition=number + 1)

    with django_assert_num_queries(1):  # the events with their series
        response = client.get(FEED_URL)

    assert len(parse(response).events) == item_count
