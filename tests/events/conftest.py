import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages checked outside a request read in English, whatever page a test visited before."""
    with translation.override("en"):
        yield
