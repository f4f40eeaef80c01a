"""Folds the hits and downloads buffered in Redis into the rows and their daily counts."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from colloquium import counters

logger = logging.getLogger("colloquium.counters")


def seconds(value):
    try:
        number = float(value)
    except ValueError:
        number = 0
    if not 0 < number <= 3600:
        raise CommandError(f"--every takes seconds up to 3600, such as 5; not {value!r}.")
    return number


class Command(BaseCommand):
    help = (
        "Folds the hits and downloads buffered in Redis (REDIS_URL) into the counters and the "
        "daily counts, exactly once each: one pass, or with --every SECONDS one pass every "
        "SECONDS until SIGTERM or SIGINT, and a last one on the way out."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=str,
            metavar="SECONDS",
            help="Keep folding, one pass every SECONDS (the systemd service uses 5).",
        )

    def handle(self, *args, every=None, verbosity=1, **options):
        interval = seconds(every) if every is not None else None
        if counters._redis() is None:
            if verbosity:
                self.stdout.write(
                    "REDIS_URL is not set: counters are written to the database at once, "
                    "nothing is buffered to fold."
                )
            return
        if interval is None:
            folded = counters.fold()
            if verbosity:
                self.stdout.write(f"Folded {folded} buffered increments.")
            return

        stop = threading.Event()
        previous = {
            signum: signal.signal(signum, lambda *_: stop.set())
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        if verbosity:
            self.stdout.write(f"Folding the buffered counters every {interval:g} seconds.")
            self.stdout.flush()
        try:
            while not stop.is_set():
                self._pass(verbosity)
                stop.wait(interval)
            # What was counted since the last pass goes in before the process ends.
            self._pass(verbosity)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _pass(self, verbosity):
        # A pass that fails (the database or Redis away for a moment) leaves its batch in Redis,
        # which the next pass applies: log it and go on rather than end the service.
        close_old_connections()
        try:
            folded = counters.fold()
        except Exception:
            logger.exception("Could not fold the buffered counters; the next pass tries again.")
            return
        if verbosity >= 2 and folded:
            self.stdout.write(f"Folded {folded} buffered increments.")
