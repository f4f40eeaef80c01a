"""
Revision history: every admin save of a post or an event is a version with its inlines; editors
read who changed what when, compare two versions and restore one, with counters and files kept.
"""

import io
import re

import pytest
import reversion
from django import forms as django_forms
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models.fields.files import FieldFile
from reversion.models import Version

from colloquium.revisions import compare, file_referenced_by_revision, inline_diff
from events.models import Event, Panelist, Photo, Presentation
from news.models import Attachment, Post
from tests.factories import (
    AttachmentFactory,
    EditorFactory,
    EventAttachmentFactory,
    EventFactory,
    PanelFactory,
    PanelistFactory,
    PhotoFactory,
    PostFactory,
    PresentationFactory,
    PresentationSpeakerFactory,
    RemarkFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db


def form_data(response):
    """What the browser posts back from an admin change form page as it was rendered."""
    forms = [response.context["adminform"].form]
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        forms.append(management)
        forms += list(formset.formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if field.disabled or isinstance(value, ContentFile | FieldFile):
                continue
            if isinstance(field, django_forms.SplitDateTimeField) and value:
                values = field.widget.decompress(value)
                data[f"{bound.html_name}_0"] = values[0].isoformat()
                data[f"{bound.html_name}_1"] = values[1].strftime("%H:%M:%S")
                continue
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
                continue
            if isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
                continue
            if value is None:
                data[bound.html_name] = ""
                continue
            data[bound.html_name] = str(getattr(value, "pk", value))
    data["_save"] = "Save"
    return data


def save_in_admin(client, url, **changes):
    """Opens the admin page at `url`, changes some fields and saves it, as an editor does."""
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page) | changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context and [
        form.errors for form in [response.context["adminform"].form]
    ]
    return response


def post_change_url(post):
    return f"/admin/news/post/{post.pk}/change/"


def event_change_url(event):
    return f"/admin/events/event/{event.pk}/change/"


def versions_of(item):
    return list(Version.objects.get_for_object(item).order_by("pk"))


def restore(client, item, version):
    opts = item._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/{item.pk}/history/{version.pk}/"
    return save_in_admin(client, url)


def test_each_admin_save_of_a_post_is_a_version_with_its_attachments(editor_client, editor):
    post = PostFactory(title="First title")
    AttachmentFactory(post=post, original_name="report.pdf")

    save_in_admin(editor_client, post_change_url(post), title="Second title")

    [version] = versions_of(post)
    assert version.revision.user == editor
    assert version.field_dict["title"] == "Second title"
    rows = version.revision.version_set.all()
    assert sorted(row.content_type.model for row in rows) == ["attachment", "post"]


def test_restoring_a_post_brings_back_its_text_and_attachments_and_keeps_counters(
    editor_client,
):
    post = PostFactory(title="First title", body="<p>The first words.</p>")
    kept = AttachmentFactory(post=post, original_name="report.pdf")
    save_in_admin(editor_client, post_change_url(post))  # version 1
    first = versions_of(post)[0]

    # Version 2: a new title and body, the file renamed, a second file added.
    AttachmentFactory(post=post, original_name="added-later.pdf")
    save_in_admin(
        editor_client,
        post_change_url(post),
        title="Second title",
        body="<p>Other words.</p>",
        **{"attachments-0-original_name": "renamed.pdf"},
    )
    assert Attachment.objects.filter(post=post).count() == 2
    # Visitors read and download in between.
    for _ in range(3):
        Post.objects.get(pk=post.pk).record_hit()
        Attachment.objects.get(pk=kept.pk).record_download()

    restore(editor_client, post, first)

    post.refresh_from_db()
    assert (post.title, post.body, post.body_text) == (
        "First title",
        "<p>The first words.</p>",
        "The first words.",
    )
    assert list(post.attachments.values_list("pk", "original_name", "file", "download_count")) == [
        (kept.pk, "report.pdf", kept.file.name, 3)
    ]
    assert post.hit_count == 3
    assert post.attachments.get().file.storage.exists(kept.file.name)


def full_event():
    event = EventFactory(title="The 5th colloquium", venue="Hall A")
    talk = PresentationFactory(event=event, title="Opening talk", position=1)
    first_speaker = SpeakerFactory(name="Ho Kim")
    PresentationSpeakerFactory(presentation=talk, speaker=first_speaker, position=1)
    panel = PanelFactory(event=event, moderator=SpeakerFactory(name="Moderator Lee"))
    PanelistFactory(panel=panel, speaker=SpeakerFactory(name="Panelist Park"), position=1)
    RemarkFactory(event=event, speaker=first_speaker)
    photo = PhotoFactory(event=event, caption="Panel discussion")
    attachment = EventAttachmentFactory(event=event, original_name="programme.pdf")
    return event, talk, panel, photo, attachment


def test_an_events_version_holds_its_whole_page():
    event, *_ = full_event()
    with reversion.create_revision():
        reversion.add_to_revision(event)

    [version] = versions_of(event)
    models = sorted(row.content_type.model for row in version.revision.version_set.all())
    assert models == [
        "event",
        "eventattachment",
        "panel",
        "panelist",
        "panelist",
        "photo",
        "presentation",
        "presentationspeaker",
        "remark",
    ]


def test_restoring_an_event_brings_back_programme_panel_photos_and_keeps_counters(
    editor_client,
):
    event, talk, panel, photo, attachment = full_event()
    save_in_admin(editor_client, event_change_url(event))
    first = versions_of(event)[0]
    panelist_rows = sorted(panel.panelists.values_list("pk", "speaker__name", "role"))

    # Version 2, saved elsewhere: the talk renamed, a panelist gone, the caption changed.
    with reversion.create_revision():
        Presentation.objects.filter(pk=talk.pk).update(title="Renamed talk")
        Panelist.objects.filter(panel=panel, role=Panelist.Role.PANELIST).delete()
        Photo.objects.filter(pk=photo.pk).update(caption="Another caption")
        Event.objects.filter(pk=event.pk).update(venue="Hall B")
        reversion.add_to_revision(Event.objects.get(pk=event.pk))
    for _ in range(2):
        Event.objects.get(pk=event.pk).record_hit()
        Photo.objects.get(pk=photo.pk).record_download()
        Presentation.objects.get(pk=talk.pk).record_download()
        type(attachment).objects.get(pk=attachment.pk).record_download()

    restore(editor_client, event, first)

    event.refresh_from_db()
    assert (event.venue, event.hit_count) == ("Hall A", 2)
    assert list(event.presentations.values_list("title", "download_count")) == [("Opening talk", 2)]
    assert talk.speaker_roles.get().speaker.name == "Ho Kim"
    assert sorted(panel.panelists.values_list("pk", "speaker__name", "role")) == panelist_rows
    assert list(event.photos.values_list("caption", "image", "download_count")) == [
        ("Panel discussion", photo.image.name, 2)
    ]
    assert list(event.attachments.values_list("original_name", "download_count")) == [
        ("programme.pdf", 2)
    ]


def test_a_panel_saved_on_its_own_page_is_a_version_of_its_event(editor_client):
    event, _talk, panel, *_ = full_event()

    save_in_admin(editor_client, f"/admin/events/panel/{panel.pk}/change/", title="Round table")

    [version] = versions_of(event)
    assert version.revision.version_set.get(object_id=str(panel.pk), content_type__model="panel")
    assert Version.objects.get_for_object(panel).get().field_dict["title"] == "Round table"


def test_history_lists_who_saved_each_version_and_when(editor_client, editor):
    post = PostFactory(title="First title")
    save_in_admin(editor_client, post_change_url(post), title="Second title")
    other = EditorFactory(first_name="Ji-ho", last_name="Choi")
    editor_client.force_login(other)
    save_in_admin(editor_client, post_change_url(post), title="Third title")

    page = editor_client.get(f"/admin/news/post/{post.pk}/history/").content.decode()

    rows = re.findall(r"<tr>\s*<td><input type=\"radio\".*?</tr>", page, re.S)
    assert len(rows) == 2
    assert f"{other.username} (Ji-ho Choi)" in rows[0]
    assert f"{editor.username} (Min-ji Park)" in rows[1]
    assert "Changed Title" in rows[0]
    assert "Compare the chosen versions" in page


def test_compare_shows_changed_fields_and_inline_rows(editor_client):
    post = PostFactory(title="The first title", body="<p>Old words here.</p>")
    AttachmentFactory(post=post, original_name="report.pdf")
    save_in_admin(editor_client, post_change_url(post))
    AttachmentFactory(post=post, original_name="annex.hwp")
    save_in_admin(
        editor_client,
        post_change_url(post),
        title="The second title",
        body="<p>New words here.</p>",
        **{"attachments-0-original_name": "report-v2.pdf"},
    )
    old, new = versions_of(post)

    response = editor_client.get(
        f"/admin/news/post/{post.pk}/history/compare/", {"old": new.pk, "new": old.pk}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The <del>first</del><ins>second</ins> title" in page
    assert "&lt;p&gt;<del>Old</del><ins>New</ins> words here.&lt;/p&gt;" in page
    assert "Attachment: annex.hwp\n      (added)" in page
    assert "<del>report.pdf</del><ins>report-v2.pdf</ins>" in page
    # What visitors did is not a change of the post.
    assert "Hits" not in page


def test_compare_lists_nothing_but_the_differences():
    post = PostFactory(title="Same")
    with reversion.create_revision():
        reversion.add_to_revision(post)
    Post.objects.filter(pk=post.pk).update(writer="Another writer")
    with reversion.create_revision():
        reversion.add_to_revision(Post.objects.get(pk=post.pk))
    old, new = versions_of(post)

    assert compare(old, new) == [
        {
            "model": "Post",
            "object": "Same",
            "state": "changed",
            "changes": [
                (
                    "Writer",
                    "Yeory Lim",
                    "Another writer",
                    inline_diff("Yeory Lim", "Another writer"),
                )
            ],
        }
    ]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("old=abc&new=1", 404),
        ("old=&new=", 404),
        ("old=99999999999999999999999&new=1", 404),
        ("old=1%00&new=2", 400),  # refused at the request's edge (colloquium.security)
    ],
)
def test_compare_with_bad_version_numbers_is_not_an_error(editor_client, query, status):
    post = PostFactory()
    save_in_admin(editor_client, post_change_url(post))

    response = editor_client.get(f"/admin/news/post/{post.pk}/history/compare/?{query}")

    assert response.status_code == status


