"""Files are private until their item is public: where they are kept, under which names, and when
they leave the disk."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from colloquium import storage
from colloquium.images import VARIANT_WIDTHS, variant_name
from colloquium.publishing import Status
from colloquium.storage import protected_storage
from events.models import Photo, Speaker
from news.models import Attachment, Post
from tests.factories import (
    SEOUL,
    AttachmentFactory,
    CategoryFactory,
    EventAttachmentFactory,
    EventFactory,
    PhotoFactory,
    PostFactory,
    PresentationFactory,
    SpeakerFactory,
    picture_bytes,
)
from tests.uploads import hwp_bytes

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n" + b"embargoed report\n" * 20


def protected_path(name):
    return Path(settings.PROTECTED_MEDIA_ROOT) / name


def public_path(name):
    return Path(settings.MEDIA_ROOT) / name


def test_protected_folder_is_outside_the_public_one():
    protected = Path(settings.PROTECTED_MEDIA_ROOT).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()

    assert media not in protected.parents
    assert protected != media
    assert protected_storage.location == str(protected)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda event: EventAttachmentFactory(event=event, content=PDF), "file"),
        (
            lambda event: PresentationFactory(
                event=event, slides=ContentFile(PDF, name="slides.pdf")
            ),
            "slides",
        ),
        (lambda event: PhotoFactory(event=event), "image"),
    ],
    ids=["attachment", "slides", "photo original"],
)
def test_files_of_a_draft_event_are_protected_with_random_names(client, make, field):
    row = make(EventFactory(status=Status.DRAFT))
    name = getattr(row, field).name

    assert re.fullmatch(r"[a-z/]+/[0-9a-f]{32}\.(pdf|jpg)", name), name
    assert protected_path(name).is_file()
    assert not public_path(name).exists()
    assert client.get(f"/media/{name}").status_code == 404


def test_post_attachment_is_protected_and_only_the_checked_view_gives_it_out(client, editor_client):
    draft = PostFactory(status=Status.DRAFT)
    attachment = AttachmentFactory(post=draft, content=PDF)

    assert protected_path(attachment.file.name).read_bytes() == PDF
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    assert Client().get(attachment.get_absolute_url()).status_code == 404
    response = editor_client.get(attachment.get_absolute_url())  # staff preview
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_guessing_upload_times_finds_nothing(client, time_machine):
    # The figure: the old names were the upload time, so 1,800 guesses (half an hour
    # of seconds) found a draft event's PDF. Now nothing under /media/ answers any of them.
    start = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=SEOUL)
    time_machine.move_to(start + dt.timedelta(seconds=1234), tick=False)
    EventAttachmentFactory(event=EventFactory(status=Status.DRAFT), content=PDF)

    found = []
    for second in range(1800):
        moment = start + dt.timedelta(seconds=second)
        guess = f"/media/attachments/{moment:%Y/%m/%d}/{moment:%Y%m%d%H%M%S}.pdf"
        if client.get(guess).status_code == 200:
            found.append(guess)

    assert found == []


@pytest.mark.parametrize(
    "path",
    [
        "/media/../{protected}/{name}",
        "/media/%2e%2e/{protected}/{name}",
        "/media/..%2f{protected}/{name}",
        "/media/{name}",
        "/protected/{name}",
        "/{protected}/{name}",
    ],
)
def test_no_public_url_serves_the_protected_folder(client, path):
    attachment = EventAttachmentFactory(content=PDF)
    url = path.format(protected=Path(settings.PROTECTED_MEDIA_ROOT).name, name=attachment.file.name)

    response = client.get(url)

    assert response.status_code in (400, 404)
    assert PDF not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_protected_files_have_no_public_url():
    attachment = EventAttachmentFactory(content=PDF)

    with pytest.raises(ValueError, match="protected file"):
        protected_storage.url(attachment.file.name)
    # What the admin's file widget links to: the checked download view.
    assert attachment.file.url == attachment.get_absolute_url()
    presentation = PresentationFactory(slides=ContentFile(PDF, name="s.pdf"))
    assert presentation.slides.url == presentation.slides_url


@pytest.mark.parametrize(
    ("media", "protected"),
    [("/srv/site/media", "/srv/site/media/protected"), ("/srv/site/media", "/srv/site/media")],
)
def test_settings_refuse_a_protected_folder_inside_the_public_one(load_settings, media, protected):
    with pytest.raises(ImproperlyConfigured, match="PROTECTED_MEDIA_ROOT"):
        load_settings(DEBUG="1", MEDIA_ROOT=media, PROTECTED_MEDIA_ROOT=protected)


def test_settings_default_protected_folder_is_beside_media(load_settings):
    loaded = load_settings(DEBUG="1")

    assert loaded["PROTECTED_MEDIA_ROOT"] == loaded["BASE_DIR"] / "protected"
    assert loaded["STORAGES"]["protected"]["BACKEND"] == (
        "colloquium.storage.ProtectedFileSystemStorage"
    )


# Renditions


def test_photo_copies_are_public_under_names_that_do_not_reveal_the_original(client):
    photo = PhotoFactory(size=(700, 350))
    original = photo.image.name

    copies = [variant_name(original, width) for width in (320, 640, None)]
    for copy in copies:
        assert public_path(copy).is_file()
        assert Path(original).stem not in copy
    assert not public_path(original).exists()
    response = client.get(photo.image.url)  # the full-size public copy
    response.close()
    assert response.status_code == 200
    assert photo.image.url == f"/media/{variant_name(original)}"


def test_an_upload_named_like_another_images_copy_never_overwrites_it():
    # The issue: speaker B's x.jpg overwrote speaker A's x.w640.jpg.
    a = SpeakerFactory(photo=ContentFile(picture_bytes((700, 400), "JPEG"), name="x.w640.jpg"))
    a_original = public_path(a.photo.name).read_bytes()
    b = SpeakerFactory(photo=ContentFile(picture_bytes((700, 400), "JPEG"), name="x.jpg"))

    assert public_path(a.photo.name).read_bytes() == a_original
    assert a.photo.name != b.photo.name
    assert variant_name(b.photo.name, 640) not in (a.photo.name, variant_name(a.photo.name, 640))
    assert public_path(variant_name(a.photo.name, 640)).is_file()


# Replacing files


def test_replacing_an_attachment_keeps_its_url_and_counter_and_takes_the_new_file(
    editor_client, django_capture_on_commit_callbacks
):
    post = PostFactory()
    attachment = AttachmentFactory(post=post, upload_name="report.pdf", content=PDF)
    Attachment.objects.filter(pk=attachment.pk).update(download_count=7)
    url, old_name = attachment.get_absolute_url(), attachment.file.name
    hwp = hwp_bytes()

    form = admin_post_form(post, attachment, SimpleUploadedFile("report-v2.hwp", hwp))
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:news_post_change", args=[post.pk]), form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    attachment.refresh_from_db()
    assert attachment.get_absolute_url() == url
    assert attachment.download_count == 7
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "report-v2.hwp",
        "application/x-hwp",
        len(hwp),
    )
    assert protected_path(attachment.file.name).read_bytes() == hwp
    assert not protected_path(old_name).exists()  # released once the save committed


def admin_post_form(post, attachment, upload):
    return {
        "category": post.category_id,
        "title": post.title,
        "slug": post.slug,
        "language": post.language,
        "writer": post.writer,
        "status": post.status,
        "published_at_0": post.published_at.astimezone(SEOUL).strftime("%Y-%m-%d"),
        "published_at_1": post.published_at.astimezone(SEOUL).strftime("%H:%M:%S"),
        "summary": "",
        "body": "<p>Body</p>",
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "1",
        "attachments-0-id": str(attachment.pk),
        "attachments-0-post": str(post.pk),
        "attachments-0-original_name": attachment.original_name,
        "attachments-0-position": "0",
        "attachments-0-file": upload,
    }


def test_replacing_with_a_name_typed_by_the_editor_keeps_that_name():
    attachment = AttachmentFactory(upload_name="report.pdf", content=PDF)
    attachment = Attachment.objects.get(pk=attachment.pk)

    attachment.original_name = "Annual report 2026.pdf"
    attachment.file = ContentFile(PDF + b"v2", name="scan.pdf")
    attachment.save()

    assert attachment.original_name == "Annual report 2026.pdf"
    assert attachment.size == len(PDF) + 2


# Removal: after the commit, and only when nothing refers to the file


def test_deleting_a_post_removes_its_files_after_the_commit(django_capture_on_commit_callbacks):
    post = PostFactory()
    name = AttachmentFactory(post=post, content=PDF).file.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post.delete()
    assert protected_path(name).is_file()  # not before the transaction commits

    for callback in callbacks:
        callback()
    assert not protected_path(name).exists()


def delete_then_fail(post):
    with transaction.atomic():
        post.delete()
        raise RuntimeError("the editor's request failed")


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_delete_keeps_the_files():
    post = PostFactory(category=CategoryFactory())
    name = AttachmentFactory(post=post, content=PDF).file.name

    pk = post.pk
    with pytest.raises(RuntimeError):
        delete_then_fail(post)

    assert Post.objects.filter(pk=pk).exists()
    assert protected_path(name).read_bytes() == PDF


@pytest.mark.django_db(transaction=True)
def test_a_committed_delete_of_an_event_removes_its_files_and_photo_copies():
    event = EventFactory()
    photo = PhotoFactory(event=event, size=(700, 350))
    slides = PresentationFactory(event=event, slides=ContentFile(PDF, name="s.pdf")).slides.name
    files = [
        protected_path(photo.image.name),
        protected_path(slides),
        *(public_path(variant_name(photo.image.name, width)) for width in (320, 640, None)),
    ]
    assert all(path.is_file() for path in files)

    event.delete()

    assert [path for path in files if path.exists()] == []


def test_a_file_another_row_shares_stays(django_capture_on_commit_callbacks):
    # The Korean post shares the English post's photograph, as the demo does.
    english = AttachmentFactory(content=PDF)
    korean = Attachment.objects.create(
        post=PostFactory(language="ko"),
        file=english.file.name,
        original_name=english.original_name,
        size=english.size,
    )

    with django_capture_on_commit_callbacks(execute=True):
        english.post.delete()

    assert protected_path(korean.file.name).read_bytes() == PDF


def test_a_file_a_reference_check_still_needs_stays(django_capture_on_commit_callbacks):
    attachment = AttachmentFactory(content=PDF)
    name = attachment.file.name
    storage.reference_checks.append(lambda stored: stored == name)  # a revision, say
    try:
        with django_capture_on_commit_callbacks(execute=True):
            attachment.delete()
    finally:
        storage.reference_checks.pop()

    assert protected_path(name).is_file()


def test_clearing_a_speakers_photo_removes_it_and_its_copies(django_capture_on_commit_callbacks):
    speaker = SpeakerFactory(photo=ContentFile(picture_bytes((700, 400), "JPEG"), name="p.jpg"))
    speaker = Speaker.objects.get(pk=speaker.pk)
    name = speaker.photo.name

    speaker.photo = ""
    with django_capture_on_commit_callbacks(execute=True):
        speaker.save()

    assert not public_path(name).exists()
    assert not public_path(variant_name(name, 320)).exists()


def test_photo_copies_live_in_their_own_folder_only():
    photo = PhotoFactory(size=(1400, 700))
    names = [variant_name(photo.image.name, width) for width in (*VARIANT_WIDTHS, None)]

    assert {name.split("/")[0] for name in names} == {"renditions"}
    assert all(default_storage.exists(name) for name in names)
    assert Photo.objects.get().image.variant_widths == list(VARIANT_WIDTHS)


# orphanfiles


def orphanfiles(*args):
    out = io.StringIO()
    call_command("orphanfiles", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def own_folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROTECTED_MEDIA_ROOT = tmp_path / "protected"
    return tmp_path


def test_the_demo_leaves_no_orphaned_files(own_folders):
    call_command("loaddemo", stdout=io.StringIO())

    assert orphanfiles("--older-than", "0").splitlines()[-1] == "No orphaned files."


def test_orphanfiles_reports_then_deletes_only_orphans(own_folders):
    kept = AttachmentFactory(content=PDF)
    stray = protected_storage.save("attachments/stray.pdf", ContentFile(b"%PDF old"))
    old_copy = default_storage.save("renditions/0123-w320.jpg", ContentFile(b"x"))

    report = orphanfiles("--older-than", "0")

    assert f"protected: {stray}" in report
    assert f"default: {old_copy}" in report
    assert kept.file.name not in report
    assert (
        report.splitlines()[-1] == "2 orphaned files (9 bytes). Run with --delete to remove them."
    )
    assert protected_storage.exists(stray)  # a dry run

    orphanfiles("--older-than", "0", "--delete")

    assert not protected_storage.exists(stray)
    assert not default_storage.exists(old_copy)
    assert protected_storage.exists(kept.file.name)
    assert orphanfiles("--older-than", "0").splitlines()[-1] == "No orphaned files."


def test_orphanfiles_spares_files_younger_than_the_grace_period(own_folders):
    protected_storage.save("attachments/just-uploaded.pdf", ContentFile(b"%PDF"))

    assert orphanfiles().splitlines()[-1] == "No orphaned files."
