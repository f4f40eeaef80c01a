import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, RequestFactory

from colloquium.counters import COOKIE_NAME, should_count_hit
from colloquium.publishing import Status
from news.models import Attachment, Post
from tests.factories import (
    BROWSERS,
    CHROME,
    CRAWLERS,
    NOW,
    SEOUL,
    AttachmentFactory,
    EditorFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Real User-Agents and whether they are people, checked against crawlerdetect 0.4.2 and our
# additions (colloquium/counters.py). Every one a person counts once; none of the others counts.
PEOPLE = (
    # Desktop Chrome, Firefox, Safari, Edge, Opera and Naver's Whale.
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68",
    # Samsung Internet, Chrome on Android and iOS.
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-X710N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Whale/3.26.244.21 Safari/537.36",
    # KakaoTalk's in-app browser, Naver's app (NAVER(inapp...)) and Daum's app are people.
    "Mozilla/5.0 (Linux; Android 14; SM-S928N Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36;KAKAOTALK "
    "2410530",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Mobile/15E148 KAKAOTALK 10.8.5",
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36 NAVER(inapp; search; 2000; 12.6.3)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Mobile/15E148 NAVER(inapp; search; 2000; 12.6.3; 15PROMAX)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Mobile/15E148 DaumApps/6.5.1 DaumDevice/mobile",
    # Cubot phones are people ("CUBOT P60" ends in "bot" but is a phone maker).
    "Mozilla/5.0 (Linux; Android 12; CUBOT P60) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Cubot KingKong Power) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/122.0.6261.64 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 11; CUBOT NOTE 20 PRO Build/RP1A.200720.011; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile "
    "Safari/537.36",
)
NOT_PEOPLE = (
    # Search engines, Korean ones included: Naver's Yeti and Daum's crawler.
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html) Chrome/126.0.6478.126 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    "Mozilla/5.0 (compatible; Yeti/1.1; +http://naver.me/spd)",
    "Mozilla/5.0 (compatible; Yeti/1.1; +https://naver.me/spd)",
    "Mozilla/5.0 (compatible; Daum/4.1; +http://cs.daum.net/faq/15/4118.html?faqId=28966)",
    "Mozilla/5.0 (compatible; MSIE or Firefox mutant; not on Windows server;) Daumoa 4.0",
    # KakaoTalk's link preview, alone and with facebookexternalhit; Facebook's own.
    "kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap/33984",
    "facebookexternalhit/1.1; kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap/33984",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    # Other crawlers, AI crawlers and link expanders.
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; "
    "+http://www.apple.com/go/applebot)",
    "Twitterbot/1.0",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
    "+claudebot@anthropic.com)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile "
    "Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    # Headless browsers and audits, HTTP libraries and tools.
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
    "python-httpx/0.28.1",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Wget/1.21.4",
    "Go-http-client/1.1",
    # An empty User-Agent, or one of spaces only.
    "",
    "   ",
)


@pytest.fixture
def post():
    return PostFactory()


def visit(method="GET", user_agent=CHROME, user=None, cookies=None):
    request = RequestFactory().generic(method, "/en/news/1/", HTTP_USER_AGENT=user_agent)
    request.user = user or AnonymousUser()
    request.COOKIES.update(cookies or {})
    return request


def hits(post):
    return Post.objects.get(pk=post.pk).hit_count


@pytest.mark.parametrize("user_agent", BROWSERS)
def test_should_count_hit_counts_a_first_get_from_a_browser(post, user_agent):
    assert should_count_hit(visit(user_agent=user_agent), post) is True


@pytest.mark.parametrize("method", ["HEAD", "POST", "OPTIONS"])
def test_should_count_hit_ignores_other_methods(post, method):
    assert should_count_hit(visit(method=method), post) is False


@pytest.mark.parametrize("user_agent", CRAWLERS)
def test_should_count_hit_ignores_crawlers(post, user_agent):
    assert should_count_hit(visit(user_agent=user_agent), post) is False


@pytest.mark.parametrize("user_agent", PEOPLE)
def test_should_count_hit_counts_every_person_of_the_corpus(post, user_agent):
    assert should_count_hit(visit(user_agent=user_agent), post) is True


@pytest.mark.parametrize("user_agent", NOT_PEOPLE)
def test_should_count_hit_ignores_everything_else_in_the_corpus(post, user_agent):
    assert should_count_hit(visit(user_agent=user_agent), post) is False


def test_a_visit_without_a_user_agent_header_is_not_counted(post):
    response = Client().get(post.get_absolute_url())

    assert response.status_code == 200
    assert hits(post) == 0
    assert COOKIE_NAME not in response.cookies


@pytest.mark.parametrize(
    ("user_agent", "counted"),
    [
        (next(agent for agent in PEOPLE if "CUBOT P60" in agent), 1),
        (next(agent for agent in NOT_PEOPLE if "HeadlessChrome" in agent), 0),
        ("python-httpx/0.28.1", 0),
        ("", 0),
    ],
)
def test_the_post_page_counts_a_cubot_phone_but_not_headless_chrome_httpx_or_nobody(
    client, post, user_agent, counted
):
    response = client.get(post.get_absolute_url(), headers={"User-Agent": user_agent})

    assert response.status_code == 200
    assert hits(post) == counted


