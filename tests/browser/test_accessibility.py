import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_public_pages_have_no_axe_violations(page, axe, csp_violations, demo_pages, language):
    pages = demo_pages(language)

    found = {}
    for name, path in pages.items():
        response = page.goto(path)
        assert response.ok, f"{name}: {path} answered {response.status}"
        if violations := axe(page):
            found[f"{name} {path}"] = violations

    assert found == {}
    assert csp_violations == []
