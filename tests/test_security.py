"""
The request's edge (colloquium.security), the security headers and SITE_URL, through Django's
test client on the demo content; the same requests against a real server are tests/test_hostile.py.
"""

import re
import socket

import httpx
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from events.models import Event, EventAttachment, Photo, Presentation, Speaker
from news.models import Attachment, Post
from tests.factories import EditorFactory
from tests.servers import gunicorn

pytestmark = pytest.mark.django_db

EVIL_HOST = "evil.example:8443"


@pytest.fixture
def public_urls(module_demo):
    """One address of every public route, on the demo content: each answers GET with 200."""
    post = Post.objects.published().filter(attachments__isnull=False).first()
    event = Event.objects.published().filter(photos__isnull=False).first()
    slides = Presentation.objects.filter(event__in=Event.objects.published()).exclude(slides="")
    return [
        "/robots.txt",
        "/sitemap.xml",
        "/en/",
        "/ko/",
        "/en/news/",
        "/en/news/?page=2",
        "/en/news/feed/rss/",
        "/en/news/feed/atom/",
        post.get_absolute_url(),
        Attachment.objects.filter(post=post).first().get_absolute_url(),
        "/en/events/",
        "/en/events/feed.ics",
        event.get_absolute_url(),
        reverse("events:event-ical", args=[event.slug]),
        Photo.objects.filter(event=event).first().get_absolute_url(),
        *[e.get_absolute_url() for e in EventAttachment.objects.filter(event=event)[:1]],
        *[reverse("events:slides-download", args=[p.pk]) for p in slides[:1]],
        Speaker.objects.first().get_absolute_url(),
    ]


def test_head_answers_wherever_get_does(client, public_urls):
    answers = {}
    for url in public_urls:
        statuses = []
        for method in (client.get, client.head):
            response = method(url)
            statuses.append(response.status_code)
            if response.streaming:
                # Read to the end, which closes the file. Not response.close(): outside the
                # client's own wrapper that signals request_finished, whose handler closes the
                # PostgreSQL connection in the middle of the module's demo transaction.
                b"".join(response.streaming_content)
        answers[url] = tuple(statuses)

    assert answers == dict.fromkeys(public_urls, (200, 200))


def test_head_robots_txt_is_200_with_no_body(client):
    response = client.head("/robots.txt")

    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT"])
def test_trace_and_connect_are_refused_without_echo(client, public_urls, method):
    answers = {
        url: client.generic(method, url, HTTP_X_PROBE="echo-me")
        for url in [*public_urls, "/admin/"]
    }

    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(answers, 405)
    assert {r.content for r in answers.values()} == {b""}
    assert {r["Allow"] for r in answers.values()} == {"GET, HEAD, POST, OPTIONS"}


