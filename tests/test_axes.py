"""
Admin login throttling (django-axes, configured in settings): 5 failures for one username from one
address lock that pair out for 15 minutes, a success resets the count, and the address is the
client's, read through TRUSTED_PROXY_COUNT proxies from real X-Forwarded-For values.
"""

import datetime as dt

import httpx
import pytest
from django.test import override_settings

from tests.factories import EditorFactory
from tests.servers import gunicorn, instance_environment, manage

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "password"  # tests.factories.UserFactory's
NGINX = "127.0.0.1"  # the proxy's address, as Django sees it behind nginx
LOCKED_EN = "Too many failed logins"
LOCKED_KO = "로그인 실패가 너무 많습니다"


@pytest.fixture
def editor():
    return EditorFactory(username="yeory")


def log_in(client, password, username="yeory", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, **headers
    )


def is_logged_in(client):
    return client.get("/admin/").status_code == 200


def test_thirty_wrong_passwords_lock_the_thirty_first_right_one_out(client, editor):
    wrong = [log_in(client, f"wrong{n}").status_code for n in range(30)]
    right = log_in(client, PASSWORD)

    assert wrong == [200] * 4 + [429] * 26
    assert right.status_code == 429
    assert LOCKED_EN in right.content.decode()
    assert not is_logged_in(client)


