from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from colloquium import pagecache
from colloquium.richtext import SanitizedHTMLField, sanitize, to_plain_text


class Command(BaseCommand):
    help = "Sanitize every stored rich-text body again, after the allow-list has changed."

    def handle(self, *args, **options):
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, SanitizedHTMLField)]
            if not fields:
                continue
            changed = 0
            with transaction.atomic():
                for row in model._base_manager.only("pk", *(f.attname for f in fields)):
                    updates = {}
                    for field in fields:
                        stored = getattr(row, field.attname)
                        cleaned = sanitize(stored)
                        if cleaned != stored:
                            updates[field.attname] = cleaned
                            if field.plain_text_field:
                                updates[field.plain_text_field] = to_plain_text(cleaned)
                    if updates:
                        model._base_manager.filter(pk=row.pk).update(**updates)
                        changed += 1
            self.stdout.write(f"{model._meta.label}: {changed} row(s) cleaned again.")
        pagecache.invalidate()  # the UPDATEs send no signal
