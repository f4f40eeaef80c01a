import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from colloquium.groups import EDITORS
from colloquium.publishing import Status
from news.models import Attachment, Category, Post


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
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
        django_get_or_create = ("slug",)

    name = "News & Event"
    slug = "news-event"


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
