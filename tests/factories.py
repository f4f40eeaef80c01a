import datetime as dt
import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from colloquium.groups import EDITORS
from colloquium.publishing import Status
from events.models import (
    Event,
    EventAttachment,
    EventHost,
    Organization,
    Panel,
    Panelist,
    Photo,
    Presentation,
    PresentationSpeaker,
    Remark,
    Series,
    Speaker,
)
from news.models import Attachment, Category, Post


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Min-ji"
    last_name = "Park"
    password = factory.PostGenerationMethodCall("set_password", "password")


class EditorFactory(UserFactory):
    """A staff account in the Editors group: not a superuser."""

    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=EDITORS))
            self.save()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class PostFactory(factory.django.DjangoModelFactory):
    """A published post, one hour old."""

    class Meta:
        model = Post

    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"Post number {n}")
    writer = "Yeory Lim"
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    body = "<p>Body text.</p>"


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    post = factory.SubFactory(PostFactory)
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name=o.upload_name))
    original_name = ""

    class Params:
        upload_name = "report.pdf"
        content = b"%PDF-1.4 demo bytes\n" * 10


# Events


def picture_bytes(size=(400, 300), image_format="JPEG", color=(11, 74, 139)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    return buffer.getvalue()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    acronym = factory.Sequence(lambda n: f"ORG{n}")
    slug = factory.LazyAttribute(lambda o: o.acronym.lower())


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"Speaker {n}")
    job_title = "Director"
    affiliation = "KISTEP"


class SeriesFactory(factory.django.DjangoModelFactory):
    """A series named like the source's; each call makes a new one (pass one to share it)."""

    class Meta:
        model = Series

    name = "NIS Policy Colloquium"
    slug = factory.Sequence(lambda n: f"nis-policy-colloquium-{n}")


class EventFactory(factory.django.DjangoModelFactory):
    """A published event a week from now, 14:00 to 17:00 in Seoul, without a series."""

    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event number {n}")
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    starts_at = factory.LazyFunction(
        lambda: (timezone.localtime() + dt.timedelta(days=7)).replace(
            hour=14, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=3))


class EventHostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventHost

    event = factory.SubFactory(EventFactory)
    organization = factory.SubFactory(OrganizationFactory)
    position = factory.Sequence(int)


class PresentationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Presentation

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Presentation {n}")
    position = factory.Sequence(int)


class PresentationSpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PresentationSpeaker

    presentation = factory.SubFactory(PresentationFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    position = factory.Sequence(int)


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panel

    event = factory.SubFactory(EventFactory)
    title = "Panel discussion"


class PanelistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panelist

    panel = factory.SubFactory(PanelFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    position = factory.Sequence(int)


class RemarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Remark

    event = factory.SubFactory(EventFactory)
    speaker = factory.SubFactory(SpeakerFactory)


class PhotoFactory(factory.django.DjangoModelFactory):
    """A 400x300 JPEG with a caption (so, a 320-pixel copy besides the full size)."""

    class Meta:
        model = Photo

    event = factory.SubFactory(EventFactory)
    image = factory.LazyAttribute(lambda o: ContentFile(picture_bytes(o.size), name="photo.jpg"))
    caption = factory.Sequence(lambda n: f"Caption {n}")
    alt_text = factory.LazyAttribute(lambda o: o.caption)
    position = factory.Sequence(int)

    class Params:
        size = (400, 300)


class EventAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventAttachment

    event = factory.SubFactory(EventFactory)
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name=o.upload_name))
    original_name = ""

    class Params:
        upload_name = "programme.pdf"
        content = b"%PDF-1.4 demo bytes\n" * 10
