import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from colloquium.publishing import Status
from events.models import Event, Panel, Panelist, Photo
from tests.factories import (
    SEOUL,
    EventFactory,
    OrganizationFactory,
    PanelFactory,
    PanelistFactory,
    PhotoFactory,
    PresentationFactory,
    PresentationSpeakerFactory,
    SeriesFactory,
    SpeakerFactory,
    gps_photo_bytes,
    picture_bytes,
)

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
    # Labelled as a model field would be, capitalised.
    assert '<label for="id_panels-0-moderator">Moderator:</label>' in content
    assert '<label for="id_panels-0-panelist_list">Panelists:</label>' in content


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
        },
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
    assert [(p.speaker, p.role, p.credentials) for p in panel.panelists.all()] == [
        (suh, "moderator", "President, KBRI"),
        (panelists[2], "panelist", "Director, KISTEP"),
        (panelists[0], "panelist", "Director, KISTEP"),
        (panelists[1], "panelist", "Director, KISTEP"),
    ]
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
    late = PresentationSpeakerFactory(
        presentation=presentation, position=2, speaker=SpeakerFactory(name="Aaron First")
    )
    early = PresentationSpeakerFactory(
        presentation=presentation, position=1, speaker=SpeakerFactory(name="Zoe Last")
    )

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
        "minutes.jpg: Upload a valid JPEG, PNG, GIF or WebP image. The file is not an image or "
        "it is damaged."
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
    PresentationSpeakerFactory(
        speaker=speaker, presentation=PresentationFactory(event=event, title="Strategies")
    )
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
        {
            "app_label": "events",
            "model_name": "presentation",
            "field_name": "speakers",
            "term": "Kim",
        },
    )

    assert [result["text"] for result in response.json()["results"]] == ["Ho Kim"]


def test_editor_searches_organizations_for_hosts(editor_client):
    OrganizationFactory(acronym="BISTEP", name="Busan Innovation Institute")
    OrganizationFactory(acronym="KOTIS", name="Korea Technology Innovation Society")

    response = editor_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "events",
            "model_name": "eventhost",
            "field_name": "organization",
            "term": "busan",
        },
    )

    assert [result["text"] for result in response.json()["results"]] == [
        "BISTEP: Busan Innovation Institute"
    ]


def panel_page_form(panel, rows):
    """What the panel's own page posts: the panel and its rows as (row or None, fields)."""
    data = {
        "event": panel.event.pk,
        "position": "1",
        "title": panel.title,
        "_save": "Save",
        **management("panelists", len(rows), sum(1 for row, _fields in rows if row)),
    }
    for number, (row, fields) in enumerate(rows):
        prefix = f"panelists-{number}"
        data |= {
            f"{prefix}-id": row.pk if row else "",
            f"{prefix}-panel": panel.pk,
            f"{prefix}-role": "panelist",
            f"{prefix}-position": str(number + 1),
            f"{prefix}-speaker": row.speaker.pk if row else "",
            f"{prefix}-job_title": row.job_title if row else "",
            f"{prefix}-affiliation": row.affiliation if row else "",
        }
        data |= {f"{prefix}-{name}": value for name, value in fields.items()}
    return data


def test_panel_page_lets_the_editor_change_how_panelists_are_introduced(editor_client):
    panelist = PanelistFactory(job_title="Director")
    panel = panelist.panel
    form = panel_page_form(
        panel,
        [
            (
                panelist,
                {
                    "job_title": "Prior 1st vice-minister",
                    "affiliation": "Ministry of Science and ICT",
                },
            )
        ],
    )

    response = editor_client.post(f"/admin/events/panel/{panel.pk}/change/", form)

    assert response.status_code == 302
    panelist.refresh_from_db()
    assert panelist.credentials == "Prior 1st vice-minister, Ministry of Science and ICT"


def test_saving_a_panel_page_returns_to_its_event(editor_client):
    panelist = PanelistFactory()
    panel, event = panelist.panel, panelist.panel.event

    changed = editor_client.post(
        f"/admin/events/panel/{panel.pk}/change/", panel_page_form(panel, [(panelist, {})])
    )
    added = editor_client.post(
        "/admin/events/panel/add/",
        {
            "event": event.pk,
            "position": "2",
            "title": "Second panel",
            "_save": "Save",
            **management("panelists"),
        },
    )
    continued = editor_client.post(
        f"/admin/events/panel/{panel.pk}/change/",
        panel_page_form(panel, [(panelist, {})]) | {"_continue": "1"},
    )

    assert changed.status_code == added.status_code == 302
    assert changed["Location"] == added["Location"] == change_url(event)
    assert event.panels.get(title="Second panel")
    assert continued["Location"] == f"/admin/events/panel/{panel.pk}/change/"


