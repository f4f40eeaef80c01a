import io
import json
from html.parser import HTMLParser

import nh3
import pytest
from django.core.management import call_command
from django.db import connection

from colloquium.richtext import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    sanitize,
    to_plain_text,
)
from news.models import Post
from tests.factories import CategoryFactory, EventFactory, PostFactory

XSS_PAYLOADS = (
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="/media/a.png" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//>",
    "<svg onload=alert(1)><circle r=1></svg>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x61;script&#58;alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href=" java\tscript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<p style="width: expression(alert(1))">x</p>',
    '<p style="position: fixed; top: 0; left: 0; width: 100%">overlay</p>',
    '<p style="width: 10px; background: url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="https://evil.example/"><input name="password"><button>Go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<base href="https://evil.example/">',
    "<style>body { display: none }</style>",
    "<!--<script>alert(1)</script>-->",
    "<p><scr<script>ipt>alert(1)</scr</script>ipt></p>",
    '<<img src="/media/a.png" onerror=alert(1)//<',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<img src="http://tracker.example/pixel.gif">',
    '<div onclick="alert(1)">x</div>',
    '<a href="/news/" onmouseover="alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>"
    "</mtext></math>",
    '<figure class="image" onclick="alert(1)"><img src="/media/a.png"></figure>',
)

DANGEROUS_WORDS = (
    "<script",
    "javascript",
    "vbscript",
    "data:",
    "expression",
    "position",
    "url(",
    "<iframe",
    "<object",
    "<embed",
    "<form",
    "<input",
    "<meta",
    "<base",
    "<style",
    "<svg",
    "<math",
    "<!--",
    "http://",
    "evil.example",
)


class _Markup(HTMLParser):
    def __init__(self, markup):
        super().__init__()
        self.elements = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_harmless(markup):
    for tag, attrs in _Markup(markup).elements:
        assert tag in ALLOWED_TAGS
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel", "class"}
        if "href" in attrs:
            assert attrs["href"].startswith(("/", "https://", "mailto:", "#"))
        if "src" in attrs:
            assert attrs["src"].startswith(("/media/", "https://"))
    lowered = markup.lower()
    for word in DANGEROUS_WORDS:
        assert word not in lowered


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitize_removes_xss_payload(payload):
    assert_harmless(sanitize(payload))


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src="/media/a.png" onerror="alert(1)">', '<img src="/media/a.png">'),
        ("<p>Hello<script>alert(1)</script></p>", "<p>Hello</p>"),
        ('<p style="width: expression(alert(1))">x</p>', "<p>x</p>"),
        (
            '<p style="text-align: center; position: absolute">x</p>',
            '<p style="text-align:center">x</p>',
        ),
        ('<img src="http://tracker.example/p.gif" alt="p">', '<img alt="p">'),
        ("<iframe src=https://evil.example/></iframe><p>after</p>", "<p>after</p>"),
    ],
)
def test_sanitize_exact_results(payload, expected):
    assert sanitize(payload) == expected


@pytest.mark.parametrize(
    "markup",
    [
        "<h2>Programme</h2><h3>Morning</h3><h4>Opening</h4>",
        "<p>One <strong>bold</strong>, <em>stressed</em>, <u>underlined</u> and <s>struck</s></p>",
        '<ol start="3"><li>third</li></ol><ul><li>item</li></ul>',
        "<blockquote><p>A quotation.</p></blockquote>",
        '<p style="text-align:center">Centred</p>',
        '<figure class="image"><img src="/media/editor/2026/03/photo.jpg" alt="Ho Kim" width="960" '
        'height="640"><figcaption>▲ Ho Kim (Director, BISTEP)</figcaption></figure>',
        '<img src="https://www.kistep.re.kr/logo.png" alt="KISTEP">',
        '<table style="width:100%"><caption>Speakers</caption><thead><tr><th scope="col">Name</th>'
        '</tr></thead><tbody><tr><td colspan="2">Ho Kim</td></tr></tbody></table>',
        "<p>H<sub>2</sub>O and E=mc<sup>2</sup></p><hr>",
    ],
)
def test_sanitize_keeps_allowed_markup(markup):
    assert sanitize(markup) == markup


def test_sanitize_adds_noopener_to_links():
    assert sanitize('<a href="https://www.kistep.re.kr/" title="KISTEP">KISTEP</a>') == (
        '<a href="https://www.kistep.re.kr/" title="KISTEP" rel="noopener noreferrer">KISTEP</a>'
    )


def test_sanitize_keeps_only_the_image_class_on_figures():
    assert sanitize('<figure class="image left"><figcaption>c</figcaption></figure>') == (
        '<figure class="image"><figcaption>c</figcaption></figure>'
    )


def test_sanitize_is_stable_when_applied_twice():
    markup = sanitize("".join(XSS_PAYLOADS))

    assert sanitize(markup) == markup


