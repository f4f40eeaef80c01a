"""
`manage.py loaddemo`: the project's demo content, from the source page and around it.

This command is project wiring, the one place that composes both apps' demos: it loads the news
boards (news/demo.py), the events (events/demo.py) and the banner zone (colloquium/demo.py), then
links each source post to the event page it reports on, in its own language.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from colloquium import demo as colloquium_demo
from colloquium import pagecache
from events import demo as events_demo
from news import demo as news_demo
from news.models import Post


class Command(BaseCommand):
    help = (
        "Load the demo content in one transaction: 40 news posts (33 English, among them the "
        "source page's post with 922 hits, a draft and a scheduled post; 7 Korean, 5 of them "
        "translations) with 13 attachments; 6 events (the source page's 5th NIS Policy "
        "Colloquium and three more, plus Korean pages of two) with their programmes, panels, "
        "10 photos and a programme PDF; 5 banners; 18 private files in PROTECTED_MEDIA_ROOT "
        "(attachments, photo originals) and 35 public ones in MEDIA_ROOT, the photos' copies "
        "included. Each source post is linked to its event in its language unless an "
        "editor has linked it elsewhere. Idempotent: rows are looked up by slug, title or name "
        "and only missing ones are created, with their files, so a second run changes nothing."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            post = news_demo.load(stdout=self.stdout)
            event = events_demo.load(stdout=self.stdout)
            link_reports(post, event)
            pagecache.invalidate()  # link_reports' UPDATE sends no signal
            colloquium_demo.load_banners(stdout=self.stdout)


def link_reports(post, event):
    """Link `post` and each of its translations to `event`'s page in the same language."""
    pages = {page.language: page for page in (event, *event.translations.all())}
    for report in (post, *post.translations.all()):
        if report.language in pages:
            # Only an unlinked post: a link an editor has changed stays as they left it.
            Post.objects.filter(pk=report.pk, event__isnull=True).update(
                event=pages[report.language]
            )
