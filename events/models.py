"""
Events: colloquia with their hosts, programme, panel, remarks, photos and files.

People take part through small appearance rows (a presenter, a panel's moderator or panelist,
someone giving remarks). Each keeps the position and affiliation shown at that event, so a speaker
promoted since still reads as they were introduced then.
"""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from colloquium.attachments import (
    ALLOWED_EXTENSIONS,
    AttachmentBase,
    guess_content_type,
    validate_upload_size,
)
from colloquium.counters import DownloadCounted, HitCounted
from colloquium.editor import RichTextField
from colloquium.images import DescribedImage, VerifiedImageField
from colloquium.publishing import Publishable, PublishableQuerySet, live_manager
from colloquium.storage import UploadTo, get_protected_storage
from colloquium.uploads import CheckedFileField

# "feed" is taken by the calendar feed's address, /events/feed.ics.
RESERVED_SLUGS = {"feed"}
# A calendar subscriber sees upcoming events and those of the past year.
CALENDAR_PAST_DAYS = 365


def event_timezone():
    """Events happen in the site's time zone (Asia/Seoul unless TIME_ZONE says otherwise)."""
    return ZoneInfo(settings.TIME_ZONE)


def edition_ordinal(number):
    # Our own messages rather than humanize's ordinal: Korean numbers editions "제5회", where
    # humanize would say "5번째".
    if number % 100 in (11, 12, 13):
        return pgettext("edition ordinal 11, 12, 13", "{}th").format(number)
    suffixes = {
        1: pgettext("edition ordinal 1", "{}st"),
        2: pgettext("edition ordinal 2", "{}nd"),
        3: pgettext("edition ordinal 3", "{}rd"),
    }
    return suffixes.get(number % 10, pgettext("edition ordinal 0", "{}th")).format(number)


def unique_slug(model, text, *, max_length=100, exclude_pk=None, fallback="item"):
    """A slug made from `text` that no other row of `model` uses: "ho-kim", then "ho-kim-2"."""
    base = slugify(text, allow_unicode=True)[:max_length].strip("-") or fallback
    taken = set(
        model._base_manager.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    taken |= RESERVED_SLUGS
    slug, number = base, 2
    while slug in taken:
        suffix = f"-{number}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
        number += 1
    return slug


def join_credentials(job_title, affiliation):
    """ "Director, Strategic planning division, BISTEP": how a person is introduced."""
    return ", ".join(filter(None, (job_title, affiliation)))


class Organization(DescribedImage):
    described_image_field = "logo"

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(
        _("acronym"), max_length=30, blank=True, help_text=_("The short name, such as KISTEP.")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        allow_unicode=True,
        help_text=_("Words in addresses that filter events by this organization."),
    )
    url = models.URLField(_("website"), blank=True)
    logo = VerifiedImageField(
        _("logo"),
        upload_to=UploadTo("events/logos"),
        blank=True,
        width_field="logo_width",
        height_field="logo_height",
        help_text=_("A JPEG, PNG, GIF or WebP image."),
    )
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("name",)
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return f"{self.acronym}: {self.name}" if self.acronym else self.name

    def get_absolute_url(self):
        return f"{reverse('events:event-list')}?organization={self.slug}"

    @property
    def short_name(self):
        return self.acronym or self.name


class Speaker(DescribedImage):
    described_image_field = "photo"

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        allow_unicode=True,
        help_text=_("Words in the address of the speaker's page. Leave blank to use the name."),
    )
    job_title = models.CharField(
        _("position"),
        max_length=150,
        blank=True,
        help_text=_(
            "The speaker's current position, such as Director. Each appearance at an event keeps "
            "the position shown there."
        ),
    )
    affiliation = models.CharField(
        _("affiliation"),
        max_length=250,
        blank=True,
        help_text=_(
            "The speaker's current organization, such as Strategic planning division, BISTEP."
        ),
    )
    photo = VerifiedImageField(
        _("photo"),
        upload_to=UploadTo("events/speakers"),
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
        help_text=_("A portrait: a JPEG, PNG, GIF or WebP image."),
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    bio = models.TextField(
        _("short bio"),
        blank=True,
        help_text=_("Two or three plain sentences for the speaker's page."),
    )

    class Meta:
        ordering = ("name", "pk")
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                Speaker, self.name, max_length=120, exclude_pk=self.pk, fallback="speaker"
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("events:speaker-detail", kwargs={"slug": self.slug})

    @property
    def credentials(self):
        """Their current position and affiliation, for their own page."""
        return join_credentials(self.job_title, self.affiliation)

    def published_appearances(self):
        """Their parts in published events in the page's language, latest first (3 queries)."""
        return self.appearances(Event.objects.published().in_language())

    def appearances(self, events):
        """
        Every part this speaker took in one of `events` (presentation speaker, panelist or
        moderator, remark rows), latest event first, in programme order within an event
        (3 queries).
        """
        # Rows read through this speaker's own managers know their speaker: no query per row.
        rows = [
            *self.presentation_roles.filter(presentation__event__in=events).select_related(
                "presentation__event__series"
            ),
            *self.panelist_roles.filter(panel__event__in=events).select_related(
                "panel__event__series"
            ),
            *self.remarks.filter(event__in=events).select_related("event__series"),
        ]
        # A stable sort keeps the programme order of roles within one event.
        return sorted(rows, key=lambda row: row.event.starts_at, reverse=True)


class Series(models.Model):
    name = models.CharField(
        _("name"), max_length=200, help_text=_("Such as NIS Policy Colloquium.")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        allow_unicode=True,
        help_text=_("Words in addresses that filter events by this series."),
    )

    class Meta:
        ordering = ("name",)
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('events:event-list')}?series={self.slug}"