HOSTILE_PATHS = [
    "/en/events/%00/",
    "/en/people/a%00b/",
    "/en/news/1/%00/",
    "/en/events/%00.ics",
    "/en/events/a%01b/",
    "/en/people/%7F/",
    "/admin/news/post/%00/change/",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_nul_control_and_non_utf8_paths_are_400(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert response.content.decode() == (
        "This address contains characters that no page of the site uses.\n"
    )


# Django itself re-escapes bytes that are not UTF-8 in a path ("%FF" stays "%FF"), which then
# names no page on either database.
@pytest.mark.parametrize(
    "path",
    [
        "/en/events/%FF/",
        "/en/people/%C3%28/",  # a broken two-byte sequence
        "/en/news/%ED%A0%80/",  # an encoded surrogate: not UTF-8 either
        "/en/events/%FF.ics",
    ],
)
def test_non_utf8_paths_are_404(client, path):
    response = client.get(path)

    assert response.status_code == 404


HOSTILE_QUERIES = [
    "q=%00",
    "q=Post%00",
    "category=%00",
    "year=%00",
    "page=%00",
    "q=%01",
    "q=%FF",
    "q=%C0%AF",  # an overlong "/": not UTF-8
    "%00=x",
    "q=x&series=a%00",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
@pytest.mark.parametrize("path", ["/en/news/", "/en/events/", "/en/news/feed/rss/", "/sitemap.xml"])
def test_nul_control_and_non_utf8_parameters_are_400(client, path, query):
    response = client.get(f"{path}?{query}")

    assert response.status_code == 400


def test_korean_pages_refuse_in_korean(client):
    response = client.get("/ko/events/%00/")

    assert response.status_code == 400
    assert response.content.decode() == (
        "이 주소에는 사이트의 어떤 페이지에도 쓰이지 않는 문자가 들어 있습니다.\n"
    )


@pytest.mark.parametrize(
    "query",
    ["status=%00", "q=%00", "language__exact=%00", "o=%00", "p=%00", "q=%FF", "e=%01"],
)
def test_admin_filters_and_search_refuse_nul_and_non_utf8(editor_client, query):
    response = editor_client.get(f"/admin/news/post/?{query}")

    assert response.status_code == 400


def test_admin_autocomplete_refuses_nul(editor_client):
    response = editor_client.get(
        "/admin/autocomplete/?term=%00&app_label=news&model_name=post&field_name=translation_of"
    )

    assert response.status_code == 400


@pytest.mark.parametrize("query", ["q=%09Post", "q=Post%0A"])
def test_tab_and_line_break_in_a_search_are_left_to_the_form(client, query):
    response = client.get(f"/en/news/?{query}")

    assert response.status_code == 200


def test_plain_and_korean_parameters_pass(client):
    response = client.get("/en/news/?q=%ED%96%89%EC%82%AC&year=abc&page=%25zz")

    assert response.status_code == 200


def test_a_cookie_with_a_nul_byte_is_ignored(client, module_demo):
    post = Post.objects.published().first()
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    client.cookies["django_language"] = "ko\x00"

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200


def test_anonymous_post_over_the_public_limit_is_413(client):
    client.get("/en/news/")  # the visitor's CSRF cookie, as the attacker had
    body = b"x" * (settings.PUBLIC_MAX_BODY_SIZE + 1)

    response = client.generic("POST", "/en/news/", body, content_type="application/octet-stream")

    assert response.status_code == 413
    assert response.content.decode() == "This request is larger than this page accepts.\n"


def test_anonymous_post_to_the_admin_over_the_public_limit_is_413(client):
    body = b"x" * (settings.PUBLIC_MAX_BODY_SIZE + 1)

    response = client.generic(
        "POST", "/admin/login/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413


def test_language_switch_within_the_public_limit_works(client):
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/en/news/"})

    assert response.status_code == 302
    assert response["Location"] == "/ko/news/"


@override_settings(PUBLIC_MAX_BODY_SIZE=1024, ADMIN_MAX_BODY_SIZE=100_000)
def test_staff_may_send_the_admin_an_upload_up_to_the_admin_limit(editor_client):
    body = b"x" * 50_000

    response = editor_client.generic(
        "POST", "/admin/editor/upload/", body, content_type="application/octet-stream"
    )

    # The upload view itself answers (not an image: its own 400 in CKEditor's JSON).
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@override_settings(PUBLIC_MAX_BODY_SIZE=1024, ADMIN_MAX_BODY_SIZE=100_000)
def test_staff_body_over_the_admin_limit_is_413(editor_client):
    body = b"x" * 100_001

    response = editor_client.generic(
        "POST", "/admin/editor/upload/", body, content_type="application/octet-stream"
    )

    assert response.status_code == 413


@override_settings(PUBLIC_MAX_BODY_SIZE=1024)
def test_non_staff_user_gets_only_the_public_limit_in_the_admin(client):
    user = EditorFactory(is_staff=False)
    client.force_login(user)

    response = client.generic(
        "POST", "/admin/editor/upload/", b"x" * 2048, content_type="application/octet-stream"
    )

    assert response.status_code == 413


def test_a_body_without_content_length_is_411(client):
    response = client.generic("POST", "/en/news/", HTTP_TRANSFER_ENCODING="chunked")

    assert response.status_code == 411


def test_an_invalid_content_length_is_400(client):
    response = client.generic("POST", "/en/news/", CONTENT_LENGTH="-5")

    assert response.status_code == 400


def test_pages_carry_a_permissions_policy(client):
    response = client.get("/en/news/")

    policy = response["Permissions-Policy"]
    assert "camera=()" in policy
    assert "geolocation=()" in policy
    assert "microphone=()" in policy


def test_language_cookie_is_http_only_and_same_site_lax(client):
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/"})

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.fixture
def host_urls(public_urls):
    """The pages, feeds and files that carry absolute addresses."""
    return [url for url in public_urls if "/download/" not in url and "/slides/" not in url]


def test_no_page_echoes_the_host_header(client, host_urls):
    bodies = {url: client.get(url, HTTP_HOST=EVIL_HOST).content.decode() for url in host_urls}

    assert {url for url, body in bodies.items() if "evil.example" in body} == set()


def test_absolute_addresses_come_from_site_url(client, module_demo):
    post = Post.objects.published().filter(language="en").first()

    page = client.get(post.get_absolute_url(), HTTP_HOST=EVIL_HOST).content.decode()
    robots = client.get("/robots.txt", HTTP_HOST=EVIL_HOST).content.decode()
    feed = client.get("/en/news/feed/atom/", HTTP_HOST=EVIL_HOST).content.decode()
    sitemap = client.get("/sitemap.xml", HTTP_HOST=EVIL_HOST).content.decode()

    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', page)[1]
    assert canonical == f"http://testserver{post.get_absolute_url()}"
    assert f'<meta property="og:url" content="http://testserver{post.get_absolute_url()}">' in page
    assert "Sitemap: http://testserver/sitemap.xml" in robots
    assert '<link href="http://testserver/en/news/feed/atom/" rel="self"' in feed
    assert f"<loc>http://testserver{post.get_absolute_url()}</loc>" in sitemap


@override_settings(SITE_URL="https://news.example.org")
def test_site_url_gives_scheme_and_host_to_calendars_and_sitemaps(client, module_demo):
    event = Event.objects.published().first()

    ics = client.get("/en/events/feed.ics", HTTP_HOST=EVIL_HOST).content.decode()
    sitemap = client.get("/sitemap.xml", HTTP_HOST=EVIL_HOST).content.decode()

    assert f"URL:https://news.example.org{event.get_absolute_url()}" in ics.replace("\r\n ", "")
    assert "<loc>https://news.example.org/en/</loc>" in sitemap
    assert "http://" not in re.sub(r'xmlns(:\w+)?="[^"]+"', "", sitemap)


def test_site_url_is_required_in_production(load_settings):
    with pytest.raises(ImproperlyConfigured, match="Set SITE_URL to the site's public address"):
        load_settings(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="news.example.org")


def test_site_url_defaults_to_the_local_server_in_debug(load_settings):
    assert load_settings(DEBUG="1")["SITE_URL"] == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://news.example.org", "https://news.example.org"),
        ("https://news.example.org/", "https://news.example.org"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
    ],
)
def test_site_url_keeps_scheme_host_and_port(load_settings, value, expected):
    assert load_settings(DEBUG="1", SITE_URL=value)["SITE_URL"] == expected


@pytest.mark.parametrize(
    "value",
    [
        "news.example.org",
        "ftp://news.example.org",
        "https://",
        "https://x.org/news/",
        "https://x.org/?a=1",
    ],
)
def test_site_url_must_be_a_scheme_and_host(load_settings, value):
    with pytest.raises(ImproperlyConfigured, match="is not a scheme and host"):
        load_settings(DEBUG="1", SITE_URL=value)


@pytest.fixture(scope="module")
def edge_server(tmp_path_factory):
    """gunicorn in front of no database at all: what the edge refuses needs none."""
    folder = tmp_path_factory.mktemp("edge")
    with gunicorn(folder, f"sqlite:///{folder / 'never-opened.sqlite3'}") as server:
        server["port"] = int(server["base"].rsplit(":", 1)[1])
        yield server


def first_answer(port, raw, timeout=10):
    """What the server answers to `raw` before the client sends anything more."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        answer = b""
        while b"\r\n\r\n" not in answer and (data := sock.recv(65536)):
            answer += data
    return answer


@pytest.mark.xdist_group("live")
def test_live_60_mib_anonymous_post_is_refused_before_its_body_is_sent(edge_server):
    # A visitor's CSRF cookie, a 60 MiB multipart upload announced, and only its first KiB sent:
    # the answer comes without the server waiting for (or writing) the rest.
    head = (
        "POST /en/news/ HTTP/1.1\r\nHost: testserver\r\n"
        "Cookie: csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF\r\n"
        "Content-Type: multipart/form-data; boundary=XyZ\r\n"
        f"Content-Length: {60 * 1024 * 1024}\r\n\r\n"
    )
    body_start = b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n'

    answer = first_answer(edge_server["port"], head.encode() + body_start + b"\0" * 1024)

    assert answer.startswith(b"HTTP/1.1 413 ")


@pytest.mark.xdist_group("live")
def test_live_chunked_body_is_411(edge_server):
    raw = (
        b"POST /en/news/ HTTP/1.1\r\nHost: testserver\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    )

    assert first_answer(edge_server["port"], raw).startswith(b"HTTP/1.1 411 ")


@pytest.mark.xdist_group("live")
def test_live_trace_is_405_and_echoes_nothing(edge_server):
    response = httpx.request(
        "TRACE", edge_server["base"] + "/robots.txt", headers={"X-Probe": "echo-me"}
    )

    assert response.status_code == 405
    assert response.content == b""


@pytest.mark.xdist_group("live")
def test_live_head_robots_txt_is_200(edge_server):
    response = httpx.head(edge_server["base"] + "/robots.txt")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
