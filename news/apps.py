from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = _("News")

    def ready(self):
        from colloquium import pagecache

        # Every model here is shown on a public page: a change to any of its rows invalidates.
        pagecache.watch(*self.get_models())

        from colloquium.pagination import lists_changed
        from news.models import Category, Post

        # The board's cached counts follow every saved or deleted post, and every category (its
        # filter names one by slug). Publishing and the trash go through lists_changed() too.
        def board_changed(sender, **kwargs):
            lists_changed(Post)

        for model in (Post, Category):
            post_save.connect(board_changed, sender=model, weak=False)
            post_delete.connect(board_changed, sender=model, weak=False)
