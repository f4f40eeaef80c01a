"""Publishing: undated drafts, the three states, and the publish/unpublish rule shared by all."""

import datetime as dt

import pytest
import time_machine
from django.db.models import F
from django.utils import timezone

from colloquium.publishing import State, Status, forget_default_draft_dates
from events.models import Event
from news.models import Post
from tests.factories import SEOUL, EventFactory, PostFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SEOUL)
FRIDAY = dt.datetime(2026, 11, 27, 16, 30, tzinfo=SEOUL)
POSTS = "/admin/news/post/"
EVENTS = "/admin/events/event/"


def draft_form(category, **fields):
    """The post form as an editor leaves it: no publication time typed."""
    return {
        "category": category.pk,
        "title": "Regional innovation report",
        "slug": "",
        "writer": "",
        "summary": "",
        "body": "<p>Report.</p>",
        "status": Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "language": "en",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **fields,
    }


def written_on_monday(editor_client, category, **fields):
    with time_machine.travel(MONDAY, tick=False):
        response = editor_client.post(f"{POSTS}add/", draft_form(category, **fields))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Post.objects.get()


def test_draft_written_monday_published_friday_through_the_form_is_dated_friday(editor_client):
    category = PostFactory().category
    Post.objects.all().delete()
    draft = written_on_monday(editor_client, category)

    with time_machine.travel(FRIDAY, tick=False):
        editor_client.post(
            f"{POSTS}{draft.pk}/change/", draft_form(category, status=Status.PUBLISHED)
        )

    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (Status.PUBLISHED, FRIDAY)


def test_draft_written_monday_published_friday_by_the_action_is_dated_friday(editor_client):
    category = PostFactory().category
    Post.objects.all().delete()
    draft = written_on_monday(editor_client, category)

    assert draft.published_at is None
    with time_machine.travel(FRIDAY, tick=False):
        editor_client.post(POSTS, {"action": "publish", "_selected_action": [draft.pk]})

    draft.refresh_from_db()
    assert (draft.status, draft.published_at, draft.updated_at) == (
        Status.PUBLISHED,
        FRIDAY,
        FRIDAY,
    )


def test_publish_keeps_a_time_the_editor_typed(editor_client):
    category = PostFactory().category
    Post.objects.all().delete()
    draft = written_on_monday(
        editor_client, category, published_at_0="2019-08-29", published_at_1="17:28:39"
    )

    with time_machine.travel(FRIDAY, tick=False):
        editor_client.post(POSTS, {"action": "publish", "_selected_action": [draft.pk]})

    draft.refresh_from_db()
    assert draft.published_at == dt.datetime(2019, 8, 29, 17, 28, 39, tzinfo=SEOUL)
    assert draft.state == State.PUBLISHED


def test_unpublishing_keeps_the_date_and_publishing_again_does_not_redate():
    post = PostFactory(published_at=MONDAY)

    with time_machine.travel(FRIDAY, tick=False):
        Post.objects.filter(pk=post.pk).unpublish()
        unpublished = Post.objects.get(pk=post.pk)
        Post.objects.filter(pk=post.pk).publish()

    post.refresh_from_db()
    assert (unpublished.status, unpublished.published_at, unpublished.updated_at) == (
        Status.DRAFT,
        MONDAY,
        FRIDAY,
    )
    assert (post.status, post.published_at) == (Status.PUBLISHED, MONDAY)


def test_model_publish_and_unpublish_follow_the_same_rule():
    event = EventFactory(status=Status.DRAFT, published_at=None)

    with time_machine.travel(FRIDAY, tick=False):
        event.publish()
    published = Event.objects.get(pk=event.pk)
    event.unpublish()

    assert (published.status, published.published_at) == (Status.PUBLISHED, FRIDAY)
    assert list(Event.objects.published()) == []
    assert Event.objects.get(pk=event.pk).published_at == FRIDAY


def test_publish_action_refreshes_updated_at_of_events(editor_client):
    with time_machine.travel(MONDAY, tick=False):
        event = EventFactory(status=Status.DRAFT, published_at=None)

    with time_machine.travel(FRIDAY, tick=False):
        editor_client.post(EVENTS, {"action": "publish", "_selected_action": [event.pk]})
    published = Event.objects.get(pk=event.pk)
    with time_machine.travel(FRIDAY + dt.timedelta(days=1), tick=False):
        editor_client.post(EVENTS, {"action": "unpublish", "_selected_action": [event.pk]})
    unpublished = Event.objects.get(pk=event.pk)

    assert (published.published_at, published.updated_at) == (FRIDAY, FRIDAY)
    assert unpublished.updated_at == FRIDAY + dt.timedelta(days=1)


