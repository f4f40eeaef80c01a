import pytest
from django.urls import reverse

from tests.factories import AttachmentFactory, PostFactory


@pytest.mark.django_db
def test_post_page_shows_attachment_size_and_downloads(client):
    attachment = AttachmentFactory(content=b"x" * 440_945, upload_name="photo.jpg")

    response = client.get(attachment.post.get_absolute_url())

    assert response.status_code == 200
    assert "(430.61KB / Download 0)" in response.content.decode()


@pytest.mark.django_db
def test_board_lists_published_posts(client):
    post = PostFactory(title="Visible")

    response = client.get(reverse("news:post-list"))

    assert post.title in response.content.decode()
