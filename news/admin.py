from django.contrib import admin
from django.db.models import Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from colloquium.admin import AttachmentInlineBase, PublishableAdmin, StateListFilter
from news.models import Attachment, Category, Post


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class AttachmentInline(AttachmentInlineBase):
    model = Attachment


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = (
            Post.objects.filter(published_at__isnull=False)
            .annotate(year=ExtractYear("published_at"))
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(published_at__year=int(self.value()))
        return queryset


@admin.register(Post)
class PostAdmin(PublishableAdmin):
    list_display = (
        "title",
        "language",
        "category",
        "writer",
        "published_at",
        "state",
        "is_pinned",
        "hit_count",
        "downloads",
    )
    list_filter = (StateListFilter, "language", "category", YearListFilter, "is_pinned")
    list_select_related = ("category",)
    search_fields = ("title", "writer", "body_text")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    inlines = (AttachmentInline,)
    autocomplete_fields = ("translation_of", "event")
    fieldsets = (
        (None, {"fields": ("category", "title", "slug", "writer", "summary", "body", "event")}),
        (_("Publishing"), {"fields": ("status", "published_at", "is_pinned")}),
        (_("Language"), {"fields": ("language", "translation_of")}),
        (_("Figures"), {"fields": ("hit_count", "created_by", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(downloads=Sum("attachments__download_count"))

    @admin.display(description=_("downloads"), ordering="downloads")
    def downloads(self, post):
        return post.downloads or 0
