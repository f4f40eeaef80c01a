"""
Backups: the whole database and every stored file in one zip archive, restored exactly.

`manage.py backup FILE` and `manage.py restore FILE` are thin wrappers around `write_backup()` and
`restore_backup()`. The archive holds

- `manifest.json`: the format, when and from which database it was made, the applied migrations,
  for every table its model, columns, row count and the SHA-256 of its data member, and for every
  file its storage, name, size and SHA-256;
- `data/<app_label>.<model_name>.jsonl`: one JSON object per row, {column attname: value};
- `files/<storage alias>/<name>`: the bytes of every file of every configured storage but the
  static files (uploads, the protected files, image renditions: everything, by checksum).

Every model from `apps.get_models()` is included, auto-created many-to-many tables too, so apps
added later (revisions, login attempts) are backed up without a change here. Django's JSON
serializer is not used: it writes datetimes to the millisecond. Values are written with each
field's own `value_to_string()` (ISO 8601 to the microsecond, exact decimals, base64 bytes) and
read back with its `to_python()`, and rows go in with their primary keys through plain INSERTs,
so `auto_now` fields, save() and signals do not touch them.

Content types and permissions are made by `migrate` in every instance, under ids of its own: they
are not overwritten but matched by natural key ((app_label, model); (content type, codename)), and
every foreign key to them is remapped.
"""

import hashlib
import io
import json
import os
import tempfile
import zipfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import storages
from django.core.management.color import no_style
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connections,
    router,
    transaction,
)
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import ForeignKey

FORMAT = "colloquium-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
BATCH = 500
# Rows that `migrate` itself makes: an instance holding only these counts as empty. Content types
# and permissions are matched, never deleted; the group rows (the Editors group the migrations
# make) are replaced by the archive's.
MIGRATION_MADE = {
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
}
MATCHED = {"contenttypes.contenttype", "auth.permission"}


class BackupError(Exception):
    """Something the person running the command must hear about, in one sentence."""


class Progress:
    """Counts on stderr for long runs; silent when `write` is None."""

    def __init__(self, write=None):
        self.write = write

    def __call__(self, message):
        if self.write is not None:
            self.write(message)


def backed_up_models(using=DEFAULT_DB_ALIAS):
    """Every model with a table of its own in this database, many-to-many tables included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
        and router.allow_migrate_model(using, model)
    ]


def backed_up_storages():
    """{alias: storage} of every configured storage but the static files (collectstatic's)."""
    return {alias: storages[alias] for alias in settings.STORAGES if alias != "staticfiles"}


def table_columns(model):
    return [field.attname for field in model._meta.local_concrete_fields]


# -- values ------------------------------------------------------------------------------------


def encode_value(field, value):
    """A JSON value that `decode_value(field, ·)` turns back into exactly `value`."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # The field's own text form: isoformat() for moments (microseconds kept), str() for
    # decimals and uuids, base64 for bytes, the value itself for JSON fields.
    return field.value_to_string(SimpleNamespace(**{field.attname: value}))


def decode_value(field, value):
    if value is None:
        return None
    return field.to_python(value)


# -- files -------------------------------------------------------------------------------------


def storage_location(storage):
    location = getattr(storage, "location", None)
    return Path(location).resolve() if location else None


def storage_files(storage, skip_locations=()):
    """Every file name in `storage`, sorted; folders that are other storages' are left to them."""
    names = []

    def walk(folder):
        try:
            directories, files = storage.listdir(folder)
        except FileNotFoundError:
            return
        for name in files:
            names.append(str(PurePosixPath(folder, name)) if folder else name)
        for directory in directories:
            path = str(PurePosixPath(folder, directory)) if folder else directory
            location = storage_location(storage)
            if location is not None and (location / path).resolve() in skip_locations:
                continue
            walk(path)

    walk("")
    return sorted(names)


def sha256_of(fileobj):
    digest = hashlib.sha256()
    for chunk in iter(lambda: fileobj.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def file_member(alias, name):
    return f"files/{alias}/{name}"


def data_member(model):
    return f"data/{model._meta.label_lower}.jsonl"


# -- backup ------------------------------------------------------------------------------------


def write_backup(path, using=DEFAULT_DB_ALIAS, progress=None):
    """Write the archive to `path` through a temporary file (never half an archive)."""
    progress = progress or Progress()
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder: the archive cannot be written there.")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", allowZip64=True) as archive:
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                "database_vendor": connections[using].vendor,
                "migrations": applied_migrations(using),
                "tables": write_tables(archive, using, progress),
                "files": write_files(archive, progress),
            }
            archive.writestr(
                MANIFEST,
                json.dumps(manifest, ensure_ascii=False, indent=1),
                compress_type=zipfile.ZIP_DEFLATED,
            )
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return manifest


