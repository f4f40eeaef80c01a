from django.core.management.base import BaseCommand, CommandError

from colloquium.backup import BackupError, Progress, restore_backup


class Command(BaseCommand):
    help = (
        "Fill an empty, migrated instance from an archive written by `manage.py backup`: every "
        "row with its primary key, counters and timestamps to the microsecond, and every file, "
        "checked against the archive's checksums first. An instance with content is refused "
        "unless --force is given; then its rows are replaced by the archive's and its files of "
        "the same names overwritten (files the archive does not name are left: "
        "see `manage.py orphanfiles`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="An archive written by `manage.py backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the content of an instance that is not empty.",
        )
        parser.add_argument("--quiet", action="store_true", help="Print no progress.")

    def handle(self, *args, file, force, quiet, verbosity, **options):
        quiet = quiet or verbosity == 0
        progress = Progress(None if quiet else self.stderr.write)
        try:
            manifest = restore_backup(file, force=force, progress=progress)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        if not quiet:
            rows = sum(table["rows"] for table in manifest["tables"].values())
            self.stdout.write(
                f"Restored {file}: {rows} rows, {len(manifest['files'])} files "
                f"(made {manifest.get('created_at')} on {manifest.get('database_vendor')})."
            )
