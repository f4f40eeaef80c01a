import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from colloquium.publishing import Status
from events.models import Event, Panel, Photo
from tests.factories import (
    EventFactory,
    OrganizationFactory,
    PanelistFactory,
    PhotoFactory,
    PresentationFactory,
    PresentationSpeakerFactory,
    SeriesFactory,
    SpeakerFactory,
    gps_photo_bytes,
    picture_bytes,
)

SEOUL = ZoneInfo("Asia/Seoul")
ADD_URL = "/admin/events/event/add/"
INLINES = ("hosts", "presentations", "panels", "remarks", "photos", "attachments")

pytestmark = pytest.mark.django_db


def change_url(event):
    return f"/admin/events/event/{event.pk}/change/"


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def event_form(**fields):
    """What the editor's browser posts from the event form, with no inline rows."""
    data = {
        "series": "",
        "edition": "",
        "title": "The 5th NIS Policy Colloquium",
        "theme": "Strategies and Challenges",
        "slug": "",
        "starts_at_0": "2019-08-29",
        "starts_at_1": "14:00",
        "ends_at_0": "2019-08-29",
        "ends_at_1": "17:30",
        "venue": "",
        "address": "",
        "online_url": "",
        "registration_url": "",
        "summary": "",
        "body": "<p>Report.</p>",
        "alt_text": "",
        "is_decorative": "",
        "status": Status.PUBLISHED,
        "published_at_0": "2019-08-20",
        "published_at_1": "10:00",
        "language": "en",
        "translation_of": "",
        "_save": "Save",
    }
    for prefix in INLINES:
        data |= management(prefix)
    return data | fields


def errors(response):
    """Every error on an admin form page, the inlines' included."""
    if response.status_code != 200 or "adminform" not in response.context:
        return []
    found = [response.context["adminform"].form.errors]
    for inline in response.context["inline_admin_formsets"]:
        found += [form.errors for form in inline.formset.forms if form.errors]
        found += inline.formset.non_form_errors()
    return [error for error in found if error]


def test_editors_may_manage_events_without_being_superusers(editor):
    permissions = {"add_event", "change_event", "add_panelist", "add_photo", "view_speaker"}

    assert not editor.is_superuser
    assert permissions <= {perm.split(".")[1] for perm in editor.get_all_permissions()}


def test_editor_opens_the_event_form_with_every_inline(editor_client):
    response = editor_client.get(ADD_URL)

    content = response.content.decode()
    assert response.status_code == 200
    for prefix in INLINES:
        assert f'name="{prefix}-TOTAL_FORMS"' in content
    assert 'name="new_photos" multiple' in content
    assert 'name="presentations-0-presenters"' in content
    assert 'name="panels-0-panelist_list"' in content