def applied_migrations(using):
    applied = MigrationRecorder(connections[using]).applied_migrations()
    migrations = {}
    for app_label, name in sorted(applied):
        migrations.setdefault(app_label, []).append(name)
    return migrations


def write_tables(archive, using, progress):
    tables = {}
    connection = connections[using]
    # One snapshot of the whole database, whatever is written meanwhile (a caller's transaction,
    # already begun, keeps its own isolation).
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for model in backed_up_models(using):
            fields = model._meta.local_concrete_fields
            member = data_member(model)
            digest = hashlib.sha256()
            count = 0
            info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as out:
                rows = (
                    model._base_manager.using(using)
                    .order_by(model._meta.pk.attname)
                    .values_list(*(field.attname for field in fields))
                    .iterator(chunk_size=2000)
                )
                for row in rows:
                    record = {
                        field.attname: encode_value(field, value)
                        for field, value in zip(fields, row, strict=True)
                    }
                    line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
                    digest.update(line)
                    out.write(line)
                    count += 1
            tables[model._meta.label_lower] = {
                "table": model._meta.db_table,
                "columns": [field.attname for field in fields],
                "rows": count,
                "sha256": digest.hexdigest(),
            }
            if count:
                progress(f"{model._meta.label_lower}: {count} row(s)")
    progress(f"Database: {sum(t['rows'] for t in tables.values())} row(s) in {len(tables)} tables.")
    return tables


