import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from colloquium.publishing import Status
from events.models import Event, Organization, Panel, Panelist, Remark, Speaker
from tests.factories import (
    NOW,
    SEOUL,
    EventFactory,
    EventHostFactory,
    ModeratorFactory,
    OrganizationFactory,
    PanelFactory,
    PanelistFactory,
    PhotoFactory,
    PresentationFactory,
    PresentationSpeakerFactory,
    RemarkFactory,
    SeriesFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def at(day_offset, hour=14, minute=0):
    return (NOW + dt.timedelta(days=day_offset)).replace(hour=hour, minute=minute)


def test_published_excludes_drafts_and_scheduled_events(now):
    event = EventFactory(published_at=now - dt.timedelta(days=1))
    EventFactory(status=Status.DRAFT)
    EventFactory(published_at=now + dt.timedelta(minutes=1))

    assert list(Event.objects.published()) == [event]


def test_upcoming_is_soonest_first_and_keeps_an_event_under_way(now):
    later = EventFactory(starts_at=at(10), ends_at=at(10, 17))
    soon = EventFactory(starts_at=at(1), ends_at=at(1, 17))
    under_way = EventFactory(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2)
    )
    EventFactory(starts_at=at(-3), ends_at=at(-3, 17))

    assert list(Event.objects.upcoming()) == [under_way, soon, later]


def test_past_is_latest_first(now):
    EventFactory(starts_at=at(2), ends_at=at(2, 17))
    old = EventFactory(starts_at=at(-300), ends_at=at(-300, 17))
    recent = EventFactory(starts_at=at(-2), ends_at=at(-2, 17))

    assert list(Event.objects.past()) == [recent, old]


def test_list_order_puts_upcoming_soonest_first_then_past_latest_first(now):
    past_old = EventFactory(starts_at=at(-30), ends_at=at(-30, 17))
    upcoming_late = EventFactory(starts_at=at(30), ends_at=at(30, 17))
    past_recent = EventFactory(starts_at=at(-1), ends_at=at(-1, 17))
    upcoming_soon = EventFactory(starts_at=at(1), ends_at=at(1, 17))

    assert list(Event.objects.in_list_order()) == [
        upcoming_soon,
        upcoming_late,
        past_recent,
        past_old,
    ]


def test_for_calendar_keeps_upcoming_and_past_year_events(now):
    upcoming = EventFactory(starts_at=at(5), ends_at=at(5, 17))
    last_month = EventFactory(starts_at=at(-30), ends_at=at(-30, 17))
    EventFactory(starts_at=at(-400), ends_at=at(-400, 17))

    assert list(Event.objects.for_calendar()) == [last_month, upcoming]


@pytest.mark.parametrize(
    ("edition", "label"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (5, "5th"), (11, "11th"), (22, "22nd")],
)
def test_edition_is_shown_as_an_ordinal(edition, label):
    event = EventFactory.build(series=SeriesFactory(), edition=edition)

    assert event.edition_label == label
    assert event.series_label == f"{label} NIS Policy Colloquium"


def test_event_without_series_has_no_series_label():
    assert EventFactory.build(edition=5).series_label == ""


def test_local_times_and_days_are_in_seoul():
    event = EventFactory.build(
        starts_at=dt.datetime(2019, 8, 28, 15, 0, tzinfo=dt.UTC),  # 29 Aug, 00:00 in Seoul
        ends_at=dt.datetime(2019, 8, 29, 14, 59, tzinfo=dt.UTC),
    )

    assert event.local_starts_at == dt.datetime(2019, 8, 29, 0, 0, tzinfo=SEOUL)
    assert event.starts_on == dt.date(2019, 8, 29)
    assert event.ends_on == dt.date(2019, 8, 29)
    assert not event.is_multi_day


def test_slug_is_made_from_the_title_and_stays_unique():
    first = EventFactory(title="The 5th NIS Policy Colloquium")
    second = EventFactory(title="The 5th NIS Policy Colloquium")

    assert first.slug == "the-5th-nis-policy-colloquium"
    assert second.slug == "the-5th-nis-policy-colloquium-2"


def test_slug_feed_is_refused_because_the_calendar_feed_uses_it():
    event = EventFactory.build(slug="feed")

    with pytest.raises(ValidationError) as error:
        event.full_clean()

    assert "slug" in error.value.message_dict


def test_event_cannot_end_before_it_starts():
    event = EventFactory.build(starts_at=at(1, 14), ends_at=at(1, 13))

    with pytest.raises(ValidationError) as error:
        event.full_clean()

    assert error.value.messages == ["The event must end after it starts."]


def test_series_edition_is_unique():
    series = SeriesFactory()
    EventFactory(series=series, edition=5)

    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(series=series, edition=5)


