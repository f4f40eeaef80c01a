"""News attachment downloads: names, visibility and counting. How a file is served (ranges,
conditional requests, the nginx hand-off) is tested in tests/colloquium/test_attachments.py."""

import re
from urllib.parse import quote

import pytest
from django.test import Client

from colloquium.publishing import Status
from news.models import Attachment
from tests.factories import CHROME, CRAWLERS, AttachmentFactory, PostFactory, UserFactory

CONTENT = bytes(range(256)) * 4  # 1024 bytes, each position recognisable

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment():
    return AttachmentFactory(upload_name="붙임1_행사안내.pdf", content=CONTENT)


def download(client, attachment, **headers):
    response = client.get(attachment.get_absolute_url(), headers={"User-Agent": CHROME, **headers})
    # Reading the whole stream closes the file, as a WSGI server would.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def downloads(attachment):
    return Attachment.objects.get(pk=attachment.pk).download_count


def test_download_uses_original_filename(client, attachment):
    response, body = download(client, attachment)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('붙임1_행사안내.pdf')}"
    )
    assert body == CONTENT
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == "1024"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_stored_name_is_not_the_visible_name(client, attachment):
    response, body = download(client, attachment)

    # A random name: nothing in it tells another file's.
    assert re.fullmatch(r"attachments/[0-9a-f]{32}\.pdf", attachment.file.name)
    assert "붙임" not in attachment.file.name
    assert response["Content-Disposition"].endswith(quote("붙임1_행사안내.pdf"))
    assert body == CONTENT


def test_download_with_an_ascii_name_uses_a_plain_filename(client):
    attachment = AttachmentFactory(upload_name="Annual report 2024.pdf")

    response, _ = download(client, attachment)

    assert response["Content-Disposition"] == 'attachment; filename="Annual report 2024.pdf"'


def test_download_counts_each_visitors_first_get_of_the_day(client, attachment):
    download(client, attachment)
    download(client, attachment)
    client.cookies.clear()  # another visitor
    download(client, attachment)

    assert downloads(attachment) == 2


def test_download_head_is_not_counted(client, attachment):
    response = client.head(attachment.get_absolute_url())

    assert response.status_code == 200
    assert response["Content-Length"] == "1024"
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('붙임1_행사안내.pdf')}"
    )
    assert downloads(attachment) == 0
    response.close()


def test_download_by_staff_is_not_counted_and_by_a_visitor_once(editor_client, attachment):
    # editor_client is the client, logged in: a visitor needs a client of their own.
    visitor = Client(headers={"User-Agent": CHROME})

    response, body = download(editor_client, attachment)

    assert response.status_code == 200
    assert body == CONTENT
    assert downloads(attachment) == 0

    response, body = download(visitor, attachment)

    assert body == CONTENT
    assert downloads(attachment) == 1


def test_download_by_a_logged_in_visitor_who_is_not_staff_is_counted(client, attachment):
    client.force_login(UserFactory())

    download(client, attachment)

    assert downloads(attachment) == 1


@pytest.mark.parametrize("user_agent", CRAWLERS[:6])
def test_download_by_a_crawler_is_not_counted(client, attachment, user_agent):
    response, body = download(client, attachment, **{"User-Agent": user_agent})

    assert body == CONTENT
    assert downloads(attachment) == 0


def test_download_of_a_drafts_attachment_is_not_found_for_the_public(client):
    attachment = AttachmentFactory(post=PostFactory(status=Status.DRAFT))

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 404
    assert downloads(attachment) == 0


def test_download_of_a_drafts_attachment_works_for_staff(editor_client):
    attachment = AttachmentFactory(post=PostFactory(status=Status.DRAFT), content=CONTENT)

    response, body = download(editor_client, attachment)

    assert body == CONTENT


def test_download_of_an_unknown_attachment_is_not_found(client):
    assert client.get("/en/news/attachments/99999/download/").status_code == 404
