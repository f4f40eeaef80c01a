"""
The events admin: an editor enters a whole event on one page (hosts, programme with speakers in
order, panels with their moderator and panelists, remarks, photos uploaded several at once, files).
A panel's own page is only needed to change how a panelist's position is shown.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    RelatedFieldWidgetWrapper,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Max, Value, When
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from reversion import add_to_revision, register

from colloquium.admin import AttachmentInlineBase, HistoryAdmin, PublishableAdmin, StateListFilter
from colloquium.images import MultipleImageField
from events.models import (
    ONE_MODERATOR_MESSAGE,
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

# An event's versions hold its whole page: EventAdmin registers the event and each inline's model
# (reversion's VersionAdmin); the rows under a presentation or panel are followed from here.
register(PresentationSpeaker)
register(Presentation, follow=("speaker_roles",))
register(Panelist)
register(Panel, follow=("panelists",))


class OrderedAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """
    A searchable speaker list whose order is the order the editor chose them in.

    Select2 shows, and the browser posts, the chosen <option>s in the order they stand in the
    <select>; one chosen again after being removed keeps its old place there. The script moves
    each chosen option to the end, so the list reads (and is saved) in the order of choosing.
    """

    @property
    def media(self):
        # Naming jquery.init.js first tells Django's media merge that the script needs it.
        ordering = forms.Media(js=("admin/js/jquery.init.js", "js/admin-ordered-autocomplete.js"))
        return super().media + ordering


class OrderedSpeakersField(forms.ModelMultipleChoiceField):
    """Speakers in the order given: cleaned as a list in that order, each speaker once."""

    def clean(self, value):
        speakers = {str(speaker.pk): speaker for speaker in super().clean(value)}
        return list({pk: speakers[pk] for pk in map(str, value or ()) if pk in speakers}.values())

    def has_changed(self, initial, data):
        # The order is part of the value: the inline formset saves only the forms that changed,
        # and Django's own check compares sets, so a list only reordered would not be saved.
        if self.disabled:
            return False
        initial = [str(pk) for pk in self.prepare_value(initial or [])]
        return initial != [str(pk) for pk in data or []]


def in_given_order(queryset, pks):
    """`queryset` ordered as `pks` are (values that cannot be a pk are left out)."""
    pks = [int(pk) for pk in map(str, pks) if pk.isdecimal()]
    if not pks:
        return queryset
    position = Case(*(When(pk=pk, then=Value(index)) for index, pk in enumerate(pks)))
    return queryset.order_by(position)


def ordered_speakers_field(through_field, label, help_text):
    return OrderedSpeakersField(
        label=capfirst(label),
        queryset=Speaker.objects.all(),
        required=False,
        help_text=help_text,
        widget=OrderedAutocompleteSelectMultiple(
            through_field, admin.site, attrs={"class": "ordered-autocomplete"}
        ),
    )


class OrderedSpeakersForm(forms.ModelForm):
    """
    An inline form with an ordered, searchable speaker list saved as appearance rows: the order
    chosen becomes their `position`, and rows kept keep the position and affiliation shown.
    """

    speakers_field = ""  # the form field holding the ordered speakers
    roles_name = ""  # the related name of the appearance rows, such as "speaker_roles"
    through_model = None
    parent_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.update(self.initial_speakers(self.instance_roles.all()))
        # The autocomplete renders the chosen speakers in its queryset's order (a public
        # attribute), so that order is the one given: the saved one, or the one just posted.
        field = self.fields[self.speakers_field]
        field.queryset = in_given_order(field.queryset, self[self.speakers_field].value() or ())

    @property
    def instance_roles(self):
        return getattr(self.instance, self.roles_name)

    def initial_speakers(self, rows):
        return {self.speakers_field: [row.speaker_id for row in rows]}

    def chosen_rows(self):
        """The appearance rows chosen, as (speaker, fields to set), in the order to save them."""
        speakers = self.cleaned_data[self.speakers_field]
        return [(speaker, {"position": number}) for number, speaker in enumerate(speakers, 1)]

    def save_speakers(self):
        """Writes the chosen rows: new ones added, dropped ones deleted, kept ones updated."""
        rows = self.instance_roles
        chosen = self.chosen_rows()
        kept = {row.speaker_id: row for row in rows.all()}
        rows.exclude(speaker__in=[speaker for speaker, _fields in chosen]).delete()
        for speaker, fields in chosen:
            row = kept.get(speaker.pk) or self.through_model(
                **{self.parent_field: self.instance, "speaker": speaker}
            )
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()


class OrderedSpeakersFormSet(BaseInlineFormSet):
    """
    Saves each form's speakers right after its own row. save_new() and save_existing() are the
    formset's public per-form hooks, called for each new or changed form; overriding ModelForm's
    _save_m2m() instead would lean on a private method. The admin saves with commit=True; a
    caller saving with commit=False calls form.save_speakers() once the row is saved.
    """

    def save_new(self, form, commit=True):
        instance = super().save_new(form, commit)
        if commit:
            form.save_speakers()
        return instance

    def save_existing(self, form, obj, commit=True):
        instance = super().save_existing(form, obj, commit)
        if commit:
            form.save_speakers()
        return instance


class PresentationForm(OrderedSpeakersForm):
    presenters = ordered_speakers_field(
        Presentation._meta.get_field("speakers"),
        _("speakers"),
        _(
            "In the order they are introduced. Their current position and affiliation are kept "
            "for this event; change them on the presentation's own page."
        ),
    )
    speakers_field = "presenters"
    roles_name = "speaker_roles"
    through_model = PresentationSpeaker
    parent_field = "presentation"

    class Meta:
        model = Presentation
        fields = ("position", "title", "presenters", "abstract", "slides")


class PanelForm(OrderedSpeakersForm):
    """A panel on the event's page: its moderator and its panelists, all of them Panelist rows."""

    moderator = forms.ModelChoiceField(
        label=capfirst(_("moderator")),
        queryset=Speaker.objects.all(),
        required=False,
        help_text=_("Introduced first, before the panelists."),
        widget=AutocompleteSelect(Panelist._meta.get_field("speaker"), admin.site),
    )
    moderator_job_title = forms.CharField(
        label=capfirst(_("moderator's position")),
        max_length=Panelist._meta.get_field("job_title").max_length,
        required=False,
        help_text=_("As shown at this event. Leave blank to use the moderator's current one."),
    )
    moderator_affiliation = forms.CharField(
        label=capfirst(_("moderator's affiliation")),
        max_length=Panelist._meta.get_field("affiliation").max_length,
        required=False,
        help_text=_("As shown at this event. Leave blank to use the moderator's current one."),
    )
    panelist_list = ordered_speakers_field(
        Panel._meta.get_field("speakers"),
        _("panelists"),
        _(
            "In the order they are introduced. Their current position and affiliation are kept "
            "for this event; change them on the panel's own page."
        ),
    )
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

    def initial_speakers(self, rows):
        rows = list(rows)
        moderator = next((row for row in rows if row.role == Panelist.Role.MODERATOR), None)
        panelists = [row.speaker_id for row in rows if row.role == Panelist.Role.PANELIST]
        if moderator is None:
            return {"panelist_list": panelists}
        return {
            "moderator": moderator.speaker_id,
            "moderator_job_title": moderator.job_title,
            "moderator_affiliation": moderator.affiliation,
            "panelist_list": panelists,
        }

    def clean(self):
        cleaned_data = super().clean()
        moderator = cleaned_data.get("moderator")
        if moderator and moderator in cleaned_data.get("panelist_list", ()):
            self.add_error(
                "panelist_list",
                _("%(name)s moderates this panel: leave them out of the panelists.")
                % {"name": moderator},
            )
        return cleaned_data

    def chosen_rows(self):
        rows = [
            (speaker, {"role": Panelist.Role.PANELIST, "position": number})
            for number, speaker in enumerate(self.cleaned_data["panelist_list"], 1)
        ]
        if moderator := self.cleaned_data.get("moderator"):
            fields = {"role": Panelist.Role.MODERATOR, "position": 0}
            for name in ("job_title", "affiliation"):
                # Words left from the previous moderator do not follow a new one, who keeps how
                # they sat on the panel, or else is shown as they are now (blank: see save()).
                if "moderator" not in self.changed_data or f"moderator_{name}" in self.changed_data:
                    fields[name] = self.cleaned_data[f"moderator_{name}"]
            # Saved last, so that a former moderator staying on as a panelist has stepped down
            # first: the panel never has two moderators, even for a moment.
            rows.append((moderator, fields))
        return rows


