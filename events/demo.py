"""
The events demo content: the source page's colloquium and three more events, with Korean pages.

The 5th NIS Policy Colloquium as the source page reports it: three hosts (KISTEP, BISTEP, KOTIS),
three presentations, a moderated panel of seven, remarks by Sang-seon Kim, the five captioned
photos (captions from `colloquium.demo.SOURCE_PHOTOS`, shared with the news demo) and a programme
PDF. The source gives its date but not its hours or venue, so it is an all-day event without a
venue. Three more events give the list and the calendar feed an upcoming event (the 13th
colloquium), an all-day event and one over two days. The colloquium and the upcoming event get a
Korean page each (a translation, as news posts have), with Korean titles, the same people and,
for the colloquium, the same photo files captioned in Korean. That is 6 events, 10 photos and one
attached file. The page body is the template events/templates/events/demo/source_event.html;
every paragraph is our own.

This module knows nothing of the news board: the `loaddemo` command links the source posts to
these events. Loading twice changes nothing: an event is looked up by slug and only a missing
event is created, with everything it owns.
"""

import datetime as dt

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from colloquium.demo import SOURCE_PHOTOS, draw_picture, jpeg_bytes, pdf_bytes
from colloquium.publishing import Status
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
    event_timezone,
)

SOURCE_EVENT_SLUG = "5th-nis-policy-colloquium"

ORGANIZATIONS = (
    # acronym, name, website
    ("KISTEP", "Korea Institute of S&T Evaluation and Planning", "https://www.kistep.re.kr/"),
    ("BISTEP", "Busan Innovation Institute of Industry, Science & Technology Planning", ""),
    ("KOTIS", "Korea Technology Innovation Society", ""),
)

PRESENTATIONS = (
    # title, speaker, position, affiliation
    ("Strategies and challenges of innovative growth in regions to overcome regional disparity",
     "Jang-Jae Lee", "Director", "Research Institute of S&T Innovation and Strategy, KISTEP"),
    ("Preconditions and progress directions for innovative growth in regions",
     "Jae-Hong Jang", "Director",
     "Industrial Location Research Institute, Korea Industrial Complex Corporation (KICOX)"),
    ("Cases and implications of Busan to develop virtuous circle of science technology and local "
     "industries", "Ho Kim", "Director", "Strategic planning division, BISTEP"),
)  # fmt: skip

MODERATOR = ("Pann-Ghill Suh", "President", "Korea Brain Research Institute")

PANELISTS = (
    ("Seong jin Kim", "Head", "Regional S&T Innovation Policy Team, KISTEP"),
    ("Si-yeong Yang", "Professor", "Chonbuk National University"),
    ("Hee-yeon Won", "Professor", "Pusan National University"),
    (
        "Suk-hee Lee",
        "Advisor",
        "Division of Future Strategic Planning, Province of Gyeongsangbuk-do",
    ),
    ("Jin-gyu Lee", "Prior 1st vice-minister", "Ministry of Science and ICT"),
    ("Byung-Hwan Hyun", "President", "Korea Technology Innovation Society"),
    ("Hye-Ran Hwang", "Senior researcher", "Daejeon Sejong Research Institute"),
)

REMARKS_BY = ("Sang-seon Kim", "President")

FIRST_ABSTRACT = (
    "Ten directions for regions: keep and grow local talent; build niche industries and jobs "
    "that fit each region; decentralise decisions and give regions financial autonomy; give every "
    "region its own S&T think-tank; diagnose the bottlenecks of regional innovation; form "
    "innovation clusters around industry; encourage regional entrepreneurship; open innovation "
    "across borders and with neighbours; grow a data economy on regional public data; share "
    "governance between regional and local governments and their stakeholders."
)


def _speaker(name, job_title, affiliation=""):
    speaker = Speaker.objects.filter(name=name).first()
    if speaker is None:
        speaker = Speaker.objects.create(name=name, job_title=job_title, affiliation=affiliation)
    return speaker


def _at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=event_timezone())


def _photo(event, position, label, caption, seed):
    image = draw_picture(label, size=(1600, 1067), seed=seed)
    Photo.objects.create(
        event=event,
        image=ContentFile(jpeg_bytes(image), name=f"{event.slug}-{position}.jpg"),
        caption=caption,
        alt_text=caption,
        position=position,
    )