def test_four_failures_do_not_lock(client, editor):
    for n in range(4):
        log_in(client, f"wrong{n}")

    response = log_in(client, PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_success_resets_the_count(client, editor):
    for n in range(4):
        log_in(client, f"wrong{n}")
    log_in(client, PASSWORD)
    client.post("/admin/logout/")
    for n in range(4):
        log_in(client, f"again{n}")

    response = log_in(client, PASSWORD)

    assert response.status_code == 302


def fail_five_times_at(client, time_machine, moment):
    time_machine.move_to(moment, tick=False)
    return [log_in(client, f"wrong{n}").status_code for n in range(5)]


NINE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_fifth_failure_locks(client, editor, time_machine):
    assert fail_five_times_at(client, time_machine, NINE) == [200, 200, 200, 200, 429]


def test_lockout_holds_for_fifteen_minutes(client, editor, time_machine):
    fail_five_times_at(client, time_machine, NINE)
    time_machine.move_to(NINE + dt.timedelta(minutes=14, seconds=59), tick=False)

    response = log_in(client, PASSWORD)

    assert response.status_code == 429


def test_lockout_ends_fifteen_minutes_after_the_last_failure(client, editor, time_machine):
    fail_five_times_at(client, time_machine, NINE)
    time_machine.move_to(NINE + dt.timedelta(minutes=15, seconds=1), tick=False)

    response = log_in(client, PASSWORD)

    assert response.status_code == 302


def test_lockout_is_per_username_and_address(client, editor):
    EditorFactory(username="colleague")
    for n in range(5):
        log_in(client, f"wrong{n}", REMOTE_ADDR="203.0.113.9")

    same_pair = log_in(client, PASSWORD, REMOTE_ADDR="203.0.113.9")
    other_address = log_in(client, PASSWORD, REMOTE_ADDR="198.51.100.7")
    client.post("/admin/logout/")
    other_user = log_in(client, PASSWORD, username="colleague", REMOTE_ADDR="203.0.113.9")

    assert same_pair.status_code == 429
    assert other_address.status_code == 302
    assert other_user.status_code == 302


def test_lockout_page_speaks_korean(client, editor):
    for n in range(5):
        log_in(client, f"wrong{n}", HTTP_ACCEPT_LANGUAGE="ko")

    response = log_in(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="ko")

    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED_KO in page
    assert "비밀번호가 5번 연속으로 틀렸습니다." in page
    assert "15분 동안 막습니다" in page


def test_lockout_page_says_why_and_how_long_in_english(client, editor):
    for n in range(5):
        log_in(client, f"wrong{n}", HTTP_ACCEPT_LANGUAGE="en")

    response = log_in(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")

    page = " ".join(response.content.decode().split())
    assert "The password was wrong 5 times in a row." in page
    assert "is blocked for 15 minutes." in page


def proxy_settings(load_settings, count):
    """The login settings a production start with TRUSTED_PROXY_COUNT=count would have."""
    loaded = load_settings(
        DEBUG="0",
        SECRET_KEY="x" * 50,
        SITE_URL="https://news.example.org",
        TRUSTED_PROXY_COUNT=str(count),
    )
    return {
        name: value
        for name, value in loaded.items()
        if name.startswith(("AXES_IPWARE_", "IPWARE_")) or name == "TRUSTED_PROXY_COUNT"
    }


@pytest.fixture
def behind_nginx(load_settings):
    with override_settings(**proxy_settings(load_settings, 1)):
        yield


@pytest.fixture
def on_a_laptop(load_settings):
    with override_settings(**proxy_settings(load_settings, 0)):
        yield


def through_nginx(client, password, forwarded_for):
    """A login as nginx passes it on: from its address, with X-Forwarded-For as it wrote it."""
    return log_in(client, password, REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_nginx_each_client_has_its_own_address(client, editor, behind_nginx):
    for n in range(4):
        through_nginx(client, f"wrong{n}", "203.0.113.9")
    fifth = through_nginx(client, "wrong4", "203.0.113.9")

    locked = through_nginx(client, PASSWORD, "203.0.113.9")
    other_client = through_nginx(client, PASSWORD, "198.51.100.7")

    assert fifth.status_code == 429
    assert locked.status_code == 429
    assert other_client.status_code == 302


def test_behind_nginx_a_forged_forwarded_for_does_not_escape_the_lock(client, editor, behind_nginx):
    # The attacker writes its own X-Forwarded-For, new each time; nginx appends the real address.
    for n in range(5):
        through_nginx(client, f"wrong{n}", f"10.0.0.{n}, 203.0.113.9")

    forged_again = through_nginx(client, PASSWORD, "10.9.9.9, 192.0.2.1, 203.0.113.9")

    assert forged_again.status_code == 429


def test_behind_nginx_a_client_behind_its_own_proxy_is_its_proxys_address(
    client, editor, behind_nginx
):
    for n in range(5):
        through_nginx(client, f"wrong{n}", "192.168.1.20, 203.0.113.9")

    same_office = through_nginx(client, PASSWORD, "192.168.1.21, 203.0.113.9")
    elsewhere = through_nginx(client, PASSWORD, "192.168.1.20, 198.51.100.7")

    assert same_office.status_code == 429
    assert elsewhere.status_code == 302


def test_on_a_laptop_forwarded_for_is_ignored(client, editor, on_a_laptop):
    for n in range(5):
        log_in(client, f"wrong{n}", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    response = log_in(client, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.99")

    assert response.status_code == 429


def test_proxy_count_setting_maps_to_ipwares(load_settings):
    assert proxy_settings(load_settings, 0) == {
        "TRUSTED_PROXY_COUNT": 0,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",),
    }
    assert proxy_settings(load_settings, 1) == {
        "TRUSTED_PROXY_COUNT": 1,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        "AXES_IPWARE_PROXY_COUNT": 0,
        "IPWARE_STRICT": False,
    }


SETUP_SCRIPT = """
from django.contrib.auth.models import User
User.objects.create_user("yeory", password="password", is_staff=True)
"""


@pytest.fixture(scope="module")
def login_server(tmp_path_factory):
    """gunicorn as behind one nginx (TRUSTED_PROXY_COUNT=1), on a fresh SQLite file."""
    folder = tmp_path_factory.mktemp("axes-live")
    url = f"sqlite:///{folder / 'db.sqlite3'}"
    env = instance_environment(
        url, folder / "media", folder / "protected", DJANGO_SETTINGS_MODULE="tests.settings"
    )
    manage(env, "migrate", "--no-input")
    manage(env, "shell", "--no-imports", "-c", SETUP_SCRIPT)
    with gunicorn(folder, url, TRUSTED_PROXY_COUNT="1") as server:
        yield server


def live_login(base, password, forwarded_for):
    with httpx.Client(base_url=base, timeout=30) as client:
        client.get(LOGIN)
        response = client.post(
            LOGIN,
            data={
                "username": "yeory",
                "password": password,
                "next": "/admin/",
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"X-Forwarded-For": forwarded_for},
        )
        return response.status_code


@pytest.mark.xdist_group("live")
def test_live_server_behind_nginx_locks_the_attacker_and_lets_the_editor_in(login_server):
    base = login_server["base"]

    wrong = [live_login(base, f"wrong{n}", "203.0.113.9") for n in range(30)]
    right_from_attacker = live_login(base, PASSWORD, "10.0.0.1, 203.0.113.9")
    editor_elsewhere = live_login(base, PASSWORD, "198.51.100.7")

    assert wrong == [200] * 4 + [429] * 26
    assert right_from_attacker == 429
    assert editor_elsewhere == 302