def test_editor_enters_a_whole_event_in_one_post(editor_client, editor):
    series = SeriesFactory()
    kistep = OrganizationFactory(acronym="KISTEP")
    bistep = OrganizationFactory(acronym="BISTEP")
    lee = SpeakerFactory(name="Jang-Jae Lee", job_title="Director", affiliation="KISTEP")
    jang = SpeakerFactory(name="Jae-Hong Jang", job_title="Director", affiliation="KICOX")
    suh = SpeakerFactory(name="Pann-Ghill Suh", job_title="President", affiliation="KBRI")
    panelists = [SpeakerFactory(name=f"Panelist {n}") for n in range(3)]
    kim = SpeakerFactory(name="Sang-seon Kim", job_title="President", affiliation="")
    form = event_form(
        series=series.pk,
        edition="5",
        **management("hosts", 2),
        **{"hosts-0-position": "1", "hosts-0-organization": kistep.pk, "hosts-0-role": "host"},
        **{"hosts-1-position": "2", "hosts-1-organization": bistep.pk, "hosts-1-role": "co-host"},
        **management("presentations", 1),
        **{
            "presentations-0-position": "1",
            "presentations-0-title": "Strategies and challenges",
            # Two speakers, in the editor's order rather than the database's.
            "presentations-0-presenters": [jang.pk, lee.pk],
            "presentations-0-abstract": "",
        },
        **management("panels", 1),
        **{
            "panels-0-position": "1",
            "panels-0-title": "Panel discussion",
            "panels-0-moderator": suh.pk,
            "panels-0-moderator_job_title": "",
            "panels-0-moderator_affiliation": "",
            "panels-0-panelist_list": [panelists[2].pk, panelists[0].pk, panelists[1].pk],
        },
        **management("remarks", 1),
        **{
            "remarks-0-position": "1",
            "remarks-0-kind": "remarks",
            "remarks-0-speaker": kim.pk,
            "remarks-0-job_title": "",
            "remarks-0-affiliation": "",
        },  # fmt: skip
        **management("attachments", 1),
        **{
            "attachments-0-position": "1",
            "attachments-0-file": SimpleUploadedFile("programme.pdf", b"%PDF-1.4\n" * 50),
            "attachments-0-original_name": "",
        },
        new_photos=[
            SimpleUploadedFile("one.jpg", picture_bytes((800, 600))),
            SimpleUploadedFile("two.jpg", gps_photo_bytes()),
        ],
    )

    response = editor_client.post(ADD_URL, form)

    assert errors(response) == []
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.slug == "the-5th-nis-policy-colloquium"
    assert event.series_label == "5th NIS Policy Colloquium"
    assert event.created_by == editor
    assert event.starts_at == dt.datetime(2019, 8, 29, 14, 0, tzinfo=SEOUL)
    assert [(h.organization.acronym, h.role) for h in event.hosts.all()] == [
        ("KISTEP", "host"),
        ("BISTEP", "co-host"),
    ]
    presentation = event.presentations.get()
    assert [(r.speaker.name, r.credentials) for r in presentation.speaker_roles.all()] == [
        ("Jae-Hong Jang", "Director, KICOX"),
        ("Jang-Jae Lee", "Director, KISTEP"),
    ]
    panel = event.panels.get()
    assert (panel.moderator, panel.moderator_credentials) == (suh, "President, KBRI")
    assert [p.speaker for p in panel.panelists.all()] == [panelists[2], panelists[0], panelists[1]]
    assert [(r.speaker, r.job_title) for r in event.remarks.all()] == [(kim, "President")]
    assert event.attachments.get().original_name == "programme.pdf"
    photos = list(event.photos.all())
    assert [(p.position, p.width, p.height) for p in photos] == [(1, 800, 600), (2, 40, 60)]


def test_editing_the_programme_keeps_shown_positions_and_reorders(editor_client):
    event = EventFactory()
    presentation = PresentationFactory(event=event, position=1, title="Talk")
    first = PresentationSpeakerFactory(presentation=presentation, position=1, job_title="Head")
    second = PresentationSpeakerFactory(presentation=presentation, position=2)
    newcomer = SpeakerFactory()
    page = editor_client.get(change_url(event))
    presenters = page.context["inline_admin_formsets"][1].formset.forms[0]["presenters"]
    assert presenters.value() == [first.speaker.pk, second.speaker.pk]
    form = event_form(
        title=event.title,
        slug=event.slug,
        **management("presentations", 1, 1),
        **{
            "presentations-0-id": presentation.pk,
            "presentations-0-event": event.pk,
            "presentations-0-position": "1",
            "presentations-0-title": "Talk",
            "presentations-0-presenters": [newcomer.pk, first.speaker.pk],
            "presentations-0-abstract": "",
        },
    )

    response = editor_client.post(change_url(event), form)

    assert errors(response) == []
    roles = list(presentation.speaker_roles.all())
    assert [(r.speaker, r.position) for r in roles] == [(newcomer, 1), (first.speaker, 2)]
    assert roles[1].job_title == "Head"


def test_ordered_speakers_render_in_the_saved_order(editor_client):
    presentation = PresentationFactory()
    late = PresentationSpeakerFactory(presentation=presentation, position=2,
                                      speaker=SpeakerFactory(name="Aaron First"))  # fmt: skip
    early = PresentationSpeakerFactory(presentation=presentation, position=1,
                                       speaker=SpeakerFactory(name="Zoe Last"))  # fmt: skip

    content = editor_client.get(change_url(presentation.event)).content.decode()

    select = re.search(r'<select name="presentations-0-presenters".*?</select>', content, re.S)
    assert re.findall(r'<option value="(\d+)" selected>', select.group()) == [
        str(early.speaker.pk),
        str(late.speaker.pk),
    ]


def test_changing_the_time_in_the_admin_bumps_the_calendar_revision(editor_client):
    event = EventFactory(
        starts_at=dt.datetime(2026, 9, 3, 14, 0, tzinfo=SEOUL),
        ends_at=dt.datetime(2026, 9, 3, 17, 0, tzinfo=SEOUL),
    )
    unchanged = event_form(
        title=event.title,
        slug=event.slug,
        **{"starts_at_0": "2026-09-03", "starts_at_1": "14:00"},
        **{"ends_at_0": "2026-09-03", "ends_at_1": "17:00"},
    )

    editor_client.post(change_url(event), unchanged | {"summary": "New words"})
    assert Event.objects.get(pk=event.pk).sequence == 0
    editor_client.post(change_url(event), unchanged | {"starts_at_1": "15:00"})
    assert Event.objects.get(pk=event.pk).sequence == 1


