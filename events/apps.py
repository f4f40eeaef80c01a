from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from colloquium import pagecache

        # Every model here is shown on a public page: a change to any of its rows invalidates.
        pagecache.watch(*self.get_models())
        # An event is upcoming until it ends: lists, the home page and its own page change then.
        pagecache.schedule(
            self.get_model("Event"),
            "starts_at",
            "ends_at",
            status="published",
            deleted_at__isnull=True,
        )
