from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from colloquium.attachments import AttachmentBase
from colloquium.counters import HitCounted
from colloquium.editor import RichTextField
from colloquium.publishing import Publishable, PublishableQuerySet, live_manager


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    order = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower numbers are listed first.")
    )

    class Meta:
        ordering = ("order", "name")
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("news:post-list") + f"?category={self.slug}"


class PostQuerySet(PublishableQuerySet):
    def with_attachment_flag(self):
        # A scalar subquery, asked for each listed row. PostgreSQL plans an EXISTS in the select
        # list as a hash of every attachment's post (275 ms at 200,000 attachments), whatever the
        # LIMIT above it; the first attachment's id is one index lookup per row.
        first = Attachment.objects.filter(post=models.OuterRef("pk")).order_by().values("pk")[:1]
        return self.alias(first_attachment=models.Subquery(first)).annotate(
            has_attachments=models.ExpressionWrapper(
                Q(first_attachment__isnull=False), output_field=models.BooleanField()
            )
        )


class Post(Publishable, HitCounted):
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        blank=True,
        allow_unicode=True,
        help_text=_("Words shown in the post's address. Leave blank to make it from the title."),
    )
    writer = models.CharField(
        _("writer"),
        max_length=100,
        blank=True,
        help_text=_("The name shown as Writer. Leave blank to use your own name."),
    )
    is_pinned = models.BooleanField(
        _("pinned notice"),
        default=False,
        help_text=_("Pinned posts are listed above the others on every page of the board."),
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("One or two plain sentences for lists, feeds and search engines."),
    )
    body = RichTextField(_("body"), blank=True, plain_text_field="body_text")
    body_text = models.TextField(_("body as plain text"), blank=True, editable=False)
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        help_text=_(
            "The event this post reports on: the post links to the event's page, and the event's "
            "page lists the post."
        ),
    )

    objects = live_manager(PostQuerySet)
    all_objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ("-published_at", "-pk")
        # Counters and resanitize write through the base manager: its update() keeps body_text.
        # Both it and the default manager hold the trash too (colloquium.trash).
        base_manager_name = "all_objects"
        default_manager_name = "all_objects"
        indexes = [
            # The board and everything that walks it in order (a page, its count, previous and
            # next, the years, an event's posts): a language's published posts outside the
            # trash, by date. is_pinned comes last so that counting the posts under the notices
            # reads the index alone; Django writes `is_pinned=False` as `NOT is_pinned`, which
            # no index column can serve as an equality. Not partial on the trash (deleted_at IS
            # NULL): PostgreSQL then took such an index over the search's trigram indexes, as
            # it did an index on deleted_at (colloquium/trash.py).
            models.Index(
                fields=["language", "status", "published_at", "id", "is_pinned"],
                name="news_post_board",
            ),
            # An event's posts, in the board's order, without walking the board.
            models.Index(
                fields=["event", "language", "status", "published_at", "id"],
                name="news_post_event_board",
            ),
            # The notices on top of every page: a handful, found without walking the board.
            # With the board's columns, or SQLite walks the board's index instead (33 ms).
            models.Index(
                fields=["language", "status", "published_at", "id"],
                condition=Q(is_pinned=True, deleted_at__isnull=True),
                name="news_post_pinned",
            ),
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.slug:
            return reverse("news:post-detail-slug", kwargs={"pk": self.pk, "slug": self.slug})
        return reverse("news:post-detail", kwargs={"pk": self.pk})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title, allow_unicode=True)[:200].strip("-")
        if not self.writer and self.created_by:
            self.writer = self.created_by.get_full_name() or self.created_by.get_username()
        super().save(*args, **kwargs)

    def get_previous_post(self):
        """The published post just older than this one, on its language's board."""
        return self._neighbour(older=True)

    def get_next_post(self):
        return self._neighbour(older=False)

    def _neighbour(self, *, older):
        if self.published_at is None:
            return None  # a draft's preview has no place on the board yet
        # A keyset comparison on the board's own order (published_at, pk), so posts published
        # at the same moment still come one after the other.
        # The first condition alone bounds the index range: with only the OR, both databases
        # scanned the board from its other end (every post at 100,000 posts).
        before, order = ("lt", "-") if older else ("gt", "")
        following = Q(**{f"published_at__{before}e": self.published_at}) & (
            Q(**{f"published_at__{before}": self.published_at}) | Q(**{f"pk__{before}": self.pk})
        )
        return (
            Post.objects.published()
            .in_language(self.language)
            .filter(following)
            .order_by(f"{order}published_at", f"{order}pk")
            .first()
        )


class Attachment(AttachmentBase):
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="attachments"
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def get_absolute_url(self):
        return reverse("news:attachment-download", kwargs={"pk": self.pk})
