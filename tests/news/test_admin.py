import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from colloquium.publishing import Status
from news.models import Attachment, Post
from tests.factories import SEOUL, AttachmentFactory, CategoryFactory, PostFactory, picture_bytes

ADD_URL = "/admin/news/post/add/"
LIST_URL = "/admin/news/post/"

pytestmark = pytest.mark.django_db


def change_url(post):
    return f"/admin/news/post/{post.pk}/change/"


def post_form(category, **fields):
    """What the editor's browser posts from the post form, with no attachment rows."""
    return {
        "category": category.pk,
        "title": "The 5th NIS Policy Colloquium",
        "slug": "",
        "writer": "",
        "summary": "Three presentations and a panel.",
        "body": "<p>Report.</p>",
        "status": Status.PUBLISHED,
        "published_at_0": "2019-08-29",
        "published_at_1": "17:28:39",
        "language": "en",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **fields,
    }


def list_titles(response):
    return [str(post) for post in response.context["cl"].result_list]


def test_editor_is_staff_but_not_superuser(editor):
    assert editor.is_staff
    assert not editor.is_superuser
    assert editor.groups.filter(name="Editors").exists()


def test_editor_can_open_the_post_add_form(editor_client):
    response = editor_client.get(ADD_URL)

    assert response.status_code == 200
    assert 'name="body"' in response.content.decode()
    assert 'name="attachments-TOTAL_FORMS"' in response.content.decode()


def test_editor_creates_a_post_with_two_attachments(editor_client, editor):
    category = CategoryFactory()
    photo = picture_bytes((64, 48))
    form = post_form(
        category,
        **{
            "attachments-TOTAL_FORMS": "2",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("20190829172839.jpg", photo),
            "attachments-0-original_name": "",
            "attachments-1-position": "1",
            "attachments-1-file": SimpleUploadedFile("붙임1_행사안내.pdf", b"%PDF-1.4\n" * 100),
            "attachments-1-original_name": "",
        },
    )

    response = editor_client.post(ADD_URL, form)

    assert response.status_code == 302, response.context["errors"]
    post = Post.objects.get()
    assert post.title == "The 5th NIS Policy Colloquium"
    assert post.created_by == editor
    assert post.writer == "Min-ji Park"
    assert post.slug == "the-5th-nis-policy-colloquium"
    assert post.published_at == dt.datetime(2019, 8, 29, 17, 28, 39, tzinfo=SEOUL)
    assert [(a.original_name, a.size, a.content_type) for a in post.attachments.all()] == [
        ("20190829172839.jpg", len(photo), "image/jpeg"),
        ("붙임1_행사안내.pdf", 900, "application/pdf"),
    ]
    assert all(a.file.name.startswith("attachments/") for a in post.attachments.all())
    downloads = [editor_client.get(a.get_absolute_url()) for a in post.attachments.all()]
    assert [(d["Content-Disposition"], b"".join(d.streaming_content)) for d in downloads] == [
        ('attachment; filename="20190829172839.jpg"', photo),
        (f"attachment; filename*=utf-8''{quote('붙임1_행사안내.pdf')}", b"%PDF-1.4\n" * 100),
    ]


def test_editor_cannot_attach_an_html_file(editor_client):
    form = post_form(
        CategoryFactory(),
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("page.html", b"<script>alert(1)</script>"),
        },
    )

    response = editor_client.post(ADD_URL, form)

    assert response.status_code == 200
    assert not Post.objects.exists()
    assert (
        "Files of type HTML cannot be uploaded. Allowed types: PDF, HWP, HWPX, DOC, DOCX, XLS, "
        "XLSX, PPT, PPTX, ODT, ODS, ODP, TXT, CSV, RTF, ZIP, JPG, JPEG, PNG, GIF, WEBP, MP3, MP4."
    ) in response.content.decode()


def pdf_of_size(size):
    return b"%PDF-1.4\n" + b"0" * (size - 9)


def attachment_form(upload):
    return post_form(
        CategoryFactory(),
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-position": "0",
            "attachments-0-file": upload,
            "attachments-0-original_name": "",
        },
    )


@override_settings(MAX_UPLOAD_SIZE=2048)
def test_editor_cannot_attach_a_file_one_byte_over_the_limit(editor_client):
    upload = SimpleUploadedFile("programme.pdf", pdf_of_size(2049))

    response = editor_client.post(ADD_URL, attachment_form(upload))

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors == [
        {"file": ["This file is 2.00KB; files may be at most 2.00KB."]}
    ]
    assert "This file is 2.00KB; files may be at most 2.00KB." in response.content.decode()
    assert not Post.objects.exists()


@override_settings(MAX_UPLOAD_SIZE=2048)
def test_editor_can_attach_a_file_exactly_at_the_limit(editor_client):
    content = pdf_of_size(2048)

    response = editor_client.post(
        ADD_URL, attachment_form(SimpleUploadedFile("programme.pdf", content))
    )

    assert response.status_code == 302
    attachment = Post.objects.get().attachments.get()
    assert attachment.size == 2048
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


