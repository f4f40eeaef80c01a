from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = _("News")

    def ready(self):
        from colloquium import pagecache

        # Every model here is shown on a public page: a change to any of its rows invalidates.
        pagecache.watch(*self.get_models())
