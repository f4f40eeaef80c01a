from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.static import serve

from colloquium import editor, health, views
from colloquium.sitemaps import PageSitemap
from events.sitemaps import EventSitemap
from news.sitemaps import PostSitemap

SITEMAPS = {
    "pages": PageSitemap(["home", "news:post-list", "events:event-list"]),
    "news": PostSitemap,
    "events": EventSitemap,
}

# A database out of reach is a 503 with Retry-After, not a 500 (colloquium.faults).
handler500 = "colloquium.faults.server_error"

urlpatterns = [
    *editor.urlpatterns,
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # For load balancers (colloquium.health): not in the sitemaps, never counted or cached.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]

urlpatterns += i18n_patterns(
    path("", views.HomeView.as_view(), name="home"),
    path("news/", include("news.urls")),
    # /events/… and /people/<slug>/ (the speakers' pages), all under the "events" namespace.
    path("", include("events.urls")),
)

if settings.DEBUG or settings.SERVE_MEDIA:
    # On one machine Django serves uploads itself; a real site puts a web server or object
    # storage in front of MEDIA_URL.
    media_prefix = settings.MEDIA_URL.strip("/")
    urlpatterns += [
        path(f"{media_prefix}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