def test_admin_post_body_is_sanitized(editor_client):
    form = post_form(
        CategoryFactory(),
        body='<p onclick="x()">Report<script>alert(1)</script></p><a href="javascript:x()">a</a>',
    )

    editor_client.post(ADD_URL, form)

    assert Post.objects.get().body == '<p>Report</p><a rel="noopener noreferrer">a</a>'


def test_editor_reorders_attachments(editor_client):
    post = PostFactory()
    first = AttachmentFactory(post=post, upload_name="first.pdf", position=0)
    second = AttachmentFactory(post=post, upload_name="second.pdf", position=1)
    form = post_form(
        post.category,
        title=post.title,
        **{
            "attachments-TOTAL_FORMS": "2",
            "attachments-INITIAL_FORMS": "2",
            "attachments-0-id": first.pk,
            "attachments-0-post": post.pk,
            "attachments-0-position": "2",
            "attachments-0-original_name": "first.pdf",
            "attachments-1-id": second.pk,
            "attachments-1-post": post.pk,
            "attachments-1-position": "1",
            "attachments-1-original_name": "second.pdf",
        },
    )

    response = editor_client.post(change_url(post), form)

    assert response.status_code == 302
    assert [a.original_name for a in post.attachments.all()] == ["second.pdf", "first.pdf"]
    page = editor_client.get(post.get_absolute_url()).content.decode()
    assert re.findall(r'<span class="file-list__name">([^<]+)</span>', page) == [
        "second.pdf",
        "first.pdf",
    ]


def test_editor_sees_size_and_downloads_read_only(editor_client):
    attachment = AttachmentFactory(content=b"x" * 440_945, download_count=244)

    response = editor_client.get(change_url(attachment.post))

    html = response.content.decode()
    assert re.search(r'<td class="field-file_size">\s*<p>430.61KB</p>', html)
    assert re.search(r'<td class="field-download_count">\s*<p>244</p>', html)
    assert 'name="attachments-0-download_count"' not in html
    assert 'name="attachments-0-size"' not in html


def test_hit_and_download_counts_cannot_be_changed_through_a_post(editor_client):
    post = PostFactory()
    Post.objects.filter(pk=post.pk).update(hit_count=922)
    attachment = AttachmentFactory(post=post, download_count=244)
    form = post_form(
        post.category,
        title=post.title,
        hit_count="99999",
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-INITIAL_FORMS": "1",
            "attachments-0-id": attachment.pk,
            "attachments-0-post": post.pk,
            "attachments-0-position": "0",
            "attachments-0-original_name": "report.pdf",
            "attachments-0-download_count": "99999",
            "attachments-0-size": "1",
        },
    )

    response = editor_client.post(change_url(post), form)

    assert response.status_code == 302
    post.refresh_from_db()
    attachment.refresh_from_db()
    assert (post.hit_count, attachment.download_count) == (922, 244)
    assert attachment.size == len(b"%PDF-1.4 demo bytes\n" * 10)


def test_post_list_columns(editor_client):
    post = PostFactory(title="Report", writer="Yeory Lim")
    Post.objects.filter(pk=post.pk).update(hit_count=922)
    AttachmentFactory(post=post, download_count=244)
    AttachmentFactory(post=post, download_count=6)

    response = editor_client.get(LIST_URL)

    changelist = response.context["cl"]
    for column in ("title", "category", "writer", "published_at", "state", "hit_count"):
        assert column in changelist.list_display
    assert "downloads" in changelist.list_display
    html = response.content.decode()
    assert '<td class="field-hit_count">922</td>' in html
    assert '<td class="field-downloads">250</td>' in html
    assert list_titles(response) == ["Report"]


def test_post_list_without_attachments_shows_zero_downloads(editor_client):
    PostFactory()

    response = editor_client.get(LIST_URL)

    assert '<td class="field-downloads">0</td>' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Colloquium", ["The 5th NIS Policy Colloquium"]),
        ("Yeory", ["The 5th NIS Policy Colloquium"]),
        ("regional", ["Regional workshop", "The 5th NIS Policy Colloquium"]),
        ("행사", ["Regional workshop"]),
    ],
)
def test_post_list_search_by_title_writer_and_body(editor_client, query, expected):
    PostFactory(
        title="The 5th NIS Policy Colloquium",
        writer="Yeory Lim",
        body="<p>Regional disparity</p>",
        published_at=dt.datetime(2019, 8, 29, tzinfo=SEOUL),
    )
    PostFactory(title="Regional workshop", writer="Ho Kim", body="<p>연례 행사</p>")

    response = editor_client.get(LIST_URL, {"q": query})

    assert list_titles(response) == expected


