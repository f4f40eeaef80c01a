"""
The deployment as the README builds it: Debian's nginx running deploy/nginx/colloquium.conf (only
its paths and ports replaced) in front of TWO gunicorn servers started with
deploy/gunicorn.conf.py, sharing one PostgreSQL database and one Redis, with protected files
handed to nginx (PROTECTED_FILES_SERVED_BY=nginx) and the client's address read behind one proxy
(TRUSTED_PROXY_COUNT=1). Every request goes through nginx over TLS (a certificate made here).
"""

import getpass
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.utils.http import content_disposition_header

from news.models import Attachment, Post
from tests.factories import CHROME, AttachmentFactory, PostFactory
from tests.servers import PROJECT, free_port, gunicorn, instance_environment, manage

NGINX = Path("/usr/sbin/nginx")
SITE = PROJECT / "deploy" / "nginx" / "colloquium.conf"
GUNICORN_CONF = PROJECT / "deploy" / "gunicorn.conf.py"
HOST = "news.example.org"
REDIS_URL = "redis://127.0.0.1:6379/1"
VISITORS = 40
# A file bigger than one range's worth, with bytes that show where a range starts.
CONTENT = b"%PDF-1.4\n" + bytes(range(256)) * 40
HANGUL_NAME = "붙임1 2026년 연구 보고서.pdf"

pytestmark = [pytest.mark.xdist_group("live"), pytest.mark.django_db(transaction=True)]


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        return None
    return client


@pytest.fixture(scope="module")
def redis_db():
    client = _redis()
    if client is None:
        pytest.skip("Redis does not answer at 127.0.0.1:6379: the nginx deployment test skipped")
    return client


@pytest.fixture(autouse=True)
def _fresh_redis(deployment, redis_db):
    # Redis database 1 is this test's: no cached page, buffered count or per-address tally of an
    # earlier test (whose rows, with the same keys, the flush removed) may reach this one.
    redis_db.flushdb()


def _ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def substitute(text, replacements):
    """`text` with each key replaced by its value; each key must be there (the file changed?)."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in {SITE.name}: update the test's replacements"
        text = text.replace(old, new)
    return text


def site_config(folder, http_port, https_port, app_ports):
    """The shipped site with this machine's paths and ports, and nothing else changed."""
    ipv6 = _ipv6_loopback()
    return substitute(
        SITE.read_text(),
        {
            "server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;": " ".join(
                f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in app_ports
            ),
            "/srv/colloquium/static/": f"{folder / 'static'}/",
            "/srv/colloquium/media/": f"{settings.MEDIA_ROOT}/",
            "/srv/colloquium/protected/": f"{settings.PROTECTED_MEDIA_ROOT}/",
            "/srv/colloquium/acme": str(folder / "acme"),
            f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(folder / "cert.pem"),
            f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(folder / "key.pem"),
            "listen 80": f"listen 127.0.0.1:{http_port}",
            "listen 443": f"listen 127.0.0.1:{https_port}",
            # Where the machine has no IPv6 the [::] lines cannot bind: they are left out.
            "listen [::]:80": f"listen [::1]:{http_port}" if ipv6 else "# no IPv6:",
            "listen [::]:443": f"listen [::1]:{https_port}" if ipv6 else "# no IPv6:",
        },
    )


# What Debian's /etc/nginx/nginx.conf gives a site, with this test's folder for everything nginx
# writes, and a log line naming the app server that answered and the request id it was given.
MAIN_CONFIG = """
{user}
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    log_format upstreams '$request_id $upstream_addr $status "$request"';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {folder}/colloquium.conf;
}}
"""


