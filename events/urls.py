from django.urls import path

from events import views

# Mounted at the site's root: events live under /events/, their speakers under /people/.
app_name = "events"
urlpatterns = [
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("events/feed.ics", views.calendar_feed, name="calendar-feed"),
    path("events/<str:slug>.ics", views.event_calendar, name="event-ical"),
    path("events/<str:slug>/", views.EventDetailView.as_view(), name="event-detail"),
    path(
        "events/attachments/<int:pk>/download/",
        views.download_attachment,
        name="attachment-download",
    ),
    path("events/photos/<int:pk>/download/", views.download_photo, name="photo-download"),
    path("events/presentations/<int:pk>/slides/", views.download_slides, name="slides-download"),
    path("people/<str:slug>/", views.SpeakerDetailView.as_view(), name="speaker-detail"),
]
