import datetime as dt
import json
import re
from html import unescape

import pytest
from django.utils import timezone

from events.demo import SOURCE_EVENT_SLUG
from events.models import Event
from news.demo import SOURCE_SLUG
from news.models import Post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_demo")]


@pytest.fixture
def colloquium():
    return Event.objects.get(slug=SOURCE_EVENT_SLUG)


def test_demo_colloquium_has_the_facts_of_the_source_page(colloquium):
    assert colloquium.is_published
    assert colloquium.series_label == "5th NIS Policy Colloquium"
    assert colloquium.theme == (
        "Strategies and Challenges to Overcome the Crisis of Regional Disparity and Innovative "
        "Growth"
    )
    assert colloquium.is_all_day
    assert colloquium.starts_on == colloquium.ends_on == dt.date(2019, 8, 29)
    assert [(h.organization.acronym, h.organization.name) for h in colloquium.hosts.all()] == [
        ("KISTEP", "Korea Institute of S&T Evaluation and Planning"),
        ("BISTEP", "Busan Innovation Institute of Industry, Science & Technology Planning"),
        ("KOTIS", "Korea Technology Innovation Society"),
    ]


def test_demo_programme_is_in_the_source_order(colloquium):
    programme = [
        (presentation.title, role.speaker.name, role.job_title, role.affiliation)
        for presentation in colloquium.presentations.all()
        for role in presentation.speaker_roles.all()
    ]

    assert programme == [
        (
            "Strategies and challenges of innovative growth in regions to overcome regional "
            "disparity",
            "Jang-Jae Lee",
            "Director",
            "Research Institute of S&T Innovation and Strategy, KISTEP",
        ),
        (
            "Preconditions and progress directions for innovative growth in regions",
            "Jae-Hong Jang",
            "Director",
            "Industrial Location Research Institute, Korea Industrial Complex Corporation (KICOX)",
        ),
        (
            "Cases and implications of Busan to develop virtuous circle of science technology and "
            "local industries",
            "Ho Kim",
            "Director",
            "Strategic planning division, BISTEP",
        ),
    ]


DEMO_PANEL = (
    ("Pann-Ghill Suh", "President, Korea Brain Research Institute"),
    ("Seong jin Kim", "Head, Regional S&T Innovation Policy Team, KISTEP"),
    ("Si-yeong Yang", "Professor, Chonbuk National University"),
    ("Hee-yeon Won", "Professor, Pusan National University"),
    ("Suk-hee Lee", "Advisor, Division of Future Strategic Planning, Province of Gyeongsangbuk-do"),
    ("Jin-gyu Lee", "Prior 1st vice-minister, Ministry of Science and ICT"),
    ("Byung-Hwan Hyun", "President, Korea Technology Innovation Society"),
    ("Hye-Ran Hwang", "Senior researcher, Daejeon Sejong Research Institute"),
)