@pytest.fixture(scope="module")
def deployment(django_db_setup, django_db_blocker, redis_db, tmp_path_factory):
    if not NGINX.is_file() or shutil.which("openssl") is None:
        pytest.skip("Debian's nginx or openssl is not installed (apt-get install nginx openssl)")
    if connection.vendor != "postgresql":
        pytest.skip("the test database is SQLite; the deployment runs on PostgreSQL")
    folder = tmp_path_factory.mktemp("deployment")
    (folder / "tmp").mkdir()
    (folder / "acme").mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", folder / "key.pem", "-out", folder / "cert.pem", "-subj", f"/CN={HOST}"]
        + ["-addext", f"subjectAltName=DNS:{HOST}"],
        check=True,
        capture_output=True,
    )
    # collectstatic as the README runs it: production settings, WhiteNoise's hashed names.
    static_env = instance_environment(
        "sqlite:////nonexistent/never-opened.sqlite3",
        folder / "unused-media",
        folder / "unused-protected",
        DEBUG="0",
        SECRET_KEY="tests-only-not-secret",
        SITE_URL=f"https://{HOST}",
        STATIC_ROOT=str(folder / "static"),
    )
    manage(static_env, "collectstatic", "--no-input", "-v0")

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    server_env = {
        "REDIS_URL": REDIS_URL,
        "PROTECTED_FILES_SERVED_BY": "nginx",
        "TRUSTED_PROXY_COUNT": "1",
        # Every visitor of this test comes from 127.0.0.1 without a cookie.
        "COUNTS_PER_ADDRESS_PER_DAY": "100000",
        "SITE_URL": f"https://{HOST}",
        "ALLOWED_HOSTS": HOST,
        # As in production: HTTPS only, known from nginx's X-Forwarded-Proto.
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_PROXY_SSL_HEADER": "1",
    }
    settings.PROTECTED_MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    apps = []
    for name in ("app1", "app2"):
        apps.append(folder / name)
        apps[-1].mkdir()
        # Both servers keep their files where this test process writes them.
        (apps[-1] / "media").symlink_to(settings.MEDIA_ROOT)
        (apps[-1] / "protected").symlink_to(settings.PROTECTED_MEDIA_ROOT)

    with (
        gunicorn(apps[0], url, config=GUNICORN_CONF, threads=4, **server_env) as app1,
        gunicorn(apps[1], url, config=GUNICORN_CONF, threads=4, **server_env) as app2,
    ):
        ports = [int(app["base"].rsplit(":", 1)[1]) for app in (app1, app2)]
        http_port, https_port = free_port(), free_port()
        (folder / "colloquium.conf").write_text(site_config(folder, http_port, https_port, ports))
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(MAIN_CONFIG.format(folder=folder, user=user))
        nginx_log = (folder / "nginx.out").open("w+")
        nginx = subprocess.Popen(
            [NGINX, "-p", folder, "-c", folder / "nginx.conf", "-g", "daemon off;"],
            stdout=nginx_log,
            stderr=subprocess.STDOUT,
        )
        tls = ssl.create_default_context(cafile=folder / "cert.pem")
        try:
            _wait_for_nginx(nginx, https_port, folder)
            yield {
                "https": f"https://127.0.0.1:{https_port}",
                "http": f"http://127.0.0.1:{http_port}",
                "tls": tls,
                "apps": {port: app["log"] for port, app in zip(ports, (app1, app2), strict=True)},
                "access_log": folder / "access.log",
                "static": folder / "static",
                "manage_env": instance_environment(
                    url,
                    settings.MEDIA_ROOT,
                    settings.PROTECTED_MEDIA_ROOT,
                    **server_env,
                    DEBUG="0",
                    SECRET_KEY="tests-only-not-secret",
                ),
            }
        finally:
            nginx.send_signal(signal.SIGTERM)
            nginx.wait(timeout=10)
            nginx_log.close()


def _wait_for_nginx(nginx, port, folder):
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert nginx.poll() is None, (folder / "nginx.out").read_text() + (
                (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
            )
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)  # waiting for a process to listen, not for the clock


def visitor(deployment, **headers):
    """A browser on its first visit (no cookie), reaching the site by its name over TLS."""
    return httpx.Client(
        base_url=deployment["https"],
        headers={"Host": HOST, "User-Agent": CHROME, **headers},
        verify=deployment["tls"],
        timeout=60,
    )


def get(client, path, **kwargs):
    # The certificate is the site's: the TLS handshake names it (SNI), not the loopback address.
    return client.get(path, extensions={"sni_hostname": HOST}, **kwargs)


def stored_count(deployment, model, pk, field):
    """The counter in the database, once the increments buffered in Redis are folded in."""
    manage(deployment["manage_env"], "flushcounters")
    return model._base_manager.values_list(field, flat=True).get(pk=pk)


def test_http_is_redirected_to_https(deployment):
    response = httpx.get(f"{deployment['http']}/en/news/?page=2", headers={"Host": HOST})

    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}/en/news/?page=2"


def test_another_host_name_gets_no_answer(deployment):
    # HTTP: nginx closes the connection (444); HTTPS: no handshake for another name.
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{deployment['http']}/en/news/", headers={"Host": "evil.example"})
    with visitor(deployment) as client, pytest.raises(httpx.ConnectError):
        client.get("/en/news/", extensions={"sni_hostname": "evil.example"})


def test_pages_static_and_media_through_nginx_and_no_way_to_protected_files(deployment):
    post = PostFactory(title="Through nginx")
    attachment = AttachmentFactory(post=post, content=CONTENT, upload_name=HANGUL_NAME)
    manifest = (deployment["static"] / "staticfiles.json").read_text()
    hashed_css = re.search(r'"css/site\.css": "(css/site\.[0-9a-f]{12}\.css)"', manifest)[1]
    rendition = settings.MEDIA_ROOT / "renditions" / "nginx-test.jpg"
    rendition.parent.mkdir(parents=True, exist_ok=True)
    rendition.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")

    with visitor(deployment) as client:
        board = get(client, "/en/news/")
        page = get(client, post.get_absolute_url())
        css = get(client, f"/static/{hashed_css}")
        plain_css = get(client, "/static/css/site.css")
        media = get(client, "/media/renditions/nginx-test.jpg")
        protected = get(client, f"/protected/{attachment.file.name}")

    assert (board.status_code, page.status_code) == (200, 200)
    assert "Through nginx" in board.text
    assert "Through nginx" in page.text
    # Django saw HTTPS (X-Forwarded-Proto) and the site's own name: no redirect loop, HSTS on.
    assert "Strict-Transport-Security" in page.headers
    assert css.status_code == 200
    assert css.content == (deployment["static"] / hashed_css).read_bytes()
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert css.headers["Content-Type"] == "text/css"
    assert plain_css.headers["Cache-Control"] == "public, max-age=3600"
    assert media.status_code == 200
    assert media.content == rendition.read_bytes()
    assert media.headers["Content-Type"] == "image/jpeg"
    assert media.headers["X-Content-Type-Options"] == "nosniff"
    assert protected.status_code == 404
    assert CONTENT not in protected.content


