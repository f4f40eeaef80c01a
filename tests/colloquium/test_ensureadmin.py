import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from colloquium.groups import EDITORS


def ensureadmin(**options):
    out = io.StringIO()
    call_command("ensureadmin", stdout=out, **options)
    return out.getvalue()


def logs_in(client, username, password):
    """Whether the admin's own login form lets this account in."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.django_db
def test_ensureadmin_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError) as error:
        ensureadmin()

    assert str(error.value) == (
        "ensureadmin makes weak local passwords: it runs only with DEBUG=1."
    )
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_ensureadmin_creates_a_superuser_and_an_editor(settings, client):
    settings.DEBUG = True

    ensureadmin()

    users = {
        user.username: (user.is_staff, user.is_superuser, [g.name for g in user.groups.all()])
        for user in get_user_model().objects.all()
    }
    assert users == {"admin": (True, True, []), "editor": (True, False, [EDITORS])}
    assert logs_in(client, "admin", "admin")
    client.logout()
    assert logs_in(client, "editor", "editor")


@pytest.mark.django_db
def test_ensureadmin_run_again_creates_nothing_and_keeps_a_changed_password(settings, client):
    settings.DEBUG = True
    ensureadmin()
    User = get_user_model()
    editor = User.objects.get(username="editor")
    editor.set_password("a-better-password")
    editor.save()
    before = sorted(User.objects.values_list("pk", "username"))

    ensureadmin()

    assert sorted(User.objects.values_list("pk", "username")) == before
    assert not logs_in(client, "editor", "editor")
    assert logs_in(client, "editor", "a-better-password")


@pytest.mark.django_db
def test_ensureadmin_prints_the_admin_at_the_address_served(settings):
    settings.DEBUG = True

    printed = ensureadmin(address="http://127.0.0.1:8001/")

    assert printed == (
        "Admin: http://127.0.0.1:8001/admin/\n"
        "  superuser  login: admin   password: admin\n"
        "  editor     login: editor  password: editor   (in the Editors group)\n"
    )


@pytest.mark.django_db
def test_ensureadmin_prints_runservers_default_address_when_given_none(settings):
    settings.DEBUG = True

    printed = ensureadmin()

    assert printed.splitlines()[0] == "Admin: http://127.0.0.1:8000/admin/"
