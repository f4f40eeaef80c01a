"""
The site under load, as production serves it: prints throughput and latency, asserts nothing.

    .venv/bin/python scripts/bench_http.py [--setups sqlite,postgres+redis] [--sizes demo,100k]
        [--duration 10] [--rounds 3] [--pages post,healthz,...] [--project DIR] [--json FILE]

For each set-up and size it builds a site instance of its own (a database it creates, its own
media folders and collected static files), fills it with scripts/seed.py (the demo, or the demo
plus 100,000 posts with two attachments each), starts a real gunicorn on loopback (sync workers,
2 of them, with deploy/gunicorn.conf.py when the project has it) and drives every public page
with wrk, in rounds that go through all pages in turn; the figures are the median of the rounds.

Set-ups: "sqlite" is the `make run` set-up (a SQLite file, the in-process cache);
"postgres+redis" is production's (PostgreSQL and REDIS_URL, with `manage.py flushcounters
--every 5` beside it when the project has that command); "postgres" is PostgreSQL alone, as the
issue's "before" figures were measured.

The post page is measured twice: counted (a new visitor each request: wrk keeps no cookie and
bench_http.lua gives each request an address of its own in X-Forwarded-For, read with
TRUSTED_PROXY_COUNT=1 as behind nginx) and not counted (a crawler's User-Agent). After the rounds
the post's stored hit count must have risen by exactly the requests wrk sent as a new visitor.

It never touches a database it did not make: an exported DATABASE_URL or REDIS_URL is ignored.
The PostgreSQL database --postgres-url names is dropped, created and dropped again at the end; the
Redis database --redis-url names must be empty at the start, and is emptied at the end.
--project serves another checkout (an older commit) with this Python, for figures from before.
"""

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

HERE = Path(__file__).resolve().parent
LUA = HERE / "bench_http.lua"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SIZES = {"demo": 0, "100k": 100_000}
SETUPS = {
    "sqlite": "SQLite (the make run set-up)",
    "postgres+redis": "PostgreSQL + Redis",
    "postgres": "PostgreSQL, no Redis",
}
# Short names for --pages, for the labels scripts/seed.py's pages() gives.
PAGE_KEYS = {
    "board, page 1": "board",
    "board, last page": "board-last",
    "post page": "post",
    "event page": "event",
    "download 430 KB": "download",
}
COUNTED = "post page, counted (new visitor)"
NOT_COUNTED = "post page, not counted (crawler)"
# Target ratios of issue 9 (on PostgreSQL + Redis), printed next to the figures.
TARGETS = {"counted": 0.25, "counted/not": 0.9, "board": 0.2, "event": 0.2, "scale": 1.5}
MEMORY_TARGET_MIB = 120


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default="sqlite,postgres+redis", help=", ".join(SETUPS))
    parser.add_argument("--sizes", default="demo,100k", help="demo, 100k")
    parser.add_argument("--posts", type=int, default=100_000, help="posts of the 100k size")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument(
        "--pages",
        help="only these pages, by short name: healthz, post, post-crawler, board, board-last, "
        "search, search-hangul, event, download",
    )
    parser.add_argument("--project", type=Path, default=HERE.parent, help="the checkout to serve")
    parser.add_argument("--port", type=int, default=18500)
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432/colloquium_bench",
        help="the database to drop, create and drop (never an exported DATABASE_URL)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/5",
        help="an empty Redis database, emptied again at the end (never database 0)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--report", type=Path, help="print the tables of a --json file; no run")
    args = parser.parse_args(argv)
    args.setups = split(args.setups, SETUPS, parser, "--setups")
    args.sizes = split(args.sizes, SIZES, parser, "--sizes")
    args.pages = set(args.pages.split(",")) if args.pages else None
    args.project = args.project.resolve()
    if not (args.project / "manage.py").exists():
        parser.error(f"--project {args.project} has no manage.py")
    if args.rounds < 1 or args.duration <= 0:
        parser.error("--rounds and --duration must be positive")
    return args


def split(value, known, parser, option):
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        parser.error(
            f"{option}: {', '.join(unknown) or 'none given'}; choose from {', '.join(known)}"
        )
    return names


# ---------------------------------------------------------------------------------------------
# The site instance: environment, database, Django helpers run in the served project


