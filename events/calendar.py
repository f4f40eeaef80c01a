"""
Calendar files (RFC 5545) made with `icalendar`, and the "add to Google Calendar" link.

Times are written in the events' time zone with its VTIMEZONE, all-day events as DATE values
(the end date exclusive, as the RFC says), every event under a UID that never changes and a
SEQUENCE that grows whenever its title, time or place does, so subscribed calendars replace their
copy instead of adding a second one.
"""

import datetime as dt
from urllib.parse import urlencode

import icalendar
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from colloquium import site
from events.models import event_timezone

PRODID = "-//KISTEP//Colloquium events//EN"
# How often subscribed calendars should fetch the feed again.
REFRESH_INTERVAL = dt.timedelta(hours=12)


def _location(event):
    return ", ".join(filter(None, (event.venue, event.address)))


def _description(event, url):
    parts = [event.series_label, event.theme, event.summary]
    if event.online_url:
        parts.append(_("Online: %(url)s") % {"url": event.online_url})
    if event.registration_url:
        parts.append(_("Registration: %(url)s") % {"url": event.registration_url})
    parts.append(url)
    return "\n\n".join(filter(None, parts))


def calendar_dates(event):
    """(start, end) as calendars want them: dates for all-day events, with the end exclusive."""
    if event.is_all_day:
        return event.starts_on, event.ends_on + dt.timedelta(days=1)
    return event.local_starts_at, event.local_ends_at


def ical_event(event, url):
    start, end = calendar_dates(event)
    component = icalendar.Event.new(
        uid=str(event.uid),
        summary=event.title,
        start=start,
        end=end,
        stamp=event.updated_at,
        created=event.created_at,
        last_modified=event.updated_at,
        sequence=event.sequence,
        url=url,
        description=_description(event, url),
        location=_location(event) or None,
        status="CONFIRMED",
        categories=[event.series.name] if event.series_id else (),
    )
    if event.is_all_day:
        # All-day events do not make their attendees look busy.
        component.add("transp", "TRANSPARENT")
    return component


def build_calendar(events, name):
    """The iCalendar bytes for `events`."""
    zone = event_timezone()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # icalendar writes NAME and X-WR-CALNAME, properties it has no type for, as they come: a
    # line break in an event's title would end the line and start a property of its own.
    calendar.add("name", icalendar.vText(name))
    calendar.add("x-wr-calname", icalendar.vText(name))
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # An X- property is text to icalendar: write the duration as RFC 5545 spells it (PT12H).
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL).to_ical().decode())
    # Outlook needs the zone described even when only all-day events use none.
    calendar.add_component(icalendar.Timezone.from_tzid(zone.key))
    for event in events:
        calendar.add_component(ical_event(event, site.absolute_url(event.get_absolute_url())))
    return calendar.to_ical()


def calendar_response(data, filename=None):
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def google_calendar_url(event, url):
    """A link that opens Google Calendar's "new event" form filled in with this event."""
    start, end = calendar_dates(event)
    if event.is_all_day:
        dates = f"{start:%Y%m%d}/{end:%Y%m%d}"
    else:
        utc = dt.UTC
        dates = f"{start.astimezone(utc):%Y%m%dT%H%M%SZ}/{end.astimezone(utc):%Y%m%dT%H%M%SZ}"
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": dates,
        "details": _description(event, url),
        "location": _location(event),
        "ctz": event_timezone().key,
    }
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"
