"""Admin pieces shared by every app (publishing actions, attachment inlines), and the banners."""

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from reversion import add_to_revision, create_revision, set_comment, set_user
from reversion.admin import VersionAdmin
from reversion.models import Version

from colloquium import revisions
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


class HistoryAdmin(VersionAdmin):
    """
    An item's history: who saved which version when, two versions compared, one restored with
    reversion's revision form (counters kept). Deleted items come back from the trash, not from
    reversion's recover pages, which are switched off.
    """

    object_history_template = "admin/colloquium/object_history.html"
    revision_form_template = "admin/colloquium/revision_form.html"
    change_list_template = None
    history_latest_first = True
    # Fields of the item that a restore leaves as they are, besides the counters.
    kept_on_restore = ()

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            *super().get_urls(),
        ]

    def _versions(self, object_id):
        return Version.objects.get_for_object_reference(self.model, object_id).select_related(
            "revision__user"
        )

    def history_view(self, request, object_id, extra_context=None):
        # Django's history page with our list of versions (reversion's own list looks the raw key
        # up, which a NUL makes a query error on PostgreSQL).
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            context["versions"] = self._versions(str(obj.pk)).order_by("-pk")
        return admin.ModelAdmin.history_view(self, request, object_id, context)

    def compare_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        chosen = [request.GET.get(name, "") for name in ("old", "new")]
        if not all(value.isdecimal() and len(value) < 19 for value in chosen):
            raise Http404
        versions = self._versions(str(obj.pk))
        old, new = (get_object_or_404(versions, pk=int(value)) for value in chosen)
        if old.pk > new.pk:
            old, new = new, old
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": _("Changes to “%(item)s”") % {"item": obj},
            "old": old,
            "new": new,
            "differences": revisions.compare(old, new),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/colloquium/compare.html", context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        version = get_object_or_404(self._versions(str(obj.pk)), pk=version_id)
        when = formats.date_format(timezone.localtime(version.revision.date_created), "Y-m-d H:i")
        context = {
            "title": _("Restore the version of %(date)s") % {"date": when},
            "version": version,
            **(extra_context or {}),
        }
        if request.method != "POST":
            return super().revision_view(request, object_id, version_id, context)
        with revisions.counters_kept(version.revision, {self.model: self.kept_on_restore}):
            return super().revision_view(request, object_id, version_id, context)

    def changelist_view(self, request, extra_context=None):
        # reversion wraps the list in a revision for list_editable saves (POST); a GET needs none,
        # and keeps its query count.
        if request.method == "POST":
            return super().changelist_view(request, extra_context)
        return admin.ModelAdmin.changelist_view(self, request, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        raise Http404

    def recover_view(self, request, version_id, extra_context=None):
        raise Http404


TRASH_PARAMETER = "trash"


class TrashListFilter(admin.SimpleListFilter):
    """The list shows what is not in the trash unless the editor opens the trash."""

    title = _("trash")
    parameter_name = TRASH_PARAMETER

    def lookups(self, request, model_admin):
        return (("1", _("In the trash")),)

    def queryset(self, request, queryset):
        return queryset.in_trash() if self.value() == "1" else queryset.not_in_trash()

    def choices(self, changelist):
        yield {
            "selected": self.value() != "1",
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Not in the trash"),
        }
        yield {
            "selected": self.value() == "1",
            "query_string": changelist.get_query_string({self.parameter_name: "1"}),
            "display": _("In the trash"),
        }


def _in_trash_view(request):
    return request.GET.get(TRASH_PARAMETER) == "1"


class TrashAdmin(HistoryAdmin):
    """
    Deleting moves to the trash (the delete button and the list action alike): the item keeps its
    rows, files and counters, and "Restore from the trash" brings it back as it was. An item in
    the trash opens read-only. `manage.py emptytrash` deletes for good.
    """

    delete_confirmation_template = "admin/colloquium/trash_confirmation.html"

    def get_list_filter(self, request):
        return (TrashListFilter, *super().get_list_filter(request))

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return (*shown, "deleted_at", "deleted_by") if _in_trash_view(request) else shown

    def get_search_results(self, request, queryset, search_term):
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            queryset = queryset.not_in_trash()  # nothing links to an item in the trash
        return super().get_search_results(request, queryset, search_term)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_in_trash:
            return False
        return super().has_change_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        unwanted = "move_to_trash" if _in_trash_view(request) else "restore_from_trash"
        actions.pop(unwanted, None)
        return actions

    def _trash(self, request, items, *, restore=False):
        """Moves `items` to the trash, or out of it, each as a version in its history."""
        for item in items:
            with create_revision():
                set_user(request.user)
                if restore:
                    item.restore_from_trash()
                    set_comment(gettext("Restored from the trash."))
                else:
                    item.move_to_trash(request.user)
                    set_comment(gettext("Moved to the trash."))
                add_to_revision(item)

    def delete_model(self, request, obj):
        self._trash(request, [obj])

    def delete_queryset(self, request, queryset):
        self._trash(request, queryset.not_in_trash())

    def response_delete(self, request, obj_display, obj_id):
        message = _("“%(item)s” is in the trash: restore it from there.") % {"item": obj_display}
        self.message_user(request, message, messages.SUCCESS)
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))

    @admin.action(description=_("Move the selected items to the trash"), permissions=("delete",))
    def move_to_trash(self, request, queryset):
        items = list(queryset.not_in_trash())
        self.log_deletions(request, items)
        self._trash(request, items)
        message = ngettext(
            "%(count)d item moved to the trash.", "%(count)d items moved to the trash.", len(items)
        )
        self.message_user(request, message % {"count": len(items)}, messages.SUCCESS)

    @admin.action(
        description=_("Restore the selected items from the trash"), permissions=("change",)
    )
    def restore_from_trash(self, request, queryset):
        items = list(queryset.in_trash())
        self._trash(request, items, restore=True)
        for item in items:
            self.log_change(request, item, gettext("Restored from the trash."))
        message = ngettext(
            "%(count)d item restored from the trash.",
            "%(count)d items restored from the trash.",
            len(items),
        )
        self.message_user(request, message % {"count": len(items)}, messages.SUCCESS)


class PublishableAdmin(TrashAdmin):
    readonly_fields = ("hit_count", "created_by", "created_at", "updated_at")
    actions = ("publish", "unpublish", "move_to_trash", "restore_from_trash")

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


@admin.register(LogEntry)
class ActivityLogAdmin(admin.ModelAdmin):
    """
    The activity log, for superusers only: who added, changed or deleted (moved to the trash)
    which item and when, searchable by item, message and person. Nobody edits it.
    """

    list_display = ("action_time", "user", "action_flag", "content_type", "item", "message")
    list_filter = (
        "action_flag",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("user", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("user", "content_type")
    search_fields = (
        "object_repr",
        "change_message",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    date_hierarchy = "action_time"
    ordering = ("-action_time", "-pk")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("item"), ordering="object_repr")
    def item(self, entry):
        # A deleted item's page is its read-only page in the trash, until the trash is emptied.
        if url := entry.get_admin_url():
            return format_html('<a href="{}">{}</a>', url, entry.object_repr)
        return entry.object_repr

    @admin.display(description=_("what was done"))
    def message(self, entry):
        return entry.get_change_message()
