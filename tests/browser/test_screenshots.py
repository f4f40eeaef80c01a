import pytest
from PIL import Image

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

SHOWN = ("home", "board", "post", "event")


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1280, 800)])
def test_pages_fit_the_screen_and_are_photographed(
    page, demo_pages, screenshots_dir, width, height
):
    page.set_viewport_size({"width": width, "height": height})

    overflowing = {}
    for language in ("en", "ko"):
        for name, path in demo_pages(language).items():
            if name not in SHOWN:
                continue
            page.goto(path)
            # Lazy images below the fold would be blank in a full-page picture: scroll them in.
            page.evaluate(
                """async () => {
                    for (let y = 0; y < document.body.scrollHeight; y += 600) {
                        window.scrollTo(0, y);
                        await new Promise((done) => setTimeout(done, 20));
                    }
                    window.scrollTo(0, 0);
                }"""
            )
            page.wait_for_load_state("networkidle")
            target = screenshots_dir / f"{name}-{language}-{width}.png"
            page.screenshot(path=target, full_page=True)
            if (scroll_width := page.evaluate("document.documentElement.scrollWidth")) > width:
                overflowing[f"{name} {path}"] = scroll_width
            with Image.open(target) as picture:
                assert picture.width == width

    assert overflowing == {}
