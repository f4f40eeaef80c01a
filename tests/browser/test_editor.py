import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from colloquium.demo import pdf_bytes
from news.models import Post
from tests.factories import CategoryFactory, EditorFactory, picture_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

HANGUL_PDF = "붙임1_행사안내.pdf"


def test_editor_publishes_post_with_bold_text_image_and_hangul_attachment(page):
    CategoryFactory(name="News & Event")
    editor = EditorFactory(first_name="Min-ji", last_name="Park")
    pdf = pdf_bytes("Colloquium programme", ["Seoul, 29 August"])

    page.goto("/admin/login/?next=/admin/news/post/add/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Add post")).to_be_visible()

    page.get_by_label("Category").select_option(label="News & Event")
    page.get_by_label("Title").fill("Hydrogen economy colloquium")
    expect(page.locator("#cke_id_body"), "the body field has no CKEditor").to_be_visible()
    body = page.frame_locator("#cke_id_body iframe.cke_wysiwyg_frame").locator(
        "body[contenteditable=true]"
    )
    body.click()
    page.keyboard.type("The programme is ")
    page.locator("#cke_id_body a.cke_button__bold").click()
    page.keyboard.type("now final")
    page.locator("#cke_id_body a.cke_button__bold").click()
    page.keyboard.type(".")
    page.keyboard.press("Enter")

    # The image dialog's Upload tab sends the file through CKEditor's XHR, to our CSRF-checked
    # upload view (the csrfupload plugin adds the token).
    page.locator("#cke_id_body a.cke_button__image").click()
    dialog = page.locator(".cke_dialog")
    dialog.get_by_role("tab", name="Upload").click()
    dialog.frame_locator("iframe.cke_dialog_ui_input_file").locator(
        "input[type=file]"
    ).set_input_files(
        files=[
            {
                "name": "stage.png",
                "mimeType": "image/png",
                "buffer": picture_bytes((320, 200), "PNG"),
            }
        ]
    )
    with page.expect_response(re.compile(r"/admin/editor/upload/$")) as upload:
        dialog.get_by_role("button", name="Send it to the Server").click()
    assert upload.value.status == 200
    expect(dialog.get_by_label("URL")).to_have_value(re.compile(r"^/media/editor/.+\.png$"))
    dialog.get_by_label("Alternative Text").fill("The colloquium stage")
    dialog.get_by_role("button", name="OK").click()
    expect(body.locator("img[alt='The colloquium stage']")).to_be_visible()

    page.get_by_label("Status").select_option(label="Published")
    page.locator("#id_attachments-0-file").set_input_files(
        files=[{"name": HANGUL_PDF, "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    page.goto("/en/news/")
    row = page.get_by_role("row", name=re.compile("Hydrogen economy colloquium"))
    expect(row.get_by_role("img", name="Has attachments")).to_be_visible()
    row.get_by_role("link", name="Hydrogen economy colloquium").click()
    expect(page.locator(".post-body strong")).to_have_text("now final")
    image = page.get_by_role("img", name="The colloquium stage")
    image.scroll_into_view_if_needed()
    expect(image).to_have_js_property("naturalWidth", 320)
    with page.expect_download() as downloading:
        page.get_by_role("link", name=f"Download {HANGUL_PDF}").click()
    download = downloading.value

    post = Post.objects.get(title="Hydrogen economy colloquium")
    assert post.is_published
    assert post.writer == "Min-ji Park"
    assert "<strong>now final</strong>" in post.body
    assert re.search(r'<img [^>]*src="/media/editor/[^"]+\.png"', post.body)
    assert re.search(r'<img [^>]*alt="The colloquium stage"', post.body)
    [attachment] = post.attachments.all()
    assert attachment.original_name == HANGUL_PDF
    with attachment.file.open("rb") as stored:
        assert stored.read() == pdf
    assert download.suggested_filename == HANGUL_PDF
    assert Path(download.path()).read_bytes() == pdf
