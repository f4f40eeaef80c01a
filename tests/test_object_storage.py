"""
Files in an S3-compatible bucket (S3_BUCKET, colloquium.objectstorage): against moto's standalone
S3 server over HTTP, started here, with the storages the settings build from the S3_ variables.
"""

import io
import json
import os
import re
import subprocess
import sys
import uuid
import zipfile
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from colloquium.publishing import Status
from colloquium.storage import is_protected, protected_storage
from news.models import Attachment
from tests.factories import (
    CHROME,
    AttachmentFactory,
    PhotoFactory,
    PostFactory,
    picture_bytes,
)
from tests.servers import PROJECT, free_port_between, wait_until_serving

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 4
HANGUL_NAME = "붙임1_행사안내.pdf"
HANGUL_DISPOSITION = (
    "attachment; filename*=utf-8''%EB%B6%99%EC%9E%841_%ED%96%89%EC%82%AC%EC%95%88%EB%82%B4.pdf"
)
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server on a port of this part's range, one per xdist worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = 18410 + 10 * (int(worker) % 8)
    port = free_port_between(first, first + 9)
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, endpoint, log_path, "moto_server", seconds=30)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket(s3_server, settings, load_settings):
    """A new bucket, and the storages the settings make of S3_ variables naming it."""
    name = f"colloquium-ops-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=name)
    # The policy README.md gives: anyone may read public/, nothing else.
    client.put_bucket_policy(Bucket=name, Policy=public_folder_policy(name))
    values = load_settings(
        DEBUG="1",
        S3_BUCKET=name,
        S3_ENDPOINT_URL=s3_server,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="testing",
        S3_SECRET_ACCESS_KEY="testing",
        S3_PUBLIC_URL=f"{s3_server}/{name}",
    )
    settings.STORAGES = {**values["STORAGES"], "staticfiles": settings.STORAGES["staticfiles"]}
    settings.MEDIA_URL = values["MEDIA_URL"]
    settings.CONTENT_SECURITY_POLICY = values["CONTENT_SECURITY_POLICY"]
    return {"name": name, "client": client, "public_url": f"{s3_server}/{name}/public/"}


