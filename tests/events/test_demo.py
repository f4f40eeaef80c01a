import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.demo import SOURCE_EVENT_SLUG
from events.models import Event, Photo, Speaker
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
        ("Strategies and challenges of innovative growth in regions to overcome regional "
         "disparity", "Jang-Jae Lee", "Director",
         "Research Institute of S&T Innovation and Strategy, KISTEP"),
        ("Preconditions and progress directions for innovative growth in regions",
         "Jae-Hong Jang", "Director",
         "Industrial Location Research Institute, Korea Industrial Complex Corporation (KICOX)"),
        ("Cases and implications of Busan to develop virtuous circle of science technology and "
         "local industries", "Ho Kim", "Director", "Strategic planning division, BISTEP"),
    ]  # fmt: skip


def test_demo_panel_has_its_moderator_and_seven_panelists_in_order(colloquium):
    panel = colloquium.panels.get()

    assert (panel.title, panel.moderator.name, panel.moderator_credentials) == (
        "Panel discussion",
        "Pann-Ghill Suh",
        "President, Korea Brain Research Institute",
    )
    assert [(p.speaker.name, p.credentials) for p in panel.panelists.all()] == [
        ("Seong jin Kim", "Head, Regional S&T Innovation Policy Team, KISTEP"),
        ("Si-yeong Yang", "Professor, Chonbuk National University"),
        ("Hee-yeon Won", "Professor, Pusan National University"),
        (
            "Suk-hee Lee",
            "Advisor, Division of Future Strategic Planning, Province of Gyeongsangbuk-do",
        ),
        ("Jin-gyu Lee", "Prior 1st vice-minister, Ministry of Science and ICT"),
        ("Byung-Hwan Hyun", "President, Korea Technology Innovation Society"),
        ("Hye-Ran Hwang", "Senior researcher, Daejeon Sejong Research Institute"),
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


def test_demo_loads_twice_without_duplicates(colloquium):
    counts = (Event.objects.count(), Speaker.objects.count(), Photo.objects.count())

    call_command("loaddemo", stdout=io.StringIO())

    assert (Event.objects.count(), Speaker.objects.count(), Photo.objects.count()) == counts
    assert Speaker.objects.filter(name="Ho Kim").count() == 1


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
