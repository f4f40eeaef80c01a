import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from colloquium.demo import pdf_bytes
from tests.factories import AttachmentFactory, PostFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

HANGUL_PDF = "붙임1_행사안내.pdf"


def test_visitor_finds_post_downloads_file_and_reads_it_in_korean(page):
    pdf = pdf_bytes("Colloquium programme", ["Seoul, 29 August"])
    post = PostFactory(title="Hydrogen economy colloquium", language="en")
    attachment = AttachmentFactory(post=post, upload_name=HANGUL_PDF, content=pdf)
    PostFactory(title="Annual report published", language="en")
    korean = PostFactory(title="수소경제 콜로키움", language="ko", translation_of=post)
    AttachmentFactory(post=korean, upload_name=HANGUL_PDF, content=pdf)

    page.goto("/en/news/")
    page.get_by_role("searchbox", name="Search", exact=True).fill("hydrogen")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/news/\?(.+&)?q=hydrogen"))
    expect(page.get_by_role("link", name="Annual report published")).to_have_count(0)
    page.get_by_role("link", name="Hydrogen economy colloquium").click()
    hits = page.locator('dt:text-is("Hit") + dd')
    expect(hits).to_have_text("1")

    with page.expect_download() as started:
        page.get_by_role("link", name=f"Download {HANGUL_PDF}").click()
    download = started.value
    assert download.suggested_filename == HANGUL_PDF
    assert Path(download.path()).read_bytes() == pdf

    page.reload()
    expect(hits).to_have_text("1")
    expect(page.locator(".file-list__item", has_text=HANGUL_PDF)).to_contain_text(
        re.compile(r"\(\d+\.\d\dKB / Download 1\)")
    )
    post.refresh_from_db()
    attachment.refresh_from_db()
    assert (post.hit_count, attachment.download_count) == (1, 1)

    page.get_by_role("navigation", name="Language").get_by_role("link", name="한국어").click()
    expect(page).to_have_url(re.compile(rf"/ko/news/{korean.pk}/"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("수소경제 콜로키움")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("본문으로 바로가기")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    expect(page.locator('dt:text-is("조회") + dd')).to_have_text("1")
    expect(page.locator(".file-list__item", has_text=HANGUL_PDF)).to_contain_text(
        re.compile(r"\(\d+\.\d\dKB / 다운로드 0회\)")
    )
    expect(page.get_by_role("link", name=f"다운로드 {HANGUL_PDF}")).to_be_visible()