def public_folder_policy(bucket_name):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket_name}/public/*",
                }
            ],
        }
    )


def test_the_bucket_gives_public_copies_to_anyone_and_protected_files_to_no_one(bucket):
    protected = protected_storage.save("attachments/a.pdf", ContentFile(b"private"))
    public = default_storage.save("renditions/a.jpg", ContentFile(b"public"))
    endpoint = bucket["public_url"].removesuffix("public/")

    assert httpx.get(f"{endpoint}protected/{protected}").status_code == 403
    assert httpx.get(f"{endpoint}public/{public}").content == b"public"


def stored(bucket, key):
    return bucket["client"].get_object(Bucket=bucket["name"], Key=key)["Body"].read()


def keys(bucket):
    listed = bucket["client"].list_objects_v2(Bucket=bucket["name"])
    return sorted(entry["Key"] for entry in listed.get("Contents", ()))


def downloads(item):
    return type(item).objects.get(pk=item.pk).download_count


def test_settings_put_protected_and_public_files_in_their_folders_of_the_bucket(bucket):
    assert is_protected(protected_storage)
    assert not is_protected(default_storage)
    assert storages["protected"].location == "protected"
    assert default_storage.location == "public"
    assert storages["protected"].file_overwrite is False
    assert default_storage.file_overwrite is False


def test_upload_keeps_its_bytes_under_a_new_random_name_in_the_bucket(bucket, settings):
    attachment = AttachmentFactory(upload_name=HANGUL_NAME, content=CONTENT)

    assert re.fullmatch(r"attachments/[0-9a-f]{32}\.pdf", attachment.file.name)
    assert attachment.original_name == HANGUL_NAME
    assert attachment.size == len(CONTENT)
    assert stored(bucket, f"protected/{attachment.file.name}") == CONTENT
    assert not (settings.PROTECTED_MEDIA_ROOT / attachment.file.name).exists()


def test_a_second_file_under_the_same_name_never_overwrites_the_first(bucket):
    first = protected_storage.save("attachments/same.pdf", ContentFile(b"first"))
    second = protected_storage.save("attachments/same.pdf", ContentFile(b"second"))

    assert first == "attachments/same.pdf"
    assert second != first
    assert stored(bucket, f"protected/{first}") == b"first"
    assert stored(bucket, f"protected/{second}") == b"second"


def test_protected_files_have_no_public_url(bucket):
    name = protected_storage.save("attachments/a.pdf", ContentFile(b"x"))

    with pytest.raises(ValueError, match="protected file"):
        protected_storage.url(name)


def test_download_is_counted_then_redirected_to_a_presigned_url_with_the_hangul_name(
    bucket, client
):
    attachment = AttachmentFactory(upload_name=HANGUL_NAME, content=CONTENT)

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    assert downloads(attachment) == 1  # counted before the bucket sends a byte
    location = urlsplit(response["Location"])
    assert location.path == f"/{bucket['name']}/protected/{attachment.file.name}"
    assert "X-Amz-Signature=" in location.query
    assert "X-Amz-Expires=300" in location.query

    fetched = httpx.get(response["Location"])

    assert fetched.status_code == 200
    assert fetched.content == CONTENT
    assert fetched.headers["Content-Disposition"] == HANGUL_DISPOSITION
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert downloads(attachment) == 1


def test_a_resumed_download_is_redirected_and_not_counted(bucket, client):
    attachment = AttachmentFactory(upload_name=HANGUL_NAME, content=CONTENT)

    response = client.get(attachment.get_absolute_url(), headers={"Range": "bytes=1000-"})
    fetched = httpx.get(response["Location"], headers={"Range": "bytes=1000-"})

    assert response.status_code == 302
    assert downloads(attachment) == 0
    assert (fetched.status_code, fetched.content) == (206, CONTENT[1000:])


def test_a_download_from_the_first_byte_counts(bucket, client):
    attachment = AttachmentFactory(content=CONTENT)

    client.get(attachment.get_absolute_url(), headers={"Range": "bytes=0-99"})

    assert downloads(attachment) == 1


def test_head_and_crawlers_are_redirected_without_counting(bucket):
    attachment = AttachmentFactory(content=CONTENT)
    url = attachment.get_absolute_url()

    head = Client(headers={"User-Agent": CHROME}).head(url)
    crawler = Client(headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})

    assert head.status_code == 302
    assert crawler.get(url).status_code == 302
    assert downloads(attachment) == 0


def test_a_drafts_file_is_404_without_a_redirect(bucket, client):
    draft = AttachmentFactory(post__status=Status.DRAFT, content=CONTENT)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 404
    assert "Location" not in response
    assert downloads(draft) == 0


def test_a_file_missing_from_the_bucket_is_404(bucket, client):
    attachment = AttachmentFactory(content=CONTENT)
    bucket["client"].delete_object(Bucket=bucket["name"], Key=f"protected/{attachment.file.name}")

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 404
    assert downloads(attachment) == 0


def test_deleting_an_attachment_removes_its_object_after_the_commit(
    bucket, django_capture_on_commit_callbacks
):
    attachment = AttachmentFactory(content=CONTENT)
    key = f"protected/{attachment.file.name}"

    with django_capture_on_commit_callbacks(execute=True):
        Attachment.objects.filter(pk=attachment.pk).get().delete()
        assert key in keys(bucket)  # until the commit

    assert key not in keys(bucket)


def test_a_photo_keeps_its_original_private_and_its_copies_public(bucket, client):
    photo = PhotoFactory()

    page = client.get(photo.event.get_absolute_url()).content.decode()
    copies = re.findall(re.escape(bucket["public_url"]) + r"renditions/[^\"' ]+", page)

    assert f"protected/{photo.image.name}" in keys(bucket)
    assert copies
    for url in set(copies):
        fetched = httpx.get(url)
        assert fetched.status_code == 200
        assert fetched.headers["Content-Type"] == "image/jpeg"
        assert fetched.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert photo.image.name not in page
    csp = client.get(photo.event.get_absolute_url())["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in csp.split("; "))
    assert directives["img-src"] == f"'self' data: {bucket['public_url'].removesuffix('public/')}"


def test_photo_original_download_redirects_to_the_bucket(bucket, client):
    photo = PhotoFactory()

    response = client.get(f"/en/events/photos/{photo.pk}/download/")
    fetched = httpx.get(response["Location"])

    assert response.status_code == 302
    assert fetched.content == stored(bucket, f"protected/{photo.image.name}")
    assert downloads(photo) == 1


def test_editor_upload_stores_the_image_in_the_bucket_and_answers_its_public_url(bucket, editor):
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(editor)
    staff.get("/admin/")

    response = staff.post(
        "/admin/editor/upload/",
        {"upload": SimpleUploadedFile("p.png", picture_bytes((40, 30), "PNG"))},
        headers={"X-CSRFToken": staff.cookies["csrftoken"].value},
    )
    url = response.json()["url"]

    assert url.startswith(f"{bucket['public_url']}editor/")
    assert httpx.get(url).content[:8] == b"\x89PNG\r\n\x1a\n"


def test_readyz_checks_the_bucket(bucket, client, settings):
    assert client.get("/readyz").content == b"database: ok\ncache: ok\nstorage: ok\n"

    bucket["client"].delete_bucket(Bucket=bucket["name"])
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"database: ok\ncache: ok\nstorage: failed (ClientError)\n"


def test_orphanfiles_finds_orphans_in_the_bucket_and_spares_linked_editor_images(bucket):
    orphan = protected_storage.save("attachments/orphan.pdf", ContentFile(b"x"))
    image = default_storage.save("editor/linked.png", ContentFile(b"png"))
    PostFactory(body=f'<p><img src="{default_storage.url(image)}" alt=""></p>')
    attachment = AttachmentFactory(content=CONTENT)
    out = io.StringIO()

    call_command("orphanfiles", "--older-than", "0", "--delete", stdout=out)

    assert f"protected: {orphan} (1 bytes)" in out.getvalue()
    assert keys(bucket) == sorted([f"protected/{attachment.file.name}", f"public/{image}"])


def test_backup_takes_the_buckets_files_and_restore_puts_them_back(bucket, tmp_path):
    attachment = AttachmentFactory(upload_name=HANGUL_NAME, content=CONTENT)
    copy = default_storage.save("renditions/x.jpg", ContentFile(b"jpeg"))
    archive_path = tmp_path / "backup.zip"
    call_command("backup", str(archive_path), quiet=True)
    bucket["client"].delete_object(Bucket=bucket["name"], Key=f"protected/{attachment.file.name}")

    call_command("restore", str(archive_path), force=True, quiet=True)

    with zipfile.ZipFile(archive_path) as archive:
        members = sorted(name for name in archive.namelist() if name.startswith("files/"))
    assert members == [f"files/default/{copy}", f"files/protected/{attachment.file.name}"]
    assert stored(bucket, f"protected/{attachment.file.name}") == CONTENT


S3_ENV = {"DEBUG": "1", "S3_BUCKET": "news-files", "S3_PUBLIC_URL": "https://media.example.org"}


def test_settings_build_both_storages_from_the_s3_variables(load_settings):
    values = load_settings(**S3_ENV, S3_REGION="ap-northeast-2", S3_PRESIGNED_SECONDS="60")

    protected, public = values["STORAGES"]["protected"], values["STORAGES"]["default"]
    assert protected["BACKEND"] == "colloquium.objectstorage.ProtectedS3Storage"
    assert public["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (protected["OPTIONS"]["bucket_name"], public["OPTIONS"]["bucket_name"]) == (
        "news-files",
        "news-files",
    )
    assert protected["OPTIONS"]["querystring_expire"] == 60
    assert protected["OPTIONS"]["region_name"] == "ap-northeast-2"
    assert protected["OPTIONS"]["endpoint_url"] is None  # AWS itself
    assert public["OPTIONS"]["custom_domain"] == "media.example.org"
    assert values["MEDIA_URL"] == "https://media.example.org/public/"
    assert values["SERVE_MEDIA"] is False


def test_settings_without_s3_keep_files_on_disk(load_settings):
    values = load_settings(DEBUG="1")

    assert values["STORAGES"]["protected"]["BACKEND"] == (
        "colloquium.storage.ProtectedFileSystemStorage"
    )
    assert values["MEDIA_URL"] == "/media/"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"S3_PUBLIC_URL": ""}, "S3_PUBLIC_URL=''"),
        ({"S3_PUBLIC_URL": "media.example.org"}, "S3_PUBLIC_URL='media.example.org'"),
        ({"S3_PRESIGNED_SECONDS": "0"}, "S3_PRESIGNED_SECONDS=0"),
        ({"PROTECTED_FILES_SERVED_BY": "nginx"}, "PROTECTED_FILES_SERVED_BY"),
        ({"SERVE_MEDIA": "1"}, "SERVE_MEDIA"),
    ],
)
def test_settings_refuse_s3_variables_that_do_not_fit(load_settings, extra, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        load_settings(**{**S3_ENV, **extra})