def test_sequence_grows_when_the_time_changes_and_not_for_the_summary():
    event = EventFactory()
    assert event.sequence == 0

    event = Event.objects.get(pk=event.pk)
    event.summary = "New words."
    event.save()
    assert Event.objects.get(pk=event.pk).sequence == 0

    event = Event.objects.get(pk=event.pk)
    event.starts_at += dt.timedelta(hours=1)
    event.ends_at += dt.timedelta(hours=1)
    event.save()
    assert Event.objects.get(pk=event.pk).sequence == 1

    event = Event.objects.get(pk=event.pk)
    event.venue = "Another hall"
    event.save(update_fields=["venue"])
    assert Event.objects.get(pk=event.pk).sequence == 2


def test_uid_is_unique_per_event_and_kept():
    first, second = EventFactory(), EventFactory()
    uid = first.uid

    first.title = "Renamed"
    first.save()

    assert Event.objects.get(pk=first.pk).uid == uid
    assert first.uid != second.uid


def test_hosts_are_grouped_by_role_in_role_order():
    event = EventFactory()
    sponsor = EventHostFactory(event=event, role="sponsor", position=0)
    host = EventHostFactory(event=event, role="host", position=1)
    co_host = EventHostFactory(event=event, role="co-host", position=2)

    assert [(str(heading), hosts) for heading, hosts in event.hosts_by_role] == [
        ("Hosted by", [host]),
        ("Co-hosted by", [co_host]),
        ("Sponsored by", [sponsor]),
    ]


def test_presentations_and_their_speakers_are_in_position_order():
    event = EventFactory()
    second = PresentationFactory(event=event, position=2)
    first = PresentationFactory(event=event, position=1)
    late = PresentationSpeakerFactory(presentation=first, position=2)
    early = PresentationSpeakerFactory(presentation=first, position=1)

    assert list(event.presentations.all()) == [first, second]
    assert list(first.speaker_roles.all()) == [early, late]


def test_panelists_render_in_position_order():
    panel = PanelFactory()
    third = PanelistFactory(panel=panel, position=3)
    first = PanelistFactory(panel=panel, position=1)
    second = PanelistFactory(panel=panel, position=2)

    assert list(panel.panelists.all()) == [first, second, third]


def test_a_speaker_sits_on_a_panel_once():
    panelist = PanelistFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        PanelistFactory(panel=panelist.panel, speaker=panelist.speaker)


def test_appearance_keeps_the_position_shown_at_the_event():
    speaker = SpeakerFactory(
        job_title="Director", affiliation="Strategic planning division, BISTEP"
    )
    panelist = PanelistFactory(speaker=speaker)

    speaker.job_title = "President"
    speaker.save()
    panelist.refresh_from_db()

    assert panelist.job_title == "Director"
    assert panelist.credentials == "Director, Strategic planning division, BISTEP"


def test_appearance_shows_its_own_position_when_given():
    role = PresentationSpeakerFactory(
        speaker=SpeakerFactory(job_title="President"), job_title="Head", affiliation="KISTEP"
    )

    assert role.credentials == "Head, KISTEP"


def test_moderator_position_defaults_from_the_speaker():
    moderator = SpeakerFactory(job_title="President", affiliation="Korea Brain Research Institute")

    panel = PanelFactory(moderator=moderator)

    [row] = panel.moderators
    assert row.speaker == moderator
    assert row.credentials == "President, Korea Brain Research Institute"


def test_credentials_fall_back_to_the_speakers_own_where_blank():
    speaker = SpeakerFactory(job_title="President", affiliation="KBRI")
    panelist = PanelistFactory(speaker=speaker, job_title="Head", affiliation="")
    # Rows written past save() (a bulk load, an update) may leave both blank.
    Panelist.objects.filter(pk=panelist.pk).update(affiliation="")
    remark = RemarkFactory(speaker=speaker)
    Remark.objects.filter(pk=remark.pk).update(job_title="", affiliation="")
    nobody = SpeakerFactory(job_title="", affiliation="")

    assert Panelist.objects.get(pk=panelist.pk).credentials == "Head, KBRI"
    assert Remark.objects.get(pk=remark.pk).credentials == "President, KBRI"
    assert PanelistFactory(speaker=nobody).credentials == ""
    assert speaker.credentials == "President, KBRI"


def test_a_panel_has_at_most_one_moderator():
    panel = PanelFactory(moderator=SpeakerFactory())

    with pytest.raises(IntegrityError), transaction.atomic():
        ModeratorFactory(panel=panel)
    second = ModeratorFactory.build(panel=panel, speaker=SpeakerFactory())
    with pytest.raises(ValidationError) as error:
        second.full_clean()

    assert error.value.messages == ["A panel has one moderator. Make the other a panelist."]
    assert ModeratorFactory(panel=PanelFactory()).role == "moderator"  # one per panel is fine