def test_hangul_download_is_handed_to_nginx_counted_once_and_a_resumed_range_is_not(deployment):
    attachment = AttachmentFactory(content=CONTENT, upload_name=HANGUL_NAME)
    url = attachment.get_absolute_url()

    with visitor(deployment) as client:
        whole = get(client, url)
    with visitor(deployment) as client:
        resumed = get(client, url, headers={"Range": "bytes=1000-"})

    assert whole.status_code == 200
    assert whole.content == CONTENT
    assert whole.headers["Content-Disposition"] == content_disposition_header(True, HANGUL_NAME)
    assert whole.headers["Content-Type"] == "application/pdf"
    assert whole.headers["Content-Length"] == str(len(CONTENT))
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "X-Accel-Redirect" not in whole.headers
    assert resumed.status_code == 206
    assert resumed.headers["Content-Range"] == f"bytes 1000-{len(CONTENT) - 1}/{len(CONTENT)}"
    assert resumed.content == CONTENT[1000:]
    assert stored_count(deployment, Attachment, attachment.pk, "download_count") == 1
    # nginx sent the bytes: the app's answers were the empty hand-offs.
    line = rf'^\S+ \S+ (\d+) "GET {re.escape(url)} '
    log = _nginx_log(deployment, lambda text: len(re.findall(line, text, re.M)) >= 2)
    assert re.findall(line, log, re.M) == ["200", "206"]


def test_new_visitors_at_once_over_both_servers_count_exactly(deployment):
    post = PostFactory(title="A press release")
    url = post.get_absolute_url()
    barrier = threading.Barrier(VISITORS)

    def visit(_):
        with visitor(deployment) as client:
            barrier.wait()
            response = get(client, url)
            return response.status_code, "A press release" in response.text

    with ThreadPoolExecutor(max_workers=VISITORS) as pool:
        answers = list(pool.map(visit, range(VISITORS)))

    assert answers == [(200, True)] * VISITORS
    assert stored_count(deployment, Post, post.pk, "hit_count") == VISITORS
    line = rf'^\S+ 127\.0\.0\.1:(\d+) 200 "GET {re.escape(url)} '
    log = _nginx_log(deployment, lambda text: len(re.findall(line, text, re.M)) >= VISITORS)
    served_by = re.findall(line, log, re.M)
    assert len(served_by) == VISITORS
    by_port = {port: served_by.count(str(port)) for port in deployment["apps"]}
    assert all(by_port.values()), f"one app server served nothing: {by_port}"
    # Each server's own access log (deploy/gunicorn.conf.py) has one line per request it served,
    # with the status and the duration.
    # (written once each answer is sent, so the last ones may land a moment after the client
    # has its answer).
    for port, log in deployment["apps"].items():
        deadline = time.monotonic() + 10
        while True:
            lines = re.findall(rf'"GET {re.escape(url)} HTTP/1\.1" 200 \d+ \d+ms ', log.read_text())
            if len(lines) >= by_port[port] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(lines) == by_port[port]


def test_the_request_id_of_nginx_is_in_the_app_servers_log(deployment):
    with visitor(deployment) as client:
        response = get(client, "/robots.txt")
    sent = response.headers.get("X-Request-ID")
    line = r'^(\S+) \S+ 200 "GET /robots.txt '
    log = _nginx_log(deployment, lambda text: sent in re.findall(line, text, re.M))
    request_id = re.findall(line, log, re.M)[-1]
    assert response.headers["X-Request-ID"] == request_id
    # gunicorn writes its access line once the answer is sent, so the client may read it first.
    deadline = time.monotonic() + 10
    while True:
        logs = "".join(log.read_text() for log in deployment["apps"].values())
        if f" request_id={request_id} " in logs or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert '"GET /robots.txt HTTP/1.1" 200' in logs
    assert re.search(rf" request_id={request_id} ", logs)


def _nginx_log(deployment, done=lambda text: True):
    """nginx's access log, once `done(text)`: nginx writes a line after it has sent the answer,
    so a client may read the answer a moment before its line is there."""
    deadline = time.monotonic() + 10
    while True:
        text = deployment["access_log"].read_text()
        if done(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)
