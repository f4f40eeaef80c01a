import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from events.models import Organization, Speaker
from tests.factories import EventFactory, OrganizationFactory, SpeakerFactory, picture_bytes

pytestmark = pytest.mark.django_db

DESCRIBE = "Describe the image, or tick Decorative if it adds nothing to the page."


def with_image(obj, field):
    getattr(obj, field).save("picture.jpg", SimpleUploadedFile("picture.jpg", picture_bytes()))
    return obj


@pytest.mark.parametrize(
    ("factory", "field"),
    [(EventFactory, "cover"), (SpeakerFactory, "photo"), (OrganizationFactory, "logo")],
)
def test_uploaded_image_needs_alt_text_or_an_explicit_decorative_choice(factory, field):
    obj = with_image(factory(), field)

    with pytest.raises(ValidationError) as missing:
        obj.full_clean()
    obj.is_decorative = True
    obj.full_clean()
    obj.is_decorative, obj.alt_text = False, "A described picture"
    obj.full_clean()

    assert missing.value.message_dict["alt_text"] == [DESCRIBE]
    assert obj.alt == "A described picture"


@pytest.mark.parametrize("factory", [EventFactory, SpeakerFactory, OrganizationFactory])
def test_no_alt_text_is_asked_without_an_image(factory):
    factory().full_clean()


def test_speaker_admin_refuses_a_photo_without_alt_text(editor_client):
    response = editor_client.post(
        "/admin/events/speaker/add/",
        {
            "name": "Ho Kim",
            "slug": "",
            "job_title": "Director",
            "affiliation": "BISTEP",
            "photo": SimpleUploadedFile("portrait.jpg", picture_bytes()),
            "bio": "",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["alt_text"] == [DESCRIBE]
    assert not Speaker.objects.exists()


def test_organization_admin_accepts_a_decorative_logo(editor_client):
    response = editor_client.post(
        "/admin/events/organization/add/",
        {
            "name": "Busan Innovation Institute of Industry, Science & Technology Planning",
            "acronym": "BISTEP",
            "slug": "bistep",
            "url": "",
            "logo": SimpleUploadedFile("logo.png", picture_bytes(image_format="PNG")),
            "is_decorative": "on",
        },
    )

    assert response.status_code == 302
    organization = Organization.objects.get()
    assert (organization.acronym, organization.is_decorative, organization.alt) == (
        "BISTEP",
        True,
        "",
    )
