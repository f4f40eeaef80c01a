"""
Test data shared by the test modules: factory_boy factories, picture bytes, and the constants that
several modules need (the site's time zone, visitors' and crawlers' user agents).

Test modules import from here (and take fixtures from conftest.py), never from each other.
"""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import ExifTags, Image

from colloquium.groups import EDITORS
from colloquium.models import Banner
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

SEOUL = ZoneInfo("Asia/Seoul")
# The moment the `now` fixture (tests/conftest.py) stops the clock at: a Monday morning in Seoul.
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SEOUL)

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
BROWSERS = (
    CHROME,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    # Korean in-app browsers of Naver and Daum are people, not crawlers.
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36 NAVER(inapp; search; 2000; 12.6.3)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 DaumApps/6.5.1 DaumDevice/mobile",
)
CRAWLERS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html) Chrome/126.0.6478.126 Safari/537.36",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; Yeti/1.1; +http://naver.me/spd)",
    "Mozilla/5.0 (compatible; Daum/4.1; +http://cs.daum.net/faq/15/4118.html?faqId=28966)",
    "Mozilla/5.0 (compatible; MSIE or Firefox mutant; not on Windows server;) Daumoa 4.0",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot)",
    "curl/8.5.0",
)


def picture_bytes(size=(400, 300), image_format="JPEG", color=(11, 74, 139), mode="RGB", **options):
    """A plain picture of `size` in `image_format`; `options` go to Pillow's save()."""
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def gps_photo_bytes():
    """A 60x40 JPEG, red left and blue right, that a phone took sideways at a known place."""
    image = Image.new("RGB", (60, 40), (20, 20, 220))
    image.paste((220, 20, 20), (0, 0, 30, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was turned: show it rotated 90° clockwise
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (37.0, 33.0, 59.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (126.0, 58.0, 41.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


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


class BannerFactory(factory.django.DjangoModelFactory):
    """An active banner with a 200 × 60 PNG logo and alt text, shown without dates."""

    class Meta:
        model = Banner

    name = factory.Sequence(lambda n: f"Institution {n}")
    alt_text = factory.LazyAttribute(lambda banner: f"{banner.name} logo")
    url = factory.Sequence(lambda n: f"https://institution{n}.example.org/")
    image = factory.django.FileField(filename="logo.png", data=picture_bytes((200, 60), "PNG"))


# Events


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
    """A panel without people; PanelFactory(moderator=speaker) seats a moderator."""

    class Meta:
        model = Panel
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    title = "Panel discussion"

    @factory.post_generation
    def moderator(self, create, extracted, **kwargs):
        if create and extracted:
            ModeratorFactory(panel=self, speaker=extracted)


class PanelistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panelist

    panel = factory.SubFactory(PanelFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    position = factory.Sequence(int)


class ModeratorFactory(PanelistFactory):
    role = Panelist.Role.MODERATOR
    position = 0


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