def test_should_count_hit_ignores_staff(post):
    assert should_count_hit(visit(user=EditorFactory()), post) is False


def test_should_count_hit_counts_a_logged_in_visitor_who_is_not_staff(post):
    assert should_count_hit(visit(user=UserFactory()), post) is True


def test_should_count_hit_ignores_drafts_and_scheduled_posts():
    draft = PostFactory(status=Status.DRAFT)
    scheduled = PostFactory(published_at=dt.datetime(2099, 1, 1, tzinfo=SEOUL))

    assert should_count_hit(visit(), draft) is False
    assert should_count_hit(visit(), scheduled) is False


def test_a_get_counts_once_and_shows_the_visitors_own_hit(client, post):
    first = client.get(post.get_absolute_url())
    second = client.get(post.get_absolute_url())

    assert first.context["post"].hit_count == 1
    assert second.context["post"].hit_count == 1
    assert hits(post) == 1


def test_the_cookie_remembers_the_visit_without_a_database_session(client, post):
    response = client.get(post.get_absolute_url())

    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 24 * 60 * 60
    assert "sessionid" not in response.cookies
    assert "Cookie" in response["Vary"]


def test_each_post_counts_separately_for_one_visitor(client):
    first, second = PostFactory(), PostFactory()

    client.get(first.get_absolute_url())
    client.get(second.get_absolute_url())
    client.get(first.get_absolute_url())

    assert (hits(first), hits(second)) == (1, 1)


def test_a_visit_counts_again_after_24_hours(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    post = PostFactory()
    client.get(post.get_absolute_url())
    time_machine.move_to(NOW + dt.timedelta(hours=23, minutes=59), tick=False)
    client.get(post.get_absolute_url())

    time_machine.move_to(NOW + dt.timedelta(hours=24), tick=False)
    client.get(post.get_absolute_url())

    assert hits(post) == 2


def test_a_tampered_cookie_is_ignored(client, post):
    client.get(post.get_absolute_url())
    value = client.cookies[COOKIE_NAME].value
    client.cookies[COOKIE_NAME] = value.replace(f".{post.pk}:", f".{post.pk + 1}:")

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert hits(post) == 2


@pytest.mark.parametrize("value", ["garbage", "news.post.1:abc:def", "", "é" * 100])
def test_a_junk_cookie_is_not_an_error(client, post, value):
    client.cookies[COOKIE_NAME] = value

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert hits(post) == 1


def test_the_cookie_stays_small_for_a_visitor_who_reads_everything(client):
    posts = PostFactory.create_batch(105)

    for post in posts:
        client.get(post.get_absolute_url())

    assert len(client.cookies[COOKIE_NAME].value) < 4000


def test_head_is_not_counted(client, post):
    response = client.head(post.get_absolute_url())

    assert response.status_code == 200
    assert hits(post) == 0


@pytest.mark.parametrize("user_agent", CRAWLERS[:6])
def test_crawler_visit_is_not_counted(client, post, user_agent):
    response = client.get(post.get_absolute_url(), headers={"User-Agent": user_agent})

    assert response.status_code == 200
    assert hits(post) == 0
    assert COOKIE_NAME not in response.cookies


def test_staff_preview_is_not_counted(editor_client, post):
    editor_client.get(post.get_absolute_url())

    assert hits(post) == 0


def test_staff_preview_of_a_draft_is_not_counted(editor_client):
    draft = PostFactory(status=Status.DRAFT)

    response = editor_client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert hits(draft) == 0


def test_record_hit_from_two_stale_instances_adds_two(post):
    stale_one = Post.objects.get(pk=post.pk)
    stale_two = Post.objects.get(pk=post.pk)

    stale_one.record_hit()
    stale_two.record_hit()

    assert hits(post) == 2


@pytest.mark.django_db(transaction=True)
def test_record_hit_loses_no_increment_under_concurrency():
    if connection.vendor != "postgresql":
        pytest.skip("threads writing at once need PostgreSQL; SQLite is covered by the live test")
    post = PostFactory()
    threads_count, visits_each = 8, 25
    # Every thread holds the same stale copy, as concurrent requests would.
    stale = Post.objects.get(pk=post.pk)
    barrier = threading.Barrier(threads_count, timeout=20)

    def visit_many():
        try:
            barrier.wait()
            for _ in range(visits_each):
                stale.record_hit()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads_count) as pool:
        for future in [pool.submit(visit_many) for _ in range(threads_count)]:
            future.result()

    assert hits(post) == threads_count * visits_each


# A download counts once per visitor per file per 24 hours, remembered in the same cookie.


def downloads(attachment):
    return Attachment.objects.get(pk=attachment.pk).download_count


