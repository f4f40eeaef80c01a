"""
How a protected file is given out (`colloquium.attachments.serve_download`): RFC 9110 ranges and
conditional requests, the download counter, the security headers, and the hand-off to nginx.

Requests go through the real news attachment view to a real file of recognisable bytes, whose
modification time is pinned so that the ETag and Last-Modified are known values.
"""

import os
from datetime import UTC, datetime

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

from colloquium.attachments import UNSATISFIABLE, parse_range
from colloquium.publishing import Status
from events.models import EventAttachment, Photo
from tests.factories import CHROME, AttachmentFactory, EventAttachmentFactory, PhotoFactory

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 4  # 1024 bytes, each position recognisable
MODIFIED_AT = datetime(2019, 8, 29, 8, 28, 39, tzinfo=UTC)
ETAG = '"5d678cb7-400"'  # nginx's own format: hex modification time, hex size
LAST_MODIFIED = "Thu, 29 Aug 2019 08:28:39 GMT"
HANGUL_DISPOSITION = (
    "attachment; filename*=utf-8''%EB%B6%99%EC%9E%841_%ED%96%89%EC%82%AC%EC%95%88%EB%82%B4.pdf"
)


def pin_modified_time(field_file, moment=MODIFIED_AT):
    path = field_file.storage.path(field_file.name)
    os.utime(path, (moment.timestamp(), moment.timestamp()))


@pytest.fixture
def attachment():
    attachment = AttachmentFactory(upload_name="붙임1_행사안내.pdf", content=CONTENT)
    pin_modified_time(attachment.file)
    return attachment


@pytest.fixture
def nginx(settings):
    settings.PROTECTED_FILES_SERVED_BY = "nginx"
    return settings


def fetch(client, item, method="get", **headers):
    url = item.get_absolute_url()
    response = getattr(client, method)(url, headers={"User-Agent": CHROME, **headers})
    # Reading the whole stream closes the file, as a WSGI server would.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def downloads(item):
    return type(item).objects.get(pk=item.pk).download_count


# Byte ranges (RFC 9110, section 14)


@pytest.mark.parametrize(
    ("header", "content_range", "first", "last", "counted"),
    [
        ("bytes=0-", "bytes 0-1023/1024", 0, 1023, 1),
        ("bytes=0-99", "bytes 0-99/1024", 0, 99, 1),
        ("Bytes=0-1", "bytes 0-1/1024", 0, 1, 1),
        ("bytes=-5000", "bytes 0-1023/1024", 0, 1023, 1),
        (f"bytes=0-{'9' * 5000}", "bytes 0-1023/1024", 0, 1023, 1),
        ("bytes=100-", "bytes 100-1023/1024", 100, 1023, 0),
        ("bytes=1000-5000", "bytes 1000-1023/1024", 1000, 1023, 0),
        ("bytes=-24", "bytes 1000-1023/1024", 1000, 1023, 0),
        ("bytes=512-512", "bytes 512-512/1024", 512, 512, 0),
        ("bytes=1023-1023", "bytes 1023-1023/1024", 1023, 1023, 0),
    ],
)
def test_range_sends_those_bytes_and_counts_only_from_the_first(
    client, attachment, header, content_range, first, last, counted
):
    response, body = fetch(client, attachment, Range=header)

    assert response.status_code == 206
    assert response["Content-Range"] == content_range
    assert response["Content-Length"] == str(last - first + 1)
    assert body == CONTENT[first : last + 1]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == HANGUL_DISPOSITION
    assert response["ETag"] == ETAG
    assert downloads(attachment) == counted