class SpeakerAddButtonMixin:
    """Puts the admin's "+" (add a speaker) beside the speaker fields, as on a foreign key."""

    speaker_fields = ()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        can_add = self.admin_site.get_model_admin(Speaker).has_add_permission(request)
        for name in self.speaker_fields:
            field = formset.form.base_fields[name]
            if not isinstance(field.widget, RelatedFieldWidgetWrapper):
                field.widget = RelatedFieldWidgetWrapper(
                    field.widget,
                    field.widget.field.remote_field,
                    self.admin_site,
                    can_add_related=can_add,
                )
        return formset


class BlankRowsOnAddMixin:
    """Blank rows to fill on a new event's page; an event that exists adds rows on demand."""

    rows_on_add = 1
    extra = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else self.rows_on_add


class EventHostInline(BlankRowsOnAddMixin, admin.TabularInline):
    model = EventHost
    fields = ("position", "organization", "role")
    autocomplete_fields = ("organization",)
    rows_on_add = 3


class PresentationInline(BlankRowsOnAddMixin, SpeakerAddButtonMixin, admin.StackedInline):
    model = Presentation
    form = PresentationForm
    formset = OrderedSpeakersFormSet
    speaker_fields = ("presenters",)
    show_change_link = True
    rows_on_add = 3


