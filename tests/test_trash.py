"""
The trash: deleting a post or an event in the admin hides it from every visitor and keeps it, its
rows, files and counters, until an editor restores it or `emptytrash` deletes it for good.
"""

import datetime as dt
import io

import pytest
import reversion
from django.contrib.admin.models import DELETION, LogEntry
from django.core.management import CommandError, call_command
from django.utils import timezone
from reversion.models import Version

from colloquium.revisions import file_referenced_by_revision, file_referenced_by_trash
from events.models import Event, EventAttachment, Photo
from news.models import Attachment, Post
from tests.factories import (
    AttachmentFactory,
    EventAttachmentFactory,
    EventFactory,
    PhotoFactory,
    PostFactory,
    PresentationFactory,
)

pytestmark = pytest.mark.django_db

POSTS = "/admin/news/post/"
EVENTS = "/admin/events/event/"


def trash_post_in_admin(client, post):
    page = client.get(f"{POSTS}{post.pk}/delete/")
    assert page.status_code == 200
    return client.post(f"{POSTS}{post.pk}/delete/", {"post": "yes"})


def visitor_sees_post(client, post, attachment):
    download = client.get(attachment.get_absolute_url())
    if download.streaming:
        b"".join(download.streaming_content)  # read to the end, which closes the file
    return (
        client.get(post.get_absolute_url()).status_code,
        post.title in client.get("/en/news/").content.decode(),
        download.status_code,
    )


def test_deleting_a_post_moves_it_to_the_trash_with_its_files(editor_client, editor, client):
    post = PostFactory(title="Embargoed report")
    attachment = AttachmentFactory(post=post)
    assert visitor_sees_post(client, post, attachment) == (200, True, 200)

    response = trash_post_in_admin(editor_client, post)

    assert response.status_code == 302
    stored = Post.all_objects.get(pk=post.pk)
    assert stored.deleted_by == editor
    assert stored.deleted_at is not None
    assert Attachment.objects.filter(post=post).count() == 1
    assert attachment.file.storage.exists(attachment.file.name)
    assert not Post.objects.filter(pk=post.pk).exists()
    assert visitor_sees_post(client, post, attachment) == (404, False, 404)
    # Staff do not preview it either: it is in the trash, not a draft.
    assert editor_client.get(post.get_absolute_url()).status_code == 404
    assert LogEntry.objects.get(object_id=str(post.pk)).action_flag == DELETION


def test_the_confirmation_says_the_post_goes_to_the_trash_in_both_languages(editor_client):
    post = PostFactory(title="Report")

    english = editor_client.get(f"{POSTS}{post.pk}/delete/").content.decode()
    korean = editor_client.get(
        f"{POSTS}{post.pk}/delete/", headers={"accept-language": "ko"}
    ).content.decode()

    assert "“Report” moves to the trash with its files" in english
    assert 'value="Move to the trash"' in english
    assert "휴지통으로 옮겨집니다" in korean
    assert 'value="휴지통으로 옮기기"' in korean


def test_after_deleting_the_editor_reads_where_it_went(editor_client):
    post = PostFactory(title="Report")

    response = trash_post_in_admin(editor_client, post)
    page = editor_client.get(response["Location"]).content.decode()

    assert "“Report” is in the trash: restore it from there." in page


def test_an_event_moved_to_the_trash_disappears_from_every_public_page(editor_client, client):
    event = EventFactory(title="Hidden colloquium")
    photo = PhotoFactory(event=event)
    attachment = EventAttachmentFactory(event=event)
    talk = PresentationFactory(event=event)
    post = PostFactory(event=event)

    response = editor_client.post(
        EVENTS, {"action": "move_to_trash", "_selected_action": [event.pk]}
    )

    assert response.status_code == 302
    assert client.get(event.get_absolute_url()).status_code == 404
    assert client.get(event.ical_url).status_code == 404
    assert client.get(photo.download_url).status_code == 404
    assert client.get(attachment.get_absolute_url()).status_code == 404
    for page in ("/en/events/", "/en/events/feed.ics", "/sitemap.xml", "/en/"):
        assert "Hidden colloquium" not in client.get(page).content.decode(), page
    assert "Hidden colloquium" not in client.get(post.get_absolute_url()).content.decode()
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert photo.image.storage.exists(photo.image.name)
    assert talk.event_id == event.pk
    assert LogEntry.objects.get(object_id=str(event.pk)).action_flag == DELETION


def test_the_admin_list_leaves_the_trash_out_and_the_trash_filter_shows_it(editor_client):
    live = PostFactory(title="Still here")
    trashed = PostFactory(title="Thrown away")
    trashed.move_to_trash()

    listed = editor_client.get(POSTS).context["cl"].result_list
    in_trash = editor_client.get(POSTS, {"trash": "1"})

    assert list(listed) == [live]
    assert list(in_trash.context["cl"].result_list) == [trashed]
    assert "Restore the selected items from the trash" in in_trash.content.decode()
    assert "Move the selected items to the trash" not in in_trash.content.decode()


def test_restoring_brings_the_post_back_with_its_files_and_counters(editor_client, client):
    post = PostFactory(title="Back again")
    attachment = AttachmentFactory(post=post)
    for _ in range(4):
        post.record_hit()
        attachment.record_download()
    post.move_to_trash()

    response = editor_client.post(
        f"{POSTS}?trash=1", {"action": "restore_from_trash", "_selected_action": [post.pk]}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.deleted_at, post.deleted_by, post.hit_count) == (None, None, 4)
    # editor_client is this client: the editor leaves, and a visitor's download counts.
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 200
    download = client.get(attachment.get_absolute_url())
    assert download.status_code == 200
    with attachment.file.open("rb") as stored:
        assert b"".join(download.streaming_content) == stored.read()
    attachment.refresh_from_db()
    assert attachment.download_count == 5