def write_files(archive, progress):
    files = []
    all_storages = backed_up_storages()
    locations = {alias: storage_location(s) for alias, s in all_storages.items()}
    seen = set()
    total = 0
    for alias, storage in all_storages.items():
        own = locations[alias]
        if own is not None:
            if own in seen:
                continue  # two aliases for one folder: the first one carries its files
            seen.add(own)
        # A storage whose folder is inside this one's is backed up once, under its own alias.
        skip = {loc for loc in locations.values() if own is not None and loc and own in loc.parents}
        for name in storage_files(storage, skip):
            try:
                source = storage.open(name, "rb")
            except FileNotFoundError:
                continue  # removed since it was listed
            info = zipfile.ZipInfo(file_member(alias, name), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED  # uploads are mostly compressed already
            digest = hashlib.sha256()
            size = 0
            with source, archive.open(info, "w", force_zip64=True) as out:
                for chunk in iter(lambda s=source: s.read(CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            files.append(
                {"storage": alias, "name": name, "size": size, "sha256": digest.hexdigest()}
            )
            total += size
            if len(files) % 100 == 0:
                progress(f"Files: {len(files)} ({total:,} bytes)")
    progress(f"Files: {len(files)} ({total:,} bytes).")
    return files


# -- restore -----------------------------------------------------------------------------------


def open_archive(path):
    """The opened archive and its checked manifest, or a BackupError that says what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(
            f"{path} is not a backup archive (not a readable zip file: {exc})."
        ) from None
    try:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except KeyError:
            raise BackupError(
                f"{path} is a zip file but not a backup made by `manage.py backup` "
                f"(it has no {MANIFEST})."
            ) from None
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise BackupError(
                f"{path} is damaged: its {MANIFEST} cannot be read ({exc})."
            ) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{path} is not a backup made by `manage.py backup`.")
        if manifest.get("version") != VERSION:
            raise BackupError(
                f"{path} is a backup of format version {manifest.get('version')!r}; this "
                f"installation reads version {VERSION}."
            )
        if not isinstance(manifest.get("tables"), dict) or not isinstance(
            manifest.get("files"), list
        ):
            raise BackupError(f"{path} is damaged: its {MANIFEST} lists no tables or files.")
    except BaseException:
        archive.close()
        raise
    return archive, manifest


def check_archive(archive, manifest, progress):
    """Read every member once and compare its checksum, before anything is changed."""
    tables = manifest["tables"].items()
    members = [(data_member_name(label), info["sha256"]) for label, info in tables]
    members += [(file_member(f["storage"], f["name"]), f["sha256"]) for f in manifest["files"]]
    for number, (member, expected) in enumerate(members, 1):
        try:
            with archive.open(member) as stream:
                actual = sha256_of(stream)
        except KeyError:
            raise BackupError(f"The archive is incomplete: {member} is missing.") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise BackupError(f"The archive is damaged: {member} cannot be read ({exc}).") from None
        if actual != expected:
            raise BackupError(
                f"The archive is damaged: {member} does not have the checksum its manifest records."
            )
        if number % 500 == 0:
            progress(f"Checked {number} of {len(members)} members.")
    progress(f"Archive checked: {len(members)} members.")


def data_member_name(label):
    return f"data/{label}.jsonl"


def check_schema(manifest, using):
    """The archive's tables must be this database's, column for column."""
    models = {model._meta.label_lower: model for model in backed_up_models(using)}
    problems = []
    for label, info in manifest["tables"].items():
        model = models.get(label)
        if model is None:
            if info["rows"]:
                problems.append(f"{label} ({info['rows']} rows) is not a model here")
            continue
        columns = table_columns(model)
        if info["columns"] != columns:
            missing = sorted(set(info["columns"]) - set(columns))
            extra = sorted(set(columns) - set(info["columns"]))
            problems.append(
                f"{label} differs (columns only in the archive: {', '.join(missing) or 'none'}; "
                f"only here: {', '.join(extra) or 'none'})"
            )
    if problems:
        raise BackupError(
            "The archive was made with other models than this installation has: "
            + "; ".join(problems)
            + ". Restore it with the code (and `migrate`) it was made with."
        )
    return models


def content_counts(models, using):
    """{label: rows} of the tables holding more than what `migrate` makes."""
    counts = {}
    for label, model in models.items():
        if label in MIGRATION_MADE:
            continue
        count = model._base_manager.using(using).count()
        if count:
            counts[label] = count
    return counts


def check_storages(manifest):
    all_storages = backed_up_storages()
    for alias in sorted({entry["storage"] for entry in manifest["files"]}):
        if alias not in all_storages:
            raise BackupError(
                f"The archive holds files of the storage {alias!r}, which this installation "
                "does not configure in STORAGES."
            )
    return all_storages


def file_conflicts(manifest):
    """Files the restore would overwrite with other bytes."""
    conflicts = []
    all_storages = check_storages(manifest)
    for entry in manifest["files"]:
        storage = all_storages[entry["storage"]]
        if storage.exists(entry["name"]):
            with storage.open(entry["name"], "rb") as existing:
                if sha256_of(existing) != entry["sha256"]:
                    conflicts.append(f"{entry['storage']}:{entry['name']}")
    return conflicts


def restore_backup(path, using=DEFAULT_DB_ALIAS, force=False, progress=None):
    """Fill this instance from the archive at `path`. Returns the manifest."""
    progress = progress or Progress()
    archive, manifest = open_archive(path)
    with archive:
        check_archive(archive, manifest, progress)
        models = check_schema(manifest, using)
        if not force:
            counts = content_counts(models, using)
            conflicts = file_conflicts(manifest)
            if counts or conflicts:
                found = [f"{label}: {count} row(s)" for label, count in sorted(counts.items())]
                if conflicts:
                    found.append(f"{len(conflicts)} file(s) with other bytes, e.g. {conflicts[0]}")
                raise BackupError(
                    "This instance is not empty ("
                    + "; ".join(found[:6])
                    + ("; …" if len(found) > 6 else "")
                    + "). restore fills an empty, migrated instance; run it with --force to "
                    "replace this instance's content with the archive's."
                )
        else:
            check_storages(manifest)
        try:
            with transaction.atomic(using=using):
                restore_tables(archive, manifest, models, using, progress)
                restore_files(archive, manifest, progress)
        except IntegrityError as exc:
            raise BackupError(f"The archive's rows do not fit together: {exc}") from None
        except DatabaseError as exc:
            raise BackupError(f"The database refused the archive's rows: {exc}") from None
        except (KeyError, ValueError, TypeError, ValidationError) as exc:
            raise BackupError(f"The archive is damaged: a row cannot be read ({exc!r}).") from None
    ContentType.objects.clear_cache()
    for alias in settings.CACHES:
        caches[alias].clear()  # pages and counters cached from the content that was replaced
    return manifest


def restore_tables(archive, manifest, models, using, progress):
    connection = connections[using]
    replaced = [model for label, model in models.items() if label not in MATCHED]
    # DELETE rather than sql_flush()'s TRUNCATE: PostgreSQL refuses to truncate a table this
    # transaction has written to, and foreign keys are checked at the end either way.
    with connection.cursor() as cursor:
        for model in replaced:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    remap = {
        ContentType: restore_content_types(archive, manifest, using),
    }
    remap[Permission] = restore_permissions(archive, manifest, remap[ContentType], using)
    total = 0
    for label, info in manifest["tables"].items():
        if label in MATCHED or not info["rows"]:
            continue
        model = models[label]
        with closing(read_rows(archive, label)) as rows:
            total += insert_rows(model, rows, remap, using)
        progress(f"{label}: {info['rows']} row(s) restored")
    # Foreign keys are checked at commit; check them now, before any file is written.
    connection.check_constraints()
    statements = connection.ops.sequence_reset_sql(no_style(), replaced)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    progress(f"Database: {total} row(s) restored.")


def read_rows(archive, label):
    with archive.open(data_member_name(label)) as stream:
        for line in io.TextIOWrapper(stream, encoding="utf-8"):
            yield json.loads(line)


def insert_rows(model, rows, remap, using):
    connection = connections[using]
    fields = model._meta.local_concrete_fields
    remapped = {
        field.attname: remap[field.related_model]
        for field in fields
        if isinstance(field, ForeignKey) and field.related_model in remap
    }
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    count = 0
    batch = []
    with connection.cursor() as cursor:
        for record in rows:
            values = []
            for field in fields:
                value = decode_value(field, record[field.attname])
                if field.attname in remapped and value is not None:
                    value = remapped[field.attname][value]
                values.append(field.get_db_prep_save(value, connection))
            batch.append(values)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def restore_content_types(archive, manifest, using):
    """{archived id: this database's id}, making the content types this one lacks."""
    mapping = {}
    if "contenttypes.contenttype" not in manifest["tables"]:
        return mapping
    with closing(read_rows(archive, "contenttypes.contenttype")) as rows:
        records = list(rows)
    for record in records:
        content_type, _ = ContentType.objects.db_manager(using).get_or_create(
            app_label=record["app_label"], model=record["model"]
        )
        mapping[record["id"]] = content_type.pk
    return mapping


def restore_permissions(archive, manifest, content_types, using):
    mapping = {}
    if "auth.permission" not in manifest["tables"]:
        return mapping
    with closing(read_rows(archive, "auth.permission")) as rows:
        records = list(rows)
    for record in records:
        permission, _ = Permission.objects.db_manager(using).get_or_create(
            content_type_id=content_types[record["content_type_id"]],
            codename=record["codename"],
            defaults={"name": record["name"]},
        )
        mapping[record["id"]] = permission.pk
    return mapping


def restore_files(archive, manifest, progress):
    all_storages = backed_up_storages()
    written = 0
    for number, entry in enumerate(manifest["files"], 1):
        storage = all_storages[entry["storage"]]
        name = entry["name"]
        if storage.exists(name):
            with storage.open(name, "rb") as existing:
                if sha256_of(existing) == entry["sha256"]:
                    continue
        with archive.open(file_member(entry["storage"], name)) as stream:
            write_file(storage, name, stream)
        written += 1
        if number % 100 == 0:
            progress(f"Files: {number} of {len(manifest['files'])}")
    progress(f"Files: {written} written, {len(manifest['files']) - written} already there.")


def write_file(storage, name, stream):
    """Store `stream` under exactly `name`, replacing what is there."""
    try:
        target = Path(storage.path(name))
    except NotImplementedError:
        target = None
    if target is None:
        if storage.exists(name):
            storage.delete(name)
        stored = storage.save(name, File(stream, name=name))
        if stored != name:
            raise BackupError(f"The storage stored {name} as {stored}: not restored exactly.")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".restore-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                out.write(chunk)
        mode = getattr(storage, "file_permissions_mode", None)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
