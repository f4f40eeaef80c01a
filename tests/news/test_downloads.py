import re
from urllib.parse import quote

import pytest

from colloquium.publishing import Status
from news.models import Attachment
from tests.factories import CHROME, CRAWLERS, AttachmentFactory, PostFactory

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

    # The upload time, and a suffix from the storage when another file took that name.
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/\d{2}/\d{14}(_\w{7})?\.pdf", attachment.file.name)
    assert "붙임" not in attachment.file.name
    assert response["Content-Disposition"].endswith(quote("붙임1_행사안내.pdf"))
    assert body == CONTENT


def test_download_with_an_ascii_name_uses_a_plain_filename(client):
    attachment = AttachmentFactory(upload_name="Annual report 2024.pdf")

    response, _ = download(client, attachment)

    assert response["Content-Disposition"] == 'attachment; filename="Annual report 2024.pdf"'


def test_download_counts_each_get(client, attachment):
    download(client, attachment)
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


@pytest.mark.parametrize("user_agent", CRAWLERS[:6])
def test_download_by_a_crawler_is_not_counted(client, attachment, user_agent):
    response, body = download(client, attachment, **{"User-Agent": user_agent})

    assert body == CONTENT
    assert downloads(attachment) == 0


def test_download_resumed_mid_file_is_not_counted(client, attachment):
    response, body = download(client, attachment, Range="bytes=100-")

    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 100-1023/1024"
    assert response["Content-Length"] == "924"
    assert body == CONTENT[100:]
    assert downloads(attachment) == 0


def test_download_range_from_the_first_byte_counts(client, attachment):
    response, body = download(client, attachment, Range="bytes=0-99")

    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 0-99/1024"
    assert body == CONTENT[:100]
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert downloads(attachment) == 1


@pytest.mark.parametrize(
    ("header", "content_range", "expected"),
    [
        ("bytes=1000-1023", "bytes 1000-1023/1024", CONTENT[1000:]),
        ("bytes=1000-5000", "bytes 1000-1023/1024", CONTENT[1000:]),
        ("bytes=-24", "bytes 1000-1023/1024", CONTENT[1000:]),
        ("bytes=512-512", "bytes 512-512/1024", CONTENT[512:513]),
    ],
)
def test_download_partial_content_has_the_right_bytes(
    client, attachment, header, content_range, expected
):
    response, body = download(client, attachment, Range=header)

    assert response.status_code == 206
    assert response["Content-Range"] == content_range
    assert body == expected


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000"])
def test_download_unsatisfiable_range_is_416(client, attachment, header):
    response, _ = download(client, attachment, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"
    assert downloads(attachment) == 0


@pytest.mark.parametrize("header", ["bytes=0-10,20-30", "items=0-10", "bytes=abc", "garbage"])
def test_download_with_a_range_we_do_not_serve_sends_the_whole_file(client, attachment, header):
    response, body = download(client, attachment, Range=header)

    assert response.status_code == 200
    assert body == CONTENT
    assert downloads(attachment) == 1


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


def test_download_of_a_file_missing_on_disk_is_not_found(client, attachment):
    attachment.file.storage.delete(attachment.file.name)

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 404
    assert downloads(attachment) == 0
