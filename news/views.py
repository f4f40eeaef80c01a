import hashlib
import json

from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from colloquium.attachments import serve_attachment
from colloquium.counters import HitCountMixin, add_pending
from colloquium.filters import FilteredListView
from colloquium.pagecache import CachedPageMixin
from colloquium.pagination import list_version
from colloquium.publishing import current_language
from news.filters import PostFilter
from news.models import Attachment, Post

# The board's own parameters: what the List button carries back from a post.
BOARD_PARAMETERS = ("q", "field", "category", "year", "page")


def board_query(query_dict):
    query = QueryDict(mutable=True)
    for key in BOARD_PARAMETERS:
        if value := query_dict.get(key):
            query[key] = value
    return query.urlencode()


class PostListView(CachedPageMixin, FilteredListView):
    filterset_class = PostFilter
    template_name = "news/post_list.html"
    context_object_name = "posts"

    def get_queryset(self):
        return (
            Post.objects.published().in_language().select_related("category").with_attachment_flag()
        )

    def get_count_key(self):
        # The count depends on the language, the filters (every parameter but the page) and
        # the posts themselves (their list version).
        query = sorted((key, value) for key, value in self.request.GET.lists() if key != "page")
        digest = hashlib.sha256(json.dumps([current_language(), query]).encode()).hexdigest()
        return f"colloquium:board-count:{list_version(Post)}:{digest}"

    def get_pinned_shown(self):
        # Notices stay on top of every page of the board, but a search lists them among results.
        return not self.filterset.is_searching

    def get_context_data(self, **kwargs):
        if self.get_pinned_shown():
            # FilterView passes its own object_list in kwargs: replace that one too.
            self.object_list = kwargs["object_list"] = self.object_list.filter(is_pinned=False)
        context = super().get_context_data(**kwargs)
        pinned = []
        if self.get_pinned_shown():
            pinned = list(
                self.get_queryset().filter(is_pinned=True).order_by("-published_at", "-pk")
            )
        page = context["page_obj"]
        context["pinned_posts"] = pinned
        # The summary counts every post the board lists, notices on top included.
        context["post_count"] = page.paginator.count + len(pinned)
        context["numbered_posts"] = [
            (page.paginator.count - page.start_index() + 1 - index, post)
            for index, post in enumerate(page.object_list)
        ]
        # With counters buffered in Redis, each row shows stored + pending (one round trip).
        add_pending([*pinned, *(post for _, post in context["numbered_posts"])])
        context["board_query"] = board_query(self.request.GET)
        return context


class PostDetailView(CachedPageMixin, HitCountMixin, DetailView):
    context_object_name = "post"
    template_name = "news/post_detail.html"

    def get_queryset(self):
        posts = Post.objects.select_related("category", "event__series").prefetch_related(
            "attachments"
        )
        return posts.visible_to(self.request.user)  # staff previews come with a banner

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        add_pending(self.object.attachments.all())
        context["previous_post"] = self.object.get_previous_post()
        context["next_post"] = self.object.get_next_post()
        context["board_query"] = board_query(self.request.GET)
        return context


def download_attachment(request, pk):
    # A correlated EXISTS on the attachment's own post: `post__in` made SQLite list every
    # visible post first (51 ms at 100,000 posts).
    visible = Post.objects.visible_to(request.user).filter(pk=OuterRef("post_id"))
    attachments = Attachment.objects.filter(Exists(visible))
    return serve_attachment(request, get_object_or_404(attachments, pk=pk))