class EventQuerySet(PublishableQuerySet):
    def upcoming(self):
        """Events that have not ended yet (those under way included), soonest first."""
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at", "pk")

    def past(self):
        return self.filter(ends_at__lt=timezone.now()).order_by("-starts_at", "-pk")

    def in_list_order(self):
        """Upcoming events soonest first, then past events latest first, in one ordering."""
        now = timezone.now()
        is_upcoming = Q(ends_at__gte=now)
        return self.annotate(
            list_group=Case(When(is_upcoming, then=Value(0)), default=Value(1)),
            upcoming_start=Case(When(is_upcoming, then=F("starts_at"))),
            past_start=Case(When(~is_upcoming, then=F("starts_at"))),
        ).order_by("list_group", "upcoming_start", F("past_start").desc(), "pk")

    def for_calendar(self):
        """What a calendar subscription carries: upcoming events and those of the past year."""
        since = timezone.now() - dt.timedelta(days=CALENDAR_PAST_DAYS)
        return self.filter(ends_at__gte=since).order_by("starts_at", "pk")


class Event(DescribedImage, Publishable, HitCounted):
    described_image_field = "cover"

    # A change to any of these is a new version of the event for calendars (SEQUENCE).
    SCHEDULE_FIELDS = ("title", "starts_at", "ends_at", "is_all_day", "venue", "address")

    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    edition = models.PositiveSmallIntegerField(
        _("edition"),
        null=True,
        blank=True,
        help_text=_("The event's number in its series: 5 is shown as “5th”."),
    )
    title = models.CharField(_("title"), max_length=300)
    theme = models.CharField(
        _("theme"), max_length=300, blank=True, help_text=_("The question or topic of the event.")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        blank=True,
        allow_unicode=True,
        help_text=_("Words in the event's address. Leave blank to make them from the title."),
    )
    starts_at = models.DateTimeField(
        _("starts"),
        db_index=True,
        help_text=_("In Korean time. For an all-day event only the date counts."),
    )
    ends_at = models.DateTimeField(
        _("ends"),
        db_index=True,
        help_text=_("In Korean time. An event may last several days."),
    )
    is_all_day = models.BooleanField(
        _("all day"),
        default=False,
        help_text=_("Tick for an event without set hours: calendars show whole days."),
    )
    venue = models.CharField(
        _("venue"), max_length=200, blank=True, help_text=_("Such as a hall and a building.")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    online_url = models.URLField(
        _("online link"), blank=True, help_text=_("Where visitors can follow the event online.")
    )
    registration_url = models.URLField(
        _("registration link"), blank=True, help_text=_("Where visitors sign up, if they must.")
    )
    organizations = models.ManyToManyField(
        Organization,
        through="EventHost",
        verbose_name=_("hosts"),
        related_name="events",
        blank=True,
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("One or two plain sentences for lists, calendars and search engines."),
    )
    body = RichTextField(_("body"), blank=True, plain_text_field="body_text")
    body_text = models.TextField(_("body as plain text"), blank=True, editable=False)
    cover = VerifiedImageField(
        _("cover image"),
        upload_to=UploadTo("events/covers"),
        blank=True,
        width_field="cover_width",
        height_field="cover_height",
        help_text=_("Shown in the list of events: a JPEG, PNG, GIF or WebP image."),
    )
    cover_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(
        _("calendar revision"),
        default=0,
        editable=False,
        help_text=_("Raised when the title, time or place changes, so calendars update."),
    )
    uid = models.UUIDField(_("calendar ID"), default=uuid.uuid4, unique=True, editable=False)

    objects = live_manager(EventQuerySet)
    all_objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ("-starts_at", "-pk")
        # Counters write through the base manager: its update() keeps body_text. Both it and the
        # default manager hold the trash too (colloquium.trash).
        base_manager_name = "all_objects"
        default_manager_name = "all_objects"
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            # A translation is the same edition in another language.
            models.UniqueConstraint(
                fields=("series", "edition", "language"), name="unique_series_edition"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("The event must end after it starts."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:event-detail", kwargs={"slug": self.slug})

    @property
    def ical_url(self):
        return reverse("events:event-ical", kwargs={"slug": self.slug})

    @property
    def edition_label(self):
        """The edition as an ordinal: 5 -> "5th" in English, "제5회" in Korean."""
        return edition_ordinal(self.edition) if self.edition else ""

    @property
    def series_label(self):
        """ "5th NIS Policy Colloquium", or the series name alone without an edition."""
        if not self.series_id:
            return ""
        return " ".join(filter(None, (self.edition_label, self.series.name)))

    @property
    def local_starts_at(self):
        return timezone.localtime(self.starts_at, event_timezone())

    @property
    def local_ends_at(self):
        return timezone.localtime(self.ends_at, event_timezone())

    @property
    def starts_on(self):
        return self.local_starts_at.date()

    @property
    def ends_on(self):
        return self.local_ends_at.date()

    @property
    def is_multi_day(self):
        return self.starts_on != self.ends_on

    @property
    def is_upcoming(self):
        """Not over yet: an event under way still counts as upcoming."""
        return self.ends_at >= timezone.now()

    @property
    def hosts_by_role(self):
        """[(heading, [hosts])] in role order, from `hosts.all()` (prefetch it)."""
        groups = {}
        for host in self.hosts.all():
            groups.setdefault(host.role, []).append(host)
        return [
            (heading, groups[role])
            for role, heading in EventHost.HEADINGS.items()
            if role in groups
        ]

    @property
    def share_image_url(self):
        """The picture for link previews: the cover, else the first photo (prefetch photos)."""
        if self.cover:
            return self.cover.url
        photos = self.photos.all()
        return photos[0].image.url if photos else ""

    def participants(self, *, each_person_once=False):
        """
        Everyone taking part, as their appearance rows in programme order: each presentation's
        speakers, each panel's moderator and panelists, then the remarks. Reads the prefetched
        rows (presentations__speaker_roles, panels__panelists, remarks, each with its speaker),
        so it costs no query of its own. With `each_person_once`, a person keeps their first part.
        """
        rows = [
            *(role for talk in self.presentations.all() for role in talk.speaker_roles.all()),
            *(panelist for panel in self.panels.all() for panelist in panel.panelists.all()),
            *self.remarks.all(),
        ]
        if not each_person_once:
            return rows
        first_parts = {}
        for row in rows:
            first_parts.setdefault(row.speaker_id, row)
        return list(first_parts.values())

    @classmethod
    def from_db(cls, db, field_names, values):
        event = super().from_db(db, field_names, values)
        if set(cls.SCHEDULE_FIELDS) <= set(field_names):
            event._stored_schedule = event._schedule()
        return event

    def _schedule(self):
        return tuple(getattr(self, name) for name in self.SCHEDULE_FIELDS)

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("This address is taken; choose other words.")})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                Event, self.title, max_length=200, exclude_pk=self.pk, fallback="event"
            )
        stored = getattr(self, "_stored_schedule", None)
        if stored is not None and stored != self._schedule():
            self.sequence += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "sequence"}
        super().save(*args, **kwargs)
        self._stored_schedule = self._schedule()


