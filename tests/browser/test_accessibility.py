import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_public_pages_have_no_accessibility_violations(
    page, axe, csp_violations, demo_pages, language
):
    pages = demo_pages(language)

    found = {}
    for name, path in pages.items():
        response = page.goto(path)
        assert response.ok, f"{name}: {path} answered {response.status}"
        problems = axe(page)
        # Beyond axe's WCAG rules: screen reader users jump to the page's one h1 and one main.
        for selector in ("h1", "main"):
            if (count := page.locator(selector).count()) != 1:
                problems.append(f"{count} <{selector}> elements, not 1")
        if problems:
            found[f"{name} {path}"] = problems

    assert found == {}
    assert csp_violations == []
