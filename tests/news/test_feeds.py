import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from colloquium.publishing import Status
from tests.factories import AttachmentFactory, PostFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def rss_items(response):
    assert response["Content-Type"].startswith("application/rss+xml")
    return ET.fromstring(response.content).find("channel").findall("item")


def atom_entries(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def downloaded(client, url):
    """What a feed reader fetching an enclosure gets: (content type, bytes)."""
    response = client.get(url)
    return response["Content-Type"], b"".join(response.streaming_content)


def test_rss_lists_published_english_posts_only(client):
    now = timezone.now()
    older = PostFactory(title="Older", published_at=now - dt.timedelta(days=2))
    newer = PostFactory(title="Newer", published_at=now - dt.timedelta(days=1))
    PostFactory(title="Draft", status=Status.DRAFT)
    PostFactory(title="Scheduled", published_at=now + dt.timedelta(days=1))
    PostFactory(title="한국어 소식", language="ko")

    items = rss_items(client.get("/en/news/feed/rss/"))

    assert [item.findtext("title") for item in items] == [newer.title, older.title]
    assert items[0].findtext("link") == f"http://testserver/en/news/{newer.pk}/newer/"


def test_korean_feeds_list_korean_posts(client):
    PostFactory(title="English news")
    korean = PostFactory(title="지역 혁신 세미나", language="ko")

    rss = rss_items(client.get("/ko/news/feed/rss/"))
    atom = atom_entries(client.get("/ko/news/feed/atom/"))

    assert [item.findtext("title") for item in rss] == [korean.title]
    assert [entry.findtext(f"{ATOM}title") for entry in atom] == [korean.title]


def test_feed_channel_is_in_the_pages_language(client):
    english = ET.fromstring(client.get("/en/news/feed/rss/").content).find("channel")
    korean = ET.fromstring(client.get("/ko/news/feed/rss/").content).find("channel")

    assert (english.findtext("title"), english.findtext("language")) == (
        "KISTEP News & Event",
        "en",
    )
    assert (korean.findtext("title"), korean.findtext("language")) == ("KISTEP 뉴스 & 행사", "ko")


def test_feed_carries_the_full_sanitized_body_with_absolute_addresses(client):
    PostFactory(
        body=(
            "<p>First <strong>paragraph</strong><script>alert(1)</script></p>"
            '<figure class="image"><img src="/media/editor/photo.jpg" alt="Panel" width="960" '
            'height="640"></figure><p><a href="/en/news/">Board</a></p>'
        )
    )

    description = rss_items(client.get("/en/news/feed/rss/"))[0].findtext("description")

    assert description == (
        "<p>First <strong>paragraph</strong></p>"
        '<figure class="image"><img src="http://testserver/media/editor/photo.jpg" alt="Panel" '
        'width="960" height="640"></figure>'
        '<p><a href="http://testserver/en/news/" rel="noopener noreferrer">Board</a></p>'
    )


def test_rss_item_has_its_first_attachment_as_enclosure(client):
    attachment = AttachmentFactory(content=b"x" * 440_945, upload_name="20190829172839.jpg")
    AttachmentFactory(post=attachment.post, upload_name="programme.pdf", position=1)

    item = rss_items(client.get("/en/news/feed/rss/"))[0]

    enclosures = [enclosure.attrib for enclosure in item.findall("enclosure")]
    assert enclosures == [
        {
            "url": f"http://testserver/en/news/attachments/{attachment.pk}/download/",
            "length": "440945",
            "type": "image/jpeg",
        }
    ]
    assert downloaded(client, enclosures[0]["url"]) == ("image/jpeg", b"x" * 440_945)


def test_atom_entry_has_every_attachment_as_enclosure(client):
    photo = AttachmentFactory(content=b"x" * 1000, upload_name="photo.jpg")
    programme = AttachmentFactory(
        post=photo.post, content=b"%PDF-1.4" * 10, upload_name="programme.pdf", position=1
    )

    entry = atom_entries(client.get("/en/news/feed/atom/"))[0]

    enclosures = [
        (link.get("href"), link.get("length"), link.get("type"))
        for link in entry.findall(f"{ATOM}link")
        if link.get("rel") == "enclosure"
    ]
    assert enclosures == [
        (f"http://testserver/en/news/attachments/{photo.pk}/download/", "1000", "image/jpeg"),
        (
            f"http://testserver/en/news/attachments/{programme.pk}/download/",
            "80",
            "application/pdf",
        ),
    ]
    assert [downloaded(client, url) for url, _, _ in enclosures] == [
        ("image/jpeg", b"x" * 1000),
        ("application/pdf", b"%PDF-1.4" * 10),
    ]


def test_atom_entry_has_author_and_dates(client):
    post = PostFactory(writer="Yeory Lim")

    entry = atom_entries(client.get("/en/news/feed/atom/"))[0]

    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Yeory Lim"
    assert dt.datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == post.published_at
    assert dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) == post.updated_at


@pytest.mark.parametrize(
    ("url", "entries"), [("/en/news/feed/rss/", rss_items), ("/en/news/feed/atom/", atom_entries)]
)
@pytest.mark.parametrize("item_count", [1, 3])
def test_feed_query_count_is_constant(client, django_assert_num_queries, url, entries, item_count):
    for _ in range(item_count):
        AttachmentFactory.create_batch(2, post=PostFactory())

    with django_assert_num_queries(2):  # posts, their attachments
        response = client.get(url)

    assert len(entries(response)) == item_count


def test_pages_link_to_their_languages_feeds(client):
    markup = client.get("/ko/news/").content.decode()

    assert (
        '<link rel="alternate" type="application/rss+xml" title="뉴스 & 행사 (RSS)" '
        'href="/ko/news/feed/rss/">'
    ) in markup
    assert 'type="application/atom+xml"' in markup