def test_compare_with_another_items_version_is_404(editor_client):
    post, other = PostFactory(), PostFactory()
    save_in_admin(editor_client, post_change_url(post))
    save_in_admin(editor_client, post_change_url(other))
    [mine], [theirs] = versions_of(post), versions_of(other)

    response = editor_client.get(
        f"/admin/news/post/{post.pk}/history/compare/", {"old": mine.pk, "new": theirs.pk}
    )

    assert response.status_code == 404


def test_a_version_of_another_model_is_not_restored_through_this_one(editor_client):
    event = EventFactory()
    post = PostFactory(pk=event.pk)
    save_in_admin(editor_client, event_change_url(event))
    [event_version] = versions_of(event)

    response = editor_client.get(f"/admin/news/post/{post.pk}/history/{event_version.pk}/")

    assert response.status_code == 404


def test_history_compare_and_restore_read_korean(editor_client):
    post = PostFactory(title="First")
    save_in_admin(editor_client, post_change_url(post))
    save_in_admin(editor_client, post_change_url(post), title="Second")
    old, new = versions_of(post)
    korean = {"accept-language": "ko"}

    history = editor_client.get(f"/admin/news/post/{post.pk}/history/", headers=korean)
    compared = editor_client.get(
        f"/admin/news/post/{post.pk}/history/compare/",
        {"old": old.pk, "new": new.pk},
        headers=korean,
    )
    form = editor_client.get(f"/admin/news/post/{post.pk}/history/{old.pk}/", headers=korean)

    assert "선택한 두 버전 비교" in history.content.decode()
    assert "이전 버전" in compared.content.decode()
    assert "저장하면 이 버전으로 복원됩니다" in form.content.decode()