def test_event_ending_before_it_starts_is_refused(editor_client):
    response = editor_client.post(ADD_URL, event_form(ends_at_1="09:00"))

    assert response.status_code == 200
    assert "The event must end after it starts." in response.content.decode()
    assert not Event.objects.exists()


def test_a_bad_file_among_new_photos_is_named_and_nothing_is_saved(editor_client):
    form = event_form(
        new_photos=[
            SimpleUploadedFile("good.jpg", picture_bytes()),
            SimpleUploadedFile("minutes.jpg", b"Minutes of the meeting"),
        ]
    )

    response = editor_client.post(ADD_URL, form)

    assert response.context["adminform"].form.errors["new_photos"] == [
        "minutes.jpg: Upload a valid image. The file is not an image or it is damaged."
    ]
    assert not Event.objects.exists()
    assert not Photo.objects.exists()


def test_photo_inline_asks_for_alt_text_when_there_is_no_caption(editor_client):
    event = EventFactory()
    photo = PhotoFactory(event=event, caption="", alt_text="")
    form = event_form(
        title=event.title,
        slug=event.slug,
        **management("photos", 1, 1),
        **{
            "photos-0-id": photo.pk,
            "photos-0-event": event.pk,
            "photos-0-position": "1",
            "photos-0-caption": "",
            "photos-0-alt_text": "",
            "photos-0-credit": "",
        },
    )

    response = editor_client.post(change_url(event), form)

    assert errors(response) == [
        {"alt_text": ["Describe the image, or tick Decorative if it adds nothing to the page."]}
    ]


def test_speaker_admin_shows_every_appearance(editor_client):
    speaker = SpeakerFactory()
    event = EventFactory(title="The 5th NIS Policy Colloquium", status=Status.DRAFT)
    PresentationSpeakerFactory(speaker=speaker, presentation=PresentationFactory(event=event,
                               title="Strategies"))  # fmt: skip
    PanelistFactory(speaker=speaker, panel=Panel.objects.create(event=event, title="Panel"))

    response = editor_client.get(f"/admin/events/speaker/{speaker.pk}/change/")

    content = response.content.decode()
    assert f'<a href="{change_url(event)}">The 5th NIS Policy Colloquium</a>' in content
    assert "Presentation: Strategies" in content
    assert "Panelist: Panel" in content


def test_editor_searches_speakers_for_the_ordered_speaker_list(editor_client):
    SpeakerFactory(name="Ho Kim")
    SpeakerFactory(name="Jae-Hong Jang")

    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "events", "model_name": "presentation", "field_name": "speakers",
         "term": "Kim"},
    )  # fmt: skip

    assert [result["text"] for result in response.json()["results"]] == ["Ho Kim"]


def test_editor_searches_organizations_for_hosts(editor_client):
    OrganizationFactory(acronym="BISTEP", name="Busan Innovation Institute")
    OrganizationFactory(acronym="KOTIS", name="Korea Technology Innovation Society")

    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "events", "model_name": "eventhost", "field_name": "organization",
         "term": "busan"},
    )  # fmt: skip

    assert [result["text"] for result in response.json()["results"]] == [
        "BISTEP: Busan Innovation Institute"
    ]


def test_panel_page_lets_the_editor_change_how_panelists_are_introduced(editor_client):
    panelist = PanelistFactory(job_title="Director")
    panel = panelist.panel
    form = {
        "event": panel.event.pk,
        "position": "1",
        "title": "Panel discussion",
        "moderator": "",
        "moderator_job_title": "",
        "moderator_affiliation": "",
        **management("panelists", 1, 1),
        "panelists-0-id": panelist.pk,
        "panelists-0-panel": panel.pk,
        "panelists-0-position": "1",
        "panelists-0-speaker": panelist.speaker.pk,
        "panelists-0-job_title": "Prior 1st vice-minister",
        "panelists-0-affiliation": "Ministry of Science and ICT",
    }

    response = editor_client.post(f"/admin/events/panel/{panel.pk}/change/", form)

    assert response.status_code == 302
    panelist.refresh_from_db()
    assert panelist.credentials == "Prior 1st vice-minister, Ministry of Science and ICT"


def test_visitors_cannot_reach_the_events_admin():
    response = Client().get(ADD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
