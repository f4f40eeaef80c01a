import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def editor(db):
    from tests.factories import EditorFactory

    return EditorFactory()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def _english_by_default():
    # LocaleMiddleware activates a request's language in the test thread and never resets it:
    # without this, a /ko/ request in one test makes reverse() give /ko/ URLs in the next.
    from django.utils import translation

    with translation.override("en"):
        yield
