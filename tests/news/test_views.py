import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse

from colloquium.attachments import format_size
from colloquium.publishing import Status
from news.demo import SOURCE_SLUG
from news.models import Post
from tests.factories import SEOUL, AttachmentFactory, CategoryFactory, PostFactory

BOARD_URL = "/en/news/"

pytestmark = pytest.mark.django_db


class _Board(HTMLParser):
    """The board's rows as the visitor reads them: cell texts, plus whether a file icon shows."""

    def __init__(self, markup):
        super().__init__()
        self.rows = []
        self._in_body = False
        self._cell = None
        self._hidden_depth = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append({"cells": [], "file_icon": False})
        elif self._in_body and tag == "td":
            self._cell = []
        elif self._cell is not None and tag == "span":
            if self._hidden_depth or "board__label" in classes:
                self._hidden_depth += 1
            if "file-icon" in classes:
                self.rows[-1]["file_icon"] = True

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1]["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "span" and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if self._cell is not None and not self._hidden_depth:
            self._cell.append(data)


def board_rows(response):
    return [row["cells"] for row in _Board(response.content.decode()).rows]


def board_titles(response):
    return [cells[1] for cells in board_rows(response) if len(cells) == 5]


def listed(response):
    """The titles the board lists, or its message when it lists none."""
    return [cells[1] if len(cells) == 5 else cells[0] for cells in board_rows(response)]


def board_numbers(response):
    return [cells[0] for cells in board_rows(response)]


def make_posts(count, **kwargs):
    """`count` published posts, one a day, the last one newest; titles "Post 1".."Post N"."""
    start = dt.datetime(2025, 1, 1, 10, 0, tzinfo=SEOUL)
    return [
        PostFactory(title=f"Post {n}", published_at=start + dt.timedelta(days=n), **kwargs)
        for n in range(1, count + 1)
    ]


def html_of(response):
    return response.content.decode()


# The board


def test_board_shows_number_title_writer_date_and_hits(client):
    post = PostFactory(
        title="The 5th NIS Policy Colloquium",
        writer="Yeory Lim",
        published_at=dt.datetime(2019, 8, 29, 17, 28, tzinfo=SEOUL),
    )
    Post.objects.filter(pk=post.pk).update(hit_count=922)

    response = client.get(BOARD_URL)

    assert response.status_code == 200
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html_of(response)) == [
        "No.",
        "Title",
        "Writer",
        "Date",
        "Hit",
    ]
    assert board_rows(response) == [
        ["1", "The 5th NIS Policy Colloquium", "Yeory Lim", "2019-08-29", "922"]
    ]
    assert f'href="{post.get_absolute_url()}"' in html_of(response)


def test_board_date_is_the_local_date_in_seoul(client):
    # 2019-08-28 23:30 UTC is already the 29th in Seoul.
    PostFactory(published_at=dt.datetime(2019, 8, 28, 23, 30, tzinfo=dt.UTC))

    response = client.get(BOARD_URL)

    assert board_rows(response)[0][3] == "2019-08-29"


def test_board_numbers_run_down_from_the_newest(client):
    make_posts(12)

    first_page = client.get(BOARD_URL)
    second_page = client.get(BOARD_URL, {"page": 2})

    assert board_numbers(first_page) == [str(n) for n in range(12, 2, -1)]
    assert board_titles(first_page)[0] == "Post 12"
    assert board_numbers(second_page) == ["2", "1"]
    assert board_titles(second_page) == ["Post 2", "Post 1"]


def test_board_lists_ten_posts_a_page(client):
    make_posts(21)

    pages = [client.get(BOARD_URL, {"page": n}) for n in (1, 2, 3)]

    assert [len(board_rows(page)) for page in pages] == [10, 10, 1]
    assert "21 posts" in html_of(pages[0])
    assert "page 1 of 3" in html_of(pages[0])


def test_board_hides_drafts_and_scheduled_posts(client):
    PostFactory(title="Visible")
    PostFactory(title="Draft", status=Status.DRAFT)
    PostFactory(title="Scheduled", published_at=dt.datetime(2099, 1, 1, tzinfo=SEOUL))

    response = client.get(BOARD_URL)

    assert board_titles(response) == ["Visible"]


