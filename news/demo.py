"""
The news board's demo content: the source page's post with its figures, and thirty more posts,
plus a Korean board: a Korean version of the source post and a few Korean posts, some of them
translations of English ones (linked through `translation_of`).

Facts (titles, names, figures) come from the source page; every paragraph here is our own.
Loading twice changes nothing: rows are looked up by slug, files by their stored name.
"""

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.utils import timezone

from colloquium.attachments import guess_content_type
from colloquium.demo import draw_picture, jpeg_bytes, pdf_bytes, save_media
from colloquium.publishing import Status
from news.models import Attachment, Category, Post

SEOUL = ZoneInfo("Asia/Seoul")

SOURCE_TITLE = (
    "The 5th NIS Policy Colloquium: Strategies and Challenges to Overcome the Crisis of "
    "Regional Disparity and Innovative Growth"
)
SOURCE_SLUG = "5th-nis-policy-colloquium"
SOURCE_ATTACHMENT = "20190829172839.jpg"
SOURCE_ATTACHMENT_SIZE = 440_945

CAPTIONS = (
    "Jang-Jae Lee (Director, Research Institute of S&T Innovation and Strategy, KISTEP)",
    "Jae-Hong Jang (Director, Industrial Location Research Institute, Korea Industrial Complex "
    "Corporation(KICOX))",
    "Ho Kim (Director, Strategic planning division, BISTEP)",
    "Panel discussion",
    "Photo from the 5th NIS Policy Colloquium",
)
PHOTO_LABELS = ("Jang-Jae Lee", "Jae-Hong Jang", "Ho Kim", "Panel discussion", "5th NIS Colloquium")


def _photo_figure(number, caption, label):
    name = save_media(
        f"demo/news/colloquium-5-photo-{number}.jpg",
        jpeg_bytes(draw_picture(label, size=(960, 640), seed=number)),
    )
    return (
        f'<figure class="image"><img src="/media/{name}" alt="{caption}" width="960" '
        f'height="640"><figcaption>{caption}</figcaption></figure>'
    )


def source_body():
    figures = [
        _photo_figure(n, caption, label)
        for n, (caption, label) in enumerate(zip(CAPTIONS, PHOTO_LABELS, strict=True), start=1)
    ]
    return f"""
<p>On Thursday 29 August 2019, KISTEP hosted the fifth edition of the National Innovation System
(NIS) Policy Colloquium together with BISTEP, the Busan Innovation Institute of Industry, Science
&amp; Technology Planning, and KOTIS, the Korea Technology Innovation Society. The session asked
how regions that are losing people and industry can still find a path to innovative growth, and
what national and local governments should change to get there.</p>
<h2>Three presentations</h2>
<p>Jang-Jae Lee, Director of KISTEP's Research Institute of S&amp;T Innovation and Strategy, opened
with the strategies and challenges of innovative growth in regions. He proposed ten directions:</p>
<ol>
<li>keep and grow local talent;</li>
<li>build niche industries and jobs that fit each region;</li>
<li>decentralise decisions and give regions financial autonomy;</li>
<li>give every region its own science and technology think-tank;</li>
<li>diagnose the bottlenecks of regional innovation before funding it;</li>
<li>form innovation clusters around industry;</li>
<li>encourage regional entrepreneurship;</li>
<li>open innovation across borders and with neighbouring regions;</li>
<li>use regional public data to grow a data economy;</li>
<li>share governance between regional and local governments and their stakeholders.</li>
</ol>
{figures[0]}
<p>Jae-Hong Jang, Director of the Industrial Location Research Institute at the Korea Industrial
Complex Corporation (KICOX), followed with the conditions that must hold before regional growth
can take off, and the directions its progress should take.</p>
{figures[1]}
<p>Ho Kim, Director of BISTEP's Strategic planning division, described how Busan is trying to
link its science and technology base with local industry so that each strengthens the other, and
what other regions can learn from it.</p>
{figures[2]}
<h2>Panel discussion</h2>
<p>Pann-Ghill Suh, President of the Korea Brain Research Institute, moderated a panel of seven:
Seong jin Kim (KISTEP), Si-yeong Yang (Chonbuk National University), Hee-yeon Won (Pusan National
University), Suk-hee Lee (Province of Gyeongsangbuk-do), Jin-gyu Lee (formerly of the Ministry of
Science and ICT), Byung-Hwan Hyun (Korea Technology Innovation Society) and Hye-Ran Hwang (Daejeon
Sejong Research Institute). President Sang-seon Kim also gave remarks.</p>
{figures[3]}
{figures[4]}
"""