def test_panel_page_refuses_a_second_moderator(editor_client):
    panel = PanelFactory(moderator=SpeakerFactory(name="Pann-Ghill Suh"))
    [moderator] = panel.panelists.all()
    two_new = PanelFactory(event=panel.event)

    beside_stored = editor_client.post(
        f"/admin/events/panel/{panel.pk}/change/",
        panel_page_form(
            panel,
            [
                (moderator, {"role": "moderator"}),
                (None, {"role": "moderator", "speaker": SpeakerFactory().pk}),
            ],
        ),
    )
    both_new = editor_client.post(
        f"/admin/events/panel/{two_new.pk}/change/",
        panel_page_form(
            two_new,
            [
                (None, {"role": "moderator", "speaker": SpeakerFactory().pk}),
                (None, {"role": "moderator", "speaker": SpeakerFactory().pk}),
            ],
        ),
    )

    message = "A panel has one moderator. Make the other a panelist."
    assert beside_stored.status_code == both_new.status_code == 200
    assert errors(beside_stored) == errors(both_new) == [message]
    assert list(panel.panelists.all()) == [moderator]
    assert not two_new.panelists.exists()


def test_panel_page_swaps_the_moderator_and_a_panelist_in_one_save(editor_client):
    panel = PanelFactory(moderator=SpeakerFactory(name="Pann-Ghill Suh"))
    PanelistFactory(panel=panel, speaker=SpeakerFactory(name="Seong jin Kim"), position=1)
    moderator, panelist = panel.panelists.all()

    response = editor_client.post(
        f"/admin/events/panel/{panel.pk}/change/",
        panel_page_form(
            panel, [(moderator, {"role": "panelist"}), (panelist, {"role": "moderator"})]
        ),
    )

    assert response.status_code == 302
    assert [(row.role, row.speaker.name) for row in panel.panelists.all()] == [
        ("moderator", "Seong jin Kim"),
        ("panelist", "Pann-Ghill Suh"),
    ]


def panel_inline_form(event, panel, moderator, panelists, **typed):
    """
    The event form with one stored panel, its people posted in the editor's order; the
    moderator's position and affiliation as the form showed them unless `typed`.
    """
    shown = panel.moderators[0] if panel.moderators else Panelist()
    return event_form(
        title=event.title,
        slug=event.slug,
        **management("panels", 1, 1),
        **{
            "panels-0-id": panel.pk,
            "panels-0-event": event.pk,
            "panels-0-position": str(panel.position),
            "panels-0-title": panel.title,
            "panels-0-moderator": moderator.pk if moderator else "",
            "panels-0-moderator_job_title": typed.get("job_title", shown.job_title),
            "panels-0-moderator_affiliation": typed.get("affiliation", shown.affiliation),
            "panels-0-panelist_list": [speaker.pk for speaker in panelists],
        },
    )


def seated(panel):
    return [(row.role, row.speaker.name, row.position) for row in panel.panelists.all()]


def test_panelists_keep_the_editors_order_after_removing_and_re_adding(editor_client):
    event = EventFactory()
    panel = PanelFactory(event=event)
    names = ("Suk-hee Lee", "Seong jin Kim", "Si-yeong Yang", "Jae-Hong Jang")
    rows = [
        PanelistFactory(panel=panel, speaker=SpeakerFactory(name=name), position=number)
        for number, name in enumerate(names, 1)
    ]
    Panelist.objects.filter(pk=rows[1].pk).update(job_title="Head")
    suk_hee, seong_jin, si_yeong, jae_hong = (row.speaker for row in rows)

    # Seong jin Kim removed and chosen again: last, the same people in another order.
    response = editor_client.post(
        change_url(event),
        panel_inline_form(event, panel, None, [suk_hee, si_yeong, jae_hong, seong_jin]),
    )

    assert errors(response) == []
    assert seated(panel) == [
        ("panelist", "Suk-hee Lee", 1),
        ("panelist", "Si-yeong Yang", 2),
        ("panelist", "Jae-Hong Jang", 3),
        ("panelist", "Seong jin Kim", 4),
    ]
    kept = panel.panelists.get(speaker=seong_jin)
    assert (kept.pk, kept.job_title) == (rows[1].pk, "Head")


