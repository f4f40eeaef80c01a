"""Admin pieces shared by every app: publishing actions and attachment inlines."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from colloquium.attachments import format_size
from colloquium.publishing import Status


class AttachmentInlineBase(admin.TabularInline):
    fields = ("position", "file", "original_name", "file_size", "download_count")
    readonly_fields = ("file_size", "download_count")
    extra = 2
    ordering = ("position", "pk")

    @admin.display(description=_("size"))
    def file_size(self, attachment):
        return format_size(attachment.size) if attachment.pk else "–"


class PublishableAdmin(admin.ModelAdmin):
    readonly_fields = ("hit_count", "created_by", "created_at", "updated_at")
    actions = ("publish", "unpublish")

    @admin.display(description=_("visible now"), boolean=True)
    def is_published(self, obj):
        return obj.is_published

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected items"), permissions=("change",))
    def publish(self, request, queryset):
        # Publishing keeps each item's publication time, so a scheduled item stays scheduled.
        count = queryset.update(status=Status.PUBLISHED)
        self.message_user(
            request,
            ngettext("%(count)d item published.", "%(count)d items published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected items"), permissions=("change",))
    def unpublish(self, request, queryset):
        count = queryset.update(status=Status.DRAFT)
        self.message_user(
            request,
            ngettext("%(count)d item unpublished.", "%(count)d items unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )
