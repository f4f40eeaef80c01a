from django.core.management.base import BaseCommand, CommandError

from colloquium.backup import BackupError, Progress, write_backup


class Command(BaseCommand):
    help = (
        "Write one zip archive with every row of the database and every file of every storage "
        "but the static files, with a manifest of row counts and SHA-256 checksums. "
        "`manage.py restore FILE` puts it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the archive, e.g. backup-2026-12-01.zip")
        parser.add_argument("--quiet", action="store_true", help="Print no progress.")

    def handle(self, *args, file, quiet, verbosity, **options):
        quiet = quiet or verbosity == 0
        progress = Progress(None if quiet else self.stderr.write)
        try:
            manifest = write_backup(file, progress=progress)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        if not quiet:
            rows = sum(table["rows"] for table in manifest["tables"].values())
            self.stdout.write(f"Wrote {file}: {rows} rows, {len(manifest['files'])} files.")