def base_environment():
    """Only what a process needs from this shell: no database, settings or secrets of its own."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")
    return {name: os.environ[name] for name in keep if name in os.environ}


def instance_environment(work, setup, args, port):
    env = base_environment() | {
        "DJANGO_SETTINGS_MODULE": "colloquium.settings",
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "TRUSTED_PROXY_COUNT": "1",
        "MEDIA_ROOT": str(work / "media"),
        "PROTECTED_MEDIA_ROOT": str(work / "protected"),
        "STATIC_ROOT": str(work / "static"),
        "PYTHONUNBUFFERED": "1",
    }
    if setup == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    else:
        env["DATABASE_URL"] = args.postgres_url
    if setup == "postgres+redis":
        env["REDIS_URL"] = args.redis_url
    return env


def create_postgres(url):
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        sys.exit(f"--postgres-url must name a database (letters, digits, _): {url}")
    with postgres_server(url) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def drop_postgres(url):
    name = urlsplit(url).path.lstrip("/")
    with postgres_server(url) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def postgres_server(url):
    """A connection to the server's own "postgres" database, outside any transaction."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        yield conn


def redis_database(url):
    import redis

    client = redis.Redis.from_url(url)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        sys.exit(f"--redis-url {url}: database 0 is everyone's; name another, as /5")
    return client


HELPER = r"""
import importlib.util, io, json, os, sys
from pathlib import Path

import django

django.setup()
from django.core.management import call_command, get_commands

action, argument = sys.argv[1], json.loads(sys.argv[2])
if action == "seed":
    # The project's own seed.py when it has one, else the benchmark's (an older checkout).
    path = Path("scripts/seed.py")
    if not path.exists():
        path = Path(argument["fallback"])
    spec = importlib.util.spec_from_file_location("seed", path)
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    seed.seed(posts=argument["posts"], attachments_per_post=2, stdout=io.StringIO())
    from django.db import connection

    # A freshly loaded database as one that has been running: its statistics up to date and its
    # visibility map set, so that the measurement is not of autovacuum catching up meanwhile.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    from news.demo import SOURCE_SLUG
    from news.models import Post

    import colloquium

    print(json.dumps({
        "pages": seed.pages(),
        "post": Post._base_manager.get(slug=SOURCE_SLUG, language="en").pk,
        "posts": Post._base_manager.count(),
        "code": str(Path(colloquium.__file__).resolve().parent.parent),
    }))
elif action == "hits":
    # Buffered increments first, so that the row itself must show every counted visit.
    flushed = "flushcounters" in get_commands()
    if flushed:
        call_command("flushcounters", stdout=io.StringIO())
    from news.models import Post

    count = Post._base_manager.values_list("hit_count", flat=True).get(pk=argument)
    print(json.dumps({"hits": count, "flushed": flushed}))
"""