class EventHost(models.Model):
    class Role(models.TextChoices):
        HOST = "host", _("Host")
        CO_HOST = "co-host", _("Co-host")
        SPONSOR = "sponsor", _("Sponsor")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="hosts"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="hostings",
    )
    HEADINGS = {
        Role.HOST: _("Hosted by"),
        Role.CO_HOST: _("Co-hosted by"),
        Role.SPONSOR: _("Sponsored by"),
    }

    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.HOST)
    position = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower numbers come first.")
    )

    class Meta:
        ordering = ("position", "pk")
        verbose_name = _("host")
        verbose_name_plural = _("hosts")
        constraints = [
            models.UniqueConstraint(fields=("event", "organization"), name="unique_event_host")
        ]

    def __str__(self):
        return f"{self.organization} ({self.get_role_display()})"


class Appearance(models.Model):
    """
    A speaker's part in an event, with the position and affiliation shown there. Each kind also
    says, for the speaker's page, its `event`, its `part` ("Presentation", "Moderator", "Closing
    remarks"), its `subject` (a title, or "") and get_absolute_url().
    """

    position = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower numbers come first.")
    )
    job_title = models.CharField(
        _("position"),
        max_length=150,
        blank=True,
        help_text=_("As shown at this event. Leave blank to use the speaker's current one."),
    )
    affiliation = models.CharField(
        _("affiliation"),
        max_length=250,
        blank=True,
        help_text=_("As shown at this event. Leave blank to use the speaker's current one."),
    )

    # The titled row a presenter or panelist belongs to ("presentation", "panel"): their link
    # and subject are its own.
    part_of = ""

    class Meta:
        abstract = True
        ordering = ("position", "pk")

    def save(self, *args, **kwargs):
        # Copied, not looked up later: the appearance keeps what was shown at the event.
        if not self.job_title:
            self.job_title = self.speaker.job_title
        if not self.affiliation:
            self.affiliation = self.speaker.affiliation
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return getattr(self, self.part_of).get_absolute_url()

    @property
    def shown_job_title(self):
        return self.job_title or self.speaker.job_title

    @property
    def shown_affiliation(self):
        return self.affiliation or self.speaker.affiliation

    @property
    def credentials(self):
        """How the speaker was introduced there, else how they are now: "Director, BISTEP"."""
        return join_credentials(self.shown_job_title, self.shown_affiliation)

    @property
    def subject(self):
        return getattr(self, self.part_of).title