def test_board_hides_drafts_from_staff_too(editor_client):
    PostFactory(title="Visible")
    PostFactory(title="Draft", status=Status.DRAFT)

    response = editor_client.get(BOARD_URL)

    assert board_titles(response) == ["Visible"]


def test_board_shows_a_file_icon_for_posts_with_attachments(client):
    with_file, without_file = make_posts(2)
    AttachmentFactory(post=with_file)

    rows = _Board(html_of(client.get(BOARD_URL))).rows

    assert [(row["cells"][1], row["file_icon"]) for row in rows] == [
        ("Post 2", False),
        ("Post 1", True),
    ]


def test_pinned_notices_are_on_top_of_every_page_without_a_number(client):
    make_posts(11)
    PostFactory(
        title="Pinned notice",
        is_pinned=True,
        published_at=dt.datetime(2020, 1, 1, tzinfo=SEOUL),
    )

    first_page = client.get(BOARD_URL)
    second_page = client.get(BOARD_URL, {"page": 2})

    assert board_rows(first_page)[0][:2] == ["Notice", "Pinned notice"]
    assert board_numbers(first_page)[1:] == [str(n) for n in range(11, 1, -1)]
    assert board_rows(second_page)[0][:2] == ["Notice", "Pinned notice"]
    assert board_rows(second_page)[1][:2] == ["1", "Post 1"]
    assert "12 posts" in html_of(first_page)  # 11 numbered + 1 notice


def test_page_links_keep_the_query(client):
    make_posts(12, body="<p>Colloquium report</p>")

    response = client.get(BOARD_URL, {"q": "Colloquium", "field": "body"})

    assert 'href="?q=Colloquium&amp;field=body&amp;page=2"' in html_of(response)


def test_post_links_carry_the_board_page_and_query(client):
    posts = make_posts(11)

    response = client.get(BOARD_URL, {"page": 2, "field": "title", "q": "Post"})

    assert f'href="{posts[0].get_absolute_url()}?q=Post&amp;field=title&amp;page=2"' in html_of(
        response
    )


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", ["행사 in the title"]),
        ("body", ["Plain title"]),
        ("writer", ["By the events team"]),
        ("all", ["By the events team", "Plain title", "행사 in the title"]),
    ],
)
def test_search_looks_in_the_chosen_field(client, field, expected):
    start = dt.datetime(2025, 1, 1, tzinfo=SEOUL)
    PostFactory(title="행사 in the title", published_at=start)
    PostFactory(
        title="Plain title", body="<p>연례 행사 안내</p>", published_at=start + dt.timedelta(1)
    )
    PostFactory(title="By the events team", writer="행사팀", published_at=start + dt.timedelta(2))
    PostFactory(title="Unrelated", published_at=start + dt.timedelta(3))

    response = client.get(BOARD_URL, {"q": "행사", "field": field})

    assert board_titles(response) == expected


def test_search_is_case_insensitive_and_needs_every_word(client):
    make_posts(1)
    PostFactory(title="Annual Report 2024")
    PostFactory(title="Annual budget")

    response = client.get(BOARD_URL, {"q": "annual REPORT", "field": "title"})

    assert board_titles(response) == ["Annual Report 2024"]


def test_search_does_not_match_markup(client):
    PostFactory(title="Plain", body='<p class="x"><strong>Words</strong></p>')

    response = client.get(BOARD_URL, {"q": "strong", "field": "body"})

    assert board_titles(response) == []
    assert "No posts match your search." in html_of(response)


def test_search_lists_matching_pinned_notices_among_results(client):
    PostFactory(title="Pinned colloquium notice", is_pinned=True)
    PostFactory(title="Other pinned notice", is_pinned=True)
    PostFactory(title="Colloquium report")

    response = client.get(BOARD_URL, {"q": "colloquium"})

    assert sorted(board_titles(response)) == ["Colloquium report", "Pinned colloquium notice"]


