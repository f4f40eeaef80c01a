from django.urls import path

from news import views
from news.feeds import PostAtomFeed, PostRSSFeed

app_name = "news"
urlpatterns = [
    path("", views.PostListView.as_view(), name="post-list"),
    path("feed/rss/", PostRSSFeed(), name="post-feed-rss"),
    path("feed/atom/", PostAtomFeed(), name="post-feed-atom"),
    path("<int:pk>/", views.PostDetailView.as_view(), name="post-detail"),
    path("<int:pk>/<str:slug>/", views.PostDetailView.as_view(), name="post-detail-slug"),
    path(
        "attachments/<int:pk>/download/",
        views.download_attachment,
        name="attachment-download",
    ),
]