POSTS = (
    # (title, category slug, writer, date, pinned, attachments as (name, kind, size or None))
    ("Website maintenance on Saturday night", "notice", "Web Team", "2026-11-20", True, ()),
    ("How to request data from the R&D survey", "notice", "Min-ji Park", "2026-10-02", True,
     (("Data request form.pdf", "pdf", None),)),
    ("KISTEP signs research partnership with a European innovation agency", "news", "Yeory Lim",
     "2026-09-14", False, ()),
    ("Call for papers: STI Policy Review, winter issue", "notice", "Editorial Office", "2026-08-21",
     False, (("Call for papers.pdf", "pdf", None), ("붙임1_행사안내.pdf", "pdf", None))),
    ("Results of the 2026 national R&D budget review", "news", "Ji-hoon Choi", "2026-07-03", False,
     (("Budget review summary.pdf", "pdf", None), ("Key figures.png", "png", None))),
    ("The 12th NIS Policy Colloquium on science diplomacy", "news", "Yeory Lim", "2026-05-28",
     False, (("20260528101500.jpg", "jpg", None),)),
    ("Visit from the OECD Committee for Scientific and Technological Policy", "news", "Hana Kang",
     "2026-03-19", False, ()),
    ("KISTEP opens its technology foresight data to the public", "news", "Ji-hoon Choi",
     "2025-12-11", False, ()),
    ("Seminar: measuring the impact of public R&D", "news", "Min-ji Park", "2025-11-06", False,
     (("Seminar programme.pdf", "pdf", None),)),
    ("Annual report 2024 published", "news", "Editorial Office", "2025-06-30", False,
     (("Annual report 2024.pdf", "pdf", None),)),
    ("Workshop with regional S&T planning institutes", "news", "Seong jin Kim", "2025-04-17",
     False, ()),
    ("Holiday closure notice", "notice", "General Affairs", "2025-01-24", False, ()),
    ("Korea–Germany forum on the future of research funding", "news", "Hana Kang", "2024-10-08",
     False, (("Forum photo.jpg", "jpg", None),)),
    ("The 10th NIS Policy Colloquium on carbon neutrality", "news", "Yeory Lim", "2024-06-12",
     False, ()),
    ("New president of KISTEP takes office", "news", "Editorial Office", "2024-02-01", False, ()),
    ("Technology level evaluation 2023: main findings", "news", "Ji-hoon Choi", "2023-11-22", False,
     (("Evaluation findings.pdf", "pdf", None),)),
    ("Recruitment of research staff (policy analysis)", "notice", "Human Resources", "2023-09-05",
     False, (("Application form.pdf", "pdf", None),)),
    ("International symposium on mission-oriented innovation", "news", "Hana Kang", "2023-05-16",
     False, ()),
    ("The 8th NIS Policy Colloquium on the digital transition", "news", "Yeory Lim", "2022-08-25",
     False, ()),
    ("KISTEP joins the global network of foresight institutes", "news", "Min-ji Park",
     "2022-03-10", False, ()),
    ("Online seminar series on evidence-based policy", "news", "Seong jin Kim", "2021-10-14", False,
     ()),
    ("The 7th NIS Policy Colloquium on post-pandemic innovation", "news", "Yeory Lim", "2021-06-24",
     False, ()),
    ("Guidelines for visitors during the pandemic", "notice", "General Affairs", "2020-03-02",
     False, ()),
    ("The 6th NIS Policy Colloquium on innovation in the age of AI", "news", "Yeory Lim",
     "2019-11-28", False, ()),
    ("KISTEP hosts delegation from Southeast Asian ministries", "news", "Hana Kang", "2019-10-15",
     False, ()),
    ("Preliminary feasibility studies: a year in review", "news", "Ji-hoon Choi", "2019-07-11",
     False, ()),
    ("Science and technology outlook seminar", "news", "Min-ji Park", "2019-05-09", False, ()),
    ("The 4th NIS Policy Colloquium on research ecosystems", "news", "Yeory Lim", "2019-04-25",
     False, ()),
    ("Launch of the English newsletter", "news", "Editorial Office", "2019-02-14", False, ()),
    ("KISTEP at the national science fair", "news", "Seong jin Kim", "2018-12-06", False, ()),
)  # fmt: skip

