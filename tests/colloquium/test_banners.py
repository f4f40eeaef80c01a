import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from colloquium.groups import EDITORS
from colloquium.models import Banner
from tests.factories import BannerFactory, picture_bytes

pytestmark = pytest.mark.django_db


def render_zone():
    return Template("{% load colloquium_tags %}{% banner_zone %}").render(Context({}))


def banner_names(markup):
    return re.findall(r'<img src="[^"]+" alt="([^"]*)"', markup)


def test_visible_banners_respect_activity_and_dates():
    now = timezone.now()
    shown = BannerFactory(name="Shown", order=2)
    first = BannerFactory(name="First", order=1, starts_at=now - dt.timedelta(days=1))
    BannerFactory(name="Inactive", is_active=False)
    BannerFactory(name="Not yet", starts_at=now + dt.timedelta(days=1))
    BannerFactory(name="Over", ends_at=now - dt.timedelta(minutes=1))

    assert list(Banner.objects.visible()) == [first, shown]


def test_banner_stores_logo_dimensions():
    banner = BannerFactory(image__data=picture_bytes((240, 72), "PNG"))

    assert (banner.width, banner.height) == (240, 72)


def test_banner_zone_renders_logos_as_links_in_order():
    BannerFactory(name="NST", alt_text="National Research Council of Science & Technology", order=5)
    BannerFactory(
        name="KISTEP",
        alt_text="Korea Institute of S&T Evaluation and Planning",
        url="https://www.kistep.re.kr/",
        order=1,
    )

    markup = render_zone()

    assert banner_names(markup) == [
        "Korea Institute of S&amp;T Evaluation and Planning",
        "National Research Council of Science &amp; Technology",
    ]
    assert '<a href="https://www.kistep.re.kr/" rel="noopener">' in markup
    assert 'width="200" height="60" loading="lazy"' in markup


def test_banner_zone_is_one_query(django_assert_num_queries):
    BannerFactory.create_batch(3)

    with django_assert_num_queries(1):
        markup = render_zone()

    assert len(banner_names(markup)) == 3


def test_banner_zone_does_not_rotate():
    BannerFactory.create_batch(2)

    markup = render_zone()

    assert "<script" not in markup
    assert markup.count("<a ") == 2  # one tab stop per logo, nothing hidden behind a slide


def test_banner_zone_is_left_out_without_banners():
    assert render_zone().strip() == ""


def test_decorative_logo_link_is_named_by_the_institution():
    BannerFactory(name="KOTIS", alt_text="", is_decorative=True)

    markup = render_zone()

    assert banner_names(markup) == [""]
    assert '<span class="banner-zone__name">KOTIS</span>' in markup


def test_banner_needs_alt_text_unless_decorative():
    banner = BannerFactory.build(alt_text="", is_decorative=False)

    with pytest.raises(ValidationError) as error:
        banner.full_clean()

    assert error.value.message_dict == {
        "alt_text": ["Describe the image, or tick Decorative if it adds nothing to the page."]
    }


def test_decorative_banner_may_not_have_alt_text():
    banner = BannerFactory.build(alt_text="A logo", is_decorative=True)

    with pytest.raises(ValidationError) as error:
        banner.full_clean()

    assert error.value.message_dict == {
        "alt_text": ["A decorative image has no alt text: clear it, or untick Decorative."]
    }


def test_banner_must_end_after_it_starts():
    now = timezone.now()
    banner = BannerFactory.build(starts_at=now, ends_at=now - dt.timedelta(days=1))

    with pytest.raises(ValidationError) as error:
        banner.full_clean()

    assert error.value.messages == ["The end must come after the start."]


def _admin_form(**overrides):
    return {
        "name": "BISTEP",
        "image": SimpleUploadedFile(
            "bistep.png", picture_bytes((200, 60), "PNG"), content_type="image/png"
        ),
        "alt_text": "Busan Innovation Institute of Industry, Science & Technology Planning",
        "url": "https://www.bistep.re.kr/",
        "order": "10",
        "is_active": "on",
        **overrides,
    }


def test_editor_adds_a_banner_in_the_admin(editor_client):
    response = editor_client.post(reverse("admin:colloquium_banner_add"), _admin_form())

    assert response.status_code == 302
    banner = Banner.objects.get()
    assert (banner.name, banner.width, banner.height) == ("BISTEP", 200, 60)


def test_admin_refuses_a_banner_without_alt_text(editor_client):
    response = editor_client.post(reverse("admin:colloquium_banner_add"), _admin_form(alt_text=""))

    assert response.status_code == 200
    assert "Describe the image, or tick Decorative if it adds nothing to the page." in (
        response.content.decode()
    )
    assert not Banner.objects.exists()


def test_admin_accepts_a_banner_marked_decorative(editor_client):
    response = editor_client.post(
        reverse("admin:colloquium_banner_add"), _admin_form(alt_text="", is_decorative="on")
    )

    assert response.status_code == 302
    banner = Banner.objects.get()
    assert (banner.name, banner.is_decorative, banner.alt) == ("BISTEP", True, "")


def test_admin_refuses_a_file_that_is_not_an_image(editor_client):
    fake = SimpleUploadedFile("logo.png", b"<html>not an image</html>", content_type="image/png")

    response = editor_client.post(reverse("admin:colloquium_banner_add"), _admin_form(image=fake))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["image"] == [
        "This file contains web page or script code (HTML, SVG, JavaScript or PHP), which is "
        "never accepted. Allowed types: JPG, JPEG, PNG, GIF, WEBP."
    ]
    assert not Banner.objects.exists()


def test_editors_group_may_manage_banners():
    editors = Group.objects.get(name=EDITORS)

    codenames = set(
        editors.permissions.filter(content_type__app_label="colloquium").values_list(
            "codename", flat=True
        )
    )

    assert codenames == {"add_banner", "change_banner", "delete_banner", "view_banner"}


def test_load_banners_is_idempotent():
    from colloquium.demo import load_banners

    load_banners()
    load_banners()

    assert list(Banner.objects.values_list("name", flat=True)) == [
        "KISTEP",
        "BISTEP",
        "KOTIS",
        "MSIT",
        "NST",
    ]
    assert all(banner.alt_text and banner.width == 240 for banner in Banner.objects.all())
