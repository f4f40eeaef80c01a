import pytest
from playwright.sync_api import expect

from tests.factories import (
    EditorFactory,
    EventFactory,
    PanelFactory,
    PanelistFactory,
    SpeakerFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


def test_editor_reorders_panelists_by_removing_and_choosing_again(page):
    editor = EditorFactory()
    event = EventFactory()
    panel = PanelFactory(event=event)
    for position, name in enumerate(("Suk-hee Lee", "Seong jin Kim", "Si-yeong Yang"), 1):
        PanelistFactory(panel=panel, speaker=SpeakerFactory(name=name), position=position)
    SpeakerFactory(name="Jae-Hong Jang")
    page.goto(f"/admin/login/?next=/admin/events/event/{event.pk}/change/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    chosen = page.locator("#panels-0 .field-panelist_list .select2-selection__choice")

    def choose(name):
        page.locator("#panels-0 .field-panelist_list .select2-search__field").click()
        page.keyboard.type(name)
        page.locator(".select2-results__option", has_text=name).click()

    chosen.filter(has_text="Seong jin Kim").locator(".select2-selection__choice__remove").click()
    page.keyboard.press("Escape")
    choose("Jae-Hong Jang")
    choose("Seong jin Kim")

    # Seong jin Kim, chosen last, is last on screen as in what is saved (Select2 alone puts
    # them back in their old place, second).
    order = ["Suk-hee Lee", "Si-yeong Yang", "Jae-Hong Jang", "Seong jin Kim"]
    expect(chosen).to_have_text([f"×{name}" for name in order])
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert [row.speaker.name for row in panel.panelists.all()] == order