class Presentation(DownloadCounted):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="presentations"
    )
    position = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower numbers come first in the programme.")
    )
    title = models.CharField(_("title"), max_length=300)
    abstract = models.TextField(_("abstract"), blank=True)
    speakers = models.ManyToManyField(
        Speaker,
        through="PresentationSpeaker",
        verbose_name=_("speakers"),
        related_name="presentations",
    )
    slides = CheckedFileField(
        _("slides"),
        upload_to=UploadTo("events/slides"),
        storage=get_protected_storage,
        blank=True,
        extensions=ALLOWED_EXTENSIONS,
        validators=[validate_upload_size],
        help_text=_("The presentation's file, such as a PDF, for visitors to download."),
    )

    class Meta:
        ordering = ("position", "pk")
        verbose_name = _("presentation")
        verbose_name_plural = _("presentations")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{self.event.get_absolute_url()}#presentation-{self.pk}"

    @property
    def slides_url(self):
        return reverse("events:slides-download", kwargs={"pk": self.pk})

    @property
    def slides_name(self):
        """The name the slides download under: the event's address, the order and the type."""
        suffix = self.slides.name.rsplit(".", 1)[-1].lower() if "." in self.slides.name else ""
        return f"{self.event.slug}-presentation-{self.position or self.pk}.{suffix}".rstrip(".")

    @property
    def slides_content_type(self):
        return guess_content_type(self.slides.name)


class PresentationSpeaker(Appearance):
    part_of = "presentation"

    presentation = models.ForeignKey(
        Presentation,
        verbose_name=_("presentation"),
        on_delete=models.CASCADE,
        related_name="speaker_roles",
    )
    speaker = models.ForeignKey(
        Speaker,
        verbose_name=_("speaker"),
        on_delete=models.PROTECT,
        related_name="presentation_roles",
    )

    class Meta(Appearance.Meta):
        verbose_name = _("presentation speaker")
        verbose_name_plural = _("presentation speakers")
        constraints = [
            models.UniqueConstraint(
                fields=("presentation", "speaker"), name="unique_presentation_speaker"
            )
        ]

    def __str__(self):
        return f"{self.speaker} in {self.presentation}"

    @property
    def event(self):
        return self.presentation.event

    @property
    def part(self):
        return _("Presentation")


class Panel(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="panels"
    )
    position = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower numbers come first.")
    )
    title = models.CharField(_("title"), max_length=200, default="Panel discussion")
    speakers = models.ManyToManyField(
        Speaker, through="Panelist", verbose_name=_("panelists"), related_name="panels"
    )

    class Meta:
        ordering = ("position", "pk")
        verbose_name = _("panel")
        verbose_name_plural = _("panels")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{self.event.get_absolute_url()}#panel-{self.pk}"

    # Both read `panelists.all()`, so a prefetch serves the moderator line and the list alike.

    @property
    def moderators(self):
        return [row for row in self.panelists.all() if row.role == Panelist.Role.MODERATOR]

    @property
    def discussants(self):
        """The panelists other than the moderator, in their order."""
        return [row for row in self.panelists.all() if row.role == Panelist.Role.PANELIST]


