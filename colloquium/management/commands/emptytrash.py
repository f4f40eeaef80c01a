"""Deletes for good the posts and events that have been in the trash for a number of days."""

from django.core.management.base import BaseCommand, CommandError

from colloquium.trash import DEFAULT_KEEP_DAYS, purge


def days(value):
    if not value.isdecimal() or len(value) > 6:
        raise CommandError(f"--older-than takes a number of days, such as 30; not {value!r}.")
    return int(value)


class Command(BaseCommand):
    help = (
        "Deletes for good every post and event that went to the trash more than --older-than "
        "days ago, with their rows and history. Their files are released as on any delete."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=str,
            default=str(DEFAULT_KEEP_DAYS),
            metavar="DAYS",
            help=f"Keep what went to the trash less than DAYS days ago ({DEFAULT_KEEP_DAYS}).",
        )

    def handle(self, *args, older_than, **options):
        counts = purge(days(older_than))
        summary = ", ".join(
            f"{count} {model._meta.verbose_name_plural}" for model, count in counts.items()
        )
        self.stdout.write(f"Deleted for good: {summary}.")
