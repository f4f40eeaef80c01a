from django import template
from django.utils.html import format_html

from colloquium import site
from colloquium.templatetags.colloquium_tags import json_ld
from events import calendar

register = template.Library()


@register.simple_tag
def responsive_image(image, alt="", sizes="100vw", width=640, css_class=""):
    """
    An <img> offering the copies made at upload through srcset, sized by `sizes`; `width` picks
    the copy in `src` for browsers without srcset. Width and height keep the layout still.
    """
    if not image:
        return ""
    return format_html(
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{} '
        'loading="lazy" decoding="async">',
        image.url_for_width(width),
        image.srcset,
        sizes,
        image.stored_width,
        image.stored_height,
        alt,
        format_html(' class="{}"', css_class) if css_class else "",
    )


@register.filter
def with_neighbours(items):
    """
    (previous, item, next) for each item, wrapping round at the ends: the photo viewer's links.
    Works on the list already fetched, so a prefetched relation costs no query.
    """
    items = list(items)
    return [(items[i - 1], item, items[(i + 1) % len(items)]) for i, item in enumerate(items)]


@register.simple_tag(takes_context=True)
def google_calendar_url(context, event):
    url = site.absolute_url(event.get_absolute_url())
    return calendar.google_calendar_url(event, url)


def _schedule_value(event, moment, day):
    return day.isoformat() if event.is_all_day else moment.isoformat()


def _person(appearance):
    person = {
        "@type": "Person",
        "name": appearance.speaker.name,
        "url": site.absolute_url(appearance.speaker.get_absolute_url()),
    }
    if job_title := appearance.shown_job_title:
        person["jobTitle"] = job_title
    if affiliation := appearance.shown_affiliation:
        person["affiliation"] = {"@type": "Organization", "name": affiliation}
    return person


def performers(event):
    """Everyone on the programme, once each, in programme order (from prefetched rows)."""
    return [_person(row) for row in event.participants(each_person_once=True)]


@register.simple_tag(takes_context=True)
def event_json_ld(context, event):
    """schema.org Event for search engines: when, where, who organizes and who speaks."""
    absolute = site.absolute_url
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": absolute(event.get_absolute_url()),
        "startDate": _schedule_value(event, event.local_starts_at, event.starts_on),
        "endDate": _schedule_value(event, event.local_ends_at, event.ends_on),
        "eventStatus": "https://schema.org/EventScheduled",
        "inLanguage": event.language,
    }
    if description := event.summary or event.theme:
        data["description"] = description
    locations = []
    if event.venue or event.address:
        place = {"@type": "Place", "name": event.venue or event.address}
        if event.address:
            place["address"] = event.address
        locations.append(place)
    if event.online_url:
        locations.append({"@type": "VirtualLocation", "url": event.online_url})
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
        mode = "Mixed" if len(locations) > 1 else "Online" if event.online_url else "Offline"
        data["eventAttendanceMode"] = f"https://schema.org/{mode}EventAttendanceMode"
    organizers = []
    for host in event.hosts.all():
        organization = {"@type": "Organization", "name": host.organization.name}
        if host.organization.acronym:
            organization["alternateName"] = host.organization.acronym
        if host.organization.url:
            organization["url"] = host.organization.url
        organizers.append(organization)
    if organizers:
        data["organizer"] = organizers
    if people := performers(event):
        data["performer"] = people
    if image := event.share_image_url:
        data["image"] = [absolute(image)]
    if event.series_id:
        data["superEvent"] = {"@type": "EventSeries", "name": event.series.name}
    return json_ld(data)
