"""
The news board's demo content, in both languages.

English board: the source page's post (its body with the five captioned photos, 922 hits, the
photograph 20190829172839.jpg of exactly 440,945 bytes downloaded 244 times), thirty more posts
(two of them pinned notices; nine carry eleven attached files between them), a draft and a post
scheduled a month ahead. Korean board: the source post's translation (its own body and captions,
the same photograph with its own counter) and six more posts, four of them translations of
English ones (`translation_of`). That is 40 posts and 13 attachments.

The bodies are templates in news/templates/news/demo/; the photo captions come from
`colloquium.demo.SOURCE_PHOTOS`, shared with the events demo. Facts (titles, names, figures) come
from the source page; every paragraph is our own. Linking the source posts to their events is the
`loaddemo` command's job, which composes both apps.

Loading twice changes nothing: posts are looked up by slug or title and created with their files
and counters only when missing; body pictures are stored under fixed names, written only once.
"""

import datetime as dt
import io
from pathlib import PurePath
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from colloquium.demo import SOURCE_PHOTOS, draw_picture, jpeg_bytes, pdf_bytes, save_media
from colloquium.publishing import Status
from news.models import Attachment, Category, Post

SEOUL = ZoneInfo("Asia/Seoul")

SOURCE_TITLE = (
    "The 5th NIS Policy Colloquium: Strategies and Challenges to Overcome the Crisis of "
    "Regional Disparity and Innovative Growth"
)
SOURCE_SLUG = "5th-nis-policy-colloquium"
SOURCE_SUMMARY = (
    "KISTEP, BISTEP and KOTIS held the 5th NIS Policy Colloquium on regional disparity and "
    "innovative growth, with three presentations and a panel of seven."
)
SOURCE_ATTACHMENT = "20190829172839.jpg"
SOURCE_ATTACHMENT_SIZE = 440_945
FIGURE_SIZE = (960, 640)


def _figures(korean=False):
    """The source page's photos as the body's figures: stored picture URL, size and caption."""
    width, height = FIGURE_SIZE
    figures = []
    for number, photo in enumerate(SOURCE_PHOTOS, start=1):
        name = save_media(
            f"demo/news/colloquium-5-photo-{number}.jpg",
            jpeg_bytes(draw_picture(photo.label, size=FIGURE_SIZE, seed=number)),
        )
        caption = photo.korean_caption if korean else photo.caption
        figures.append(
            {"url": default_storage.url(name), "width": width, "height": height, "caption": caption}
        )
    return figures


def source_body():
    return render_to_string("news/demo/source_post.html", {"figures": _figures()})


def korean_source_body():
    return render_to_string("news/demo/source_post_ko.html", {"figures": _figures(korean=True)})


