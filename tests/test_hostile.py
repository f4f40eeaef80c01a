"""
A hostile battery against a real server: thousands of requests made by a seeded generator over
every public route and parameter (malformed numbers, huge pages, NUL and other control
characters, invalid percent-escapes and bytes that are not UTF-8, very long values, traversal,
every method, broken Range headers, absurd Host, Accept-Language and cookies), on SQLite and on
PostgreSQL. No answer is a 5xx, and the good requests mixed in get their pages.

Requests are written byte for byte on a socket: an HTTP client would fix or refuse the very
requests this is about. Each database is a fresh one, migrated and filled with the demo content
by `manage.py` as a site's would be, so the suite's own test database is never flushed.
"""

import json
import os
import random
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from tests.servers import PROJECT, SERVER_SETTINGS, gunicorn, instance_environment, manage

pytestmark = pytest.mark.xdist_group("live")

SEED = 8
REQUESTS = 2_400

# Demo content's addresses, read from the database the server uses (printed as JSON).
ROUTES_SCRIPT = """
import json
from events.models import Event, EventAttachment, Photo, Presentation, Speaker
from news.models import Attachment, Post
post = Post.objects.published().filter(attachments__isnull=False, language="en").first()
event = Event.objects.published().filter(photos__isnull=False).first()
slides = Presentation.objects.exclude(slides="").filter(event__in=Event.objects.published())
print(json.dumps({
    "post": post.pk, "post_url": post.get_absolute_url(),
    "attachment": Attachment.objects.filter(post=post).first().pk,
    "event": event.slug,
    "event_attachment": EventAttachment.objects.filter(event__in=Event.objects.published())
    .first().pk,
    "photo": Photo.objects.filter(event=event).first().pk,
    "slides": slides.first().pk if slides.exists() else None,
    "speaker": Speaker.objects.first().slug,
}))
"""

JUNK = [
    "%00",
    "a%00b",
    "%00%00%00",
    "%01",
    "%08",
    "%1F",
    "%7F",
    "%0D%0ASet-Cookie:%20x=1",
    "%zz",
    "%",
    "%4",
    "%E0%A4",
    "%FF",
    "%C0%AF",
    "%ED%A0%80",
    "..",
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "%5C..%5C..%5Cwindows",
    "-1",
    "0",
    "00",
    "1.5",
    "1e9",
    "0x1F",
    "99999999999999999999999999",
    "-99999999999999999999",
    "9223372036854775808",
    "%EF%BC%91",  # a full-width 1
    "%D9%A1",  # an Arabic-Indic 1
    "NaN",
    "inf",
    "a" * 3000,
    "%ED%96%89%EC%82%AC" * 200,
    "%ED%96%89%EC%82%AC",
    "'%20OR%201=1--",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "%F0%9F%98%80",
    "%20",
    "+",
    "%3B",
    "%26%3D",
    "null",
    "[]",
]
NUMBERS = ["1", "2", "3", "9999999", "abc", "-5", "0", "1.0", "1" * 40, "%00", "%FF"]
METHODS = (
    ["GET"] * 12
    + ["HEAD"] * 3
    + [
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "TRACE",
        "TRACK",
        "CONNECT",
        "PROPFIND",
        "FOO",
    ]
)
RANGES = [
    "bytes=5-2",
    "bytes=-",
    "bytes=abc",
    "bytes=0-0," * 200 + "0-0",
    "items=0-1",
    "bytes=99999999999999999999-",
    "bytes=-99999999999999999999",
    "bytes=0-",
    "bytes=-1",
    "bytes= 1 - 2 ",
    "bytes=1-2,3-4",
    "bytes=%00",
    "\x01",
]
HOSTS = [
    "evil.example:99999",
    "localhost:8000:8000",
    "a" * 300,
    "[::1",
    "xn--e1afmkfd.xn--p1ai",
    "127.0.0.1:0",
    "localhost:-1",
    "",
    "example.org/evil",
    "user@evil.example",
]
LANGUAGES = [
    "*;q=abc",
    "x" * 1000,
    "ko-KR;q=0.9," * 100,
    "zz",
    "ko;q=-1",
    "en;q=1e999",
    "ko-KR-x-" + "a" * 200,
    "\t",
    "%00",
]
COOKIES = [
    "sessionid=garbage",
    'sessionid="abcdefgh\\000ijkl"',
    "django_language=xx",
    'django_language="ko\\000"',
    "csrftoken=" + "A" * 5000,
    "seen=%00%FF",
    "=;=;=",
    "a" * 4000,
]