@pytest.mark.parametrize(
    "header",
    [
        "bytes=5-2",
        "bytes=abc",
        "bytes=-",
        "bytes=",
        "bytes=0-10,20-30",
        "bytes=100-200, 300-400",
        "items=0-10",
        "bytes 0-10",
        "bytes=0-10 x",
        "bytes=١٠-",  # Arabic-Indic digits are not digits to HTTP
        "garbage",
    ],
)
def test_range_that_is_invalid_or_several_sends_the_whole_file_and_counts(
    client, attachment, header
):
    response, body = fetch(client, attachment, Range=header)

    assert response.status_code == 200
    assert body == CONTENT
    assert response["Content-Length"] == "1024"
    assert "Content-Range" not in response
    assert downloads(attachment) == 1


@pytest.mark.parametrize(
    "header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0", f"bytes={'9' * 5000}-"]
)
def test_range_past_the_end_is_416_and_not_counted(client, attachment, header):
    response, body = fetch(client, attachment, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"
    assert body == b""
    assert downloads(attachment) == 0


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=0-", UNSATISFIABLE), ("bytes=-0", UNSATISFIABLE), ("bytes=-5", None)],
)
def test_range_of_an_empty_file_is_unsatisfiable_or_the_whole_nothing(header, expected):
    assert parse_range(header, 0) == expected


def test_download_says_it_accepts_ranges(client, attachment):
    response, body = fetch(client, attachment)

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert body == CONTENT


# If-Range (RFC 9110, section 13.1.5)


@pytest.mark.parametrize("if_range", [ETAG, LAST_MODIFIED])
def test_if_range_that_matches_resumes_without_counting(client, attachment, if_range):
    response, body = fetch(client, attachment, Range="bytes=100-", **{"If-Range": if_range})

    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 100-1023/1024"
    assert body == CONTENT[100:]
    assert downloads(attachment) == 0


@pytest.mark.parametrize(
    "if_range",
    [
        '"5d678cb7-3ff"',  # another version's tag
        f"W/{ETAG}",  # a weak tag never matches
        "Thu, 29 Aug 2019 08:28:40 GMT",  # a date must match exactly, a later one too
        "Thu, 29 Aug 2019 08:28:38 GMT",
        "yesterday",
    ],
)
def test_if_range_that_does_not_match_sends_the_whole_file_and_counts(client, attachment, if_range):
    response, body = fetch(client, attachment, Range="bytes=100-", **{"If-Range": if_range})

    assert response.status_code == 200
    assert body == CONTENT
    assert "Content-Range" not in response
    assert downloads(attachment) == 1


def test_if_range_that_does_not_match_overrides_an_unsatisfiable_range(client, attachment):
    response, body = fetch(client, attachment, Range="bytes=5000-", **{"If-Range": '"old"'})

    assert response.status_code == 200
    assert body == CONTENT
    assert downloads(attachment) == 1


def test_if_range_without_a_range_is_ignored(client, attachment):
    response, body = fetch(client, attachment, **{"If-Range": '"old"'})

    assert response.status_code == 200
    assert body == CONTENT
    assert downloads(attachment) == 1


def test_if_range_with_the_old_etag_gets_the_replaced_file_whole(client, attachment):
    replacement = b"%PDF-1.7 the second version" * 10
    attachment.file.save("report-v2.pdf", ContentFile(replacement))
    pin_modified_time(attachment.file, datetime(2019, 9, 2, 9, 0, tzinfo=UTC))

    response, body = fetch(client, attachment, Range="bytes=100-", **{"If-Range": ETAG})

    assert response.status_code == 200
    assert body == replacement
    assert response["ETag"] == '"5d6cda10-10e"'
    assert response["Last-Modified"] == "Mon, 02 Sep 2019 09:00:00 GMT"
    assert downloads(attachment) == 1


