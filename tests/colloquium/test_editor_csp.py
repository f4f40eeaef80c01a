import pytest

from tests.factories import PostFactory

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# CKEditor 4 runs inline scripts and styles and previews uploads from blob: URLs.
RELAXED = STRICT | {
    "script-src": "'self' 'unsafe-inline'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
}


def policy_of(response):
    """The Content-Security-Policy header as {directive: sources}: django-csp varies the order."""
    parts = response["Content-Security-Policy"].split(";")
    return dict(part.strip().split(" ", 1) for part in parts)


@pytest.mark.django_db
def test_public_post_whose_address_contains_admin_gets_the_strict_policy(client):
    post = PostFactory(title="Admin office moves", slug="admin")

    response = client.get(f"/en/news/{post.pk}/admin/")

    assert response.status_code == 200
    assert '<h1 class="post-header__title">Admin office moves</h1>' in response.content.decode()
    assert policy_of(response) == STRICT


@pytest.mark.django_db
def test_board_searched_for_admin_gets_the_strict_policy(client):
    found = PostFactory(title="The editors' pages move to /admin/")
    PostFactory(title="Seminar on regional innovation")

    response = client.get("/en/news/", {"q": "/admin/"})

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [found]
    assert policy_of(response) == STRICT


@pytest.mark.django_db
def test_admin_login_gets_the_editors_relaxed_policy(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert policy_of(response) == RELAXED