def text_of(response):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    html = re.sub(r"</?(a|span|time|strong|em|b|i)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_demo_panel_has_its_moderator_and_seven_panelists_in_order(colloquium):
    panel = colloquium.panels.get()

    assert panel.title == "Panel discussion"
    assert [(p.role, p.speaker.name, p.credentials) for p in panel.panelists.all()] == [
        ("moderator", *DEMO_PANEL[0]),
        *(("panelist", *person) for person in DEMO_PANEL[1:]),
    ]


def test_demo_panel_reads_as_before_on_the_event_page_and_in_json_ld(colloquium, client):
    response = client.get(colloquium.get_absolute_url())

    (moderator, credentials), *panelists = DEMO_PANEL
    assert (
        f"Panel discussion Moderator {moderator} ({credentials}) Panelists "
        + " ".join(f"{name} ({credentials})" for name, credentials in panelists)
        + " Remarks"
    ) in text_of(response)
    [block] = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    performers = [person["name"] for person in json.loads(block)["performer"]]
    assert performers == [
        "Jang-Jae Lee",
        "Jae-Hong Jang",
        "Ho Kim",
        *(name for name, _ in DEMO_PANEL),
        "Sang-seon Kim",
    ]


def test_demo_panel_reads_as_before_in_the_admin(colloquium, editor_client):
    response = editor_client.get(f"/admin/events/event/{colloquium.pk}/change/")

    content = response.content.decode()
    moderator = re.search(r'<select name="panels-0-moderator".*?</select>', content, re.S)
    panelists = re.search(r'<select name="panels-0-panelist_list".*?</select>', content, re.S)
    assert re.findall(r"<option [^>]*selected>(.*?)</option>", moderator.group()) == [
        "Pann-Ghill Suh"
    ]
    assert re.findall(r"<option [^>]*selected>(.*?)</option>", panelists.group()) == [
        name for name, _ in DEMO_PANEL[1:]
    ]


def test_demo_remarks_and_photos(colloquium):
    assert [(r.speaker.name, r.job_title) for r in colloquium.remarks.all()] == [
        ("Sang-seon Kim", "President")
    ]
    assert [photo.caption for photo in colloquium.photos.all()] == [
        "Jang-Jae Lee (Director, Research Institute of S&T Innovation and Strategy, KISTEP)",
        "Jae-Hong Jang (Director, Industrial Location Research Institute, Korea Industrial "
        "Complex Corporation(KICOX))",
        "Ho Kim (Director, Strategic planning division, BISTEP)",
        "Panel discussion",
        "Photo from the 5th NIS Policy Colloquium",
    ]
    for photo in colloquium.photos.all():
        assert photo.image.variant_widths == [320, 640, 960, 1280]
        assert photo.image.storage.exists(photo.image.name)


def test_demo_colloquium_body_tells_what_the_colloquium_is(colloquium):
    assert colloquium.body.count("<p>") == 2
    assert colloquium.body_text == (
        "The National Innovation System (NIS) Policy Colloquium brings researchers, officials and "
        "regional planners together to discuss one question of innovation policy at a time. Its "
        "fifth edition asked how regions that are losing people and industry can still find a "
        "path to innovative growth, and what national and local governments should change to get "
        "there. Three presentations set out strategies, preconditions and the experience of "
        "Busan; a panel of seven then discussed them from the points of view of research "
        "institutes, universities, a provincial government, a former vice-minister and the "
        "innovation research community."
    )


def test_demo_korean_photos_are_the_same_files_captioned_in_korean(colloquium):
    korean = Event.objects.get(translation_of=colloquium, language="ko")

    assert [(photo.image.name, photo.caption, photo.alt) for photo in korean.photos.all()] == [
        (english.image.name, caption, caption)
        for english, caption in zip(
            colloquium.photos.all(),
            [
                "Jang-Jae Lee (KISTEP 과학기술혁신전략연구소 소장)",
                "Jae-Hong Jang (한국산업단지공단(KICOX) 산업입지연구소 소장)",
                "Ho Kim (BISTEP 전략기획실 실장)",
                "패널 토론",
                "제5회 NIS 정책 콜로키움 현장",
            ],
            strict=True,
        )
    ]


def test_demo_links_the_source_post_and_the_event_page_shows_it(colloquium, client):
    post = Post.objects.get(slug=SOURCE_SLUG)

    response = client.get(colloquium.get_absolute_url())

    assert post.event == colloquium
    assert post.title in response.content.decode()
    assert colloquium.get_absolute_url() in client.get(post.get_absolute_url()).content.decode()


def test_demo_event_page_shows_everything_from_the_source(colloquium, client):
    content = client.get(colloquium.get_absolute_url()).content.decode()

    assert len(re.findall(r"<figure class=\"figure gallery__figure\">", content)) == 5
    for name in ("KISTEP", "BISTEP", "KOTIS", "Pann-Ghill Suh", "Hye-Ran Hwang", "Sang-seon Kim"):
        assert name in content
    assert "Programme.pdf" in content


def test_demo_has_an_upcoming_an_all_day_and_a_two_day_event(colloquium):
    events = Event.objects.published()

    assert events.upcoming().exists()
    assert events.filter(is_all_day=True).exclude(pk=colloquium.pk).exists()
    assert any(event.is_multi_day for event in events)
    assert Event.objects.upcoming().first().starts_at > timezone.now()


def test_demo_korean_pages_are_translations_with_the_same_programme(colloquium, client):
    korean = Event.objects.get(translation_of=colloquium, language="ko")
    korean_post = Post.objects.get(translation_of__slug=SOURCE_SLUG, language="ko")

    response = client.get(f"/ko{korean.get_absolute_url().removeprefix('/en')}")

    assert korean.title == "제5회 NIS 정책 콜로키움"
    assert korean_post.event == korean
    assert [p.speaker.name for p in korean.panels.get().panelists.all()] == [
        p.speaker.name for p in colloquium.panels.get().panelists.all()
    ]
    assert response.status_code == 200
    assert korean_post.title in response.content.decode()
    assert "패널 토론" in response.content.decode()