def test_search_with_a_bad_year_still_lists_only_matching_notices(client):
    PostFactory(title="Pinned colloquium notice", is_pinned=True)
    PostFactory(title="Other pinned notice", is_pinned=True)
    PostFactory(title="Colloquium report")

    response = client.get(BOARD_URL, {"q": "colloquium", "year": "abc"})

    assert sorted(board_titles(response)) == ["Colloquium report", "Pinned colloquium notice"]


def test_category_filter(client):
    notice = CategoryFactory(name="Notice", slug="notice")
    PostFactory(title="News")
    PostFactory(title="A notice", category=notice)

    response = client.get(BOARD_URL, {"category": "notice"})

    assert board_titles(response) == ["A notice"]


def test_year_filter(client):
    PostFactory(title="2019", published_at=dt.datetime(2019, 8, 29, tzinfo=SEOUL))
    PostFactory(title="2024", published_at=dt.datetime(2024, 6, 12, tzinfo=SEOUL))

    response = client.get(BOARD_URL, {"year": "2019"})

    assert board_titles(response) == ["2019"]
    assert '<option value="2024">2024</option>' in html_of(response)


def test_year_filter_counts_years_in_seoul(client):
    PostFactory(
        title="New Year in Seoul", published_at=dt.datetime(2019, 12, 31, 16, tzinfo=dt.UTC)
    )

    response = client.get(BOARD_URL, {"year": "2020"})

    assert board_titles(response) == ["New Year in Seoul"]


FIRST_PAGE = [f"Post {n}" for n in range(12, 2, -1)]
LAST_PAGE = ["Post 2", "Post 1"]
NO_MATCH = ["No posts match your search."]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"page": "abc"}, FIRST_PAGE),
        ({"page": "99999"}, LAST_PAGE),
        # Django's Paginator.get_page(): a page number below 1 is out of range, like 99999.
        ({"page": "-1"}, LAST_PAGE),
        ({"page": "0"}, LAST_PAGE),
        ({"page": "1.5"}, FIRST_PAGE),
        ({"field": "zzz", "q": "Post"}, FIRST_PAGE),
        ({"category": "nope"}, FIRST_PAGE),
        ({"year": "abc"}, FIRST_PAGE),
        ({"year": "99999999999999999999"}, FIRST_PAGE),
        ({"q": "x" * 5000}, NO_MATCH),
        ({"q": "a " * 2500}, NO_MATCH),
        ({"q": "%_\\'\""}, NO_MATCH),
        (
            {"q": "행사", "field": "body", "category": "nope", "year": "abc", "page": "abc"},
            NO_MATCH,
        ),
    ],
)
def test_board_survives_garbage_parameters(client, query, expected):
    make_posts(12)

    response = client.get(BOARD_URL, query)

    assert response.status_code == 200
    assert listed(response) == expected


# PostgreSQL text cannot hold NUL: colloquium.security refuses it before any lookup.
@pytest.mark.parametrize("name", ["page", "category", "year", "q", "field"])
def test_board_refuses_a_nul_byte_in_any_parameter(client, name):
    make_posts(1)

    response = client.get(BOARD_URL, {name: "Post\x00"})

    assert response.status_code == 400


def test_board_out_of_range_page_shows_the_last_page(client):
    make_posts(12)

    response = client.get(BOARD_URL, {"page": "99999"})

    assert board_titles(response) == ["Post 2", "Post 1"]


def test_board_unknown_field_searches_everywhere(client):
    PostFactory(title="Other", writer="Colloquium Team")
    PostFactory(title="Unrelated")

    response = client.get(BOARD_URL, {"q": "colloquium", "field": "zzz"})

    assert board_titles(response) == ["Other"]


def test_board_unknown_category_is_ignored(client):
    make_posts(2)

    response = client.get(BOARD_URL, {"category": "nope"})

    assert board_titles(response) == ["Post 2", "Post 1"]