def test_moving_to_and_from_the_trash_is_in_the_history(editor_client, editor):
    post = PostFactory()
    trash_post_in_admin(editor_client, post)
    editor_client.post(
        f"{POSTS}?trash=1", {"action": "restore_from_trash", "_selected_action": [post.pk]}
    )

    comments = [
        (version.revision.user, version.revision.comment)
        for version in Version.objects.get_for_object(post).order_by("pk")
    ]
    assert comments == [(editor, "Moved to the trash."), (editor, "Restored from the trash.")]


def test_an_item_in_the_trash_opens_read_only(editor_client):
    post = PostFactory(title="Read only")
    post.move_to_trash()

    page = editor_client.get(f"{POSTS}{post.pk}/change/")
    saved = editor_client.post(f"{POSTS}{post.pk}/change/", {"title": "Changed"})

    assert page.status_code == 200
    assert 'name="title"' not in page.content.decode()
    assert saved.status_code == 403
    assert Post.all_objects.get(pk=post.pk).title == "Read only"


def test_an_event_in_the_trash_is_not_offered_to_link_a_post_to(editor_client):
    EventFactory(title="Colloquium kept")
    EventFactory(title="Colloquium thrown").move_to_trash()

    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "news", "model_name": "post", "field_name": "event", "term": "Colloquium"},
    )

    assert [result["text"] for result in response.json()["results"]] == ["Colloquium kept"]


def test_an_event_in_the_trash_still_holds_its_address(editor_client):
    EventFactory(slug="fifth-colloquium").move_to_trash()

    response = editor_client.post(
        f"{EVENTS}add/",
        {"title": "New", "slug": "fifth-colloquium", "starts_at_0": "2026-01-01"},
    )

    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors


def trashed_days_ago(item, days):
    item.move_to_trash()
    type(item).all_objects.filter(pk=item.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=days)
    )


def emptytrash(*args):
    out = io.StringIO()
    call_command("emptytrash", *args, stdout=out)
    return out.getvalue()


def test_emptytrash_deletes_what_is_older_than_the_days_given():
    old_post, recent_post, live_post = PostFactory(), PostFactory(), PostFactory()
    old_attachment = AttachmentFactory(post=old_post)
    old_event, recent_event = EventFactory(), EventFactory()
    EventAttachmentFactory(event=old_event)
    trashed_days_ago(old_post, 31)
    trashed_days_ago(recent_post, 29)
    trashed_days_ago(old_event, 30.5)
    trashed_days_ago(recent_event, 1)

    output = emptytrash("--older-than", "30")

    assert output == "Deleted for good: 1 posts, 1 events.\n"
    assert set(Post.all_objects.all()) == {recent_post, live_post}
    assert set(Event.all_objects.all()) == {recent_event}
    assert not Attachment.objects.filter(pk=old_attachment.pk).exists()
    assert not EventAttachment.objects.filter(event_id=old_event.pk).exists()


def test_emptytrash_keeps_thirty_days_by_default_and_zero_empties_it_all():
    post = PostFactory()
    trashed_days_ago(post, 10)

    assert emptytrash() == "Deleted for good: 0 posts, 0 events.\n"
    assert emptytrash("--older-than", "0") == "Deleted for good: 1 posts, 0 events.\n"
    assert not Post.all_objects.exists()


@pytest.mark.parametrize("value", ["abc", "-1", "1e9", "9999999", ""])
def test_emptytrash_refuses_a_number_of_days_it_cannot_use(value):
    with pytest.raises(CommandError, match="--older-than takes a number of days"):
        emptytrash("--older-than", value)


def test_emptytrash_forgets_the_history_so_no_version_keeps_the_files():
    post = PostFactory()
    attachment = AttachmentFactory(post=post)
    kept = PostFactory()
    with reversion.create_revision():
        reversion.add_to_revision(post)
    with reversion.create_revision():
        reversion.add_to_revision(kept)
    trashed_days_ago(post, 40)
    assert file_referenced_by_revision(attachment.file.name)

    emptytrash()

    assert not file_referenced_by_revision(attachment.file.name)
    assert Version.objects.get_for_object(kept).count() == 1


def test_file_referenced_by_trash_names_the_files_of_trashed_items_and_their_rows():
    post = PostFactory()
    attachment = AttachmentFactory(post=post)
    event = EventFactory()
    photo = PhotoFactory(event=event)
    live_attachment = AttachmentFactory()
    assert not file_referenced_by_trash(attachment.file.name)

    post.move_to_trash()
    event.move_to_trash()

    assert file_referenced_by_trash(attachment.file.name)
    assert file_referenced_by_trash(photo.image.name)
    assert not file_referenced_by_trash(live_attachment.file.name)
    assert not file_referenced_by_trash("")


def test_saving_an_instance_loaded_before_the_trash_leaves_it_in_the_trash(editor):
    post = PostFactory(title="Old title")
    stale = Post.objects.get(pk=post.pk)
    Post.objects.get(pk=post.pk).move_to_trash(editor)

    stale.title = "New title"
    stale.save()

    stored = Post.all_objects.get(pk=post.pk)
    assert (stored.title, stored.deleted_by, stored.is_in_trash) == ("New title", editor, True)
    assert not Post.objects.filter(pk=post.pk).exists()


def test_saving_an_instance_loaded_in_the_trash_leaves_it_restored():
    event = EventFactory(title="Colloquium")
    event.move_to_trash()
    stale = Event.all_objects.get(pk=event.pk)
    Event.all_objects.get(pk=event.pk).restore_from_trash()

    stale.title = "The 5th colloquium"
    stale.save()

    assert Event.objects.get(pk=event.pk).title == "The 5th colloquium"