def download(client, attachment, **headers):
    response = client.get(attachment.get_absolute_url(), headers=headers)
    b"".join(response.streaming_content)  # read to the end, as a WSGI server would
    return response


def test_a_download_counts_once_per_visitor_per_24_hours(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    attachment = AttachmentFactory()
    download(client, attachment)
    time_machine.move_to(NOW + dt.timedelta(hours=23, minutes=59), tick=False)
    download(client, attachment)
    first_day = downloads(attachment)

    time_machine.move_to(NOW + dt.timedelta(hours=24), tick=False)
    download(client, attachment)

    assert (first_day, downloads(attachment)) == (1, 2)


def test_a_download_is_remembered_in_the_visitors_cookie(client):
    attachment = AttachmentFactory()

    response = download(client, attachment)

    assert response.cookies[COOKIE_NAME]["httponly"] is True
    assert f"news.attachment.{attachment.pk}:" in client.cookies[COOKIE_NAME].value
    assert "Cookie" in response["Vary"]


def test_each_file_and_each_visitor_counts_separately(client):
    first, second = AttachmentFactory(), AttachmentFactory()
    other_visitor = Client(headers={"User-Agent": CHROME}, REMOTE_ADDR="192.0.2.8")

    download(client, first)
    download(client, second)
    download(client, first)
    download(other_visitor, first)

    assert (downloads(first), downloads(second)) == (2, 1)


def test_a_resumed_download_is_not_counted_and_not_remembered(client):
    attachment = AttachmentFactory()

    response = download(client, attachment, Range="bytes=100-")

    assert response.status_code == 206
    assert downloads(attachment) == 0
    assert COOKIE_NAME not in response.cookies


def test_a_visit_and_a_download_are_remembered_side_by_side(client):
    attachment = AttachmentFactory()

    client.get(attachment.post.get_absolute_url())
    download(client, attachment)
    client.get(attachment.post.get_absolute_url())
    download(client, attachment)

    assert (hits(attachment.post), downloads(attachment)) == (1, 1)


# A client that sends back no cookie counts at most COUNTS_PER_ADDRESS_PER_DAY times per item per
# day from one address.


def cookieless(address="203.0.113.7", **headers):
    """A client that never sends a cookie back, from `address`."""
    client = Client(headers={"User-Agent": CHROME, **headers}, REMOTE_ADDR=address)
    client.cookies = _NoCookies()
    return client


class _NoCookies(SimpleCookie):
    def __setitem__(self, key, value):
        pass

    def update(self, *args, **kwargs):
        pass


def test_a_cookieless_client_counts_at_most_the_daily_allowance_per_item(settings, now):
    settings.COUNTS_PER_ADDRESS_PER_DAY = 3
    post, other_post = PostFactory(), PostFactory()
    script = cookieless()

    shown = [script.get(post.get_absolute_url()).context["post"].hit_count for _ in range(5)]
    script.get(other_post.get_absolute_url())

    assert shown == [1, 2, 3, 3, 3]
    assert (hits(post), hits(other_post)) == (3, 1)


def test_the_allowance_is_per_address_and_per_day(settings, time_machine):
    settings.COUNTS_PER_ADDRESS_PER_DAY = 2
    time_machine.move_to(NOW, tick=False)
    post = PostFactory()
    for _ in range(3):
        cookieless("203.0.113.7").get(post.get_absolute_url())
        cookieless("203.0.113.8").get(post.get_absolute_url())
    # Midnight in Seoul: a new day's allowance.
    time_machine.move_to(dt.datetime(2026, 3, 3, 0, 0, tzinfo=SEOUL), tick=False)

    cookieless("203.0.113.7").get(post.get_absolute_url())

    assert hits(post) == 2 + 2 + 1


def test_visitors_who_keep_their_cookie_are_not_held_to_the_allowance(settings):
    settings.COUNTS_PER_ADDRESS_PER_DAY = 2
    posts = PostFactory.create_batch(3)
    office = [Client(headers={"User-Agent": CHROME}, REMOTE_ADDR="198.51.100.1") for _ in "ab"]
    for person in office:
        person.get(posts[0].get_absolute_url())

    for person in office:
        for post in posts[1:]:
            person.get(post.get_absolute_url())

    assert [hits(post) for post in posts] == [2, 2, 2]


def test_cookieless_downloads_count_at_most_the_daily_allowance(settings):
    settings.COUNTS_PER_ADDRESS_PER_DAY = 2
    attachment = AttachmentFactory()
    script = cookieless()

    for _ in range(4):
        download(script, attachment)

    assert downloads(attachment) == 2


def test_the_allowance_reads_the_address_through_the_trusted_proxy(settings):
    # As settings.py configures django-axes with TRUSTED_PROXY_COUNT=1 (one nginx in front).
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.COUNTS_PER_ADDRESS_PER_DAY = 1
    post = PostFactory()

    for address in ("203.0.113.7", "203.0.113.8", "203.0.113.7"):
        cookieless("127.0.0.1", X_Forwarded_For=address).get(post.get_absolute_url())

    assert hits(post) == 2