def test_reversions_recover_pages_are_off_the_trash_replaces_them(editor_client):
    assert editor_client.get("/admin/news/post/recover/").status_code == 404


def test_file_referenced_by_revision_finds_stored_names_hangul_included():
    post = PostFactory()
    attachment = AttachmentFactory(post=post, upload_name="붙임1.pdf")
    Attachment.objects.filter(pk=attachment.pk).update(file="attachments/2026/붙임1_보고서.pdf")
    with reversion.create_revision():
        reversion.add_to_revision(Post.objects.get(pk=post.pk))

    assert file_referenced_by_revision("attachments/2026/붙임1_보고서.pdf")
    assert not file_referenced_by_revision("attachments/2026/붙임1.pdf")
    assert not file_referenced_by_revision("")


def test_restoring_an_earlier_place_raises_the_calendar_sequence(editor_client):
    event = EventFactory(venue="Hall A")
    save_in_admin(editor_client, event_change_url(event))
    first = versions_of(event)[0]
    save_in_admin(editor_client, event_change_url(event), venue="Hall B")
    event.refresh_from_db()
    moved = event.sequence
    assert moved == 1

    restore(editor_client, event, first)

    event.refresh_from_db()
    assert (event.venue, event.sequence) == ("Hall A", moved + 1)
    calendar = editor_client.get(event.ical_url).content.decode()
    assert f"SEQUENCE:{moved + 1}" in calendar


