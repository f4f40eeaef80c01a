"""Site-level pages that belong to no one board: the home page and robots.txt."""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from colloquium import site
from colloquium.counters import add_pending
from colloquium.pagecache import CachedPageMixin
from events.models import Event
from news.models import Post

HOME_NOTICES = 5
HOME_LATEST = 6
HOME_EVENTS = 3


class HomeView(CachedPageMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        posts = Post.objects.published().in_language().with_attachment_flag()
        context["pinned_posts"] = list(posts.filter(is_pinned=True)[:HOME_NOTICES])
        context["latest_posts"] = list(posts.filter(is_pinned=False)[:HOME_LATEST])
        add_pending([*context["pinned_posts"], *context["latest_posts"]])
        context["upcoming_events"] = (
            Event.objects.published().in_language().upcoming()[:HOME_EVENTS]
        )
        return context


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    sitemap = site.absolute_url(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
