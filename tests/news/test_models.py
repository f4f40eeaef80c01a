import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model

from colloquium.publishing import Status
from news.models import Attachment, Post
from tests.factories import AttachmentFactory, CategoryFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def download(client, attachment):
    response = client.get(attachment.get_absolute_url())
    return response, b"".join(response.streaming_content)


def test_published_excludes_drafts_and_future_posts(now):
    old_post = PostFactory(published_at=now - dt.timedelta(days=1))
    PostFactory(status=Status.DRAFT, published_at=now - dt.timedelta(days=1))
    PostFactory(published_at=now + dt.timedelta(minutes=1))

    assert list(Post.objects.published()) == [old_post]


def test_published_includes_a_post_published_this_very_second(now):
    post = PostFactory(published_at=now)

    assert list(Post.objects.published()) == [post]


def test_scheduled_post_becomes_visible_when_its_time_passes(now, time_machine):
    post = PostFactory(published_at=now + dt.timedelta(hours=2))
    assert list(Post.objects.published()) == []
    assert post.is_scheduled

    time_machine.move_to(now + dt.timedelta(hours=2, seconds=1), tick=False)

    assert list(Post.objects.published()) == [post]
    assert post.is_published
    assert not post.is_scheduled


@pytest.mark.parametrize(
    ("status", "offset", "expected"),
    [
        (Status.PUBLISHED, dt.timedelta(days=-1), True),
        (Status.PUBLISHED, dt.timedelta(days=1), False),
        (Status.DRAFT, dt.timedelta(days=-1), False),
        (Status.DRAFT, dt.timedelta(days=1), False),
    ],
)
def test_is_published_matches_the_published_queryset(now, status, offset, expected):
    post = PostFactory(status=status, published_at=now + offset)

    assert post.is_published is expected
    assert Post.objects.published().filter(pk=post.pk).exists() is expected


def test_drafts_and_scheduled_querysets(now):
    draft = PostFactory(status=Status.DRAFT)
    scheduled = PostFactory(published_at=now + dt.timedelta(days=3))
    PostFactory()

    assert list(Post.objects.drafts()) == [draft]
    assert list(Post.objects.scheduled()) == [scheduled]


def test_new_post_is_a_draft_by_default():
    post = Post.objects.create(category=CategoryFactory(), title="Untitled")

    assert post.status == Status.DRAFT
    assert not post.is_published


def test_slug_is_made_from_the_title_including_hangul():
    post = PostFactory(title="2019 행사 안내: NIS Colloquium")

    assert post.slug == "2019-행사-안내-nis-colloquium"
    assert (
        post.get_absolute_url()
        == f"/en/news/{post.pk}/2019-%ED%96%89%EC%82%AC-%EC%95%88%EB%82%B4-nis-colloquium/"
    )


def test_writer_defaults_to_the_creators_full_name():
    user = UserFactory(first_name="Yeory", last_name="Lim")

    post = PostFactory(writer="", created_by=user)

    assert post.writer == "Yeory Lim"


def test_explicit_writer_is_kept():
    post = PostFactory(writer="Editorial Office", created_by=UserFactory())

    assert post.writer == "Editorial Office"


def test_str_is_the_title():
    assert str(PostFactory(title="Annual report")) == "Annual report"


def test_record_hit_updates_the_database_from_stale_instances():
    post = PostFactory()
    first = Post.objects.get(pk=post.pk)
    second = Post.objects.get(pk=post.pk)

    first.record_hit()
    second.record_hit()

    post.refresh_from_db()
    assert post.hit_count == 2
    # Each instance shows its own visitor the figure it knew plus the visit.
    assert (first.hit_count, second.hit_count) == (1, 1)


def test_record_hit_leaves_updated_at_alone(now, time_machine):
    post = PostFactory()
    updated_at = post.updated_at
    time_machine.move_to(now + dt.timedelta(hours=1), tick=False)

    post.record_hit()

    post.refresh_from_db()
    assert post.updated_at == updated_at


def test_record_download_updates_the_database_from_stale_instances():
    attachment = AttachmentFactory()
    first = Attachment.objects.get(pk=attachment.pk)
    second = Attachment.objects.get(pk=attachment.pk)

    first.record_download()
    second.record_download()

    attachment.refresh_from_db()
    assert attachment.download_count == 2


def test_previous_and_next_skip_drafts_and_scheduled_posts(now):
    oldest = PostFactory(published_at=now - dt.timedelta(days=5))
    PostFactory(status=Status.DRAFT, published_at=now - dt.timedelta(days=4))
    middle = PostFactory(published_at=now - dt.timedelta(days=3))
    newest = PostFactory(published_at=now - dt.timedelta(days=1))
    PostFactory(published_at=now + dt.timedelta(days=1))

    assert middle.get_previous_post() == oldest
    assert middle.get_next_post() == newest
    assert oldest.get_previous_post() is None
    assert newest.get_next_post() is None


def test_previous_and_next_order_posts_of_the_same_moment_by_id(now):
    first = PostFactory(published_at=now)
    second = PostFactory(published_at=now)

    assert second.get_previous_post() == first
    assert first.get_next_post() == second


def test_attachment_captures_name_size_and_type_on_upload(client, now):
    content = b"%PDF" + b"0" * 996

    attachment = AttachmentFactory(upload_name="붙임1_행사안내.pdf", content=content)

    assert attachment.original_name == "붙임1_행사안내.pdf"
    assert attachment.size == 1000
    assert attachment.content_type == "application/pdf"
    assert attachment.type_label == "pdf"
    assert re.fullmatch(r"attachments/[0-9a-f]{32}\.pdf", attachment.file.name)
    response, body = download(client, attachment)
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('붙임1_행사안내.pdf')}"
    )
    assert (response["Content-Type"], response["Content-Length"]) == ("application/pdf", "1000")
    assert body == content


def test_attachments_uploaded_in_the_same_second_get_distinct_files(client, now):
    post = PostFactory()

    first = AttachmentFactory(post=post, upload_name="a.pdf", content=b"%PDF first")
    second = AttachmentFactory(post=post, upload_name="b.pdf", content=b"%PDF second")

    assert first.file.name != second.file.name
    assert download(client, first)[1] == b"%PDF first"
    assert download(client, second)[1] == b"%PDF second"


def test_attachment_keeps_an_explicit_original_name(client):
    attachment = AttachmentFactory(upload_name="scan.hwp", original_name="Application form.hwp")

    response, _ = download(client, attachment)

    assert str(attachment) == "Application form.hwp"
    assert response["Content-Disposition"] == 'attachment; filename="Application form.hwp"'
    assert response["Content-Type"] == "application/x-hwp"


def test_attachments_are_ordered_by_position(client):
    post = PostFactory()
    second = AttachmentFactory(post=post, position=2, upload_name="second.pdf")
    first = AttachmentFactory(post=post, position=1, upload_name="first.pdf")

    page = client.get(post.get_absolute_url()).content.decode()

    assert list(post.attachments.all()) == [first, second]
    assert re.findall(r'<span class="file-list__name">([^<]+)</span>', page) == [
        "first.pdf",
        "second.pdf",
    ]


def test_deleting_a_post_deletes_its_attachments(client):
    attachment, other = AttachmentFactory(), AttachmentFactory()

    attachment.post.delete()

    assert list(Attachment.objects.all()) == [other]
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_deleting_the_creator_keeps_the_post():
    post = PostFactory(created_by=UserFactory())

    get_user_model().objects.all().delete()

    post.refresh_from_db()
    assert post.created_by is None
    assert list(Post.objects.published()) == [post]
