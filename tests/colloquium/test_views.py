import datetime as dt
import re

import pytest
from django.utils import timezone

from colloquium.publishing import Status
from tests.factories import BannerFactory, EventFactory, PostFactory, SeriesFactory

pytestmark = pytest.mark.django_db


def html_of(response):
    return response.content.decode()


def section(markup, name):
    return re.search(rf'<section class="home__section home__{name}".*?</section>', markup, re.S)[0]


def test_home_is_a_page_in_each_language(client):
    english = client.get("/en/")
    korean = client.get("/ko/")

    assert english.status_code == 200
    assert korean.status_code == 200
    assert '<h1 class="home__title">KISTEP News & Event</h1>' in html_of(english)
    assert '<h1 class="home__title">KISTEP 뉴스 & 행사</h1>' in html_of(korean)


def test_home_has_one_h1_and_landmarks(client):
    markup = html_of(client.get("/en/"))

    assert markup.count("<h1") == 1
    assert markup.count("<main ") == 1
    assert '<header class="site-header">' in markup
    assert '<footer class="site-footer">' in markup
    assert '<nav class="site-nav" aria-label="Main">' in markup


def test_home_lists_pinned_notices_of_its_language(client):
    notice = PostFactory(title="Website maintenance", is_pinned=True)
    PostFactory(title="홈페이지 점검 안내", is_pinned=True, language="ko")
    PostFactory(title="Draft notice", is_pinned=True, status=Status.DRAFT)

    notices = section(html_of(client.get("/en/")), "notices")

    assert re.findall(r'<a href="[^"]+">([^<]+)</a>', notices) == [notice.title]


def test_home_lists_latest_news_newest_first_without_notices(client):
    now = timezone.now()
    older = PostFactory(title="Older news", published_at=now - dt.timedelta(days=2))
    newer = PostFactory(title="Newer news", published_at=now - dt.timedelta(days=1))
    PostFactory(title="Pinned notice", is_pinned=True)
    PostFactory(title="Scheduled news", published_at=now + dt.timedelta(days=1))
    PostFactory(title="한국어 소식", language="ko")

    latest = section(html_of(client.get("/en/")), "latest")

    titles = re.findall(r'<h3 class="news-card__title"><a href="[^"]+">([^<]+)</a>', latest)
    assert titles == [newer.title, older.title]


def test_home_in_korean_lists_korean_news(client):
    PostFactory(title="English news")
    korean = PostFactory(title="지역 혁신 세미나 개최", language="ko")

    latest = section(html_of(client.get("/ko/")), "latest")

    titles = re.findall(r'<h3 class="news-card__title"><a href="[^"]+">([^<]+)</a>', latest)
    assert titles == [korean.title]
    assert f'href="/ko/news/{korean.pk}/' in latest


def test_home_shows_hits_with_thousands_separator(client):
    post = PostFactory(title="Popular")
    type(post).objects.filter(pk=post.pk).update(hit_count=1204)

    latest = section(html_of(client.get("/en/")), "latest")

    assert "1,204 views" in latest


def test_home_says_so_when_nothing_is_published(client):
    markup = html_of(client.get("/ko/"))

    assert "지금은 공지사항이 없습니다." in markup
    assert "아직 이 언어로 게시된 소식이 없습니다." in markup


def test_home_has_banner_zone(client):
    BannerFactory(name="KISTEP", alt_text="Korea Institute of S&T Evaluation and Planning")

    markup = html_of(client.get("/en/"))

    assert (
        '<h2 id="banner-zone-title" class="banner-zone__title">Related institutions</h2>' in markup
    )
    assert 'alt="Korea Institute of S&amp;T Evaluation and Planning"' in markup


def test_home_lists_upcoming_events_of_its_language_soonest_first(client):
    now = timezone.now()
    later = EventFactory(title="Later colloquium", starts_at=now + dt.timedelta(days=20))
    sooner = EventFactory(
        title="Sooner colloquium",
        starts_at=now + dt.timedelta(days=3),
        series=SeriesFactory(),
        edition=13,
    )
    EventFactory(title="Past colloquium", starts_at=now - dt.timedelta(days=30))
    EventFactory(title="Draft colloquium", status=Status.DRAFT)
    EventFactory(title="제13회 콜로키움", language="ko")

    events = section(html_of(client.get("/en/")), "events")

    titles = re.findall(r'<a href="/en/events/[^"]+">(.*?)</a>', events)
    assert titles == [sooner.title, later.title]
    assert f'href="{sooner.get_absolute_url()}"' in events


def test_home_says_when_no_event_is_coming(client):
    EventFactory(title="Past colloquium", starts_at=timezone.now() - dt.timedelta(days=30))

    events = section(html_of(client.get("/ko/")), "events")

    assert "지금은 예정된 행사가 없습니다." in events


def test_home_breadcrumb_is_home_only(client):
    markup = html_of(client.get("/en/"))

    breadcrumb = re.search(r'<nav class="breadcrumb".*?</nav>', markup, re.S)[0]
    assert re.findall(r"<li>.*?</li>", breadcrumb, re.S) == ['<li><a href="/en/">Home</a></li>']


@pytest.mark.parametrize("item_count", [1, 3])
def test_home_query_count_is_constant(client, django_assert_num_queries, item_count):
    series = SeriesFactory()
    for number in range(item_count):
        PostFactory(title=f"Notice {number}", is_pinned=True)
        PostFactory(title=f"News {number}")
        BannerFactory(name=f"Institution {number}")
        EventFactory(series=series, edition=number + 1)

    # notices, latest news, upcoming events, banners
    with django_assert_num_queries(4):
        response = client.get("/en/")

    assert response.status_code == 200
    markup = html_of(response)
    assert markup.count('class="news-card"') == item_count
    assert section(markup, "events").count('class="home-list__item"') == item_count


def test_missing_page_keeps_the_site_chrome_in_its_language(client):
    response = client.get("/ko/news/999999/")

    markup = html_of(response)
    assert response.status_code == 404
    assert markup.count("<h1>") == 1
    assert "<h1>페이지를 찾을 수 없습니다</h1>" in markup
    assert '<a class="skip-link" href="#main">본문으로 바로가기</a>' in markup
    assert '<a href="/en/news/999999/" hreflang="en" lang="en">English</a>' in markup