@pytest.mark.parametrize("markup", [None, ""])
def test_sanitize_empty_body(markup):
    assert sanitize(markup) == ""


def test_nh3_configuration_never_panics():
    # nh3 raises PanicException, a BaseException, for a contradictory configuration.
    for tag in ALLOWED_CLASSES:
        assert "class" not in ALLOWED_ATTRIBUTES.get(tag, set())

    try:
        for payload in (*XSS_PAYLOADS, '<figure class="image"><img src="/media/x.png"></figure>'):
            sanitize(payload)
    except BaseException as error:  # noqa: B036
        pytest.fail(f"sanitize() raised {type(error).__name__}: {error}")


def test_nh3_rejects_class_in_attributes_next_to_allowed_classes():
    # The pitfall the configuration avoids: proves the check above tests something real.
    with pytest.raises(BaseException):  # noqa: B017, PT011
        nh3.clean(
            '<figure class="image"></figure>',
            attributes={"figure": {"class"}},
            allowed_classes={"figure": {"image"}},
        )


def test_plain_text_drops_tags_and_decodes_entities():
    assert to_plain_text("<p>R&amp;D&nbsp;budget</p>\n<ul><li>행사</li></ul>") == "R&D budget 행사"


@pytest.mark.django_db
def test_post_body_is_sanitized_on_save():
    post = PostFactory(body='<p onclick="steal()">Hi<script>alert(1)</script></p>')

    post.refresh_from_db()
    assert post.body == "<p>Hi</p>"


@pytest.mark.django_db
def test_post_body_text_holds_the_plain_words():
    post = PostFactory(
        body="<h2>행사 안내</h2><p>R&amp;D <strong>policy</strong></p><script>x()</script>"
    )

    post.refresh_from_db()
    assert post.body_text == "행사 안내 R&D policy"


@pytest.mark.django_db
def test_post_body_is_sanitized_by_queryset_update():
    post = PostFactory()

    Post.objects.filter(pk=post.pk).update(body='<p>ok</p><img src="x" onerror="alert(1)">')

    post.refresh_from_db()
    assert post.body == "<p>ok</p><img>"


@pytest.mark.django_db
def test_post_body_is_sanitized_when_loaded_from_a_fixture(tmp_path):
    category = CategoryFactory()
    fixture = tmp_path / "posts.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "news.post",
                    "pk": 901,
                    "fields": {
                        "category": category.pk,
                        "title": "From a fixture",
                        "status": "published",
                        "published_at": "2019-08-29T08:28:39Z",
                        "body": (
                            '<p>Fixture</p><script>alert(1)</script><a href="javascript:x">x</a>'
                        ),
                        "created_at": "2019-08-29T08:28:39Z",
                        "updated_at": "2019-08-29T08:28:39Z",
                    },
                }
            ]
        )
    )

    call_command("loaddata", str(fixture), verbosity=0)

    assert Post.objects.get(pk=901).body == '<p>Fixture</p><a rel="noopener noreferrer">x</a>'


def store_around_the_field(item, body):
    """Write `body` as an old allow-list or another program would: raw SQL, no sanitizing."""
    table, quote = item._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} SET {quote('body')} = %s, {quote('body_text')} = %s "
            f"WHERE {quote('id')} = %s",
            [body, "stale words", item.pk],
        )


@pytest.mark.django_db
def test_resanitize_cleans_stored_bodies_and_their_plain_text():
    post, untouched = PostFactory(), PostFactory(body="<p>Already clean</p>")
    event = EventFactory()
    store_around_the_field(post, '<p onclick="steal()">Report<script>alert(1)</script></p>')
    store_around_the_field(event, '<p>Programme</p><iframe src="https://evil.example/"></iframe>')
    output = io.StringIO()

    call_command("resanitize", stdout=output)

    post.refresh_from_db()
    event.refresh_from_db()
    untouched.refresh_from_db()
    assert (post.body, post.body_text) == ("<p>Report</p>", "Report")
    assert (event.body, event.body_text) == ("<p>Programme</p>", "Programme")
    assert (untouched.body, untouched.body_text) == ("<p>Already clean</p>", "Already clean")
    assert output.getvalue().splitlines() == [
        "news.Post: 1 row(s) cleaned again.",
        "events.Event: 1 row(s) cleaned again.",
    ]


@pytest.mark.django_db
def test_resanitize_run_again_has_nothing_left_to_clean():
    store_around_the_field(PostFactory(), "<p>Report<script>alert(1)</script></p>")
    call_command("resanitize", stdout=io.StringIO())
    output = io.StringIO()

    call_command("resanitize", stdout=output)

    assert output.getvalue().splitlines() == [
        "news.Post: 0 row(s) cleaned again.",
        "events.Event: 0 row(s) cleaned again.",
    ]