POSTS = (
    # (title, category slug, writer, date, pinned, names of the attached files)
    ("Website maintenance on Saturday night", "notice", "Web Team", "2026-11-20", True, ()),
    ("How to request data from the R&D survey", "notice", "Min-ji Park", "2026-10-02", True,
     ("Data request form.pdf",)),
    ("KISTEP signs research partnership with a European innovation agency", "news", "Yeory Lim",
     "2026-09-14", False, ()),
    ("Call for papers: STI Policy Review, winter issue", "notice", "Editorial Office", "2026-08-21",
     False, ("Call for papers.pdf", "붙임1_행사안내.pdf")),
    ("Results of the 2026 national R&D budget review", "news", "Ji-hoon Choi", "2026-07-03", False,
     ("Budget review summary.pdf", "Key figures.png")),
    ("The 12th NIS Policy Colloquium on science diplomacy", "news", "Yeory Lim", "2026-05-28",
     False, ("20260528101500.jpg",)),
    ("Visit from the OECD Committee for Scientific and Technological Policy", "news", "Hana Kang",
     "2026-03-19", False, ()),
    ("KISTEP opens its technology foresight data to the public", "news", "Ji-hoon Choi",
     "2025-12-11", False, ()),
    ("Seminar: measuring the impact of public R&D", "news", "Min-ji Park", "2025-11-06", False,
     ("Seminar programme.pdf",)),
    ("Annual report 2024 published", "news", "Editorial Office", "2025-06-30", False,
     ("Annual report 2024.pdf",)),
    ("Workshop with regional S&T planning institutes", "news", "Seong jin Kim", "2025-04-17",
     False, ()),
    ("Holiday closure notice", "notice", "General Affairs", "2025-01-24", False, ()),
    ("Korea–Germany forum on the future of research funding", "news", "Hana Kang", "2024-10-08",
     False, ("Forum photo.jpg",)),
    ("The 10th NIS Policy Colloquium on carbon neutrality", "news", "Yeory Lim", "2024-06-12",
     False, ()),
    ("New president of KISTEP takes office", "news", "Editorial Office", "2024-02-01", False, ()),
    ("Technology level evaluation 2023: main findings", "news", "Ji-hoon Choi", "2023-11-22", False,
     ("Evaluation findings.pdf",)),
    ("Recruitment of research staff (policy analysis)", "notice", "Human Resources", "2023-09-05",
     False, ("Application form.pdf",)),
    ("International symposium on mission-oriented innovation", "news", "Hana Kang", "2023-05-16",
     False, ()),
    ("The 8th NIS Policy Colloquium on the digital transition", "news", "Yeory Lim", "2022-08-25",
     False, ()),
    ("KISTEP joins the global network of foresight institutes", "news", "Min-ji Park",
     "2022-03-10", False, ()),
    ("Online seminar series on evidence-based policy", "news", "Seong jin Kim", "2021-10-14", False,
     ()),
    ("The 7th NIS Policy Colloquium on post-pandemic innovation", "news", "Yeory Lim", "2021-06-24",
     False, ()),
    ("Guidelines for visitors during the pandemic", "notice", "General Affairs", "2020-03-02",
     False, ()),
    ("The 6th NIS Policy Colloquium on innovation in the age of AI", "news", "Yeory Lim",
     "2019-11-28", False, ()),
    ("KISTEP hosts delegation from Southeast Asian ministries", "news", "Hana Kang", "2019-10-15",
     False, ()),
    ("Preliminary feasibility studies: a year in review", "news", "Ji-hoon Choi", "2019-07-11",
     False, ()),
    ("Science and technology outlook seminar", "news", "Min-ji Park", "2019-05-09", False, ()),
    ("The 4th NIS Policy Colloquium on research ecosystems", "news", "Yeory Lim", "2019-04-25",
     False, ()),
    ("Launch of the English newsletter", "news", "Editorial Office", "2019-02-14", False, ()),
    ("KISTEP at the national science fair", "news", "Seong jin Kim", "2018-12-06", False, ()),
)  # fmt: skip

DRAFT_TITLE = "Draft: programme of the 13th NIS Policy Colloquium"
SCHEDULED_TITLE = "Scheduled: year-end message from the president"


def _body(title, language="en"):
    template = "news/demo/post_ko.html" if language == "ko" else "news/demo/post.html"
    return render_to_string(template, {"title": title})


def _attachment_bytes(name, label):
    suffix = PurePath(name).suffix.lower()
    if suffix == ".pdf":
        return pdf_bytes(name, [label, "Demo document generated for the colloquium project."])
    image = draw_picture(label, size=(800, 533))
    if suffix == ".png":
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    return jpeg_bytes(image)


def _at(date, hour=10):
    year, month, day = map(int, date.split("-"))
    return dt.datetime(year, month, day, hour, 0, tzinfo=SEOUL)


def _attach(post, position, name, data, downloads=0):
    if post.attachments.filter(original_name=name).exists():
        return
    attachment = Attachment(
        post=post, original_name=name, position=position, download_count=downloads
    )
    # An uncommitted file, as from the admin: stored privately under a random name, while
    # save() captures its size and type; visitors see `name`.
    attachment.file = ContentFile(data, name=name)
    attachment.save()


def _board_post(title, category, writer, published_at, pinned, *, hits, language="en", **fields):
    """A published post with the generic body in its language, created once (found by title)."""
    return Post.objects.get_or_create(
        title=title,
        defaults={
            "category": category,
            "language": language,
            "writer": writer,
            "status": Status.PUBLISHED,
            "published_at": published_at,
            "is_pinned": pinned,
            "summary": f"{title}.",
            "body": lambda: _body(title, language),
            "hit_count": hits,
            **fields,
        },
    )


