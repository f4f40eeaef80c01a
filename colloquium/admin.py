"""Admin pieces shared by every app (publishing actions, attachment inlines), and the banners."""

from django.contrib import admin, messages
from django.db import models
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from colloquium.attachments import format_size
from colloquium.models import Banner
from colloquium.publishing import State


class AttachmentInlineBase(admin.TabularInline):
    fields = ("position", "file", "original_name", "file_size", "download_count")
    readonly_fields = ("file_size", "download_count")
    extra = 2
    ordering = ("position", "pk")

    @admin.display(description=_("size"))
    def file_size(self, attachment):
        return format_size(attachment.size) if attachment.pk else "–"


class StateListFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return State.choices

    def queryset(self, request, queryset):
        if self.value() in State.values:
            return queryset.in_state(self.value())
        return queryset


class PublishableAdmin(admin.ModelAdmin):
    readonly_fields = ("hit_count", "created_by", "created_at", "updated_at")
    actions = ("publish", "unpublish")

    @admin.display(description=_("state"), ordering="status")
    def state(self, obj):
        state = obj.state
        if state == State.SCHEDULED:
            when = timezone.localtime(obj.published_at)
            label = formats.date_format(when, "Y-m-d H:i")
            return format_html(
                '{} <time datetime="{}">{}</time>', state.label, when.isoformat(), label
            )
        return state.label

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected items"), permissions=("change",))
    def publish(self, request, queryset):
        # A scheduled item stays scheduled; one never published before is dated now.
        count = queryset.publish()
        message = ngettext("%(count)d item published.", "%(count)d items published.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Unpublish the selected items"), permissions=("change",))
    def unpublish(self, request, queryset):
        count = queryset.unpublish()
        message = ngettext("%(count)d item unpublished.", "%(count)d items unpublished.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(Banner)
class BannerAdmin(admin.ModelAdmin):
    list_display = ("name", "logo", "url", "order", "is_active", "starts_at", "ends_at", "visible")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "url", "alt_text")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("name", "image", "alt_text", "is_decorative", "url")}),
        (_("Showing"), {"fields": ("order", "is_active", "starts_at", "ends_at")}),
    )

    @admin.display(description=_("logo"))
    def logo(self, banner):
        if not banner.image:
            return "–"
        return format_html(
            '<img src="{}" alt="{}" height="30" loading="lazy">', banner.image.url, banner.alt
        )

    @admin.display(description=_("visible now"), boolean=True)
    def visible(self, banner):
        return banner.is_visible