class PanelInline(BlankRowsOnAddMixin, SpeakerAddButtonMixin, admin.StackedInline):
    model = Panel
    form = PanelForm
    formset = OrderedSpeakersFormSet
    speaker_fields = ("moderator", "panelist_list")
    show_change_link = True


class RemarkInline(BlankRowsOnAddMixin, admin.TabularInline):
    model = Remark
    fields = ("position", "kind", "speaker", "job_title", "affiliation")
    autocomplete_fields = ("speaker",)


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

    # Calendars take an update only with a higher SEQUENCE: restoring never lowers it, and a
    # restore that changes the title, time or place raises it.
    kept_on_restore = ("sequence",)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        before = Event.all_objects.filter(pk=unquote(object_id)).first()
        response = super().revision_view(request, object_id, version_id, extra_context)
        if request.method == "POST" and response.status_code == 302 and before is not None:
            after = Event.all_objects.get(pk=before.pk)
            if after._schedule() != before._schedule():
                Event.all_objects.filter(pk=before.pk).update(sequence=F("sequence") + 1)
        return response

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


class PartOfEventAdmin(HiddenFromIndexMixin, HistoryAdmin):
    """A presentation or panel saved on its own page is a new version of its whole event."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        add_to_revision(form.instance.event)


class PresentationSpeakerInline(admin.TabularInline):
    model = PresentationSpeaker
    fields = ("position", "speaker", "job_title", "affiliation")
    autocomplete_fields = ("speaker",)
    extra = 0


@admin.register(Presentation)
class PresentationAdmin(PartOfEventAdmin):
    list_display = ("title", "event", "position")
    list_select_related = ("event",)
    search_fields = ("title", "event__title")
    fields = ("event", "position", "title", "abstract", "slides", "download_count")
    readonly_fields = ("download_count",)
    autocomplete_fields = ("event",)
    inlines = (PresentationSpeakerInline,)


class PanelistFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # Each row is checked against the stored rows; two moderators entered at once are not.
        moderators = [
            form
            for form in self.forms
            if form.cleaned_data.get("role") == Panelist.Role.MODERATOR
            and not form.cleaned_data.get("DELETE")
        ]
        if len(moderators) > 1:
            raise ValidationError(ONE_MODERATOR_MESSAGE, code="one_moderator")


class PanelistInline(admin.TabularInline):
    model = Panelist
    formset = PanelistFormSet
    fields = ("role", "position", "speaker", "job_title", "affiliation")
    autocomplete_fields = ("speaker",)
    extra = 0

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj and obj.panelists.exists() else 7


@admin.register(Panel)
class PanelAdmin(PartOfEventAdmin):
    list_display = ("title", "event")
    list_select_related = ("event",)
    search_fields = ("title", "event__title")
    fields = ("event", "position", "title")
    autocomplete_fields = ("event",)
    inlines = (PanelistInline,)

    # A panel is part of its event: after Save the editor is back on the event's page. These are
    # the hooks for the plain Save button; "Save and continue editing" and "Save and add another"
    # keep Django's own behaviour.

    def response_post_save_add(self, request, obj):
        return self._back_to_event(obj)

    def response_post_save_change(self, request, obj):
        return self._back_to_event(obj)

    def _back_to_event(self, panel):
        return HttpResponseRedirect(reverse("admin:events_event_change", args=(panel.event_id,)))


@admin.register(Speaker)
class SpeakerAdmin(HistoryAdmin):
    list_display = ("name", "job_title", "affiliation")
    search_fields = ("name", "affiliation", "job_title")
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        "name",
        "slug",
        "job_title",
        "affiliation",
        "photo",
        "alt_text",
        "is_decorative",
        "bio",
        "appearances",
    )
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
                        row.part,
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