@pytest.mark.xdist_group("live")
@pytest.mark.django_db(transaction=True)
def test_interrupted_download_resumes_through_a_real_server(live_server):
    attachment = AttachmentFactory(upload_name="붙임1_행사안내.pdf", content=CONTENT)
    url = live_server.url + attachment.get_absolute_url()

    with httpx.Client(headers={"User-Agent": CHROME}) as browser:
        head = browser.head(url)
        with browser.stream("GET", url) as first:
            start = next(first.iter_raw(100))[:100]
        rest = browser.get(url, headers={"Range": "bytes=100-", "If-Range": first.headers["ETag"]})

    assert (head.status_code, head.headers["Content-Length"], head.content) == (200, "1024", b"")
    assert (first.status_code, rest.status_code) == (200, 206)
    assert rest.headers["Content-Range"] == "bytes 100-1023/1024"
    assert start + rest.content == CONTENT
    assert downloads(attachment) == 1


# Validators and conditional GET (RFC 9110, section 13.1)


def test_download_sends_etag_and_last_modified_of_the_file(client, attachment):
    response, _ = fetch(client, attachment)

    assert response["ETag"] == ETAG
    assert response["Last-Modified"] == LAST_MODIFIED


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": ETAG},
        {"If-None-Match": f'"other", W/{ETAG}'},  # If-None-Match compares weakly
        {"If-None-Match": "*"},
        {"If-Modified-Since": LAST_MODIFIED},
        {"If-Modified-Since": "Fri, 30 Aug 2019 00:00:00 GMT"},
    ],
)
def test_conditional_get_for_the_current_file_is_304_and_not_counted(client, attachment, headers):
    response, body = fetch(client, attachment, **headers)

    assert response.status_code == 304
    assert body == b""
    assert response["ETag"] == ETAG
    assert response["Last-Modified"] == LAST_MODIFIED
    assert response["Cache-Control"] == "private, no-cache"
    assert downloads(attachment) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": '"5d678cb7-3ff"'},
        {"If-Modified-Since": "Wed, 28 Aug 2019 08:28:39 GMT"},
        # If-None-Match decides when both are sent: this file is not the client's copy.
        {"If-None-Match": '"5d678cb7-3ff"', "If-Modified-Since": LAST_MODIFIED},
    ],
)
def test_conditional_get_for_a_changed_file_sends_it_and_counts(client, attachment, headers):
    response, body = fetch(client, attachment, **headers)

    assert response.status_code == 200
    assert body == CONTENT
    assert downloads(attachment) == 1


def test_if_match_another_version_is_412_and_not_counted(client, attachment):
    response, _ = fetch(client, attachment, **{"If-Match": '"5d678cb7-3ff"'})

    assert response.status_code == 412
    assert downloads(attachment) == 0


# Methods


@pytest.mark.parametrize("headers", [{}, {"Range": "bytes=0-99"}, {"Range": "bytes=100-"}])
def test_head_answers_like_a_whole_get_without_a_body_and_is_never_counted(
    client, attachment, headers
):
    response, body = fetch(client, attachment, method="head", **headers)

    assert response.status_code == 200
    assert body == b""
    assert response["Content-Length"] == "1024"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == HANGUL_DISPOSITION
    assert response["ETag"] == ETAG
    assert response["Accept-Ranges"] == "bytes"
    assert downloads(attachment) == 0


@pytest.mark.parametrize("method", ["post", "put", "delete", "options"])
def test_other_methods_are_not_allowed(client, attachment, method):
    response, _ = fetch(client, attachment, method=method)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert downloads(attachment) == 0


# The download counter, request by request


def test_download_count_follows_each_kind_of_request(client, attachment):
    counts = []
    # Each request from a new visitor: one visitor's downloads count once a day.
    for method, headers in [
        ("get", {}),
        ("get", {"Range": "bytes=0-"}),
        ("head", {}),
        ("get", {"Range": "bytes=100-"}),
        ("get", {"If-None-Match": ETAG}),
        ("get", {"Range": "bytes=100-", "If-Range": '"old"'}),
    ]:
        client.cookies.clear()
        fetch(client, attachment, method=method, **headers)
        counts.append(downloads(attachment))

    assert counts == [1, 2, 2, 2, 2, 3]


