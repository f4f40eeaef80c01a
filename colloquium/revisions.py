"""
Revision history of posts and events with their inlines, on django-reversion.

Each save in the admin stores a revision: the item and every row it owns (attachments, programme
with its speakers, panels with their panelists, remarks, photos, files), as reversion's Version
rows. Editors read the history, compare two versions (`compare()`: our own view on reversion's
data, difflib over field values) and restore one through reversion's revision form.

Restoring never rolls a counter back: `counters_kept()` locks the counters of the rows being
restored, lets the restore write, then puts back the counts as they stood (a visit counted while
the restore waits for the lock is added on top once it commits). A row that was deleted since and
comes back takes the count stored in the version, the last one known. Files are restored by name:
a file a version still names is never removed from disk (`file_referenced_by_revision`).
"""

import difflib
import json
import re
from collections import defaultdict
from contextlib import contextmanager

from django.db import models, transaction
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from reversion.models import Revision, Version

from colloquium.counters import COUNTER_FIELDS
from colloquium.trash import TRASH_FIELDS, file_referenced_by_trash

__all__ = [
    "compare",
    "counters_kept",
    "file_referenced_by_revision",
    "file_referenced_by_trash",
    "forget_versions",
]

# django-reversion has no Korean catalogue: the messages of its own that editors read are
# translated in ours.
REVERSION_MESSAGES = (
    gettext_noop("Initial version."),
    gettext_noop("Reverted to previous version, saved on %(datetime)s"),
    gettext_noop("Could not load %(object_repr)s version - not found"),
    gettext_noop("Could not load %(object_repr)s version - incompatible version data."),
    gettext_noop("Could not save %(object_repr)s version - missing dependency."),
)

# Neither compared nor restored: what visitors did (counters), a copy of another field, and the
# trash state (restoring a version does not move an item in or out of the trash).
HIDDEN_FIELDS = COUNTER_FIELDS | {"body_text", *TRASH_FIELDS}


def file_referenced_by_revision(name):
    """Whether any stored version names the file `name` (a storage name), so it must be kept."""
    if not name:
        return False
    # The JSON serializer may write non-ASCII characters as they are or as \\u escapes.
    spellings = {json.dumps(name, ensure_ascii=False), json.dumps(name)}
    query = models.Q()
    for spelling in spellings:
        query |= models.Q(serialized_data__contains=spelling)
    return Version.objects.filter(query).exists()


def forget_versions(model, pks):
    """Deletes the history of the items `pks` of `model`: every revision that holds one of them."""
    if not pks:
        return
    versions = Version.objects.get_for_model(model).filter(object_id__in=[str(pk) for pk in pks])
    Revision.objects.filter(pk__in=versions.values("revision")).delete()


def _counter_fields(model, extra_fields):
    kept = COUNTER_FIELDS | set(extra_fields.get(model, ()))
    return [field.attname for field in model._meta.concrete_fields if field.name in kept]


@contextmanager
def counters_kept(revision, extra_fields=None):
    """
    Restoring `revision` inside this block leaves the counters of its rows as they are now, and
    the fields `extra_fields` names ({model: names}: a calendar's SEQUENCE, which never goes back).
    """
    extra_fields = extra_fields or {}
    pks_by_model = defaultdict(set)
    for content_type_id, object_id in revision.version_set.values_list("content_type", "object_id"):
        pks_by_model[content_type_id].add(object_id)
    with transaction.atomic():
        kept = []
        for content_type_id, pks in pks_by_model.items():
            model = Version(content_type_id=content_type_id).content_type.model_class()
            fields = _counter_fields(model, extra_fields) if model else []
            if not fields:
                continue
            rows = model._base_manager.select_for_update().filter(pk__in=pks)
            kept += [(model, pk, counts) for pk, *counts in rows.values_list("pk", *fields)]
        yield
        for model, pk, counts in kept:
            # The base manager's update(), as the counters' own writes: no save() logic runs.
            fields = _counter_fields(model, extra_fields)
            model._base_manager.filter(pk=pk).update(**dict(zip(fields, counts, strict=True)))


# Comparing two versions.


def _display(field, value):
    """A field's stored value as an editor reads it."""
    if value is None or value == "":
        return "–"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if isinstance(field, models.BooleanField):
        return str(_("Yes") if value else _("No"))
    return str(value)


TOKENS = re.compile(r"\s+|[^\s<>]+|[<>]")


def inline_diff(old, new):
    """HTML of `new` with words removed since `old` in <del> and words added in <ins>."""
    old_tokens, new_tokens = TOKENS.findall(old), TOKENS.findall(new)
    parts = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if tag == "equal":
            parts.append(escape(added))
            continue
        if removed:
            parts.append(format_html("<del>{}</del>", removed))
        if added:
            parts.append(format_html("<ins>{}</ins>", added))
    return mark_safe("".join(parts))  # every piece above is escaped


def _object_changes(model, old, new):
    """[(label, old shown, new shown, diff)] for the fields that differ between two field dicts."""
    changes = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in HIDDEN_FIELDS:
            continue
        before, after = (old or {}).get(field.attname), (new or {}).get(field.attname)
        if old is not None and new is not None and before == after:
            continue
        if old is None and after in (None, ""):
            continue
        if new is None and before in (None, ""):
            continue
        shown_before = _display(field, before) if old is not None else "–"
        shown_after = _display(field, after) if new is not None else "–"
        diff = None
        if isinstance(field, models.TextField | models.CharField) and old and new:
            diff = inline_diff(shown_before, shown_after)
        changes.append((capfirst(field.verbose_name), shown_before, shown_after, diff))
    return changes


def _versions_by_object(version):
    return {
        (row.content_type_id, row.object_id): row
        for row in version.revision.version_set.select_related("content_type")
    }


def compare(old_version, new_version):
    """
    What changed from `old_version` to `new_version` of one item, its own rows included, as a list
    of {"model", "object", "state", "changes"}: the item first, then its rows model by model.
    `state` is "added", "removed" or "changed"; rows that did not change are left out.
    """
    old_rows, new_rows = _versions_by_object(old_version), _versions_by_object(new_version)
    main_key = (new_version.content_type_id, new_version.object_id)
    keys = sorted(
        old_rows.keys() | new_rows.keys(),
        key=lambda key: (key != main_key, key[0], int(key[1]) if key[1].isdigit() else 0, key[1]),
    )
    result = []
    for key in keys:
        old, new = old_rows.get(key), new_rows.get(key)
        model = (new or old).content_type.model_class()
        if model is None:
            continue
        old_fields = old.field_dict if old else None
        new_fields = new.field_dict if new else None
        changes = _object_changes(model, old_fields, new_fields)
        if old and new and not changes:
            continue
        state = "changed" if old and new else ("added" if new else "removed")
        result.append(
            {
                "model": capfirst(model._meta.verbose_name),
                "object": (new or old).object_repr,
                "state": state,
                "changes": changes,
            }
        )
    return result
