"""
Benchmark of the public pages: prints latency and query figures, asserts nothing.

    .venv/bin/python scripts/benchmark.py [--posts 5000] [--requests 100] [--database-url URL]

It builds a throwaway SQLite database with that many published posts, one with an attachment,
and measures the board, a search, a post page and a download through Django's test client (no
network, no server), plus the process's peak memory. An exported DATABASE_URL is ignored: it
may well name a database worth keeping. To measure PostgreSQL, name an empty database with
--database-url; the benchmark migrates and fills it, and leaves it filled.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="an empty database to migrate, fill and measure instead of a throwaway SQLite file",
    )
    return parser.parse_args(argv)


def environment(args, work):
    """The settings' environment for a run in the folder `work`, whatever the shell exported."""
    return {
        "DATABASE_URL": args.database_url or f"sqlite:///{work / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "SECRET_KEY": "benchmark-only",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "colloquium.settings",
    }


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="colloquium-bench-") as work:
        os.environ.update(environment(args, Path(work)))
        (Path(work) / "static").mkdir()
        benchmark(args)


def benchmark(args):
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from news.models import Attachment, Category, Post

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    category, _ = Category.objects.get_or_create(slug="news-event", defaults={"name": "News"})
    now = timezone.now()
    posts = [
        Post(
            category=category,
            title=f"Benchmark post {n} on regional innovation 지역 혁신 {n % 97}",
            slug=f"benchmark-post-{n}",
            writer="Yeory Lim",
            status=Post.Status.PUBLISHED,
            published_at=now - timezone.timedelta(hours=n),
            body=f"<p>Paragraph {n} about science and technology policy. 과학기술 정책 {n}.</p>",
        )
        for n in range(args.posts)
    ]
    Post.objects.bulk_create(posts, batch_size=500)
    sample = Post.objects.order_by("pk").first()
    attachment = Attachment(post=sample, original_name="붙임1_행사안내.pdf")
    attachment.file.save("bench.pdf", ContentFile(b"%PDF-1.4\n" + b"0" * 440_000), save=False)
    attachment.save()
    print(
        f"database: {connection.vendor}, {args.posts} posts made in "
        f"{time.perf_counter() - started:.1f} s"
    )

    # A person's browser: a client without a User-Agent is not counted, and the pages should be
    # measured as visitors get them.
    client = Client(
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
    )
    executed = []

    def count_query(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    pages = {
        "board, page 1": reverse("news:post-list"),
        "board, page 250": reverse("news:post-list") + "?page=250",
        "search title 'innovation'": reverse("news:post-list") + "?field=title&q=innovation",
        "search all '정책' (Hangul)": reverse("news:post-list") + "?field=all&q=정책",
        "post page": sample.get_absolute_url(),
        "download 430 KB": attachment.get_absolute_url(),
    }
    print(f"{'page':32} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, url in pages.items():
        executed.clear()
        with connection.execute_wrapper(count_query):
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200, (url, response.status_code)
        timings = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{label:32} {statistics.median(timings):10.2f} {p95:8.2f} {len(executed):8d}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
