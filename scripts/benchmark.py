"""
In-process benchmark of the public pages at two sizes: prints figures, asserts nothing.

    .venv/bin/python scripts/benchmark.py [--posts 100000] [--attachments-per-post 2]
        [--requests 50] [--database-url URL] [--keep DIR]

It measures every public page of scripts/seed.py's `pages()` (board first and last page, a search
in English and in Hangul, the post, the event and a download) through Django's test client (no
network, no server) on the demo content alone (`seed(posts=0)`) and on the demo plus `--posts`
posts with their attachments, and prints side by side the median (p50), the p95 and the queries
of each page at both sizes, and the ratio of the medians. Each size runs in a process of its own.

On SQLite the databases are throwaway files (kept in `--keep DIR` to be measured again without
seeding again). An exported DATABASE_URL is ignored: it may well name a database worth keeping.
To measure PostgreSQL, name a database with --database-url: the benchmark uses two databases on
that server, the name followed by `_demo` and by `_<posts>`, creates them when they are missing,
migrates and fills them, and leaves them so (seeding again adds nothing).
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A person's browser: a client without a User-Agent is not counted, and the pages are measured as
# visitors get them.
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts added at the large size")
    parser.add_argument("--attachments-per-post", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page a round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds, each measuring both sizes in turn: a busy machine slows both alike",
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: latency as a visitor waits for it; cpu: this process's CPU time, steadier on a "
        "busy machine, and all of a page's work on SQLite (not PostgreSQL's own, in its server)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL server and database name to measure instead of throwaway SQLite files",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        type=Path,
        help="keep the SQLite databases and the files in DIR (with --database-url, by default "
        "a folder named after the database in the system's temporary folder)",
    )
    # Internal: one size, in this process, printing its figures as JSON.
    parser.add_argument("--measure-size", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def database_url(args, work, size):
    """The database measured at `size` posts: a file in `work`, or a sibling of --database-url."""
    suffix = "demo" if size == 0 else str(size)
    if not args.database_url:
        return f"sqlite:///{work / f'bench-{suffix}.sqlite3'}"
    parts = urlsplit(args.database_url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


def environment(args, work, size=0):
    """The settings' environment for measuring `size` posts in the folder `work`."""
    return {
        "DATABASE_URL": database_url(args, work, size),
        "MEDIA_ROOT": str(work / "media"),
        "PROTECTED_MEDIA_ROOT": str(work / "protected"),
        "STATIC_ROOT": str(work / "static"),
        "SECRET_KEY": "benchmark-only",
        "DEBUG": "0",
        "SITE_URL": "http://testserver",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        # The in-process cache, whatever the shell exported: the pages' own work is measured.
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "colloquium.settings",
    }


def main():
    args = parse_args()
    if args.measure_size is not None:
        print(json.dumps(measure(args.measure_size, args)))
        return
    if args.database_url and not args.keep:
        # The databases stay filled, so the files their rows name must stay too.
        name = urlsplit(args.database_url).path.strip("/")
        args.keep = Path(tempfile.gettempdir()) / f"colloquium-bench-{name}"
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        compare(args, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="colloquium-bench-") as work:
            compare(args, Path(work))


def create_database(url):
    """Creates the PostgreSQL database `url` names when it does not exist yet."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def run_size(args, work, size):
    env = {**os.environ, **environment(args, work, size)}
    if args.database_url:
        create_database(env["DATABASE_URL"])
    command = [
        sys.executable,
        __file__,
        "--measure-size",
        str(size),
        "--attachments-per-post",
        str(args.attachments_per_post),
        "--requests",
        str(args.requests),
        "--posts",
        str(args.posts),
        "--clock",
        args.clock,
    ]
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, check=True)
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def compare(args, work):
    (work / "static").mkdir(exist_ok=True)
    runs = {0: [], args.posts: []}
    for _ in range(args.rounds):
        for size, results in runs.items():
            results.append(run_size(args, work, size))
    demo, large = (merge(results) for results in runs.values())
    print(
        f"{demo['vendor']}; demo: {demo['posts']:,} posts, {demo['attachments']:,} attachments; "
        f"large: {large['posts']:,} posts, {large['attachments']:,} attachments; "
        f"{args.rounds} rounds of {args.requests} requests a page and size; {args.clock} clock"
    )
    print(
        f"{'page':26} {'demo p50':>9} {'p95':>7} {'q':>3} "
        f"{'large p50':>10} {'p95':>7} {'q':>3} {'p50 ratio':>10}"
    )
    for label, small in demo["pages"].items():
        big = large["pages"][label]
        print(
            f"{label:26} {small['p50']:9.2f} {small['p95']:7.2f} {small['queries']:3d} "
            f"{big['p50']:10.2f} {big['p95']:7.2f} {big['queries']:3d} "
            f"{big['p50'] / small['p50']:9.2f}x"
        )
    print(f"peak memory (RSS): demo {demo['peak_mib']:.0f} MiB, large {large['peak_mib']:.0f} MiB")


def merge(results):
    """One size's rounds as one: percentiles over every timing."""
    merged = {**results[0], "peak_mib": max(r["peak_mib"] for r in results), "pages": {}}
    for label, first in results[0]["pages"].items():
        timings = sorted(t for r in results for t in r["pages"][label]["timings"])
        merged["pages"][label] = {
            "p50": statistics.median(timings),
            "p95": timings[max(0, round(len(timings) * 0.95) - 1)],
            "queries": first["queries"],
        }
    return merged


def measure(size, args):
    """Seeds `size` posts into the configured database and measures the pages: a dict."""
    import resource

    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # No collectstatic: templates name the static files as they are (override_settings also
    # resets the storages already set up).
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from news.models import Attachment, Post
    from scripts.seed import pages, seed

    call_command("migrate", verbosity=0)
    seed(posts=size, attachments_per_post=args.attachments_per_post, stdout=io.StringIO())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = Client(HTTP_USER_AGENT=USER_AGENT)
    executed = []

    def count_query(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    def get(url):
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        assert response.status_code == 200, (url, response.status_code)
        return response

    figures = {}
    for label, url in pages().items():
        get(url)  # counts this visitor once; the timed requests are the visitor's later ones
        executed.clear()
        with connection.execute_wrapper(count_query):
            get(url)
        timings = []
        clock = time.thread_time if args.clock == "cpu" else time.perf_counter
        for _ in range(args.requests):
            t0 = clock()
            get(url)
            timings.append((clock() - t0) * 1000)
        figures[label] = {"timings": timings, "queries": len(executed)}
    return {
        "vendor": connection.vendor,
        "posts": Post.all_objects.count(),
        "attachments": Attachment.objects.count(),
        "pages": figures,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    main()
