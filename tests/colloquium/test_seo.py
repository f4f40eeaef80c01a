import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from colloquium.publishing import Status
from news.models import Post
from tests.factories import SEOUL, EventFactory, PostFactory

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def html_of(response):
    return response.content.decode()


def hreflang_links(markup):
    return re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', markup)


def canonical(markup):
    return re.search(r'<link rel="canonical" href="([^"]+)">', markup)[1]


def meta(markup, key):
    return re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', markup)[1]


def sitemap_urls(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {
        url.findtext(f"{SITEMAP}loc"): {
            "lastmod": url.findtext(f"{SITEMAP}lastmod"),
            "alternates": [
                (link.get("hreflang"), link.get("href")) for link in url.findall(f"{XHTML}link")
            ],
        }
        for url in root.findall(f"{SITEMAP}url")
    }


def test_sitemap_lists_published_posts_at_their_own_languages_address(client):
    english = PostFactory(slug="seminar")
    korean = PostFactory(slug="세미나", language="ko")
    PostFactory(slug="draft", status=Status.DRAFT)
    PostFactory(slug="scheduled", published_at=timezone.now() + dt.timedelta(days=1))

    urls = sitemap_urls(client)

    posts = sorted(url for url in urls if "/news/" in url and not url.endswith("/news/"))
    assert posts == [
        f"http://testserver/en/news/{english.pk}/seminar/",
        f"http://testserver/ko/news/{korean.pk}/%EC%84%B8%EB%AF%B8%EB%82%98/",
    ]


def test_sitemap_lastmod_is_the_posts_last_change(client):
    post = PostFactory(slug="seminar")
    Post.objects.filter(pk=post.pk).update(updated_at=dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC))

    urls = sitemap_urls(client)

    assert urls[f"http://testserver/en/news/{post.pk}/seminar/"]["lastmod"] == "2024-03-05"


def test_sitemap_lists_published_events_with_lastmod(client):
    event = EventFactory(slug="nis-colloquium-13")
    korean = EventFactory(slug="콜로키움-13", language="ko")
    EventFactory(slug="draft-event", status=Status.DRAFT)
    type(event).objects.filter(pk=event.pk).update(
        updated_at=dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    )

    urls = sitemap_urls(client)

    events = sorted(url for url in urls if "/events/" in url and not url.endswith("/events/"))
    assert events == [
        "http://testserver/en/events/nis-colloquium-13/",
        "http://testserver/ko/events/%EC%BD%9C%EB%A1%9C%ED%82%A4%EC%9B%80-13/",
    ]
    assert urls["http://testserver/en/events/nis-colloquium-13/"]["lastmod"] == "2026-05-01"
    assert korean.language == "ko"


def test_sitemap_names_each_boards_languages(client):
    urls = sitemap_urls(client)

    assert urls["http://testserver/ko/news/"]["alternates"] == [
        ("en", "http://testserver/en/news/"),
        ("ko", "http://testserver/ko/news/"),
        ("x-default", "http://testserver/news/"),
    ]
    assert "http://testserver/en/" in urls


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /admin/",
        "Sitemap: http://testserver/sitemap.xml",
    ]


def test_post_canonical_is_its_own_languages_address(client):
    post = PostFactory(slug="seminar")

    under_english = html_of(client.get(f"/en/news/{post.pk}/"))
    under_korean = html_of(client.get(f"/ko/news/{post.pk}/seminar/"))

    expected = f"http://testserver/en/news/{post.pk}/seminar/"
    assert canonical(under_english) == expected
    assert canonical(under_korean) == expected


def test_board_canonical_drops_search_but_keeps_the_page(client):
    PostFactory.create_batch(11)

    first = html_of(client.get("/en/news/?q=Post&field=title"))
    second = html_of(client.get("/en/news/?page=2&q=Post"))

    assert canonical(first) == "http://testserver/en/news/"
    assert canonical(second) == "http://testserver/en/news/?page=2"


def test_translated_post_names_both_languages_and_x_default(client):
    original = PostFactory(slug="colloquium-5")
    korean = PostFactory(slug="콜로키움-5", language="ko", translation_of=original)

    links = hreflang_links(html_of(client.get(f"/ko/news/{korean.pk}/")))

    english_url = f"http://testserver/en/news/{original.pk}/colloquium-5/"
    korean_url = f"http://testserver/ko/news/{korean.pk}/%EC%BD%9C%EB%A1%9C%ED%82%A4%EC%9B%80-5/"
    assert links == [("ko", korean_url), ("en", english_url), ("x-default", english_url)]