def test_panelists_keep_the_editors_order_with_newcomers_among_them(editor_client):
    event = EventFactory()
    panel = PanelFactory(event=event, moderator=SpeakerFactory(name="Pann-Ghill Suh"))
    stored = PanelistFactory(panel=panel, speaker=SpeakerFactory(name="Seong jin Kim"), position=1)
    PanelistFactory(panel=panel, speaker=SpeakerFactory(name="Hee-yeon Won"), position=2)
    newcomers = [SpeakerFactory(name=name) for name in ("Suk-hee Lee", "Si-yeong Yang")]
    moderator = panel.moderators[0].speaker

    response = editor_client.post(
        change_url(event),
        panel_inline_form(event, panel, moderator, [*newcomers, stored.speaker]),
    )

    assert errors(response) == []
    assert seated(panel) == [
        ("moderator", "Pann-Ghill Suh", 0),
        ("panelist", "Suk-hee Lee", 1),
        ("panelist", "Si-yeong Yang", 2),
        ("panelist", "Seong jin Kim", 3),
    ]
    assert panel.panelists.get(speaker=stored.speaker).pk == stored.pk


def test_event_form_swaps_the_moderator_and_a_panelist_in_one_save(editor_client):
    event = EventFactory()
    suh = SpeakerFactory(name="Pann-Ghill Suh", job_title="President", affiliation="KBRI")
    kim = SpeakerFactory(name="Seong jin Kim")
    panel = PanelFactory(event=event, moderator=suh)
    PanelistFactory(panel=panel, speaker=kim, job_title="Head", position=1)
    page = editor_client.get(change_url(event))
    panel_form = page.context["inline_admin_formsets"][2].formset.forms[0]
    assert (panel_form["moderator"].value(), panel_form["panelist_list"].value()) == (
        suh.pk,
        [kim.pk],
    )

    response = editor_client.post(change_url(event), panel_inline_form(event, panel, kim, [suh]))

    assert errors(response) == []
    assert seated(panel) == [("moderator", "Seong jin Kim", 0), ("panelist", "Pann-Ghill Suh", 1)]
    # Each keeps how they were introduced: the words shown for Suh do not follow the new moderator.
    assert [row.credentials for row in panel.panelists.all()] == ["Head, KISTEP", "President, KBRI"]


def test_event_form_sets_how_the_moderator_is_introduced(editor_client):
    event = EventFactory()
    suh = SpeakerFactory(name="Pann-Ghill Suh", job_title="President", affiliation="KBRI")
    panel = PanelFactory(event=event, moderator=suh)
    page = editor_client.get(change_url(event))
    panel_form = page.context["inline_admin_formsets"][2].formset.forms[0]
    assert (
        panel_form["moderator_job_title"].value(),
        panel_form["moderator_affiliation"].value(),
    ) == ("President", "KBRI")

    typed = editor_client.post(
        change_url(event),
        panel_inline_form(event, panel, suh, [], job_title="Chair", affiliation=""),
    )
    chair = panel.moderators[0].credentials
    suh.affiliation = "Korea Brain Research Institute"
    suh.save()
    cleared = editor_client.post(
        change_url(event), panel_inline_form(event, panel, suh, [], job_title="", affiliation="")
    )

    assert errors(typed) == errors(cleared) == []
    assert chair == "Chair, KBRI"
    assert panel.moderators[0].credentials == "President, Korea Brain Research Institute"


def test_moderator_listed_among_the_panelists_is_asked_once(editor_client):
    event = EventFactory()
    panel = PanelFactory(event=event)
    suh, kim, yang = (
        SpeakerFactory(name=name) for name in ("Pann-Ghill Suh", "Seong jin Kim", "Si-yeong Yang")
    )

    response = editor_client.post(
        change_url(event), panel_inline_form(event, panel, suh, [yang, suh, kim])
    )

    assert errors(response) == [
        {"panelist_list": ["Pann-Ghill Suh moderates this panel: leave them out of the panelists."]}
    ]
    assert not panel.panelists.exists()
    # The form shown again keeps the list in the order the editor gave it.
    content = response.content.decode()
    select = re.search(r'<select name="panels-0-panelist_list".*?</select>', content, re.S)
    assert re.findall(r"<option [^>]*selected>(.*?)</option>", select.group()) == [
        "Si-yeong Yang",
        "Pann-Ghill Suh",
        "Seong jin Kim",
    ]


def test_visitors_cannot_reach_the_events_admin():
    response = Client().get(ADD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
