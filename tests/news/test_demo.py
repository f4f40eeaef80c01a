import datetime as dt
import html
import io
import re

import pytest
from django.conf import settings
from PIL import Image

from colloquium.publishing import Status
from news.demo import SOURCE_SLUG, SOURCE_TITLE
from news.models import Attachment, Post
from tests.factories import SEOUL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_demo")]


def downloads_of(attachment):
    return Attachment.objects.get(pk=attachment.pk).download_count


CAPTIONS = [
    "Jang-Jae Lee (Director, Research Institute of S&T Innovation and Strategy, KISTEP)",
    "Jae-Hong Jang (Director, Industrial Location Research Institute, Korea Industrial Complex "
    "Corporation(KICOX))",
    "Ho Kim (Director, Strategic planning division, BISTEP)",
    "Panel discussion",
    "Photo from the 5th NIS Policy Colloquium",
]
KOREAN_CAPTIONS = [
    "Jang-Jae Lee (KISTEP 과학기술혁신전략연구소 소장)",
    "Jae-Hong Jang (한국산업단지공단(KICOX) 산업입지연구소 소장)",
    "Ho Kim (BISTEP 전략기획실 실장)",
    "패널 토론",
    "제5회 NIS 정책 콜로키움 현장",
]
# A few words of each of the ten strategy directions of the first presentation.
TEN_DIRECTIONS = [
    "local talent",
    "niche industries and jobs",
    "financial autonomy",
    "think-tank",
    "bottlenecks of regional innovation",
    "innovation clusters around industry",
    "regional entrepreneurship",
    "open innovation across borders",
    "regional public data",
    "share governance between regional and local governments",
]
KOREAN_TEN_DIRECTIONS = [
    "지역 인재",
    "특화 산업과 일자리",
    "재정 자율성",
    "싱크탱크",
    "지역 혁신의 병목",
    "혁신 클러스터",
    "지역 창업",
    "개방형 혁신",
    "지역 공공데이터",
    "거버넌스",
]
PANELISTS = [
    "Seong jin Kim",
    "Si-yeong Yang",
    "Hee-yeon Won",
    "Suk-hee Lee",
    "Jin-gyu Lee",
    "Byung-Hwan Hyun",
    "Hye-Ran Hwang",
]
FIGURE = re.compile(
    r'<figure class="image"><img src="([^"]*)" alt="([^"]*)" width="960" height="640">'
    r"<figcaption>([^<]*)</figcaption></figure>"
)


def figures(body):
    """(picture URL, alt text, caption) of every figure in `body`, which must match them all."""
    found = FIGURE.findall(body)
    assert len(found) == body.count("<figure")
    return [tuple(html.unescape(part) for part in figure) for figure in found]


def told_in_order(text, facts):
    """The leading `facts` that `text` tells one after the other: all of them, or up to a gap."""
    told, position = [], 0
    for fact in facts:
        position = text.find(fact, position)
        if position == -1:
            break
        told.append(fact)
        position += len(fact)
    return told


@pytest.fixture
def demo():
    return Post.objects.get(slug=SOURCE_SLUG)


def download(client, attachment):
    response = client.get(attachment.get_absolute_url())
    return response, b"".join(response.streaming_content)


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
    assert re.fullmatch(r"attachments/[0-9a-f]{32}\.jpg", attachment.file.name)
    assert attachment.size == 440_945
    assert attachment.download_count == 244
    assert response["Content-Disposition"] == 'attachment; filename="20190829172839.jpg"'
    assert response["Content-Type"] == "image/jpeg"
    assert len(body) == 440_945
    with Image.open(io.BytesIO(body)) as image:
        image.load()
        assert image.format == "JPEG"
    assert downloads_of(attachment) == 245


def test_demo_source_body_shows_the_five_captioned_photos_in_the_source_order(demo):
    assert figures(demo.body) == [
        (f"/media/demo/news/colloquium-5-photo-{number}.jpg", caption, caption)
        for number, caption in enumerate(CAPTIONS, start=1)
    ]
    for number in range(1, 6):
        assert (settings.MEDIA_ROOT / f"demo/news/colloquium-5-photo-{number}.jpg").is_file()


def test_demo_source_body_text_tells_the_source_facts_in_order(demo):
    facts = [
        "29 August 2019",
        "KISTEP",
        "BISTEP",
        "KOTIS",
        "Three presentations",
        "Jang-Jae Lee",
        "ten directions",
        *TEN_DIRECTIONS,
        CAPTIONS[0],
        "Jae-Hong Jang",
        "Korea Industrial Complex Corporation (KICOX)",
        CAPTIONS[1],
        "Ho Kim",
        CAPTIONS[2],
        "Panel discussion",
        "Pann-Ghill Suh, President of the Korea Brain Research Institute",
        "a panel of seven",
        *PANELISTS,
        "President Sang-seon Kim",
        CAPTIONS[3],
        CAPTIONS[4],
    ]

    assert told_in_order(demo.body_text, facts) == facts
    assert demo.body.count("<li>") == 10


def test_demo_korean_source_body_has_the_same_photos_and_facts_in_korean(demo):
    korean = Post.objects.get(translation_of=demo, language="ko")
    facts = [
        "2019년 8월 29일",
        "KISTEP",
        "BISTEP",
        "KOTIS",
        "제5회 국가혁신체계(NIS) 정책 콜로키움",
        "세 편의 발표",
        "Jang-Jae Lee",
        "열 가지 방향",
        *KOREAN_TEN_DIRECTIONS,
        KOREAN_CAPTIONS[0],
        "Jae-Hong Jang",
        KOREAN_CAPTIONS[1],
        "Ho Kim",
        KOREAN_CAPTIONS[2],
        "패널 토론",
        "Pann-Ghill Suh",
        *PANELISTS,
        "일곱 명",
        "Sang-seon Kim",
        KOREAN_CAPTIONS[3],
        KOREAN_CAPTIONS[4],
    ]

    assert figures(korean.body) == [
        (f"/media/demo/news/colloquium-5-photo-{number}.jpg", caption, caption)
        for number, caption in enumerate(KOREAN_CAPTIONS, start=1)
    ]
    assert told_in_order(korean.body_text, facts) == facts
    assert korean.body.count("<li>") == 10


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