def load_source_event():
    """The 5th NIS Policy Colloquium, exactly as the source page reports it."""
    series, _ = Series.objects.get_or_create(
        slug="nis-policy-colloquium", defaults={"name": "NIS Policy Colloquium"}
    )
    event = Event.objects.filter(slug=SOURCE_EVENT_SLUG).first()
    if event is not None:
        return event
    day = dt.date(2019, 8, 29)
    event = Event.objects.create(
        slug=SOURCE_EVENT_SLUG,
        series=series,
        edition=5,
        title="The 5th NIS Policy Colloquium",
        theme=(
            "Strategies and Challenges to Overcome the Crisis of Regional Disparity and "
            "Innovative Growth"
        ),
        starts_at=_at(day, 0),
        ends_at=_at(day, 23, 59),
        is_all_day=True,
        summary=(
            "KISTEP, BISTEP and KOTIS held the 5th NIS Policy Colloquium on regional disparity "
            "and innovative growth, with three presentations and a panel of seven."
        ),
        body=render_to_string("events/demo/source_event.html"),
        status=Status.PUBLISHED,
        published_at=dt.datetime(2019, 8, 20, 10, 0, tzinfo=event_timezone()),
    )
    for position, (acronym, name, url) in enumerate(ORGANIZATIONS, start=1):
        organization, _ = Organization.objects.get_or_create(
            slug=acronym.lower(), defaults={"name": name, "acronym": acronym, "url": url}
        )
        EventHost.objects.create(
            event=event, organization=organization, role=EventHost.Role.HOST, position=position
        )
    for position, (title, name, job_title, affiliation) in enumerate(PRESENTATIONS, start=1):
        presentation = Presentation.objects.create(
            event=event,
            position=position,
            title=title,
            abstract=FIRST_ABSTRACT if position == 1 else "",
        )
        PresentationSpeaker.objects.create(
            presentation=presentation,
            speaker=_speaker(name, job_title, affiliation),
            position=1,
            job_title=job_title,
            affiliation=affiliation,
        )
    panel = Panel.objects.create(event=event, position=1, title="Panel discussion")
    # The moderator first (position 0), then the seven panelists.
    for position, (name, job_title, affiliation) in enumerate((MODERATOR, *PANELISTS)):
        Panelist.objects.create(
            panel=panel,
            speaker=_speaker(name, job_title, affiliation),
            role=Panelist.Role.PANELIST if position else Panelist.Role.MODERATOR,
            position=position,
            job_title=job_title,
            affiliation=affiliation,
        )
    Remark.objects.create(
        event=event, kind=Remark.Kind.REMARKS, speaker=_speaker(*REMARKS_BY), position=1
    )
    for position, photo in enumerate(SOURCE_PHOTOS, start=1):
        _photo(event, position, photo.label, photo.caption, seed=position)
    programme = EventAttachment(event=event, original_name="Programme.pdf", position=1)
    programme.file = ContentFile(
        pdf_bytes(
            "The 5th NIS Policy Colloquium",
            [f"{n}. {title}" for n, (title, *_) in enumerate(PRESENTATIONS, start=1)]
            + ["Panel discussion", "Demo document generated for the colloquium project."],
        ),
        name="Programme.pdf",
    )
    programme.save()
    Event.objects.filter(pk=event.pk).update(hit_count=318)
    return event


def _simple_event(slug, **fields):
    event = Event.objects.filter(slug=slug).first()
    if event is None:
        event = Event.objects.create(slug=slug, status=Status.PUBLISHED, **fields)
        return event, True
    return event, False


