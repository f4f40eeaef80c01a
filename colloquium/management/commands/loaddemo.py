from django.core.management.base import BaseCommand
from django.db import transaction

from colloquium import demo as colloquium_demo
from events import demo as events_demo
from news import demo as news_demo


class Command(BaseCommand):
    help = "Load the demo content (the source page's post and event, and more). Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            news_demo.load(stdout=self.stdout)
            events_demo.load(stdout=self.stdout)
            colloquium_demo.load_banners(stdout=self.stdout)