DRAFT_TITLE = "Draft: programme of the 13th NIS Policy Colloquium"
SCHEDULED_TITLE = "Scheduled: year-end message from the president"


def _body(title):
    return (
        f"<p>{title}. This is demo content written for the colloquium project: it shows how a "
        "post with a few paragraphs, a list and a link reads on the board.</p>"
        "<ul><li>Who: researchers and policy makers</li><li>Where: KISTEP, Seoul</li></ul>"
        '<p>More information is available on the <a href="https://www.kistep.re.kr/">'
        "institute's website</a>.</p>"
    )


def _attachment_bytes(name, kind, label):
    if kind == "pdf":
        return pdf_bytes(name, [label, "Demo document generated for the colloquium project."])
    image = draw_picture(label, size=(800, 533))
    if kind == "png":
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    return jpeg_bytes(image)


def _at(date, hour=10):
    year, month, day = map(int, date.split("-"))
    return dt.datetime(year, month, day, hour, 0, tzinfo=SEOUL)


def _attach(post, position, name, data, stored_name=None, downloads=0):
    if post.attachments.filter(original_name=name).exists():
        return
    attachment = Attachment(
        post=post, original_name=name, position=position, download_count=downloads
    )
    if stored_name:
        # The source page's file keeps its stored name, the upload time on its date.
        attachment.file.name = save_media(stored_name, data)
        attachment.size = len(data)
        attachment.content_type = guess_content_type(name)
    else:
        # An uncommitted file, as from the admin: save() captures its size and type.
        attachment.file = ContentFile(data, name=name)
    attachment.save()


def load(stdout=None):
    categories = {
        "news": Category.objects.get_or_create(
            slug="news-event", defaults={"name": "News & Event", "order": 1}
        )[0],
        "notice": Category.objects.get_or_create(
            slug="notice", defaults={"name": "Notice", "order": 2}
        )[0],
    }

    source, created = Post.objects.get_or_create(
        slug=SOURCE_SLUG,
        defaults={
            "category": categories["news"],
            "title": SOURCE_TITLE,
            "writer": "Yeory Lim",
            "status": Status.PUBLISHED,
            "published_at": dt.datetime(2019, 8, 29, 17, 28, 39, tzinfo=SEOUL),
            "summary": (
                "KISTEP, BISTEP and KOTIS held the 5th NIS Policy Colloquium on regional "
                "disparity and innovative growth, with three presentations and a panel of seven."
            ),
            "body": source_body(),
        },
    )
    if created:
        Post.objects.filter(pk=source.pk).update(hit_count=922)
        photo = jpeg_bytes(
            draw_picture("5th NIS Policy Colloquium", size=(1600, 1067), seed=29),
            exact_size=SOURCE_ATTACHMENT_SIZE,
        )
        _attach(
            source, 0, SOURCE_ATTACHMENT, photo,
            stored_name=f"attachments/2019/08/29/{SOURCE_ATTACHMENT}", downloads=244,
        )  # fmt: skip

    for number, (title, category, writer, date, pinned, files) in enumerate(POSTS, start=1):
        post, created = Post.objects.get_or_create(
            title=title,
            defaults={
                "category": categories[category],
                "writer": writer,
                "status": Status.PUBLISHED,
                "published_at": _at(date),
                "is_pinned": pinned,
                "summary": f"{title}.",
                "body": _body(title),
            },
        )
        if created:
            Post.objects.filter(pk=post.pk).update(hit_count=(number * 37) % 400 + 12)
            for position, (name, kind, _size) in enumerate(files):
                _attach(post, position, name, _attachment_bytes(name, kind, title),
                        downloads=(number * 11 + position * 5) % 90)  # fmt: skip

    Post.objects.get_or_create(
        title=DRAFT_TITLE,
        defaults={
            "category": categories["news"],
            "writer": "Yeory Lim",
            "status": Status.DRAFT,
            "summary": "Not yet published.",
            "body": _body(DRAFT_TITLE),
        },
    )
    Post.objects.get_or_create(
        title=SCHEDULED_TITLE,
        defaults={
            "category": categories["notice"],
            "writer": "Editorial Office",
            "status": Status.PUBLISHED,
            "published_at": timezone.now() + dt.timedelta(days=30),
            "summary": "Visitors see this post from its publication date.",
            "body": _body(SCHEDULED_TITLE),
        },
    )
    load_korean(source, categories)
    if stdout:
        stdout.write(f"News: {Post.objects.published().count()} published posts.")
    return source


