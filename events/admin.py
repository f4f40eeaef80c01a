"""
The events admin: an editor enters a whole event on one page (hosts, programme with speakers in
order, panels with their moderator and panelists, remarks, photos uploaded several at once, files).
A panel's own page is only needed to change how a panelist's position is shown.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple, RelatedFieldWidgetWrapper
from django.db import models
from django.db.models import Max
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from colloquium.admin import AttachmentInlineBase, PublishableAdmin, StateListFilter
from colloquium.images import MultipleImageField
from events.models import (
    Event,
    EventAttachment,
    EventHost,
    Organization,
    Panel,
    Panelist,
    Photo,
    Presentation,
    PresentationSpeaker,
    Remark,
    Series,
    Speaker,
)


class OrderedAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """Shows the chosen speakers in the order they were given, not in the database's order."""

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        order = {str(item): index for index, item in enumerate(value)}
        options = sorted(groups[0][1], key=lambda option: order.get(str(option["value"]), 0))
        for index, option in enumerate(options):
            option["index"] = str(index)
        groups[0] = (groups[0][0], options, groups[0][2])
        return groups


def ordered_speakers_field(through_field, label, help_text):
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Speaker.objects.all(),
        required=False,
        help_text=help_text,
        widget=OrderedAutocompleteSelectMultiple(through_field, admin.site),
    )


class OrderedSpeakersForm(forms.ModelForm):
    """
    An inline form with an ordered, searchable speaker list saved as through rows: the order
    chosen becomes their `position`, and rows kept keep the position and affiliation shown.
    """

    speakers_field = ""  # the form field holding the ordered speakers
    roles_name = ""  # the related name of the through rows, such as "speaker_roles"
    through_model = None
    parent_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            roles = getattr(self.instance, self.roles_name).all()
            self.initial[self.speakers_field] = [role.speaker_id for role in roles]

    def clean(self):
        cleaned_data = super().clean()
        chosen = cleaned_data.get(self.speakers_field)
        if chosen is not None:
            by_pk = {str(speaker.pk): speaker for speaker in chosen}
            raw = self.data.getlist(self.add_prefix(self.speakers_field))
            # The order the editor chose, each speaker once.
            cleaned_data[self.speakers_field] = list(
                {value: by_pk[value] for value in raw if value in by_pk}.values()
            )
        return cleaned_data

    def _save_m2m(self):
        super()._save_m2m()
        speakers = self.cleaned_data.get(self.speakers_field)
        if speakers is None:
            return
        roles = getattr(self.instance, self.roles_name)
        existing = {role.speaker_id: role for role in roles.all()}
        roles.exclude(speaker__in=speakers).delete()
        for position, speaker in enumerate(speakers, start=1):
            role = existing.get(speaker.pk) or self.through_model(
                **{self.parent_field: self.instance, "speaker": speaker}
            )
            role.position = position
            role.save()


class PresentationForm(OrderedSpeakersForm):
    presenters = ordered_speakers_field(
        Presentation._meta.get_field("speakers"),
        _("speakers"),
        _("In the order they are introduced. Their current position and affiliation are kept "
          "for this event; change them on the presentation's own page."),
    )  # fmt: skip
    speakers_field = "presenters"
    roles_name = "speaker_roles"
    through_model = PresentationSpeaker
    parent_field = "presentation"

    class Meta:
        model = Presentation
        fields = ("position", "title", "presenters", "abstract", "slides")


class PanelForm(OrderedSpeakersForm):
    panelist_list = ordered_speakers_field(
        Panel._meta.get_field("speakers"),
        _("panelists"),
        _("In the order they are introduced. Their current position and affiliation are kept "
          "for this event; change them on the panel's own page."),
    )  # fmt: skip
    speakers_field = "panelist_list"
    roles_name = "panelists"
    through_model = Panelist
    parent_field = "panel"

    class Meta:
        model = Panel
        fields = (
            "position",
            "title",
            "moderator",
            "moderator_job_title",
            "moderator_affiliation",
            "panelist_list",
        )