def test_post_list_filters_by_state_category_and_year(editor_client):
    notice = CategoryFactory(name="Notice", slug="notice")
    PostFactory(title="Published 2019", published_at=dt.datetime(2019, 8, 29, tzinfo=SEOUL))
    PostFactory(
        title="Draft", status=Status.DRAFT, published_at=dt.datetime(2024, 1, 1, tzinfo=SEOUL)
    )
    PostFactory(
        title="Notice 2024", category=notice, published_at=dt.datetime(2024, 2, 1, tzinfo=SEOUL)
    )

    by_status = editor_client.get(LIST_URL, {"state": "draft"})
    by_category = editor_client.get(LIST_URL, {"category__id__exact": notice.pk})
    by_year = editor_client.get(LIST_URL, {"year": "2019"})
    bad_year = editor_client.get(LIST_URL, {"year": "abc"})

    assert list_titles(by_status) == ["Draft"]
    assert list_titles(by_category) == ["Notice 2024"]
    assert list_titles(by_year) == ["Published 2019"]
    assert bad_year.status_code == 200


def test_publish_and_unpublish_actions(editor_client):
    first, second = PostFactory(status=Status.DRAFT), PostFactory(status=Status.DRAFT)

    published = editor_client.post(
        LIST_URL, {"action": "publish", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    statuses_after_publish = set(Post.objects.values_list("status", flat=True))
    editor_client.post(LIST_URL, {"action": "unpublish", "_selected_action": [first.pk]})

    assert statuses_after_publish == {Status.PUBLISHED}
    assert "2 items published." in published.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.DRAFT, Status.PUBLISHED)


def test_publishing_a_scheduled_post_keeps_its_date(editor_client):
    later = dt.datetime(2099, 1, 1, tzinfo=SEOUL)
    post = PostFactory(status=Status.DRAFT, published_at=later)

    editor_client.post(LIST_URL, {"action": "publish", "_selected_action": [post.pk]})

    post.refresh_from_db()
    assert post.published_at == later
    assert not post.is_published


def test_editor_cannot_manage_users(editor_client):
    assert editor_client.get("/admin/auth/user/").status_code == 403
    assert editor_client.get("/admin/auth/user/add/").status_code == 403
    assert editor_client.get("/admin/auth/group/").status_code == 403


def test_editor_can_manage_categories_and_attachments(editor_client):
    category = CategoryFactory(name="Notice", slug="notice")
    attachment = AttachmentFactory(
        post=PostFactory(category=category), upload_name="programme.pdf", content=b"%PDF-1.4 x"
    )
    content_type = ContentType.objects.get_for_model(Attachment)
    view_on_site = f"/admin/r/{content_type.pk}/{attachment.pk}/"

    categories = editor_client.get("/admin/news/category/")
    new_category = editor_client.get("/admin/news/category/add/")
    post_page = editor_client.get(change_url(attachment.post))
    download = editor_client.get(view_on_site, follow=True)

    assert list(categories.context["cl"].result_list) == [category]
    assert 'name="name"' in new_category.content.decode()
    assert 'name="attachments-0-original_name" value="programme.pdf"' in post_page.content.decode()
    assert f'<a href="{view_on_site}">View on site</a>' in post_page.content.decode()
    assert download.redirect_chain[-1][0].endswith(attachment.get_absolute_url())
    assert download["Content-Disposition"] == 'attachment; filename="programme.pdf"'
    assert b"".join(download.streaming_content) == b"%PDF-1.4 x"


def test_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_view_on_site_shows_a_draft_with_the_preview_banner(editor_client):
    post = PostFactory(status=Status.DRAFT, title="Draft programme")
    content_type = ContentType.objects.get_for_model(Post)
    view_on_site = f"/admin/r/{content_type.pk}/{post.pk}/"

    change_page = editor_client.get(change_url(post))
    response = editor_client.get(view_on_site, follow=True)

    assert view_on_site in change_page.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(post.get_absolute_url())
    assert "Preview: this post is a draft. Visitors cannot see it." in response.content.decode()


def test_deleting_an_attachment_through_the_inline(client, editor_client):
    attachment = AttachmentFactory()
    post = attachment.post
    form = post_form(
        post.category,
        title=post.title,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-INITIAL_FORMS": "1",
            "attachments-0-id": attachment.pk,
            "attachments-0-post": post.pk,
            "attachments-0-position": "0",
            "attachments-0-original_name": "report.pdf",
            "attachments-0-DELETE": "on",
        },
    )

    response = editor_client.post(change_url(post), form)
    download = client.get(attachment.get_absolute_url())
    page = client.get(post.get_absolute_url()).content.decode()

    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert download.status_code == 404
    assert f'<h1 class="post-header__title">{post.title}</h1>' in page
    assert "<dt>File</dt>" not in page


@pytest.mark.parametrize("item_count", [1, 3])
def test_post_list_query_count_is_constant(editor_client, django_assert_num_queries, item_count):
    for _ in range(item_count):
        AttachmentFactory.create_batch(2, post=PostFactory())

    with django_assert_num_queries(11):
        response = editor_client.get(LIST_URL)

    assert len(list_titles(response)) == item_count
