from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.static import serve

from colloquium import editor

urlpatterns = [
    *editor.urlpatterns,
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("", RedirectView.as_view(pattern_name="news:post-list"), name="home"),
    path("news/", include("news.urls")),
)

if settings.DEBUG or settings.SERVE_MEDIA:
    # On one machine Django serves uploads itself; a real site puts a web server or object
    # storage in front of MEDIA_URL.
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve,
             {"document_root": settings.MEDIA_ROOT}),
    ]  # fmt: skip
