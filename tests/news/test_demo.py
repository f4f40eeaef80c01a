import datetime as dt
import io
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from PIL import Image

from colloquium.publishing import Status
from news.demo import SOURCE_SLUG, SOURCE_TITLE
from news.models import Attachment, Post
from tests.factories import SEOUL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_demo")]


def downloads_of(attachment):
    return Attachment.objects.get(pk=attachment.pk).download_count


def row_counts():
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ("news", "events", "colloquium")
    }


def media_files():
    return sorted(
        (str(path.relative_to(settings.MEDIA_ROOT)), path.stat().st_size)
        for path in settings.MEDIA_ROOT.rglob("*")
        if path.is_file()
    )


@pytest.fixture
def demo():
    return Post.objects.get(slug=SOURCE_SLUG)


def download(client, attachment):
    response = client.get(attachment.get_absolute_url())
    return response, b"".join(response.streaming_content)


def test_loaddemo_twice_changes_nothing(demo):
    counts, files = row_counts(), media_files()
    figures = list(Post.objects.values_list("pk", "hit_count").order_by("pk"))

    call_command("loaddemo", stdout=io.StringIO())

    assert row_counts() == counts
    assert media_files() == files
    assert list(Post.objects.values_list("pk", "hit_count").order_by("pk")) == figures
    assert counts["news.Post"] > 30


def test_demo_source_post_has_the_facts_of_the_source_page(demo):
    assert (
        demo.title
        == SOURCE_TITLE
        == (
            "The 5th NIS Policy Colloquium: Strategies and Challenges to Overcome the Crisis of "
            "Regional Disparity and Innovative Growth"
        )
    )
    assert demo.category.name == "News & Event"
    assert demo.writer == "Yeory Lim"
    assert demo.published_at.astimezone(SEOUL).date() == dt.date(2019, 8, 29)
    assert demo.hit_count == 922
    assert demo.is_published


def test_demo_source_attachment_is_a_real_jpeg_of_exactly_440945_bytes(demo, client):
    attachment = demo.attachments.get()

    response, body = download(client, attachment)

    assert attachment.original_name == "20190829172839.jpg"
    assert attachment.file.name == "attachments/2019/08/29/20190829172839.jpg"
    assert attachment.size == 440_945
    assert attachment.download_count == 244
    assert response["Content-Disposition"] == 'attachment; filename="20190829172839.jpg"'
    assert response["Content-Type"] == "image/jpeg"
    assert len(body) == 440_945
    with Image.open(io.BytesIO(body)) as image:
        image.load()
        assert image.format == "JPEG"
    assert downloads_of(attachment) == 245


def test_demo_source_body_has_the_captioned_photos(demo):
    captions = [
        "Jang-Jae Lee (Director, Research Institute of S&amp;T Innovation and Strategy, KISTEP)",
        "Jae-Hong Jang (Director, Industrial Location Research Institute",
        "Ho Kim (Director, Strategic planning division, BISTEP)",
        "Panel discussion",
        "Photo from the 5th NIS Policy Colloquium",
    ]

    assert demo.body.count('<figure class="image">') == 5
    for caption in captions:
        assert caption in demo.body
    for name in ("KISTEP", "BISTEP", "KOTIS", "Pann-Ghill Suh", "Hye-Ran Hwang"):
        assert name in demo.body_text


def test_demo_photos_in_the_body_exist_with_alt_text(demo):
    images = re.findall(r'<img src="(/media/[^"]+)" alt="([^"]+)"', demo.body)

    assert len(images) == 5
    for url, alt in images:
        assert alt
        assert (settings.MEDIA_ROOT / url.removeprefix("/media/")).is_file()


def test_demo_board_has_at_least_three_pages(demo, client):
    response = client.get("/en/news/", {"page": 3})

    assert response.context["page_obj"].number == 3
    assert response.context["page_obj"].paginator.num_pages >= 3


def test_demo_has_a_draft_a_scheduled_post_and_pinned_notices(demo):
    assert Post.objects.filter(status=Status.DRAFT).exists()
    assert Post.objects.scheduled().exists()
    assert Post.objects.published().filter(is_pinned=True, language="en").count() >= 2


def test_demo_attachments_record_their_real_size_and_type(demo, client):
    attachments = list(Attachment.objects.all())

    served = [download(client, attachment) for attachment in attachments]

    assert len(attachments) > 3
    assert [(response["Content-Type"], len(body)) for response, body in served] == [
        (attachment.content_type, attachment.size) for attachment in attachments
    ]
    assert all(attachment.file.size == attachment.size for attachment in attachments)


def test_demo_has_a_hangul_named_pdf_that_downloads_intact(demo, client):
    attachment = Attachment.objects.get(original_name="붙임1_행사안내.pdf")

    response = client.get(attachment.get_absolute_url())
    body = b"".join(response.streaming_content)

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%EB%B6%99%EC%9E%841_%ED%96%89%EC%82%AC%EC%95%88%EB%82%B4.pdf"
    )
    assert body.startswith(b"%PDF")
    assert len(body) == attachment.size
    assert attachment.content_type == "application/pdf"


def test_demo_has_posts_with_several_attachments(demo, client):
    post = next(post for post in Post.objects.published() if post.attachments.count() >= 2)

    page = client.get(post.get_absolute_url()).content.decode()

    assert re.findall(r'<span class="file-list__name">([^<]+)</span>', page) == [
        attachment.original_name for attachment in post.attachments.all()
    ]