def load(stdout=None):
    """Load both boards' posts; returns the English source post."""
    categories = {
        "news": Category.objects.get_or_create(
            slug="news-event", defaults={"name": "News & Event", "order": 1}
        )[0],
        "notice": Category.objects.get_or_create(
            slug="notice", defaults={"name": "Notice", "order": 2}
        )[0],
    }

    source, created = Post.objects.get_or_create(
        slug=SOURCE_SLUG,
        defaults={
            "category": categories["news"],
            "title": SOURCE_TITLE,
            "writer": "Yeory Lim",
            "status": Status.PUBLISHED,
            "published_at": dt.datetime(2019, 8, 29, 17, 28, 39, tzinfo=SEOUL),
            "summary": SOURCE_SUMMARY,
            "body": source_body,
            "hit_count": 922,
        },
    )
    if created:
        photo = jpeg_bytes(
            draw_picture("5th NIS Policy Colloquium", size=(1600, 1067), seed=29),
            exact_size=SOURCE_ATTACHMENT_SIZE,
        )
        _attach(source, 0, SOURCE_ATTACHMENT, photo, downloads=244)

    for number, (title, category, writer, date, pinned, files) in enumerate(POSTS, start=1):
        post, created = _board_post(
            title, categories[category], writer, _at(date), pinned, hits=(number * 37) % 400 + 12
        )
        if created:
            for position, name in enumerate(files):
                downloads = (number * 11 + position * 5) % 90
                _attach(post, position, name, _attachment_bytes(name, title), downloads=downloads)

    Post.objects.get_or_create(
        title=DRAFT_TITLE,
        defaults={
            "category": categories["news"],
            "writer": "Yeory Lim",
            "status": Status.DRAFT,
            "summary": "Not yet published.",
            "body": lambda: _body(DRAFT_TITLE),
        },
    )
    Post.objects.get_or_create(
        title=SCHEDULED_TITLE,
        defaults={
            "category": categories["notice"],
            "writer": "Editorial Office",
            "status": Status.PUBLISHED,
            "published_at": timezone.now() + dt.timedelta(days=30),
            "summary": "Visitors see this post from its publication date.",
            "body": lambda: _body(SCHEDULED_TITLE),
        },
    )
    load_korean(source, categories)
    if stdout:
        stdout.write(f"News: {Post.objects.published().count()} published posts.")
    return source


KOREAN_SOURCE_TITLE = "제5회 NIS 정책 콜로키움: 지역 격차 위기 극복과 혁신성장을 위한 전략과 과제"
KOREAN_SOURCE_SUMMARY = (
    "KISTEP, BISTEP, KOTIS가 지역 격차와 혁신성장을 주제로 제5회 NIS 정책 콜로키움을 함께 "
    "열었습니다. 세 편의 발표와 일곱 명이 참여한 패널 토론이 이어졌습니다."
)

KOREAN_POSTS = (
    # (title, category slug, writer, date, pinned, title of the English original or None)
    ("토요일 야간 홈페이지 점검 안내", "notice", "웹팀", "2026-11-20", True,
     "Website maintenance on Saturday night"),
    ("연구개발 조사 데이터 신청 방법", "notice", "Min-ji Park", "2026-10-02", True,
     "How to request data from the R&D survey"),
    ("2026년 국가연구개발 예산 검토 결과", "news", "Ji-hoon Choi", "2026-07-03", False,
     "Results of the 2026 national R&D budget review"),
    ("과학외교를 주제로 한 제12회 NIS 정책 콜로키움", "news", "Yeory Lim", "2026-05-28", False,
     "The 12th NIS Policy Colloquium on science diplomacy"),
    ("지역 과학기술 혁신 세미나 개최", "news", "Seong jin Kim", "2026-04-09", False, None),
    ("공공 연구개발 성과 측정 워크숍", "news", "Hana Kang", "2025-09-18", False, None),
)  # fmt: skip


def load_korean(source, categories):
    korean_source, created = Post.objects.get_or_create(
        title=KOREAN_SOURCE_TITLE,
        defaults={
            # A translation keeps its original's board, writer and date.
            **{
                field: getattr(source, field)
                for field in ("category", "writer", "status", "published_at")
            },
            "language": "ko",
            "translation_of": source,
            "summary": KOREAN_SOURCE_SUMMARY,
            "body": korean_source_body,
            "hit_count": 1204,
        },
    )
    if created:
        # The same photograph as the English post: one stored file, its own download counter.
        photo = source.attachments.filter(original_name=SOURCE_ATTACHMENT).first()
        if photo is not None:
            Attachment.objects.create(
                post=korean_source,
                file=photo.file.name,
                original_name=photo.original_name,
                size=photo.size,
                content_type=photo.content_type,
            )

    for number, (title, category, writer, date, pinned, original) in enumerate(
        KOREAN_POSTS, start=1
    ):
        english = Post.objects.filter(title=original, language="en").first() if original else None
        _board_post(
            title,
            categories[category],
            writer,
            _at(date, hour=11),
            pinned,
            hits=(number * 53) % 300 + 8,
            language="ko",
            translation_of=english,
        )
