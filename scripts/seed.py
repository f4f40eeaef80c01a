"""
Content for the benchmarks: the demo (`loaddemo`), plus, for the measurements at scale, many
more published posts, every other one on the Korean board, each with attachments.

    from scripts.seed import seed, pages
    seed(posts=100_000, attachments_per_post=2)
    pages()  # {"board, page 1": "/en/news/", ...}

Called with Django set up and the database migrated. The extra posts are written with
bulk_create, and their attachments all name one stored file: the measurements are of the pages,
not of the disk. Seeding twice adds nothing the second time.
"""

import math

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

BATCH = 2_000
SLUG_PREFIX = "scale-post-"
# Words that both the demo and the extra posts contain, so that a search finds posts at either
# size: an English word, and a two-syllable Hangul one.
SEARCH_ENGLISH = "innovation"
SEARCH_HANGUL = "정책"


def seed(posts=0, attachments_per_post=2, stdout=None):
    """Load the demo, then add `posts` published posts (half in Korean) and their attachments."""
    from news.models import Attachment, Category, Post

    call_command("loaddemo", stdout=stdout)
    if not posts or Post.all_objects.filter(slug__startswith=SLUG_PREFIX).exists():
        return
    category = Category.objects.get(slug="news-event")
    stored = Attachment(original_name="scale.pdf")
    stored.file.save("scale.pdf", ContentFile(b"%PDF-1.4\n" + b"0" * 40_000), save=False)
    # Older than every demo post: the demo stays on the board's first page, as it would on a
    # board that moved in years of posts.
    oldest = Post.all_objects.order_by("published_at").values_list("published_at", flat=True)
    start = (oldest.first() or timezone.now()) - timezone.timedelta(days=1)
    with transaction.atomic():
        for first in range(0, posts, BATCH):
            numbers = range(first, min(first + BATCH, posts))
            made = Post.all_objects.bulk_create([seeded_post(category, start, n) for n in numbers])
            Attachment.objects.bulk_create(
                [
                    Attachment(
                        post=post,
                        position=position,
                        file=stored.file.name,
                        original_name=f"붙임{position + 1}_보고서.pdf",
                        size=stored.size,
                        content_type="application/pdf",
                        download_count=position,
                    )
                    for post in made
                    for position in range(attachments_per_post)
                ]
            )


def seeded_post(category, start, n):
    """Post number `n`, an hour older than the one before; every other one on the Korean board."""
    from news.models import Post

    if n % 2:
        title = f"지역 {SEARCH_HANGUL} 보고서 {n}: 과학기술 혁신과 regional {SEARCH_ENGLISH}"
        body_text = f"{n}번째 보고서: 지역 과학기술 {SEARCH_HANGUL}과 {SEARCH_ENGLISH}."
        summary = f"지역 혁신 보고서 {n}."
        language = "ko"
    else:
        title = (
            f"Regional {SEARCH_ENGLISH} report {n}: science and technology "
            f"policy 지역 혁신 {SEARCH_HANGUL} {n % 97}"
        )
        body_text = f"Paragraph {n} on science and technology policy. 과학기술 {SEARCH_HANGUL} {n}."
        summary = f"Report {n} on regional {SEARCH_ENGLISH}."
        language = "en"
    return Post(
        category=category,
        language=language,
        title=title,
        slug=f"{SLUG_PREFIX}{n}",
        writer="Yeory Lim" if language == "en" else "임여리",
        status="published",
        published_at=start - timezone.timedelta(hours=n),
        summary=summary,
        body=f"<p>{body_text}</p>",
        body_text=body_text,
        hit_count=n % 1000,
    )


def pages(language="en"):
    """The public pages the benchmarks measure: {label: path}."""
    from events.demo import SOURCE_EVENT_SLUG
    from events.models import Event
    from news.demo import SOURCE_ATTACHMENT, SOURCE_SLUG
    from news.models import Post

    with translation.override(language):
        source = Post.objects.get(slug=SOURCE_SLUG, language=language)
        event = Event.objects.get(slug=SOURCE_EVENT_SLUG)
        download = source.attachments.get(original_name=SOURCE_ATTACHMENT)
        board = reverse("news:post-list")
        with translation.override("ko"):
            korean_board = reverse("news:post-list")
        listed = Post.objects.published().in_language().filter(is_pinned=False).count()
        last_page = max(1, math.ceil(listed / 10))
        return {
            "board, page 1": board,
            "board, last page": f"{board}?page={last_page}",
            f"search '{SEARCH_ENGLISH}'": f"{board}?field=all&q={SEARCH_ENGLISH}",
            # Where readers search in Korean: the Korean board.
            f"search '{SEARCH_HANGUL}' (Hangul)": f"{korean_board}?field=all&q={SEARCH_HANGUL}",
            "post page": source.get_absolute_url(),
            "event page": event.get_absolute_url(),
            "download 430 KB": download.get_absolute_url(),
        }