def test_restoring_a_version_with_the_same_schedule_keeps_the_sequence(editor_client):
    event = EventFactory(venue="Hall A", summary="First words")
    save_in_admin(editor_client, event_change_url(event))
    first = versions_of(event)[0]
    save_in_admin(editor_client, event_change_url(event), summary="Other words")

    restore(editor_client, event, first)

    event.refresh_from_db()
    assert (event.summary, event.sequence) == ("First words", 0)


@pytest.mark.parametrize("suffix", ["history/", "history/1/", "history/compare/?old=1&new=2"])
@pytest.mark.parametrize("key", ["1x", "99999999999999999999999", "1%00x"])
def test_history_pages_of_a_key_that_cannot_exist_are_not_errors(editor_client, suffix, key):
    response = editor_client.get(f"/admin/news/post/{key}/{suffix}")

    # A NUL never reaches the view (colloquium.security refuses it). Other keys find no post: the
    # history list sends the editor back to the admin's index, as Django's admin does.
    if "%00" in key:
        assert response.status_code == 400
    elif suffix == "history/":
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    else:
        assert response.status_code == 404


# Files and history together: a version that names a file keeps it on disk.


def test_a_replaced_file_stays_while_a_version_names_it_and_restoring_brings_it_back(
    editor_client, client, django_capture_on_commit_callbacks
):
    old_bytes = b"%PDF-1.4\nthe report as first published\n"
    post = PostFactory(title="Annual report")
    attachment = AttachmentFactory(post=post, upload_name="report.pdf", content=old_bytes)
    old_name = attachment.file.name
    save_in_admin(editor_client, post_change_url(post))  # version 1 names report.pdf
    first = versions_of(post)[0]

    with django_capture_on_commit_callbacks(execute=True):
        save_in_admin(
            editor_client,
            post_change_url(post),
            **{
                "attachments-0-file": ContentFile(b"%PDF-1.4\nversion two\n", name="report-v2.pdf"),
                "attachments-0-original_name": "",
            },
        )
    attachment.refresh_from_db()
    assert (attachment.original_name, attachment.file.name != old_name) == ("report-v2.pdf", True)
    assert attachment.file.storage.exists(old_name)  # version 1 still names it

    with django_capture_on_commit_callbacks(execute=True):
        restore(editor_client, post, first)

    attachment.refresh_from_db()
    assert (attachment.original_name, attachment.file.name) == ("report.pdf", old_name)
    download = client.get(attachment.get_absolute_url())
    assert (download.status_code, b"".join(download.streaming_content)) == (200, old_bytes)


def test_emptying_the_trash_removes_the_items_files_from_disk(
    editor_client, django_capture_on_commit_callbacks
):
    post = PostFactory()
    attachment = AttachmentFactory(post=post)
    save_in_admin(editor_client, post_change_url(post))  # a version names the file
    storage, name = attachment.file.storage, attachment.file.name
    response = editor_client.post(f"/admin/news/post/{post.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert storage.exists(name)  # in the trash, the file is kept

    with django_capture_on_commit_callbacks(execute=True):
        call_command("emptytrash", "--older-than", "0", stdout=io.StringIO())

    assert not Post.all_objects.filter(pk=post.pk).exists()
    assert not storage.exists(name)