def good_requests(routes):
    """Requests a visitor makes, with the page each must get: (target, method, fragment)."""
    post, event, speaker = routes["post"], routes["event"], routes["speaker"]
    good = [
        ("/robots.txt", "GET", b"Sitemap: http://testserver/sitemap.xml"),
        ("/robots.txt", "HEAD", b""),
        ("/sitemap.xml", "GET", b"<urlset"),
        ("/en/", "GET", b"<html"),
        ("/ko/", "GET", b"<html"),
        ("/en/news/", "GET", b"<html"),
        ("/en/news/?page=2", "GET", b"<html"),
        ("/en/news/?q=colloquium&field=title", "GET", b"<html"),
        ("/ko/news/?q=%ED%96%89%EC%82%AC", "GET", b"<html"),
        ("/en/news/feed/rss/", "GET", b"<rss"),
        ("/en/news/feed/atom/", "GET", b"<feed"),
        (f"/en/news/{post}/", "GET", b"<html"),
        (routes["post_url"], "GET", b"<html"),
        (f"/en/news/attachments/{routes['attachment']}/download/", "GET", b""),
        ("/en/events/", "GET", b"<html"),
        ("/en/events/feed.ics", "GET", b"BEGIN:VCALENDAR"),
        (f"/en/events/{event}/", "GET", b"<html"),
        (f"/en/events/{event}.ics", "GET", b"BEGIN:VCALENDAR"),
        (f"/en/events/attachments/{routes['event_attachment']}/download/", "GET", b""),
        (f"/en/events/photos/{routes['photo']}/download/", "GET", b""),
        (f"/en/people/{speaker}/", "GET", b"<html"),
        ("/static/css/site.css", "GET", b""),
        ("/admin/login/", "GET", b"<html"),
    ]
    if routes["slides"]:
        good.append((f"/en/events/presentations/{routes['slides']}/slides/", "GET", b""))
    return good


def path_templates(routes):
    """Every route with a hole for a hostile value."""
    post = routes["post"]
    return [
        "/en/news/{}/",
        f"/en/news/{post}/{{}}/",
        "/en/news/attachments/{}/download/",
        "/en/events/{}/",
        "/en/events/{}.ics",
        "/en/events/attachments/{}/download/",
        "/en/events/photos/{}/download/",
        "/en/events/presentations/{}/slides/",
        "/en/people/{}/",
        "/ko/people/{}/",
        "/ko/events/{}/",
        "/{}/news/",
        "/{}",
        "/en/{}",
        "/media/{}",
        "/static/{}",
        "/admin/news/post/{}/change/",
        "/i18n/{}",
    ]


QUERY_ROUTES = {
    "/en/news/": ["page", "q", "field", "category", "year"],
    "/ko/news/": ["page", "q", "field", "category", "year"],
    "/en/events/": ["page", "year", "series", "organization"],
    "/en/news/feed/rss/": ["page", "q"],
    "/en/news/feed/atom/": ["q"],
    "/en/events/feed.ics": ["year"],
    "/sitemap.xml": ["p", "section"],
    "/i18n/setlang/": ["language", "next"],
    "/admin/login/": ["next"],
    "/robots.txt": ["x"],
    "/en/": ["page"],
}


def hostile_requests(routes, count, rng):
    """`count` requests as (raw bytes, fragment or None): fragment when it is a good request."""
    good = good_requests(routes)
    templates = path_templates(routes)
    downloads = [target for target, _, _ in good if "/download/" in target or "/slides/" in target]
    requests = []
    while len(requests) < count:
        kind = rng.random()
        headers = {"Host": "testserver", "User-Agent": "hostile/1"}
        body = b""
        method = "GET"
        fragment = None
        if kind < 0.15:
            target, method, fragment = rng.choice(good)
        elif kind < 0.45:
            template = rng.choice(templates)
            target = template.format(rng.choice(JUNK + NUMBERS))
            method = rng.choice(METHODS)
        elif kind < 0.75:
            path = rng.choice(list(QUERY_ROUTES))
            names = QUERY_ROUTES[path] + rng.choice([[], ["%00"], ["x" * 500]])
            pairs = [
                f"{name}={rng.choice(JUNK + NUMBERS)}"
                for name in rng.sample(names, rng.randint(1, len(names)))
            ]
            target = f"{path}?{'&'.join(pairs)}"
            method = rng.choice(["GET"] * 6 + ["HEAD", "POST"])
        elif kind < 0.85:
            target = rng.choice(downloads)
            headers["Range"] = rng.choice(RANGES)
            if rng.random() < 0.5:
                headers["If-Range"] = rng.choice(['"nope"', "Mon, 99 Foo 2020", 'W/"x"', "%00"])
            if rng.random() < 0.3:
                headers["If-None-Match"] = rng.choice(['"x"', "*", "garbage,,,"])
            if rng.random() < 0.3:
                headers["If-Modified-Since"] = rng.choice(
                    ["yesterday", "Sun, 06 Nov 1994 08:49:37 GMT"]
                )
            method = rng.choice(["GET", "GET", "HEAD"])
        else:
            target, method, _ = rng.choice(good)
            header = rng.choice(["Host", "Accept-Language", "Cookie", "Cookie", "Content-Length"])
            if header == "Host":
                headers["Host"] = rng.choice(HOSTS)
            elif header == "Accept-Language":
                headers["Accept-Language"] = rng.choice(LANGUAGES)
            elif header == "Cookie":
                headers["Cookie"] = rng.choice(COOKIES)
            else:
                method = "POST"
                body = b"x" * rng.choice([0, 10, 70_000])
                if rng.random() < 0.3:
                    headers["Transfer-Encoding"] = "chunked"
                    body = b"5\r\nhello\r\n0\r\n\r\n"
                else:
                    headers["Content-Length"] = str(len(body))
        if method == "HEAD" and fragment:
            fragment = b""
        head = f"{method} {target} HTTP/1.1\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in {**headers, "Connection": "close"}.items()
        )
        requests.append((head.encode("utf-8") + b"\r\n" + body, fragment))
    # Bytes no client library sends: raw non-UTF-8, raw controls in the request line.
    for raw in (b"\xff", b"\xc3\x28", b"\x00", b"\x01", b"\x7f", b"\xed\xa0\x80"):
        for template in templates:
            target = template.format("x").replace("x", "").encode() + raw
            requests.append(
                (
                    b"GET "
                    + target
                    + b" HTTP/1.1\r\nHost: testserver\r\nConnection: close\r\n\r\n",
                    None,
                )
            )
    rng.shuffle(requests)
    return requests