KOREAN_SOURCE_TITLE = "제5회 NIS 정책 콜로키움: 지역 격차 위기 극복과 혁신성장을 위한 전략과 과제"
KOREAN_CAPTIONS = (
    "Jang-Jae Lee (KISTEP 과학기술혁신전략연구소 소장)",
    "Jae-Hong Jang (한국산업단지공단(KICOX) 산업입지연구소 소장)",
    "Ho Kim (BISTEP 전략기획실 실장)",
    "패널 토론",
    "제5회 NIS 정책 콜로키움 현장",
)


def korean_source_body():
    figures = [
        _photo_figure(n, caption, label)
        for n, (caption, label) in enumerate(
            zip(KOREAN_CAPTIONS, PHOTO_LABELS, strict=True), start=1
        )
    ]
    return f"""
<p>2019년 8월 29일 목요일, 한국과학기술기획평가원(KISTEP)은 부산산업과학혁신원(BISTEP),
한국기술혁신학회(KOTIS)와 함께 제5회 국가혁신체계(NIS) 정책 콜로키움을 열었습니다. 사람과 산업이
빠져나가는 지역이 어떻게 다시 혁신성장의 길을 찾을 수 있는지, 그리고 중앙정부와 지방정부는 무엇을
바꿔야 하는지가 이날의 질문이었습니다.</p>
<h2>세 편의 발표</h2>
<p>첫 발표자인 KISTEP 과학기술혁신전략연구소의 Jang-Jae Lee 소장은 지역 격차를 넘어서기 위한 지역
혁신성장의 전략과 과제를 다루며 열 가지 방향을 내놓았습니다.</p>
<ol>
<li>지역 인재를 지키고 키운다.</li>
<li>지역에 맞는 특화 산업과 일자리를 만든다.</li>
<li>결정 권한을 나누고 지역의 재정 자율성을 높인다.</li>
<li>지역마다 과학기술 싱크탱크를 둔다.</li>
<li>투자에 앞서 지역 혁신의 병목을 진단한다.</li>
<li>산업을 중심으로 혁신 클러스터를 만든다.</li>
<li>지역 창업을 북돋운다.</li>
<li>경계를 넘어 이웃 지역과 함께 개방형 혁신을 한다.</li>
<li>지역 공공데이터로 데이터 경제를 키운다.</li>
<li>광역·기초 지방정부와 이해관계자가 거버넌스를 함께 맡는다.</li>
</ol>
{figures[0]}
<p>한국산업단지공단(KICOX) 산업입지연구소의 Jae-Hong Jang 소장은 지역의 혁신성장이 시작되려면 먼저
갖춰야 할 조건과, 그 뒤에 나아가야 할 방향을 차례로 짚었습니다.</p>
{figures[1]}
<p>BISTEP 전략기획실의 Ho Kim 실장은 부산이 과학기술과 지역 산업을 서로 이어 선순환을 만들어 가는
과정을 소개하고, 다른 지역이 참고할 만한 점을 정리했습니다.</p>
{figures[2]}
<h2>패널 토론</h2>
<p>한국뇌연구원 Pann-Ghill Suh 원장이 좌장을 맡은 토론에는 Seong jin Kim(KISTEP), Si-yeong
Yang(전북대학교), Hee-yeon Won(부산대학교), Suk-hee Lee(경상북도),
Jin-gyu Lee(전 과학기술정보통신부), Byung-Hwan Hyun(한국기술혁신학회),
Hye-Ran Hwang(대전세종연구원) 일곱 명이 참여했습니다.
Sang-seon Kim 원장도 인사말을 전했습니다.</p>
{figures[3]}
{figures[4]}
"""


