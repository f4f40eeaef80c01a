from colloquium.sitemaps import PublishableSitemap
from news.models import Post


class PostSitemap(PublishableSitemap):
    changefreq = "monthly"

    def items(self):
        return Post.objects.published().order_by("-published_at", "-pk")