def send(port, raw):
    """The status and body of one request sent as these bytes (None: closed without answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(raw)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    response = b"".join(chunks)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    head, _, body = response.partition(b"\r\n\r\n")
    return (int(match[1]) if match else None), head, body


def run_battery(server, routes):
    port = int(server["base"].rsplit(":", 1)[1])
    requests = hostile_requests(routes, REQUESTS, random.Random(SEED))
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda request: send(port, request[0]), requests))
    return requests, answers


def assert_battery(requests, answers, log):
    first_line = [raw.split(b"\r\n", 1)[0][:200] for raw, _ in requests]
    server_errors = [
        (line, status)
        for line, (status, _, _) in zip(first_line, answers, strict=True)
        if status is None or status >= 500
    ]
    failed_pages = [
        (line, status)
        for line, (raw, fragment), (status, _, body) in zip(
            first_line, requests, answers, strict=True
        )
        if fragment is not None and (status != 200 or fragment not in body)
    ]
    assert len(requests) >= 2_000
    assert server_errors == []
    assert failed_pages == []
    assert sum(1 for _, fragment in requests if fragment is not None) >= 300
    # Django logs refused hosts and paths (django.security) with their traceback: not errors.
    assert "Internal Server Error" not in log
    assert "Error handling request" not in log  # gunicorn's word for an exception it caught


def prepared(database_url, folder):
    """A database like a site's: migrated, the demo loaded; returns the demo's addresses."""
    # The server's own settings (tests.servers), so the demo's files land in the folder it serves.
    (folder / "fault_settings.py").write_text(SERVER_SETTINGS)
    env = instance_environment(
        database_url,
        folder / "media",
        # The folder the server (tests.servers.gunicorn) keeps private files in.
        folder / "protected",
        DJANGO_SETTINGS_MODULE="fault_settings",
        PYTHONPATH=os.pathsep.join((str(folder), str(PROJECT))),
        DEBUG="1",
    )

    manage(env, "migrate", "--no-input", timeout=300)
    manage(env, "loaddemo", timeout=300)
    routes = manage(env, "shell", "--no-imports", "-c", ROUTES_SCRIPT, timeout=300)
    return json.loads(routes.splitlines()[-1])


def test_hostile_battery_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    routes = prepared(url, tmp_path)

    with gunicorn(tmp_path, url) as server:
        requests, answers = run_battery(server, routes)
        log = server["log"].read_text()

    assert_battery(requests, answers, log)


@pytest.fixture
def postgres_database():
    """A database of its own on the suite's PostgreSQL server, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "the test database is SQLite; run with DATABASE_URL=postgres://… to test PostgreSQL"
        )
    db = connection.settings_dict
    name = f"{db['NAME']}_hostile"[:63]
    admin = {
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "dbname": "postgres",
    }
    if db.get("PASSWORD"):
        admin["password"] = db["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
        pg.execute(f'CREATE DATABASE "{name}"')
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    yield f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    with psycopg.connect(**admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_hostile_battery_on_postgresql(postgres_database, tmp_path):
    routes = prepared(postgres_database, tmp_path)

    with gunicorn(tmp_path, postgres_database) as server:
        requests, answers = run_battery(server, routes)
        log = server["log"].read_text()

    assert_battery(requests, answers, log)