def django_helper(project, env, action, argument, timeout=3600):
    result = subprocess.run(
        [sys.executable, "-c", HELPER, action, json.dumps(argument)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        sys.exit(f"{action} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage(project, env, *arguments):
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{result.stderr}")


def has_command(project, name):
    return any(project.glob(f"*/management/commands/{name}.py"))


# ---------------------------------------------------------------------------------------------
# Processes: gunicorn (and the counters' flusher), their workers' memory


class Server:
    """gunicorn as issue 9 measured it (sync, 2 workers), in a process group of its own."""

    def __init__(self, project, env, port, log_path):
        config = project / "deploy" / "gunicorn.conf.py"
        self.config = config if config.exists() else None
        command = [sys.executable, "-m", "gunicorn", "colloquium.wsgi"]
        # The deployment's settings when the project has them; flags the measurement
        # fixed (and this loopback address) override the file's.
        command += ["--config", str(self.config) if self.config else "/dev/null"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync"]
        command += ["--threads", "1", "--timeout", "60"]
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.log = log_path.open("w")
        self.processes = [
            subprocess.Popen(
                command,
                cwd=project,
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ]
        self.flusher = None
        if env.get("REDIS_URL") and has_command(project, "flushcounters"):
            # As the systemd service runs it beside the app servers.
            self.flusher = subprocess.Popen(
                [sys.executable, "manage.py", "flushcounters", "--every", "5"],
                cwd=project,
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes.append(self.flusher)
        self.peaks = {}

    def wait_until_serving(self, seconds=60):
        deadline = time.monotonic() + seconds
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/robots.txt", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.processes[0].poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    sys.exit(f"gunicorn did not start:\n{self.log_path.read_text()}")
                time.sleep(0.2)  # waiting for a process to listen

    def workers(self):
        master = self.processes[0].pid
        found = []
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError):
                fields = dict(
                    line.split(":\t", 1)
                    for line in status.read_text().splitlines()
                    if ":\t" in line
                )
                if int(fields.get("PPid", "0")) == master:
                    found.append(int(status.parent.name))
        return sorted(found)

    def sample_memory(self):
        """Each worker's peak resident memory (VmHWM) so far, kept across samples, in KiB."""
        for pid in self.workers():
            with contextlib.suppress(OSError, StopIteration, ValueError):
                line = next(
                    line
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("VmHWM:")
                )
                self.peaks[pid] = max(self.peaks.get(pid, 0), int(line.split()[1]))

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)  # gunicorn's graceful stop
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.log.close()


# ---------------------------------------------------------------------------------------------
# Load


def get(url, user_agent=CHROME):
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent, "X-Forwarded-For": "10.255.255.254"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wrk(url, user_agent, args):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--timeout", "10s", "-s", str(LUA), url, "--", user_agent]
    command.append(str(random.randrange(1 << 24)))
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=args.duration + 60, check=False
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH ")), None)
    if result.returncode or line is None:
        raise RuntimeError(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line.removeprefix("BENCH "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(
        figures[k]
        for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return figures


def page_list(seeded, floor_path, wanted):
    """(label, short name, path, User-Agent) of every page to measure, the floor first."""
    floor = (
        "/healthz" if floor_path == "/healthz" else "/robots.txt (no /healthz here)",
        "healthz",
        floor_path,
        CHROME,
    )
    listed = [floor]
    for label, raw_path in seeded["pages"].items():
        path = quote(raw_path, safe="/?=&%:,+")  # a Hangul search term, percent-encoded
        key = PAGE_KEYS.get(label) or re.sub(r"[^a-z]+", "-", label.lower()).strip("-")
        if "hangul" in key:
            key = "search-hangul"
        elif key.startswith("search"):
            key = "search"
        if key == "post":
            listed.append((COUNTED, "post", path, CHROME))
            listed.append((NOT_COUNTED, "post-crawler", path, GOOGLEBOT))
        else:
            listed.append((label, key, path, CHROME))
    return [page for page in listed if wanted is None or page[1] in wanted]


def measure(project, env, seeded, args, port, work, size_name):
    """One server, all pages in interleaved rounds: {"pages": {label: figures}, ...}."""
    server = Server(project, env, port, work / f"gunicorn-{size_name}.log")
    try:
        server.wait_until_serving()
        floor_path = "/healthz" if get(server.base + "/healthz") == 200 else "/robots.txt"
        pages = page_list(seeded, floor_path, args.pages)
        for label, _, path, user_agent in pages:
            for _ in range(4):  # every worker compiles its templates before the clock runs
                status = get(server.base + path, user_agent)
            if status != 200:
                sys.exit(f"{label} ({path}) answers {status}:\n{server.log_path.read_text()}")
        counted = any(key == "post" for _, key, _, _ in pages)
        post = seeded["post"]
        before = django_helper(project, env, "hits", post)["hits"] if counted else None
        rounds = {label: [] for label, *_ in pages}
        for _ in range(args.rounds):
            for label, _, path, user_agent in pages:
                rounds[label].append(wrk(server.base + path, user_agent, args))
                server.sample_memory()
        result = {"pages": {}, "floor": pages[0][0] if pages[0][1] == "healthz" else None}
        for label, runs in rounds.items():
            result["pages"][label] = {
                "rps": statistics.median(r["rps"] for r in runs),
                # Rounds in which nothing was answered have no latency to tell.
                "p50_ms": latency([r["p50_us"] for r in runs if r["requests"]]),
                "p99_ms": latency([r["p99_us"] for r in runs if r["requests"]]),
                "errors": sum(r["errors"] for r in runs),
                "requests": sum(r["requests"] for r in runs),
                "sent": sum(r["sent"] for r in runs),
            }
        if counted:
            after = django_helper(project, env, "hits", post)
            figures = result["pages"][COUNTED]
            result["hits"] = {
                "post": post,
                "rose": after["hits"] - before,
                "sent": figures["sent"],
                "answered": figures["requests"],
                "flushed": after["flushed"],
            }
        result["memory_mib"] = [round(kib / 1024, 1) for kib in server.peaks.values()]
        result["gunicorn_config"] = str(server.config) if server.config else None
        return result
    finally:
        server.stop()


def latency(microseconds):
    return statistics.median(microseconds) / 1000 if microseconds else None


def run_setup(setup, args, port):
    """Every size of one set-up, on one database that grows from the demo to the largest size."""
    results = {}
    redis_client = redis_database(args.redis_url) if setup == "postgres+redis" else None
    if redis_client is not None and redis_client.dbsize():
        sys.exit(
            f"Redis database {args.redis_url} holds {redis_client.dbsize()} keys this benchmark "
            "did not write: name an empty one with --redis-url, or empty it yourself"
        )
    with tempfile.TemporaryDirectory(prefix="colloquium-bench-http-") as folder:
        work = Path(folder)
        for name in ("media", "protected", "static"):
            (work / name).mkdir()
        env = instance_environment(work, setup, args, port)
        if setup != "sqlite":
            create_postgres(args.postgres_url)
        try:
            print(f"{SETUPS[setup]}: migrating, collecting static files", file=sys.stderr)
            manage(args.project, env, "migrate", "--no-input")
            manage(args.project, env, "collectstatic", "--no-input")
            for size in sorted(args.sizes, key=SIZES.get):
                if redis_client is not None:
                    redis_client.flushdb()  # no page of the smaller size stays cached
                started = time.monotonic()
                posts = SIZES[size] and args.posts
                seeded = django_helper(
                    args.project,
                    env,
                    "seed",
                    {"posts": posts, "fallback": str(HERE / "seed.py")},
                )
                if seeded["code"] != str(args.project):
                    sys.exit(f"the helper ran {seeded['code']}, not {args.project}")
                print(
                    f"{SETUPS[setup]}, {size}: {seeded['posts']:,} posts seeded in "
                    f"{time.monotonic() - started:.0f} s; measuring",
                    file=sys.stderr,
                )
                results[size] = measure(args.project, env, seeded, args, port, work, size)
                results[size]["posts"] = seeded["posts"]
        finally:
            if redis_client is not None:
                redis_client.flushdb()
            if setup != "sqlite":
                drop_postgres(args.postgres_url)
    return results


# ---------------------------------------------------------------------------------------------
# Report


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    meminfo = Path("/proc/meminfo").read_text()
    memory = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) / 1024**2
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "wrk": (wrk_version.split() or ["?", "?"])[1],
        # Other work on the machine takes its share of the cores: say how busy it was.
        "load": round(os.getloadavg()[0], 2),
    }


def commit(project):
    result = subprocess.run(
        ["git", "-C", str(project), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip()[:90] or "not a git checkout"


def ratio(figures, label, over):
    if label in figures and over in figures and figures[over]["rps"]:
        return figures[label]["rps"] / figures[over]["rps"]
    return None


def ratios(result):
    pages = result["pages"]
    floor = result["floor"]
    return {
        "post counted / floor": (ratio(pages, COUNTED, floor), TARGETS["counted"]),
        "counted / not counted": (ratio(pages, COUNTED, NOT_COUNTED), TARGETS["counted/not"]),
        "board page 1 / floor": (ratio(pages, "board, page 1", floor), TARGETS["board"]),
        "event page / floor": (ratio(pages, "event page", floor), TARGETS["event"]),
    }


def number(value, digits=0, width=7):
    if value is None:
        return " " * (width - 1) + "-"
    return f"{value:{width},.{digits}f}"


def report(results, out=sys.stdout):
    def say(text=""):
        print(text, file=out)

    facts = results["machine"]
    say(f"colloquium under HTTP load, {results['date']}")
    load = results["load"]
    say(f"project {results['project']} at {results['commit']}")
    say(
        f"machine: {facts['cpus']} CPUs ({facts['cpu']}), {facts['memory_gib']} GiB memory, "
        f"{facts['system']}, Python {facts['python']}, wrk {facts['wrk']}; "
        f"load average {facts['load']} before the run, {results['load_after']} after"
    )
    say(
        f"load: wrk -t{load['threads']} -c{load['connections']} on loopback, "
        f"{load['duration']} s a page, median of {load['rounds']} interleaved round(s); "
        "gunicorn sync, 2 workers"
    )
    for setup, sizes in results["setups"].items():
        say()
        order = [size for size in SIZES if size in sizes]
        config = next(iter(sizes.values()))["gunicorn_config"]
        say(f"== {SETUPS[setup]}  (gunicorn {'--config ' + config if config else 'flags only'})")
        head = f"{'page':36}"
        for size in order:
            caption = f"{size} ({sizes[size]['posts']:,} posts)"
            head += f" | {caption:^31}"
        if len(order) > 1:
            head += " | p50"
        say(head)
        columns = f"{'':36}" + "".join(" |   req/s x floor  p50 ms  p99 ms" for _ in order)
        if len(order) > 1:
            columns += f" | {order[-1]}/{order[0]}"
        say(columns)
        labels = list(next(iter(sizes.values()))["pages"])
        errors = []
        for label in labels:
            line = f"{label:36}"
            for size in order:
                result = sizes[size]
                figures = result["pages"].get(label)
                if figures is None:
                    line += " |" + " " * 32
                    continue
                x_floor = ratio(result["pages"], label, result["floor"])
                line += f" | {number(figures['rps'])}  {number(x_floor, 3, 6)}"
                line += f" {number(figures['p50_ms'], 1)} {number(figures['p99_ms'], 1)}"
                if not figures["requests"]:
                    errors.append(
                        f"{label} at {size}: no answer within {load['duration']} s "
                        f"({figures['sent']:,} requests sent)"
                    )
                elif figures["errors"]:
                    errors.append(f"{label} at {size}: {figures['errors']:,} errors")
            if len(order) > 1:
                first, last = (sizes[s]["pages"].get(label) for s in (order[0], order[-1]))
                if first and last and first["p50_ms"] and last["p50_ms"]:
                    line += f" | {last['p50_ms'] / first['p50_ms']:5.2f}x"
            say(line)
        say(f"{'ratios (req/s)':36}" + "".join(f" | {size:>10}" for size in order) + " | target")
        for name in ratios(next(iter(sizes.values()))):
            line = f"  {name:34}"
            for size in order:
                value, target = ratios(sizes[size])[name]
                line += f" | {number(value, 3, 10)}"
            say(f"{line} | >= {target}")
        if len(order) > 1:
            worst = max(
                (
                    (sizes[order[-1]]["pages"][label]["p50_ms"] / figures["p50_ms"], label)
                    for label, figures in sizes[order[0]]["pages"].items()
                    if label in sizes[order[-1]]["pages"]
                    and figures["p50_ms"]
                    and sizes[order[-1]]["pages"][label]["p50_ms"]
                ),
                default=None,
            )
            unanswered = sum(
                1 for figures in sizes[order[-1]]["pages"].values() if not figures["p50_ms"]
            )
            if worst or unanswered:
                say(
                    f"  {'p50 ' + order[-1] + '/' + order[0] + ', worst page':34} | "
                    + (f"{worst[0]:.2f}x ({worst[1]})" if worst else "-")
                    + (f", {unanswered} page(s) not answered at all" if unanswered else "")
                    + f" | <= {TARGETS['scale']}"
                )
        line = f"  {'peak memory per worker, MiB':34}"
        for size in order:
            # Each worker gunicorn ran: more than 2 when max_requests recycled some.
            peaks = sizes[size]["memory_mib"]
            memory = f"{max(peaks):.0f} of {len(peaks)}" if peaks else "-"
            line += f" | {memory:>10}"
        say(f"{line} | < {MEMORY_TARGET_MIB} (the highest VmHWM of N workers)")
        for size in order:
            hits = sizes[size].get("hits")
            if hits:
                verdict = "exact" if hits["rose"] == hits["sent"] else "NOT EXACT"
                say(
                    f"counted visits at {size}: post #{hits['post']}'s hits rose by "
                    f"{hits['rose']:,}; wrk sent {hits['sent']:,} as new visitors "
                    f"({hits['answered']:,} answered, {hits['sent'] - hits['answered']:,} in "
                    f"flight when it stopped): {verdict}"
                    + ("; buffered counts folded by flushcounters" if hits["flushed"] else "")
                )
        for error in errors:
            say(f"! {error}")


def main(argv=None):
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    if args.report:
        report(json.loads(args.report.read_text()))
        return None
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "project": str(args.project),
        "commit": commit(args.project),
        "load": {
            "threads": args.threads,
            "connections": args.connections,
            "duration": args.duration,
            "rounds": args.rounds,
        },
        "machine": machine(),
        "setups": {},
    }
    for number_, setup in enumerate(args.setups):
        results["setups"][setup] = run_setup(setup, args, args.port + number_)
    results["load_after"] = round(os.getloadavg()[0], 2)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


if __name__ == "__main__":
    main()
