import re

import pytest

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def main_nav(response):
    """The main navigation's links as (href, label, aria-current or None)."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', response.content.decode(), re.S)[0]
    return [
        (href, label, current or None)
        for href, current, label in re.findall(
            r'<a href="([^"]+)"(?: aria-current="([^"]+)")?>([^<]+)</a>', nav
        )
    ]


def test_nav_marks_the_news_link_current_on_the_board_and_on_a_post(client):
    post = PostFactory()

    for address in ("/en/news/", post.get_absolute_url()):
        assert main_nav(client.get(address)) == [
            ("/en/news/", "News & Event", "page"),
            ("/en/events/", "Events", None),
        ]


def test_nav_marks_no_link_current_on_the_home_page(client):
    response = client.get("/en/")

    assert main_nav(response) == [
        ("/en/news/", "News & Event", None),
        ("/en/events/", "Events", None),
    ]


def test_nav_marks_no_link_current_on_an_address_that_matches_no_page(client):
    response = client.get("/ko/no-such-page/")

    assert response.status_code == 404
    assert main_nav(response) == [
        ("/ko/news/", "뉴스 & 행사", None),
        ("/ko/events/", "행사", None),
    ]