@pytest.mark.parametrize("item_count", [1, 3])
def test_board_query_count_is_constant(client, django_assert_num_queries, item_count):
    for post in make_posts(item_count):
        AttachmentFactory.create_batch(2, post=post)
    PostFactory(is_pinned=True)

    with django_assert_num_queries(6):
        response = client.get(BOARD_URL)

    assert len(board_rows(response)) == item_count + 1


@pytest.mark.parametrize("item_count", [1, 3])
def test_board_search_query_count_is_constant(client, django_assert_num_queries, item_count):
    category = CategoryFactory(slug="news-event")
    for post in make_posts(item_count, category=category):
        AttachmentFactory(post=post)

    with django_assert_num_queries(6):
        response = client.get(BOARD_URL, {"q": "Post", "year": "2025", "category": "news-event"})

    assert len(board_rows(response)) == item_count


# The post page


def header_value(response, label):
    match = re.search(rf"<dt>{label}</dt><dd[^>]*>(.*?)</dd>", html_of(response), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else None


def test_post_page_shows_title_writer_date_and_hits(client):
    post = PostFactory(
        title="The 5th NIS Policy Colloquium",
        writer="Yeory Lim",
        published_at=dt.datetime(2019, 8, 29, 17, 28, 39, tzinfo=SEOUL),
        body="<p>Body of the post.</p>",
    )
    Post.objects.filter(pk=post.pk).update(hit_count=921)

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert '<h1 class="post-header__title">The 5th NIS Policy Colloquium</h1>' in html_of(response)
    assert header_value(response, "Writer") == "Yeory Lim"
    assert header_value(response, "Date") == "2019-08-29"
    assert header_value(response, "Hit") == "922"
    assert "<p>Body of the post.</p>" in html_of(response)
    assert header_value(response, "File") is None


def test_post_page_without_slug_shows_the_post(client):
    post = PostFactory()

    response = client.get(reverse("news:post-detail", kwargs={"pk": post.pk}))

    assert response.status_code == 200
    assert response.context["post"] == post


def test_post_page_title_is_escaped(client):
    post = PostFactory(title="<script>alert(1)</script> & more")

    response = client.get(post.get_absolute_url())

    assert "<script>alert(1)</script>" not in html_of(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html_of(response)


def test_post_page_never_renders_a_stored_script(client):
    post = PostFactory()
    # Even a body written around save() goes through the field's sanitizing.
    Post.objects.filter(pk=post.pk).update(body='<p>ok</p><script>alert("x")</script>')

    response = client.get(post.get_absolute_url())

    assert "<p>ok</p>" in html_of(response)
    assert 'alert("x")' not in html_of(response)


def test_draft_is_not_found_for_the_public(client):
    post = PostFactory(status=Status.DRAFT)

    response = client.get(post.get_absolute_url())

    assert response.status_code == 404


def test_scheduled_post_is_not_found_for_the_public_until_its_time(client, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=SEOUL), tick=False)
    post = PostFactory(
        title="Noon notice", published_at=dt.datetime(2026, 3, 2, 12, 0, tzinfo=SEOUL)
    )

    before = client.get(post.get_absolute_url())
    time_machine.move_to(dt.datetime(2026, 3, 2, 12, 0, tzinfo=SEOUL), tick=False)
    after = client.get(post.get_absolute_url())

    assert before.status_code == 404
    assert after.status_code == 200
    assert '<h1 class="post-header__title">Noon notice</h1>' in html_of(after)


def test_staff_sees_a_draft_with_a_preview_banner(editor_client):
    post = PostFactory(status=Status.DRAFT, title="Draft programme")

    response = editor_client.get(post.get_absolute_url())

    assert response.status_code == 200
    assert "Preview: this post is a draft. Visitors cannot see it." in html_of(response)


def test_staff_sees_a_scheduled_post_with_its_date_in_the_banner(editor_client):
    post = PostFactory(published_at=dt.datetime(2099, 1, 2, 9, 30, tzinfo=SEOUL))

    response = editor_client.get(post.get_absolute_url())

    assert (
        "Preview: this post is scheduled and visitors will see it from 2099-01-02 09:30."
        in html_of(response)
    )


def test_published_post_has_no_preview_banner(editor_client):
    post = PostFactory(title="Published programme")

    response = editor_client.get(post.get_absolute_url())

    assert '<h1 class="post-header__title">Published programme</h1>' in html_of(response)
    assert "preview-banner" not in html_of(response)


@pytest.mark.parametrize("path", ["/en/news/99999/", "/en/news/99999999999999999999999/"])
def test_unknown_post_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_post_page_lists_attachments_with_size_and_downloads(client):
    post = PostFactory()
    AttachmentFactory(
        post=post, upload_name="photo.jpg", content=b"x" * 440_945, download_count=244, position=0
    )
    AttachmentFactory(
        post=post, upload_name="붙임1_행사안내.pdf", content=b"x" * 2 * 1024 * 1024, position=1
    )

    response = client.get(post.get_absolute_url())

    assert header_value(response, "File") == (
        "jpg Attachment photo.jpg (430.61KB / Download 244) Download photo.jpg "
        "pdf Attachment 붙임1_행사안내.pdf (2.00MB / Download 0) Download 붙임1_행사안내.pdf"
    )


def test_post_page_shows_the_source_file_row_after_loaddemo(client):
    call_command("loaddemo", stdout=None)
    post = Post.objects.get(slug=SOURCE_SLUG)
    attachment = post.attachments.get()

    response = client.get(post.get_absolute_url())

    assert header_value(response, "Writer") == "Yeory Lim"
    assert header_value(response, "Date") == "2019-08-29"
    assert header_value(response, "Hit") == "923"
    assert "jpg 20190829172839.jpg (430.61KB / Download 244)" in (
        header_value(response, "File").replace("Attachment ", "")
    )
    assert f'href="{attachment.get_absolute_url()}"' in html_of(response)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0.00KB"),
        (1023, "1.00KB"),
        (1024, "1.00KB"),
        (440_945, "430.61KB"),
        (1_048_570, "1023.99KB"),
        (1_048_575, "1.00MB"),
        (1_048_576, "1.00MB"),
        (5_347_737, "5.10MB"),
        (None, ""),
    ],
)
def test_format_size(size, expected):
    assert format_size(size) == expected