def test_untranslated_post_has_no_hreflang(client):
    post = PostFactory(slug="seminar")

    markup = html_of(client.get(post.get_absolute_url()))

    assert canonical(markup) == f"http://testserver/en/news/{post.pk}/seminar/"
    assert hreflang_links(markup) == []


def test_board_names_both_languages_and_x_default(client):
    links = hreflang_links(html_of(client.get("/en/news/")))

    assert links == [
        ("en", "http://testserver/en/news/"),
        ("ko", "http://testserver/ko/news/"),
        ("x-default", "http://testserver/news/"),
    ]


def test_post_open_graph_uses_the_first_image_in_the_body(client):
    post = PostFactory(
        title="The 5th NIS Policy Colloquium",
        summary="Three presentations and a panel of seven.",
        body=(
            '<p>Text</p><figure class="image"><img src="/media/editor/stage.jpg" alt="Stage" '
            'width="960" height="640"></figure><p><img src="/media/editor/second.jpg" alt=""></p>'
        ),
    )

    markup = html_of(client.get(post.get_absolute_url()))

    assert meta(markup, "og:type") == "article"
    assert meta(markup, "og:title") == "The 5th NIS Policy Colloquium"
    assert meta(markup, "og:description") == "Three presentations and a panel of seven."
    assert meta(markup, "og:url") == f"http://testserver{post.get_absolute_url()}"
    assert meta(markup, "og:image") == "http://testserver/media/editor/stage.jpg"
    assert meta(markup, "twitter:card") == "summary_large_image"
    assert meta(markup, "twitter:image") == "http://testserver/media/editor/stage.jpg"


def test_post_without_images_uses_the_default_cover(client):
    post = PostFactory(body="<p>Words only.</p>")

    markup = html_of(client.get(post.get_absolute_url()))

    assert meta(markup, "og:image") == "http://testserver/static/img/og-default.png"


def test_default_cover_image_is_served(client):
    response = client.get("/static/img/og-default.png")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_board_has_website_open_graph_in_its_language(client):
    markup = html_of(client.get("/ko/news/"))

    assert meta(markup, "og:type") == "website"
    assert meta(markup, "og:locale") == "ko_KR"
    assert meta(markup, "og:title") == "뉴스 & 행사"


def test_post_has_news_article_json_ld(client):
    post = PostFactory(
        title="The 5th NIS Policy Colloquium </script><script>alert(1)</script>",
        slug="colloquium-5",
        writer="Yeory Lim",
        summary="Three presentations.",
        published_at=dt.datetime(2019, 8, 29, 17, 28, 39, tzinfo=SEOUL),
    )

    markup = html_of(client.get(post.get_absolute_url()))

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', markup, re.S)[1]
    data = json.loads(block)
    url = f"http://testserver/en/news/{post.pk}/colloquium-5/"
    assert data == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "The 5th NIS Policy Colloquium </script><script>alert(1)</script>",
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": "en",
        "datePublished": "2019-08-29T08:28:39+00:00",
        "dateModified": data["dateModified"],
        "image": ["http://testserver/static/img/og-default.png"],
        "author": [{"@type": "Person", "name": "Yeory Lim"}],
        "publisher": {"@type": "Organization", "name": "KISTEP", "url": "http://testserver/"},
        "description": "Three presentations.",
    }
    assert "<script>alert(1)" not in markup


def test_post_body_images_are_lazy_loaded_with_their_size(client):
    post = PostFactory(
        body='<p><img src="/media/editor/a.jpg" alt="A panel" width="960" height="640"></p>'
    )

    markup = html_of(client.get(post.get_absolute_url()))

    assert (
        '<img loading="lazy" decoding="async" src="/media/editor/a.jpg" alt="A panel" '
        'width="960" height="640">'
    ) in markup


@pytest.mark.parametrize("item_count", [1, 3])
def test_sitemap_query_count_is_constant(client, django_assert_num_queries, item_count):
    for _ in range(item_count):
        PostFactory()
        EventFactory()

    with django_assert_num_queries(4):  # for posts and for events: a count, then the page
        urls = sitemap_urls(client)

    assert len(urls) == 3 * 2 + 2 * item_count  # home, boards: in each language