def load_more_events():
    series = Series.objects.get(slug="nis-policy-colloquium")
    kistep = Organization.objects.get(slug="kistep")
    today = timezone.localdate(timezone=event_timezone())

    upcoming, created = _simple_event(
        "13th-nis-policy-colloquium",
        series=series,
        edition=13,
        title="The 13th NIS Policy Colloquium",
        theme="Public research data as shared infrastructure",
        starts_at=_at(today + dt.timedelta(days=30), 14),
        ends_at=_at(today + dt.timedelta(days=30), 17, 30),
        venue="KISTEP Conference Hall",
        address="Eumseong, Chungcheongbuk-do",
        registration_url="https://www.kistep.re.kr/",
        summary="How research institutes can open their data without losing its quality.",
        body="<p>A demo event: two presentations and an open discussion.</p>",
    )
    if created:
        EventHost.objects.create(event=upcoming, organization=kistep, position=1)
        for position, (title, name) in enumerate(
            (
                ("What researchers need from public data", "Min-ji Park"),
                ("Keeping shared data trustworthy", "Ji-hoon Choi"),
            ),
            start=1,
        ):
            presentation = Presentation.objects.create(
                event=upcoming, position=position, title=title
            )
            PresentationSpeaker.objects.create(
                presentation=presentation,
                speaker=_speaker(name, "Researcher", "KISTEP"),
                position=1,
            )

    open_day, created = _simple_event(
        "kistep-open-day",
        title="KISTEP Open Day",
        theme="Meet the people who plan and evaluate national R&D",
        starts_at=_at(today + dt.timedelta(days=60), 0),
        ends_at=_at(today + dt.timedelta(days=60), 23, 59),
        is_all_day=True,
        venue="KISTEP",
        address="Eumseong, Chungcheongbuk-do",
        summary="A demo all-day event: tours, talks and an exhibition for the public.",
    )
    if created:
        EventHost.objects.create(event=open_day, organization=kistep, position=1)

    workshop, created = _simple_event(
        "regional-st-planning-workshop",
        title="Regional S&T Planning Workshop",
        theme="Two days with the regional science and technology planning institutes",
        starts_at=_at(today - dt.timedelta(days=41), 9, 30),
        ends_at=_at(today - dt.timedelta(days=40), 17),
        venue="BISTEP",
        address="Busan",
        summary="A demo two-day workshop on planning regional R&D programmes together.",
    )
    if created:
        for position, slug in enumerate(("kistep", "bistep"), start=1):
            EventHost.objects.create(
                event=workshop,
                organization=Organization.objects.get(slug=slug),
                role=EventHost.Role.HOST if position == 1 else EventHost.Role.CO_HOST,
                position=position,
            )
        Remark.objects.create(
            event=workshop,
            kind=Remark.Kind.OPENING,
            speaker=_speaker("Hana Kang", "Researcher", "KISTEP"),
            position=1,
        )
    return [upcoming, open_day, workshop]


KOREAN_TITLES = {
    # English slug: (title, theme, presentation titles, panel title)
    SOURCE_EVENT_SLUG: (
        "제5회 NIS 정책 콜로키움",
        "지역 격차 위기 극복과 혁신성장을 위한 전략과 과제",
        (
            "지역 격차 극복을 위한 지역 혁신성장의 전략과 과제",
            "지역 혁신성장을 위한 전제 조건과 발전 방향",
            "과학기술과 지역 산업의 선순환 발전을 위한 부산의 사례와 시사점",
        ),
        "패널 토론",
    ),
    "13th-nis-policy-colloquium": (
        "제13회 NIS 정책 콜로키움",
        "공유 인프라로서의 공공 연구데이터",
        ("연구자가 공공데이터에 바라는 것", "공유 데이터의 신뢰를 지키는 방법"),
        "",
    ),
}

# A translation is the same event in other words: it shares these with its original.
SHARED_WITH_TRANSLATIONS = (
    "series",
    "edition",
    "starts_at",
    "ends_at",
    "is_all_day",
    "venue",
    "address",
    "registration_url",
    "status",
    "published_at",
)


def load_korean_version(original):
    """The Korean page of an event: the same programme and people, with Korean titles."""
    title, theme, talk_titles, panel_title = KOREAN_TITLES[original.slug]
    slug = f"{original.slug}-ko"
    if Event.objects.filter(slug=slug).exists():
        return
    korean = Event.objects.create(
        slug=slug,
        language="ko",
        translation_of=original,
        title=title,
        theme=theme,
        **{field: getattr(original, field) for field in SHARED_WITH_TRANSLATIONS},
    )
    for host in original.hosts.all():
        _copy(host, event=korean)
    for presentation, talk_title in zip(original.presentations.all(), talk_titles, strict=True):
        roles = list(presentation.speaker_roles.all())
        translated = _copy(presentation, event=korean, title=talk_title)
        for role in roles:
            _copy(role, presentation=translated)
    for panel in original.panels.all():
        panelists = list(panel.panelists.all())  # the moderator among them
        translated = _copy(panel, event=korean, title=panel_title)
        for panelist in panelists:
            _copy(panelist, panel=translated)
    for remark in original.remarks.all():
        _copy(remark, event=korean)
    korean_captions = {photo.caption: photo.korean_caption for photo in SOURCE_PHOTOS}
    for photo in original.photos.all():
        # The same stored files (and their smaller copies), captioned in Korean.
        caption = korean_captions.get(photo.caption, photo.caption)
        _copy(photo, event=korean, caption=caption, alt_text=caption, download_count=0)


def _copy(row, **changes):
    """Save a new row like `row` with `changes`, the way Django's docs copy an instance."""
    row.pk = None
    row._state.adding = True
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    return row


def load(stdout=None):
    """Load every demo event and the Korean pages; returns the English source event."""
    event = load_source_event()
    upcoming, *_ = load_more_events()
    for original in (event, upcoming):
        load_korean_version(original)
    if stdout:
        stdout.write(f"Events: {Event.objects.published().count()} published events.")
    return event