def test_moderator_comes_first_whatever_the_positions():
    panel = PanelFactory()
    first = PanelistFactory(panel=panel, position=1)
    moderator = ModeratorFactory(panel=panel, position=9)
    second = PanelistFactory(panel=panel, position=2)

    assert list(panel.panelists.all()) == [moderator, first, second]
    assert (panel.moderators, panel.discussants) == ([moderator], [first, second])


def test_participants_are_in_programme_order_and_once_each_on_request():
    event = EventFactory()
    ho, suh, kim, lee = (SpeakerFactory(name=name) for name in ("Ho", "Suh", "Kim", "Lee"))
    second_talk = PresentationFactory(event=event, position=2)
    first_talk = PresentationFactory(event=event, position=1)
    talk_two = PresentationSpeakerFactory(presentation=second_talk, speaker=kim)
    talk_one = PresentationSpeakerFactory(presentation=first_talk, speaker=ho)
    panel = PanelFactory(event=event)
    panelist = PanelistFactory(panel=panel, speaker=ho, position=1)
    moderator = ModeratorFactory(panel=panel, speaker=suh, position=5)
    remark = RemarkFactory(event=event, speaker=lee)

    assert event.participants() == [talk_one, talk_two, moderator, panelist, remark]
    assert event.participants(each_person_once=True) == [talk_one, talk_two, moderator, remark]


def test_speaker_slug_is_made_from_the_name_and_stays_unique():
    first = SpeakerFactory(name="Ho Kim")
    second = SpeakerFactory(name="Ho Kim")

    assert (first.slug, second.slug) == ("ho-kim", "ho-kim-2")
    assert first.get_absolute_url() == "/en/people/ho-kim/"


def test_speaker_appearances_cover_every_role_in_published_events_latest_first(now):
    speaker = SpeakerFactory(name="Pann-Ghill Suh")
    old = EventFactory(title="Old", starts_at=at(-100), ends_at=at(-100, 17))
    new = EventFactory(title="New", starts_at=at(-10), ends_at=at(-10, 17))
    draft = EventFactory(title="Draft", status=Status.DRAFT)
    PresentationSpeakerFactory(
        speaker=speaker, presentation=PresentationFactory(event=old, title="Strategies")
    )
    PanelFactory(event=new, moderator=speaker, title="Panel discussion")
    PanelistFactory(speaker=speaker, panel=PanelFactory(event=old, title="Round table"))
    RemarkFactory(speaker=speaker, event=new, kind="closing")
    RemarkFactory(speaker=speaker, event=draft)

    rows = speaker.published_appearances()

    assert [(row.event.title, str(row.part), row.subject) for row in rows] == [
        ("New", "Moderator", "Panel discussion"),
        ("New", "Closing remarks", ""),
        ("Old", "Presentation", "Strategies"),
        ("Old", "Panelist", "Round table"),
    ]


def test_speakers_in_use_cannot_be_deleted():
    panelist = PanelistFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Speaker.objects.filter(pk=panelist.speaker.pk).delete()


def test_deleting_an_event_deletes_its_programme_but_keeps_people_and_organizations():
    event = EventFactory()
    EventHostFactory(event=event)
    PanelistFactory(panel=PanelFactory(event=event))
    PhotoFactory(event=event)

    event.delete()

    assert Panel.objects.count() == 0
    assert Speaker.objects.count() == 1
    assert Organization.objects.count() == 1


def test_photo_takes_its_caption_as_alt_text_when_left_blank():
    photo = PhotoFactory.build(event=EventFactory(), caption="Panel discussion", alt_text="")

    photo.full_clean()

    assert photo.alt_text == "Panel discussion"


def test_photo_without_caption_or_alt_text_asks_for_a_description():
    photo = PhotoFactory.build(event=EventFactory(), caption="", alt_text="")

    with pytest.raises(ValidationError) as error:
        photo.full_clean()

    assert "alt_text" in error.value.message_dict


def test_str_reads_well_in_the_admin():
    speaker = SpeakerFactory.build(name="Seong jin Kim")
    panel = Panel(title="Panel discussion")

    assert str(PanelistFactory.build(panel=panel, speaker=speaker)) == (
        "Seong jin Kim on Panel discussion"
    )
    assert str(OrganizationFactory.build(acronym="KISTEP", name="Korea Institute")) == (
        "KISTEP: Korea Institute"
    )


@pytest.mark.parametrize(("edition", "label"), [(1, "제1회"), (5, "제5회"), (12, "제12회")])
def test_edition_is_counted_the_korean_way_in_korean(edition, label):
    event = EventFactory.build(series=SeriesFactory(), edition=edition)

    with translation.override("ko"):
        assert event.edition_label == label