def test_post_page_links_to_previous_and_next_posts(client):
    older, current, newer = make_posts(3)

    response = client.get(current.get_absolute_url())

    assert f'<a href="{older.get_absolute_url()}" rel="prev">Post 1</a>' in html_of(response)
    assert f'<a href="{newer.get_absolute_url()}" rel="next">Post 3</a>' in html_of(response)


def test_first_and_last_posts_say_there_is_no_neighbour(client):
    (only,) = make_posts(1)

    response = client.get(only.get_absolute_url())

    assert "There is no previous post." in html_of(response)
    assert "There is no next post." in html_of(response)


def test_list_button_returns_to_the_board_page_with_the_query(client):
    post = PostFactory()

    response = client.get(
        post.get_absolute_url(), {"page": "2", "q": "행사", "field": "title", "utm_source": "x"}
    )

    hangul = "%ED%96%89%EC%82%AC"
    assert (
        f'<a class="button" href="/en/news/?q={hangul}&amp;field=title&amp;page=2">List</a>'
        in html_of(response)
    )


def test_list_button_without_a_query_returns_to_the_first_page(client):
    post = PostFactory()

    response = client.get(post.get_absolute_url())

    assert '<a class="button" href="/en/news/">List</a>' in html_of(response)


@pytest.mark.parametrize("item_count", [1, 3])
def test_post_page_query_count_is_constant(client, django_assert_num_queries, item_count):
    older, post, newer = make_posts(3)
    AttachmentFactory.create_batch(item_count, post=post)

    # Four of them are the hit counter's: its UPDATE and the day's row (an upsert), in a
    # savepoint (SAVEPOINT, RELEASE) inside the test's transaction.
    with django_assert_num_queries(10):
        response = client.get(post.get_absolute_url())

    assert html_of(response).count('class="file-list__item"') == item_count