def test_admin_list_shows_draft_scheduled_with_its_time_and_published(editor_client):
    PostFactory(title="Draft report", status=Status.DRAFT, published_at=None)
    PostFactory(title="Coming report", published_at=dt.datetime(2099, 1, 2, 10, 0, tzinfo=SEOUL))
    PostFactory(title="Old report", published_at=dt.datetime(2019, 8, 29, tzinfo=SEOUL))

    page = editor_client.get(POSTS).content.decode()

    assert '<td class="field-state">Draft</td>' in page
    assert (
        '<td class="field-state">Scheduled '
        '<time datetime="2099-01-02T10:00:00+09:00">2099-01-02 10:00</time></td>'
    ) in page
    assert '<td class="field-state">Published</td>' in page


@pytest.mark.parametrize(
    ("state", "titles"),
    [
        ("draft", ["Draft report"]),
        ("scheduled", ["Coming report"]),
        ("published", ["Old report"]),
        ("junk", ["Coming report", "Old report", "Draft report"]),
    ],
)
def test_admin_list_filters_by_state(editor_client, state, titles):
    PostFactory(title="Draft report", status=Status.DRAFT, published_at=None)
    PostFactory(title="Coming report", published_at=dt.datetime(2099, 1, 2, 10, 0, tzinfo=SEOUL))
    PostFactory(title="Old report", published_at=dt.datetime(2019, 8, 29, tzinfo=SEOUL))

    response = editor_client.get(POSTS, {"state": state})

    assert sorted(str(post) for post in response.context["cl"].result_list) == sorted(titles)


def test_undated_draft_preview_opens_for_staff(editor_client):
    draft = PostFactory(title="Undated draft", status=Status.DRAFT, published_at=None)

    response = editor_client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert response.context["post"] == draft
    assert (response.context["previous_post"], response.context["next_post"]) == (None, None)
    assert "Undated draft" in response.content.decode()


def test_body_text_follows_a_queryset_update_of_the_body():
    post = PostFactory(body="<p>Old words.</p>")

    Post.objects.filter(pk=post.pk).update(body="<h2>New</h2><p>words <script>x()</script></p>")
    Post._base_manager.filter(pk=post.pk).update(hit_count=F("hit_count") + 1)

    post.refresh_from_db()
    assert (post.body, post.body_text, post.hit_count) == (
        "<h2>New</h2><p>words </p>",
        "New words",
        1,
    )


def test_body_text_follows_the_base_manager_too():
    event = EventFactory(body="<p>Old.</p>")

    Event._base_manager.filter(pk=event.pk).update(body="<p>Through the base manager.</p>")

    event.refresh_from_db()
    assert event.body_text == "Through the base manager."


def test_update_of_the_body_with_an_expression_is_refused():
    post = PostFactory(body="<p>Kept.</p>")

    with pytest.raises(TypeError, match="body_text"):
        Post.objects.filter(pk=post.pk).update(body=F("summary"))

    post.refresh_from_db()
    assert (post.body, post.body_text) == ("<p>Kept.</p>", "Kept.")


def test_migration_undates_drafts_that_took_the_default_and_keeps_chosen_times():
    now = timezone.now()
    default = PostFactory(title="default", status=Status.DRAFT)
    typed_back = PostFactory(title="back-dated", status=Status.DRAFT)
    typed_future = PostFactory(title="scheduled draft", status=Status.DRAFT)
    published = PostFactory(title="published")
    Post.objects.filter(pk=default.pk).update(published_at=now - dt.timedelta(minutes=20))
    Post.objects.filter(pk=typed_back.pk).update(published_at=now - dt.timedelta(days=400))
    Post.objects.filter(pk=typed_future.pk).update(published_at=now + dt.timedelta(days=3))
    Post.objects.filter(pk=published.pk).update(published_at=now - dt.timedelta(minutes=20))

    from django.apps import apps

    forget_default_draft_dates("news", "post")(apps, None)

    dates = dict(Post.objects.values_list("title", "published_at"))
    assert dates["default"] is None
    assert dates["back-dated"] == now - dt.timedelta(days=400)
    assert dates["scheduled draft"] == now + dt.timedelta(days=3)
    assert dates["published"] == now - dt.timedelta(minutes=20)
