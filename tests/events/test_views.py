import datetime as dt
import json
import re
from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from colloquium.images import variant_name
from colloquium.publishing import Status
from events.models import Event, Photo
from tests.factories import (
    NOW,
    SEOUL,
    EventAttachmentFactory,
    EventFactory,
    EventHostFactory,
    OrganizationFactory,
    PanelFactory,
    PanelistFactory,
    PhotoFactory,
    PostFactory,
    PresentationFactory,
    PresentationSpeakerFactory,
    RemarkFactory,
    SeriesFactory,
    SpeakerFactory,
    picture_bytes,
)

LIST_URL = "/en/events/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def at(day_offset, hour=14):
    return (NOW + dt.timedelta(days=day_offset)).replace(hour=hour)


def text_of(response):
    """The page's visible text as a reader sees it: inline tags vanish, block tags space words."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    html = re.sub(r"</?(a|span|time|strong|em|b|i)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def json_ld(response):
    [block] = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(block)


def titles(events):
    return [event.title for event in events]


def full_event(item_count=1):
    """An event with `item_count` of everything a visitor sees on its page."""
    event = EventFactory(
        title="The 5th NIS Policy Colloquium",
        theme="Strategies and Challenges",
        series=SeriesFactory(),
        edition=5,
        venue="KISTEP Conference Hall",
    )
    for number in range(item_count):
        EventHostFactory(event=event, organization=OrganizationFactory(name=f"Host {number}"))
        presentation = PresentationFactory(event=event, title=f"Talk {number}")
        for _ in range(item_count):
            PresentationSpeakerFactory(presentation=presentation)
        panel = PanelFactory(event=event, title=f"Panel {number}", moderator=SpeakerFactory())
        for _ in range(item_count):
            PanelistFactory(panel=panel)
        RemarkFactory(event=event)
        PhotoFactory(event=event)
        EventAttachmentFactory(event=event)
        PostFactory(event=event, title=f"News {number}")
    return event


def test_list_shows_upcoming_soonest_first_then_past_latest_first(client, now):
    EventFactory(title="Past, old", starts_at=at(-60), ends_at=at(-60, 17))
    EventFactory(title="Upcoming, later", starts_at=at(20), ends_at=at(20, 17))
    EventFactory(title="Past, recent", starts_at=at(-2), ends_at=at(-2, 17))
    EventFactory(title="Upcoming, soon", starts_at=at(2), ends_at=at(2, 17))
    EventFactory(title="Draft", status=Status.DRAFT)

    response = client.get(LIST_URL)

    assert titles(response.context["upcoming_events"]) == ["Upcoming, soon", "Upcoming, later"]
    assert titles(response.context["past_events"]) == ["Past, recent", "Past, old"]
    page = text_of(response)
    assert page.index("Upcoming events") < page.index("Upcoming, soon") < page.index("Past events")
    assert "Draft" not in page


def test_list_filters_by_year_series_and_organization(client):
    series = SeriesFactory(slug="nis-policy-colloquium")
    kistep = OrganizationFactory(acronym="KISTEP", name="KISTEP")
    in_2019 = EventFactory(
        title="2019 colloquium",
        series=series,
        starts_at=dt.datetime(2019, 8, 29, 14, tzinfo=SEOUL),
        ends_at=dt.datetime(2019, 8, 29, 17, tzinfo=SEOUL),
    )
    EventHostFactory(event=in_2019, organization=kistep)
    EventFactory(
        title="2024 forum",
        starts_at=dt.datetime(2024, 10, 7, 14, tzinfo=SEOUL),
        ends_at=dt.datetime(2024, 10, 7, 17, tzinfo=SEOUL),
    )

    by_year = client.get(LIST_URL, {"year": "2019"})
    by_series = client.get(LIST_URL, {"series": "nis-policy-colloquium"})
    by_organization = client.get(LIST_URL, {"organization": "kistep"})

    for response in (by_year, by_series, by_organization):
        assert titles(response.context["events"]) == ["2019 colloquium"]


@pytest.mark.parametrize(
    "query",
    [
        {"year": "abc"},
        {"year": "99999999999999999999"},
        {"series": "no-such-series"},
        {"page": "abc"},
        {"page": "99999"},
        {"page": "-1"},
        {"year": ["2019", "2020"], "unknown": "x"},
    ],
)
def test_list_survives_garbage_parameters(client, query):
    EventFactory(title="Still listed")

    response = client.get(LIST_URL, query)

    assert response.status_code == 200
    assert titles(response.context["events"]) == ["Still listed"]


@pytest.mark.parametrize("name", ["year", "series", "organization", "page"])
def test_list_refuses_a_nul_byte_in_any_parameter(client, name):
    EventFactory(title="Still listed")

    response = client.get(LIST_URL, {name: "\x00"})

    assert response.status_code == 400


def test_list_is_paginated_by_ten(client, now):
    for day in range(12):
        EventFactory(title=f"Event {day:02}", starts_at=at(day + 1), ends_at=at(day + 1, 17))

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2})

    assert titles(first.context["events"]) == [f"Event {day:02}" for day in range(10)]
    assert titles(second.context["events"]) == ["Event 10", "Event 11"]


@pytest.mark.parametrize("item_count", [1, 3])
def test_list_query_count_is_fixed(client, django_assert_num_queries, item_count):
    for number in range(item_count):
        event = EventFactory(series=SeriesFactory(), edition=number + 1)
        PhotoFactory(event=event)
        for _ in range(item_count):
            EventHostFactory(event=event)

    with django_assert_num_queries(7):
        response = client.get(LIST_URL)

    assert len(response.context["events"]) == item_count


@pytest.mark.parametrize("item_count", [1, 3])
def test_event_page_query_count_is_fixed(client, django_assert_num_queries, item_count):
    event = full_event(item_count)

    # Four of them are the hit counter's: its UPDATE and the day's row (an upsert), in a
    # savepoint (SAVEPOINT, RELEASE) inside the test's transaction.
    with django_assert_num_queries(16):
        response = client.get(event.get_absolute_url())

    assert response.status_code == 200
    assert len(response.context["event"].photos.all()) == item_count


def test_event_page_shows_the_programme_in_order(client):
    event = EventFactory(
        title="The 5th NIS Policy Colloquium",
        series=SeriesFactory(),
        edition=5,
        theme="Strategies and Challenges to Overcome the Crisis",
    )
    hosts = (("KISTEP", "Korea Institute of S&T"), ("BISTEP", "Busan Innovation Institute"))
    for position, (acronym, name) in enumerate(hosts):
        organization = OrganizationFactory(acronym=acronym, name=name)
        EventHostFactory(event=event, position=position, organization=organization)
    second = PresentationFactory(event=event, position=2, title="Preconditions")
    first = PresentationFactory(event=event, position=1, title="Strategies")
    PresentationSpeakerFactory(
        presentation=first,
        speaker=SpeakerFactory(name="Jang-Jae Lee"),
        job_title="Director",
        affiliation="KISTEP",
    )
    PresentationSpeakerFactory(
        presentation=second,
        speaker=SpeakerFactory(name="Jae-Hong Jang"),
        job_title="Director",
        affiliation="KICOX",
    )
    moderator = SpeakerFactory(
        name="Pann-Ghill Suh", job_title="President", affiliation="Korea Brain Research Institute"
    )
    panel = PanelFactory(event=event, moderator=moderator)
    PanelistFactory(
        panel=panel,
        position=2,
        speaker=SpeakerFactory(name="Si-yeong Yang"),
        job_title="Professor",
        affiliation="Chonbuk National University",
    )
    PanelistFactory(
        panel=panel,
        position=1,
        speaker=SpeakerFactory(name="Seong jin Kim"),
        job_title="Head",
        affiliation="KISTEP",
    )
    RemarkFactory(
        event=event,
        speaker=SpeakerFactory(name="Sang-seon Kim", affiliation=""),
        job_title="President",
        kind="opening",
    )

    page = text_of(client.get(event.get_absolute_url()))

    assert "NIS Policy Colloquium · 5th edition" in page
    assert "Strategies and Challenges to Overcome the Crisis" in page
    assert "Hosted by Korea Institute of S&T (KISTEP) Busan Innovation Institute (BISTEP)" in page
    assert page.index("Strategies Jang-Jae Lee (Director, KISTEP)") < page.index(
        "Preconditions Jae-Hong Jang (Director, KICOX)"
    )
    assert (
        "Moderator Pann-Ghill Suh (President, Korea Brain Research Institute) Panelists "
        "Seong jin Kim (Head, KISTEP) Si-yeong Yang (Professor, Chonbuk National University)"
    ) in page
    assert "Opening remarks Sang-seon Kim (President)" in page


def test_event_page_shows_date_time_venue_and_links(client):
    event = EventFactory(
        starts_at=dt.datetime(2026, 9, 3, 14, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2026, 9, 3, 17, 30, tzinfo=SEOUL),
        venue="KISTEP Conference Hall",
        address="Eumseong",
        online_url="https://example.org/live",
        registration_url="https://example.org/register",
    )

    response = client.get(event.get_absolute_url())
    page = text_of(response)

    assert "Date 2026-09-03 (Thu) 14:00 – 17:30 KST" in page.replace("–", " – ")
    assert "Venue KISTEP Conference Hall Eumseong" in page
    content = response.content.decode()
    assert 'href="https://example.org/live"' in content
    assert 'href="https://example.org/register"' in content
    assert f'href="/en/events/{event.slug}.ics"' in content
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in content


def test_all_day_and_two_day_events_show_their_days(client):
    all_day = EventFactory(
        starts_at=dt.datetime(2019, 8, 29, 0, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2019, 8, 29, 0, 0, tzinfo=SEOUL),
        is_all_day=True,
    )
    two_days = EventFactory(
        starts_at=dt.datetime(2026, 10, 7, 9, 30, tzinfo=SEOUL),
        ends_at=dt.datetime(2026, 10, 8, 17, 0, tzinfo=SEOUL),
    )

    assert "Date 2019-08-29 (Thu) all day" in text_of(client.get(all_day.get_absolute_url()))
    assert "Date 2026-10-07 (Wed) 09:30 – 2026-10-08 (Thu) 17:00 KST" in text_of(
        client.get(two_days.get_absolute_url())
    )


def test_event_page_shows_captioned_photos_with_srcset_and_downloads(client):
    event = EventFactory()
    PhotoFactory(event=event, caption="Panel discussion", size=(1000, 600), position=2)
    PhotoFactory(event=event, caption="Ho Kim (Director, BISTEP)", position=1)

    response = client.get(event.get_absolute_url())
    content = response.content.decode()

    figcaptions = re.findall(r"<figcaption>(.*?)</figcaption>", content)
    assert figcaptions == ["Ho Kim (Director, BISTEP)", "Panel discussion"]
    photo = Photo.objects.get(caption="Panel discussion")
    stem = photo.image.url.removesuffix(".jpg")
    assert (
        f'srcset="{stem}-w320.jpg 320w, {stem}-w640.jpg 640w, {stem}-w960.jpg 960w, '
        f'{photo.image.url} 1000w"'
    ) in content
    assert 'width="1000" height="600" alt="Panel discussion"' in content
    assert f'href="/en/events/photos/{photo.pk}/download/"' in content
    assert "(1000×600 / Download 0)" in text_of(response)


def test_event_page_lists_files_related_news_and_counts_the_visit(client):
    event = EventFactory()
    EventAttachmentFactory(event=event, content=b"x" * 440_945, upload_name="programme.pdf")
    PostFactory(event=event, title="Report on the colloquium")
    PostFactory(event=event, title="Unpublished report", status=Status.DRAFT)

    first = client.get(event.get_absolute_url())
    second = client.get(event.get_absolute_url())

    page = text_of(first)
    assert "programme.pdf (430.61KB / Download 0)" in page
    assert "News about this event Report on the colloquium" in page
    assert "Unpublished report" not in page
    assert "Hit 1" in page
    assert "Hit 1" in text_of(second)  # the same visitor counts once
    assert Event.objects.get(pk=event.pk).hit_count == 1


def test_event_page_describes_the_event_in_json_ld(client):
    event = EventFactory(
        title="Colloquium",
        summary="Three talks.",
        starts_at=dt.datetime(2026, 9, 3, 14, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2026, 9, 3, 17, 30, tzinfo=SEOUL),
        venue="KISTEP Conference Hall",
        address="Eumseong",
    )
    EventHostFactory(
        event=event, organization=OrganizationFactory(acronym="KISTEP", name="KISTEP full")
    )
    speaker = SpeakerFactory(name="Ho Kim </script><script>alert(1)</script>")
    PresentationSpeakerFactory(
        presentation=PresentationFactory(event=event),
        speaker=speaker,
        job_title="Director",
        affiliation="BISTEP",
    )
    PanelistFactory(panel=PanelFactory(event=event), speaker=speaker)

    data = json_ld(client.get(event.get_absolute_url()))

    assert data["@type"] == "Event"
    assert data["name"] == "Colloquium"
    assert data["startDate"] == "2026-09-03T14:00:00+09:00"
    assert data["endDate"] == "2026-09-03T17:30:00+09:00"
    assert data["location"] == {
        "@type": "Place",
        "name": "KISTEP Conference Hall",
        "address": "Eumseong",
    }
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["organizer"] == [
        {"@type": "Organization", "name": "KISTEP full", "alternateName": "KISTEP"}
    ]
    assert data["performer"] == [
        {
            "@type": "Person",
            "name": "Ho Kim </script><script>alert(1)</script>",
            "url": f"http://testserver{speaker.get_absolute_url()}",
            "jobTitle": "Director",
            "affiliation": {"@type": "Organization", "name": "BISTEP"},
        }
    ]


def test_all_day_event_json_ld_uses_dates(client):
    event = EventFactory(
        starts_at=dt.datetime(2019, 8, 29, 0, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2019, 8, 29, 0, 0, tzinfo=SEOUL),
        is_all_day=True,
        online_url="https://example.org/live",
    )

    data = json_ld(client.get(event.get_absolute_url()))

    assert (data["startDate"], data["endDate"]) == ("2019-08-29", "2019-08-29")
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://example.org/live"}
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"


def test_draft_event_is_hidden_from_visitors_and_previewed_by_editors(editor_client):
    event = EventFactory(status=Status.DRAFT)

    assert Client().get(event.get_absolute_url()).status_code == 404
    preview = editor_client.get(event.get_absolute_url())
    assert "Preview: this event is a draft." in text_of(preview)
    assert Event.objects.get(pk=event.pk).hit_count == 0


def test_unknown_event_is_not_found(client):
    assert client.get("/en/events/no-such-event/").status_code == 404


def test_people_page_lists_every_role_across_published_events(client, now):
    speaker = SpeakerFactory(name="Ho Kim", job_title="Director", affiliation="BISTEP")
    old = EventFactory(title="4th colloquium", starts_at=at(-200), ends_at=at(-200, 17))
    new = EventFactory(title="5th colloquium", starts_at=at(-10), ends_at=at(-10, 17))
    draft = EventFactory(title="Secret draft", status=Status.DRAFT)
    PresentationSpeakerFactory(
        speaker=speaker,
        presentation=PresentationFactory(event=new, title="Cases of Busan"),
        affiliation="Strategic planning division, BISTEP",
    )
    PanelistFactory(speaker=speaker, panel=PanelFactory(event=old, title="Round table"))
    PanelFactory(event=new, title="Panel discussion", moderator=speaker)
    RemarkFactory(speaker=speaker, event=old, kind="closing")
    RemarkFactory(speaker=speaker, event=draft)

    response = client.get(speaker.get_absolute_url())
    page = text_of(response)

    assert response.status_code == 200
    assert "Ho Kim Director, BISTEP" in page
    assert page.index("5th colloquium") < page.index("4th colloquium")
    assert "Presentation: Cases of Busan (Director, Strategic planning division, BISTEP)" in page
    assert "Moderator: Panel discussion (Director, BISTEP)" in page
    assert "Panelist: Round table (Director, BISTEP)" in page
    assert "Closing remarks (Director, BISTEP)" in page
    assert "Secret draft" not in page


@pytest.mark.parametrize("item_count", [1, 3])
def test_people_page_query_count_is_fixed(client, django_assert_num_queries, item_count):
    speaker = SpeakerFactory()
    for _ in range(item_count):
        event = EventFactory()
        PresentationSpeakerFactory(speaker=speaker, presentation=PresentationFactory(event=event))
        PanelistFactory(speaker=speaker, panel=PanelFactory(event=event))
        PanelFactory(event=event, moderator=speaker)
        RemarkFactory(speaker=speaker, event=event)

    # The speaker, their three kinds of appearance rows, and the banners of the page.
    with django_assert_num_queries(5):
        response = client.get(speaker.get_absolute_url())

    assert len(response.context["appearances"]) == 4 * item_count


def test_people_page_of_someone_only_in_drafts_is_not_found(editor_client):
    speaker = SpeakerFactory()
    RemarkFactory(speaker=speaker, event=EventFactory(status=Status.DRAFT))

    assert Client().get(speaker.get_absolute_url()).status_code == 404
    assert editor_client.get(speaker.get_absolute_url()).status_code == 200
    assert Client().get("/en/people/nobody/").status_code == 404


def test_photo_download_serves_the_full_size_and_counts(client):
    photo = PhotoFactory(event=EventFactory(slug="colloquium"), position=4)

    response = client.get(photo.download_url)
    body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="colloquium-photo-4.jpg"'
    assert response["Content-Type"] == "image/jpeg"
    with photo.image.open("rb") as handle:
        assert body == handle.read()
    assert Photo.objects.get(pk=photo.pk).download_count == 1


def test_attachment_download_counts(client):
    attachment = EventAttachmentFactory(upload_name="programme.pdf")

    response = client.get(attachment.get_absolute_url())
    b"".join(response.streaming_content)

    assert response["Content-Disposition"] == 'attachment; filename="programme.pdf"'
    attachment.refresh_from_db()
    assert attachment.download_count == 1


def test_slides_download_under_the_event_address(client):
    presentation = PresentationFactory(event=EventFactory(slug="colloquium"), position=1)
    presentation.slides.save("talk.pdf", ContentFile(b"%PDF-1.4 slides"))

    response = client.get(presentation.slides_url)

    assert response["Content-Disposition"] == (
        'attachment; filename="colloquium-presentation-1.pdf"'
    )
    assert b"".join(response.streaming_content) == b"%PDF-1.4 slides"


@pytest.mark.parametrize("kind", ["photo", "attachment"])
def test_files_of_a_draft_event_are_not_served(client, kind):
    event = EventFactory(status=Status.DRAFT)
    item = PhotoFactory(event=event) if kind == "photo" else EventAttachmentFactory(event=event)
    url = item.download_url if kind == "photo" else item.get_absolute_url()

    assert client.get(url).status_code == 404


def test_news_post_links_the_event_it_reports_on(client):
    event = EventFactory(title="The 5th NIS Policy Colloquium", series=SeriesFactory(), edition=5)
    post = PostFactory(event=event)

    page = text_of(client.get(post.get_absolute_url()))

    assert "The event NIS Policy Colloquium · 5th edition The 5th NIS Policy Colloquium" in page
    assert (
        f'href="{event.get_absolute_url()}"' in client.get(post.get_absolute_url()).content.decode()
    )


def test_news_post_hides_a_draft_event(client):
    post = PostFactory(event=EventFactory(title="Secret draft", status=Status.DRAFT))

    assert "Secret draft" not in text_of(client.get(post.get_absolute_url()))


def test_event_link_costs_the_news_post_page_no_query(client, django_assert_num_queries):
    plain = PostFactory()
    linked = PostFactory(event=EventFactory(series=SeriesFactory(), edition=5))
    with CaptureQueriesContext(connection) as baseline:
        client.get(plain.get_absolute_url())

    with django_assert_num_queries(len(baseline.captured_queries)):
        response = client.get(linked.get_absolute_url())

    assert "NIS Policy Colloquium · 5th edition" in text_of(response)


def test_nav_links_the_events(client):
    response = client.get(LIST_URL)

    assert f'<a href="{reverse("events:event-list")}" aria-current="page">Events</a>' in (
        response.content.decode()
    )


def test_korean_list_shows_the_korean_events(client):
    EventFactory(title="English colloquium")
    EventFactory(title="한국어 콜로키움", language="ko")

    english = client.get(LIST_URL)
    korean = client.get("/ko/events/")

    assert titles(english.context["events"]) == ["English colloquium"]
    assert titles(korean.context["events"]) == ["한국어 콜로키움"]


def test_host_logo_is_shown_beside_its_name(client):
    logo = ContentFile(picture_bytes((400, 120), "PNG"), name="kistep.png")
    organization = OrganizationFactory(acronym="KISTEP", name="KISTEP full", logo=logo)
    event = EventFactory()
    EventHostFactory(event=event, organization=organization)

    content = client.get(event.get_absolute_url()).content.decode()

    copy = "/media/" + variant_name(organization.logo.name, 320)
    assert (
        f'<img src="{copy}" srcset="{copy} 320w, {organization.logo.url} 400w" '
        'sizes="6rem" width="400" height="120" alt="" class="event-facts__logo"'
    ) in content


def test_scheduled_event_is_hidden_from_visitors_and_previewed_with_its_time(editor_client):
    event = EventFactory(
        title="Coming colloquium", published_at=dt.datetime(2099, 1, 2, 10, 0, tzinfo=SEOUL)
    )

    hidden = Client().get(event.get_absolute_url())
    preview = text_of(editor_client.get(event.get_absolute_url()))

    assert hidden.status_code == 404
    assert (
        "Preview: this event is scheduled and visitors will see it from 2099-01-02 10:00."
        in preview
    )
    assert "Coming colloquium" in preview