KOREAN_POSTS = (
    # (title, category slug, writer, date, pinned, title of the English original or None)
    ("토요일 야간 홈페이지 점검 안내", "notice", "웹팀", "2026-11-20", True,
     "Website maintenance on Saturday night"),
    ("연구개발 조사 데이터 신청 방법", "notice", "Min-ji Park", "2026-10-02", True,
     "How to request data from the R&D survey"),
    ("2026년 국가연구개발 예산 검토 결과", "news", "Ji-hoon Choi", "2026-07-03", False,
     "Results of the 2026 national R&D budget review"),
    ("과학외교를 주제로 한 제12회 NIS 정책 콜로키움", "news", "Yeory Lim", "2026-05-28", False,
     "The 12th NIS Policy Colloquium on science diplomacy"),
    ("지역 과학기술 혁신 세미나 개최", "news", "Seong jin Kim", "2026-04-09", False, None),
    ("공공 연구개발 성과 측정 워크숍", "news", "Hana Kang", "2025-09-18", False, None),
)  # fmt: skip


def _korean_body(title):
    return (
        f"<p>{title}. 이 글은 콜로키움 프로젝트를 위해 쓴 데모 콘텐츠로, 문단과 목록, 링크가 있는 "
        "게시물이 게시판에서 어떻게 보이는지 보여 줍니다.</p>"
        "<ul><li>대상: 연구자와 정책 담당자</li><li>장소: KISTEP, 서울</li></ul>"
        '<p>자세한 내용은 <a href="https://www.kistep.re.kr/">기관 홈페이지</a>에서 볼 수 '
        "있습니다.</p>"
    )


def load_korean(source, categories):
    korean_source, created = Post.objects.get_or_create(
        title=KOREAN_SOURCE_TITLE,
        defaults={
            "category": categories["news"],
            "language": "ko",
            "translation_of": source,
            "writer": "Yeory Lim",
            "status": Status.PUBLISHED,
            "published_at": source.published_at,
            "summary": (
                "KISTEP, BISTEP, KOTIS가 지역 격차와 혁신성장을 주제로 제5회 NIS 정책 콜로키움을 "
                "함께 열었습니다. 세 편의 발표와 일곱 명이 참여한 패널 토론이 이어졌습니다."
            ),
            "body": korean_source_body(),
        },
    )
    if created:
        Post.objects.filter(pk=korean_source.pk).update(hit_count=1204)
        # The same photograph as the English post: one stored file, its own download counter.
        photo = source.attachments.filter(original_name=SOURCE_ATTACHMENT).first()
        if photo is not None:
            Attachment.objects.create(
                post=korean_source,
                file=photo.file.name,
                original_name=photo.original_name,
                size=photo.size,
                content_type=photo.content_type,
            )

    for number, (title, category, writer, date, pinned, original) in enumerate(
        KOREAN_POSTS, start=1
    ):
        post, created = Post.objects.get_or_create(
            title=title,
            defaults={
                "category": categories[category],
                "language": "ko",
                "translation_of": Post.objects.filter(title=original, language="en").first()
                if original
                else None,
                "writer": writer,
                "status": Status.PUBLISHED,
                "published_at": _at(date, hour=11),
                "is_pinned": pinned,
                "summary": f"{title}.",
                "body": _korean_body(title),
            },
        )
        if created:
            Post.objects.filter(pk=post.pk).update(hit_count=(number * 53) % 300 + 8)
