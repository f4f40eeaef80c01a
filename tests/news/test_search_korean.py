import re

import pytest
from django.db import connection

from news.filters import PostFilter
from news.models import Post
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"
)
TRIGRAM_INDEXES = {
    "news_post_title_trgm": "title",
    "news_post_body_text_trgm": "body_text",
    "news_post_writer_trgm": "writer",
    "news_post_summary_trgm": "summary",
}


def board_titles(client, query):
    markup = client.get("/ko/news/", {"q": query}).content.decode()
    return re.findall(r'<td class="board__title">\s*<a href="[^"]+">([^<]+)</a>', markup)


@pytest.fixture
def korean_posts():
    return {
        "seoul": PostFactory(
            title="서울시에서 열린 지역혁신 포럼",
            language="ko",
            body="<p>지역 과학기술 정책을 논의했습니다.</p>",
        ),
        "busan": PostFactory(
            title="부산 과학기술 혁신 사례",
            language="ko",
            body="<p>산업과 연구가 선순환하는 구조를 만들었습니다.</p>",
        ),
    }


def test_two_syllable_word_finds_it_inside_a_longer_word(client, korean_posts):
    # "혁신" sits inside "지역혁신" and "혁신"; "서울" inside "서울시에서".
    assert board_titles(client, "혁신") == [
        korean_posts["busan"].title,
        korean_posts["seoul"].title,
    ]
    assert board_titles(client, "서울") == [korean_posts["seoul"].title]


def test_word_with_a_particle_is_found_by_its_stem(client, korean_posts):
    assert board_titles(client, "서울시") == [korean_posts["seoul"].title]


def test_search_looks_in_the_body(client, korean_posts):
    assert board_titles(client, "선순환") == [korean_posts["busan"].title]


def test_every_word_must_match(client, korean_posts):
    assert board_titles(client, "과학기술 정책") == [korean_posts["seoul"].title]


def test_korean_search_with_no_match_says_so(client, korean_posts):
    markup = client.get("/ko/news/", {"q": "우주항공"}).content.decode()

    assert "검색 결과가 없습니다." in markup


def test_search_finds_korean_posts_on_the_korean_board_only(client, korean_posts):
    PostFactory(title="Innovation in Seoul (서울)", language="en")

    assert board_titles(client, "서울") == [korean_posts["seoul"].title]


@on_postgresql
def test_trigram_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'news_post' "
            "AND indexname LIKE %s",
            ["%_trgm"],
        )
        indexes = dict(cursor.fetchall())

    assert set(indexes) == set(TRIGRAM_INDEXES)
    for name, column in TRIGRAM_INDEXES.items():
        assert "USING gin" in indexes[name]
        assert re.search(rf"upper\(\(?{column}\b", indexes[name])
        assert "gin_trgm_ops" in indexes[name]


@on_postgresql
def test_database_splits_hangul_into_trigrams():
    # Under a "C" LC_CTYPE PostgreSQL sees no trigrams in Hangul and the indexes stay empty.
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('가나다')")
        (trigrams,) = cursor.fetchone()

    assert len(trigrams) > 0


@on_postgresql
@pytest.mark.parametrize(("field", "index"), [("title", "news_post_title_trgm"), ("all", None)])
def test_board_search_can_use_the_trigram_index(korean_posts, field, index):
    # Only the search condition, unordered: the publication rules have their own index.
    queryset = PostFilter({"q": "지역혁신", "field": field}, queryset=Post.objects.order_by()).qs

    with connection.cursor() as cursor:
        # A test table is tiny: forbid sequential scans to see whether an index *can* serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()

    assert list(queryset) == [korean_posts["seoul"]]
    used = set(re.findall(r"news_post_\w+_trgm", plan))
    assert used == ({index} if index else set(TRIGRAM_INDEXES))