# What the response lets a browser do with the file


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({}, b"<script>alert(1)</script>"), ({"Range": "bytes=0-7"}, b"<script>")],
)
def test_file_is_always_an_attachment_in_a_sandbox_and_never_sniffed(client, headers, expected):
    page = AttachmentFactory(upload_name="notes.txt", content=b"<script>alert(1)</script>")

    response, body = fetch(client, page, **headers)

    assert body == expected
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-cache"


def test_file_of_a_draft_sent_to_staff_is_private(editor_client):
    draft = AttachmentFactory(post__status=Status.DRAFT, content=CONTENT)

    response, body = fetch(editor_client, draft)

    assert body == CONTENT
    assert response["Cache-Control"] == "private, no-cache"


# A file missing on disk


@pytest.mark.parametrize("served_by", ["django", "nginx"])
@pytest.mark.parametrize("headers", [{}, {"Range": "bytes=0-9"}])
def test_file_missing_on_disk_is_not_found_in_both_modes(
    client, settings, attachment, served_by, headers
):
    settings.PROTECTED_FILES_SERVED_BY = served_by
    attachment.file.storage.delete(attachment.file.name)

    response, _ = fetch(client, attachment, **headers)

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
    assert downloads(attachment) == 0


# The hand-off to nginx (PROTECTED_FILES_SERVED_BY = "nginx")


def stored_as(item, name, field="file"):
    """Put `item`'s file under the stored name `name`, as the storage would have named it."""
    field_file = getattr(item, field)
    stored = field_file.storage.save(name, ContentFile(CONTENT))
    type(item).objects.filter(pk=item.pk).update(**{field: stored})
    item.refresh_from_db()
    pin_modified_time(getattr(item, field))
    return stored


def test_nginx_mode_hands_the_file_over_with_exact_headers_and_counts_once(
    client, nginx, attachment
):
    stored_as(attachment, "attachments/2019/08/29/20190829172839.pdf")

    response, body = fetch(client, attachment)

    assert response.status_code == 200
    assert body == b""
    assert {
        header: response.get(header)
        for header in (
            "X-Accel-Redirect",
            "Content-Type",
            "Content-Disposition",
            "Cache-Control",
            "ETag",
            "Last-Modified",
            "X-Content-Type-Options",
            "Content-Security-Policy",
            "Accept-Ranges",
            "Content-Range",
        )
    } == {
        "X-Accel-Redirect": "/protected/attachments/2019/08/29/20190829172839.pdf",
        "Content-Type": "application/pdf",
        "Content-Disposition": HANGUL_DISPOSITION,
        "Cache-Control": "private, no-cache",
        "ETag": ETAG,
        "Last-Modified": LAST_MODIFIED,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Accept-Ranges": None,  # nginx sends its own
        "Content-Range": None,  # nginx answers the range
    }
    assert downloads(attachment) == 1


def test_nginx_mode_percent_encodes_each_segment_of_a_hangul_stored_name(client, nginx, attachment):
    stored_as(attachment, "attachments/2026/붙임 1#%?.pdf")

    response, _ = fetch(client, attachment)

    assert response["X-Accel-Redirect"] == (
        "/protected/attachments/2026/%EB%B6%99%EC%9E%84%201%23%25%3F.pdf"
    )
    assert response["Content-Disposition"] == HANGUL_DISPOSITION


def test_nginx_mode_uses_the_internal_url_setting(client, nginx, attachment):
    nginx.PROTECTED_FILES_INTERNAL_URL = "/_files/private/"
    stored_as(attachment, "attachments/a.pdf")

    response, _ = fetch(client, attachment)

    assert response["X-Accel-Redirect"] == "/_files/private/attachments/a.pdf"