ONE_MODERATOR_MESSAGE = _("A panel has one moderator. Make the other a panelist.")


class Panelist(Appearance):
    """A seat on a panel: its moderator, or one of the panelists."""

    class Role(models.TextChoices):
        MODERATOR = "moderator", _("Moderator")
        PANELIST = "panelist", _("Panelist")

    part_of = "panel"

    panel = models.ForeignKey(
        Panel, verbose_name=_("panel"), on_delete=models.CASCADE, related_name="panelists"
    )
    speaker = models.ForeignKey(
        Speaker, verbose_name=_("speaker"), on_delete=models.PROTECT, related_name="panelist_roles"
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=Role.choices,
        default=Role.PANELIST,
        help_text=_("The moderator is introduced first, before the panelists."),
    )

    class Meta(Appearance.Meta):
        # The moderator first, then the panelists by their order: every page reads them so. (Meta
        # cannot see Role, hence the plain "moderator" here and in the constraint.)
        ordering = (
            Case(When(role="moderator", then=Value(0)), default=Value(1)),
            "position",
            "pk",
        )
        verbose_name = _("panelist")
        verbose_name_plural = _("panelists")
        constraints = [
            models.UniqueConstraint(fields=("panel", "speaker"), name="unique_panelist"),
            models.UniqueConstraint(
                fields=("panel",),
                condition=Q(role="moderator"),
                name="one_moderator_per_panel",
                violation_error_message=ONE_MODERATOR_MESSAGE,
            ),
        ]

    def __str__(self):
        return f"{self.speaker} on {self.panel}"

    @property
    def event(self):
        return self.panel.event

    @property
    def part(self):
        return self.get_role_display()


class Remark(Appearance):
    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening remarks")
        WELCOMING = "welcoming", _("Welcoming remarks")
        REMARKS = "remarks", _("Remarks")
        CLOSING = "closing", _("Closing remarks")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="remarks"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REMARKS)
    speaker = models.ForeignKey(
        Speaker, verbose_name=_("speaker"), on_delete=models.PROTECT, related_name="remarks"
    )

    class Meta(Appearance.Meta):
        verbose_name = _("remark")
        verbose_name_plural = _("remarks")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.speaker}"

    def get_absolute_url(self):
        return f"{self.event.get_absolute_url()}#remarks"

    @property
    def part(self):
        return self.get_kind_display()

    @property
    def subject(self):
        return ""


class Photo(DescribedImage, DownloadCounted):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="photos"
    )
    image = VerifiedImageField(
        _("image"),
        upload_to=UploadTo("events/photos"),
        storage=get_protected_storage,
        width_field="width",
        height_field="height",
        help_text=_("A JPEG, PNG, GIF or WebP image. Visitors can download it in full size."),
    )
    width = models.PositiveIntegerField(_("width"), null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True, editable=False)
    caption = models.CharField(
        _("caption"),
        max_length=300,
        blank=True,
        help_text=_("Shown under the photo after “▲”, such as Panel discussion."),
    )
    credit = models.CharField(
        _("credit"),
        max_length=150,
        blank=True,
        help_text=_("Who took the photo, if they ask to be named."),
    )
    position = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Lower numbers come first in the gallery.")
    )

    class Meta:
        ordering = ("position", "pk")
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.caption or self.image.name.rsplit("/", 1)[-1]

    def get_absolute_url(self):
        return f"{self.event.get_absolute_url()}#photo-{self.pk}"

    @property
    def alt(self):
        if self.is_decorative:
            return ""
        return self.alt_text or self.caption

    @property
    def download_url(self):
        return reverse("events:photo-download", kwargs={"pk": self.pk})

    @property
    def download_name(self):
        """The name the full-size photo downloads under: the event's address and the order."""
        suffix = self.image.name.rsplit(".", 1)[-1].lower()
        return f"{self.event.slug}-photo-{self.position or self.pk}.{suffix}"

    def clean(self):
        # A caption already says what the photo shows; it stands in for missing alt text.
        if not self.alt_text.strip() and not self.is_decorative and self.caption.strip():
            self.alt_text = self.caption.strip()[:250]
        super().clean()


class EventAttachment(AttachmentBase):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="attachments"
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def get_absolute_url(self):
        return reverse("events:attachment-download", kwargs={"pk": self.pk})