class SpeakerAddButtonMixin:
    """Puts the admin's "+" (add a speaker) beside the ordered speaker list, as on a foreign key."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields[formset.form.speakers_field]
        if not isinstance(field.widget, RelatedFieldWidgetWrapper):
            field.widget = RelatedFieldWidgetWrapper(
                field.widget,
                field.widget.field.remote_field,
                self.admin_site,
                can_add_related=self.admin_site.get_model_admin(Speaker).has_add_permission(
                    request
                ),
            )
        return formset


class EventHostInline(admin.TabularInline):
    model = EventHost
    fields = ("position", "organization", "role")
    autocomplete_fields = ("organization",)
    extra = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 3


class PresentationInline(SpeakerAddButtonMixin, admin.StackedInline):
    model = Presentation
    form = PresentationForm
    extra = 0
    show_change_link = True

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 3


class PanelInline(SpeakerAddButtonMixin, admin.StackedInline):
    model = Panel
    form = PanelForm
    autocomplete_fields = ("moderator",)
    extra = 0
    show_change_link = True

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 1


class RemarkInline(admin.TabularInline):
    model = Remark
    fields = ("position", "kind", "speaker", "job_title", "affiliation")
    autocomplete_fields = ("speaker",)
    extra = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 1


class PhotoInline(admin.TabularInline):
    model = Photo
    fields = (
        "position",
        "preview",
        "image",
        "caption",
        "alt_text",
        "is_decorative",
        "credit",
        "download_count",
    )
    readonly_fields = ("preview", "download_count")
    extra = 0

    @admin.display(description=_("preview"))
    def preview(self, photo):
        if not photo.image:
            return "–"
        return format_html(
            '<img src="{}" alt="" width="120" loading="lazy">', photo.image.url_for_width(320)
        )


class EventAttachmentInline(AttachmentInlineBase):
    model = EventAttachment


class EventAdminForm(forms.ModelForm):
    # The model and fields come from EventAdmin (its fieldsets), as for any admin form.

    new_photos = MultipleImageField(
        label=_("add photos"),
        required=False,
        help_text=_(
            "Choose several photos at once; they join the gallery below after saving, where you "
            "add their captions. JPEG, PNG, GIF or WebP."
        ),
    )


# Links typed without a scheme ("www.kistep.re.kr") get https://, as Django 6 will do.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Event)
class EventAdmin(PublishableAdmin):
    form = EventAdminForm
    formfield_overrides = URL_FIELDS
    list_display = (
        "title",
        "series",
        "edition",
        "starts_at",
        "state",
        "hit_count",
    )
    list_filter = (StateListFilter, "series", "is_all_day")
    list_select_related = ("series",)
    search_fields = ("title", "theme", "body_text")
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("series", "translation_of")
    readonly_fields = (*PublishableAdmin.readonly_fields, "sequence")
    inlines = (
        EventHostInline,
        PresentationInline,
        PanelInline,
        RemarkInline,
        PhotoInline,
        EventAttachmentInline,
    )
    fieldsets = (
        (None, {"fields": ("series", "edition", "title", "theme", "slug")}),
        (
            _("When and where"),
            {
                "fields": (
                    ("starts_at", "ends_at"),
                    "is_all_day",
                    "venue",
                    "address",
                    "online_url",
                    "registration_url",
                )
            },
        ),
        (_("Text"), {"fields": ("summary", "body", "cover", "alt_text", "is_decorative")}),
        (_("Photos"), {"fields": ("new_photos",)}),
        (_("Publishing"), {"fields": ("status", "published_at", "language", "translation_of")}),
        (
            _("Figures"),
            {"fields": ("hit_count", "sequence", "created_by", "created_at", "updated_at")},
        ),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        uploads = form.cleaned_data.get("new_photos") or []
        event = form.instance
        last = event.photos.aggregate(last=Max("position"))["last"] or 0
        for offset, upload in enumerate(uploads, start=1):
            Photo.objects.create(event=event, image=upload, position=last + offset)


class HiddenFromIndexMixin:
    """Reached from the event's page (the inline's "change" link), not from the admin index."""

    def get_model_perms(self, request):
        return {}


class PresentationSpeakerInline(admin.TabularInline):
    model = PresentationSpeaker
    fields = ("position", "speaker", "job_title", "affiliation")
    autocomplete_fields = ("speaker",)
    extra = 0


@admin.register(Presentation)
class PresentationAdmin(HiddenFromIndexMixin, admin.ModelAdmin):
    list_display = ("title", "event", "position")
    list_select_related = ("event",)
    search_fields = ("title", "event__title")
    fields = ("event", "position", "title", "abstract", "slides", "download_count")
    readonly_fields = ("download_count",)
    autocomplete_fields = ("event",)
    inlines = (PresentationSpeakerInline,)


class PanelistInline(admin.TabularInline):
    model = Panelist
    fields = ("position", "speaker", "job_title", "affiliation")
    autocomplete_fields = ("speaker",)
    extra = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj and obj.panelists.exists() else 7


@admin.register(Panel)
class PanelAdmin(HiddenFromIndexMixin, admin.ModelAdmin):
    list_display = ("title", "event", "moderator")
    list_select_related = ("event", "moderator")
    search_fields = ("title", "event__title")
    fields = ("event", "position", "title", "moderator", "moderator_job_title",
              "moderator_affiliation")  # fmt: skip
    autocomplete_fields = ("event", "moderator")
    inlines = (PanelistInline,)


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ("name", "job_title", "affiliation")
    search_fields = ("name", "affiliation", "job_title")
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        "name", "slug", "job_title", "affiliation", "photo", "alt_text", "is_decorative", "bio",
        "appearances",
    )  # fmt: skip
    readonly_fields = ("appearances",)

    @admin.display(description=_("appearances"))
    def appearances(self, speaker):
        if not speaker.pk:
            return "–"
        rows = speaker.appearances(Event.objects.all())
        if not rows:
            return _("None yet.")
        return format_html(
            '<ul class="appearances">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({}) – {}{}</li>',
                (
                    (
                        reverse("admin:events_event_change", args=(row.event.pk,)),
                        row.event.title,
                        f"{row.event.local_starts_at:%Y-%m-%d}",
                        row.role,
                        f": {row.subject}" if row.subject else "",
                    )
                    for row in rows
                ),
            ),
        )


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("name", "acronym", "url")
    search_fields = ("name", "acronym")
    prepopulated_fields = {"slug": ("acronym",)}
    fields = ("name", "acronym", "slug", "url", "logo", "alt_text", "is_decorative")


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
