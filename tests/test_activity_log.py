"""The activity log: superusers see who did what to which item and when; editors do not."""

import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType

from news.models import Post
from tests.factories import EditorFactory, EventFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

LOG = "/admin/admin/logentry/"


@pytest.fixture
def superuser_client(client):
    chief = UserFactory(username="chief", is_staff=True, is_superuser=True)
    chief.save()  # with the password set after creation, which the session remembers
    client.force_login(chief)
    return client


def log(user, item, flag, message=""):
    return LogEntry.objects.log_actions(
        user.pk, [item], flag, change_message=message, single_object=True
    )


def rows(response):
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(
            r'<tr>\s*<td class="action-checkbox">.*?</tr>|<tr>.*?</tr>',
            response.content.decode(),
            re.S,
        )
        if "field-action_time" in row
    ]


def test_superuser_reads_who_did_what_to_which_item(superuser_client):
    editor = EditorFactory(username="minji")
    post = PostFactory(title="Budget report")
    event = EventFactory(title="5th colloquium")
    log(editor, post, ADDITION, [{"added": {}}])
    log(editor, post, CHANGE, [{"changed": {"fields": ["Title"]}}])
    log(editor, event, DELETION)

    response = superuser_client.get(LOG)

    assert response.status_code == 200
    shown = rows(response)
    assert len(shown) == 3
    assert "minji" in shown[0]
    assert "Deletion" in shown[0]
    assert "5th colloquium" in shown[0]
    assert "Change" in shown[1]
    assert "Changed Title." in shown[1]
    assert "Addition" in shown[2]
    assert "Added." in shown[2]
    assert f'href="/admin/news/post/{post.pk}/change/"' in response.content.decode()


def test_the_log_is_searchable_and_filtered(superuser_client):
    minji, jiho = EditorFactory(username="minji"), EditorFactory(username="jiho")
    budget, other = PostFactory(title="Budget report"), PostFactory(title="Seminar notice")
    log(minji, budget, CHANGE, [{"changed": {"fields": ["Body"]}}])
    log(jiho, other, CHANGE, [{"changed": {"fields": ["Title"]}}])
    log(jiho, EventFactory(title="Budget colloquium"), DELETION)

    by_word = rows(superuser_client.get(LOG, {"q": "budget"}))
    by_person = rows(superuser_client.get(LOG, {"q": "jiho"}))
    deletions = rows(superuser_client.get(LOG, {"action_flag__exact": DELETION}))
    posts = ContentType.objects.get_for_model(Post)
    on_posts = rows(superuser_client.get(LOG, {"content_type__id__exact": posts.pk}))

    assert len(by_word) == 2
    assert all("Budget" in row for row in by_word)
    assert len(by_person) == 2
    assert all("jiho" in row for row in by_person)
    assert len(deletions) == 1
    assert "Budget colloquium" in deletions[0]
    assert len(on_posts) == 2


def test_trash_and_restore_from_the_admin_are_in_the_log(superuser_client):
    post = PostFactory(title="Thrown away")
    superuser_client.post(f"/admin/news/post/{post.pk}/delete/", {"post": "yes"})
    superuser_client.post(
        "/admin/news/post/?trash=1",
        {"action": "restore_from_trash", "_selected_action": [post.pk]},
    )

    shown = rows(superuser_client.get(LOG))

    assert len(shown) == 2
    assert "Change" in shown[0]
    assert "Restored from the trash." in shown[0]
    assert "Deletion" in shown[1]
    assert "Thrown away" in shown[1]


def test_editors_do_not_see_the_log(editor_client):
    log(EditorFactory(), PostFactory(), CHANGE)

    assert editor_client.get(LOG).status_code == 403
    assert "logentry" not in editor_client.get("/admin/").content.decode()


def test_nobody_edits_the_log(superuser_client):
    entry = log(EditorFactory(), PostFactory(), CHANGE)

    assert superuser_client.get(f"{LOG}add/").status_code == 403
    assert superuser_client.post(f"{LOG}{entry.pk}/change/", {}).status_code == 403
    assert superuser_client.post(f"{LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_log_reads_korean(superuser_client):
    log(EditorFactory(), PostFactory(title="보고서"), CHANGE, [{"changed": {"fields": ["Title"]}}])

    page = superuser_client.get(LOG, headers={"accept-language": "ko"}).content.decode()

    assert "한 일" in page
    assert "항목" in page


@pytest.mark.parametrize("entries", [1, 12])
def test_the_logs_query_count_does_not_grow_with_its_rows(
    superuser_client, django_assert_num_queries, entries
):
    editors = [EditorFactory() for _ in range(2)]
    for number in range(entries):
        log(editors[number % 2], PostFactory(), CHANGE, [{"changed": {"fields": ["Title"]}}])
    superuser_client.get(LOG)

    with django_assert_num_queries(9):
        superuser_client.get(LOG)