@pytest.mark.parametrize(
    ("headers", "counted"),
    [
        ({"Range": "bytes=100-"}, 0),
        ({"Range": "bytes=0-"}, 1),
        ({"Range": "bytes=0-99"}, 1),
        ({"Range": "bytes=-24"}, 0),
        ({"Range": "bytes=100-", "If-Range": ETAG}, 0),
        ({"Range": "bytes=100-", "If-Range": '"old"'}, 1),
        ({"Range": "bytes=100-", "If-Range": LAST_MODIFIED}, 0),
    ],
)
def test_nginx_mode_hands_over_ranges_and_counts_only_from_the_first_byte(
    client, nginx, attachment, headers, counted
):
    response, body = fetch(client, attachment, **headers)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"].startswith("/protected/attachments/")
    assert body == b""
    assert downloads(attachment) == counted


@pytest.mark.parametrize("header", ["bytes=5-2", "bytes=abc", "bytes=0-10,20-30"])
def test_nginx_mode_streams_itself_a_range_it_ignores(client, nginx, attachment, header):
    # nginx would answer these with a 416 or several parts; RFC 9110 wants the whole file.
    response, body = fetch(client, attachment, Range=header)

    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert body == CONTENT
    assert response["Content-Disposition"] == HANGUL_DISPOSITION
    assert downloads(attachment) == 1


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("head", {}, 200),
        ("get", {"If-None-Match": ETAG}, 304),
        ("get", {"If-Modified-Since": LAST_MODIFIED}, 304),
        ("get", {"Range": "bytes=2000-"}, 416),
    ],
)
def test_nginx_mode_answers_head_304_and_416_itself_without_counting(
    client, nginx, attachment, method, headers, status
):
    response, body = fetch(client, attachment, method=method, **headers)

    assert response.status_code == status
    assert "X-Accel-Redirect" not in response
    assert body == b""
    assert downloads(attachment) == 0


def test_nginx_mode_hands_over_event_files_and_photos(client, nginx):
    attachment = EventAttachmentFactory(upload_name="행사안내.pdf", content=CONTENT)
    photo = PhotoFactory()

    file_response = client.get(attachment.get_absolute_url(), headers={"User-Agent": CHROME})
    photo_response = client.get(photo.download_url, headers={"User-Agent": CHROME})

    assert file_response["X-Accel-Redirect"] == f"/protected/{attachment.file.name}"
    assert file_response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%ED%96%89%EC%82%AC%EC%95%88%EB%82%B4.pdf"
    )
    assert photo_response["X-Accel-Redirect"] == f"/protected/{photo.image.name}"
    assert photo_response["Content-Type"] == "image/jpeg"
    assert EventAttachment.objects.get(pk=attachment.pk).download_count == 1
    assert Photo.objects.get(pk=photo.pk).download_count == 1


# The settings


@pytest.fixture
def debug_settings(load_settings):
    return lambda **env: load_settings(DEBUG="1", **env)


def test_settings_serve_protected_files_from_django_by_default(debug_settings):
    loaded = debug_settings()

    assert loaded["PROTECTED_FILES_SERVED_BY"] == "django"
    assert loaded["PROTECTED_FILES_INTERNAL_URL"] == "/protected/"


def test_settings_take_nginx_and_an_internal_url(debug_settings):
    loaded = debug_settings(
        PROTECTED_FILES_SERVED_BY="nginx", PROTECTED_FILES_INTERNAL_URL="/internal/files/"
    )

    assert loaded["PROTECTED_FILES_SERVED_BY"] == "nginx"
    assert loaded["PROTECTED_FILES_INTERNAL_URL"] == "/internal/files/"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PROTECTED_FILES_SERVED_BY": "apache"},
            "PROTECTED_FILES_SERVED_BY='apache' is not django or nginx.",
        ),
        (
            {"PROTECTED_FILES_INTERNAL_URL": "protected"},
            "PROTECTED_FILES_INTERNAL_URL='protected' is not a path that starts and ends with a "
            "slash, such as /protected/.",
        ),
    ],
)
def test_settings_refuse_a_junk_protected_files_value(debug_settings, env, message):
    with pytest.raises(ImproperlyConfigured) as error:
        debug_settings(**env)

    assert str(error.value) == message
