"""
What the demo loaders of both apps share: the source page's photo facts and generated files.

`SOURCE_PHOTOS` is the one table of the source page's five photos (the label drawn on each
placeholder picture, the English caption, the Korean caption); news/demo.py puts them in the
source posts' bodies and events/demo.py in the source event's gallery. Pictures are drawn with
Pillow and PDFs are small one-page documents, so the demo needs no network and no binary files in
the repository. `load_banners()` adds the banner zone's five logos. Like the whole of this shared
core, this module imports no app.
"""

import io
import random
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont


class SourcePhoto(NamedTuple):
    label: str  # drawn on the placeholder picture
    caption: str  # shown after "▲" on the source page
    korean_caption: str


SOURCE_PHOTOS = (
    SourcePhoto(
        "Jang-Jae Lee",
        "Jang-Jae Lee (Director, Research Institute of S&T Innovation and Strategy, KISTEP)",
        "Jang-Jae Lee (KISTEP 과학기술혁신전략연구소 소장)",
    ),
    SourcePhoto(
        "Jae-Hong Jang",
        "Jae-Hong Jang (Director, Industrial Location Research Institute, Korea Industrial "
        "Complex Corporation(KICOX))",
        "Jae-Hong Jang (한국산업단지공단(KICOX) 산업입지연구소 소장)",
    ),
    SourcePhoto(
        "Ho Kim",
        "Ho Kim (Director, Strategic planning division, BISTEP)",
        "Ho Kim (BISTEP 전략기획실 실장)",
    ),
    SourcePhoto("Panel discussion", "Panel discussion", "패널 토론"),
    SourcePhoto(
        "5th NIS Colloquium",
        "Photo from the 5th NIS Policy Colloquium",
        "제5회 NIS 정책 콜로키움 현장",
    ),
)

PALETTES = (
    ((11, 74, 139), (243, 245, 248)),
    ((23, 99, 84), (236, 246, 242)),
    ((122, 45, 95), (248, 238, 244)),
    ((160, 82, 20), (251, 243, 233)),
    ((52, 58, 64), (238, 240, 242)),
)


def draw_picture(label, size=(1200, 800), seed=0):
    """A picture that looks like a photo placeholder: a stage, an audience and a label."""
    rng = random.Random(f"{label}-{seed}")
    ink, paper = PALETTES[rng.randrange(len(PALETTES))]
    width, height = size
    image = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height * 0.55), fill=ink)
    draw.rectangle((width * 0.1, height * 0.12, width * 0.9, height * 0.42), fill=paper)
    for _ in range(28):
        x = rng.uniform(0, width)
        y = rng.uniform(height * 0.6, height)
        r = rng.uniform(height * 0.03, height * 0.06)
        shade = tuple(max(0, c - rng.randrange(40, 120)) for c in paper)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    font = ImageFont.load_default(size=max(18, height // 18))
    draw.text((width / 2, height * 0.27), label, fill=ink, font=font, anchor="mm")
    return image


def jpeg_bytes(image, *, exact_size=None, quality=88):
    """Encode as JPEG; with `exact_size`, pad with comment segments to exactly that many bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    data = buffer.getvalue()
    if exact_size is None:
        return data
    missing = exact_size - len(data)
    if missing < 0 or 0 < missing < 4:
        raise ValueError(f"Cannot pad {len(data)} bytes to exactly {exact_size}.")
    segments = []
    while missing:
        # A COM segment: 2 marker bytes, 2 length bytes, up to 65,533 bytes of comment.
        total = min(missing, 65537)
        if 0 < missing - total < 4:
            total -= 4  # leave room for one more whole segment
        segments.append(b"\xff\xfe" + (total - 2).to_bytes(2, "big") + b" " * (total - 4))
        missing -= total
    return data[:2] + b"".join(segments) + data[2:]


def pdf_bytes(title, lines=()):
    """A small, valid one-page PDF (drawn by Pillow) that a viewer opens."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.text((100, 120), title, fill="black", font=ImageFont.load_default(size=44))
    font = ImageFont.load_default(size=28)
    for number, line in enumerate(lines):
        draw.text((100, 240 + number * 48), line, fill="black", font=font)
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=150)
    return buffer.getvalue()


def save_media(name, data):
    """Store `data` at exactly `name` under MEDIA_ROOT, unless it is there already."""
    if not default_storage.exists(name):
        stored = default_storage.save(name, ContentFile(data))
        assert stored == name, stored
    return name


def draw_logo(acronym, ink, size=(240, 72)):
    """A stand-in logo for the banner zone: a coloured mark and the acronym."""
    width, height = size
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 12, 8 + height - 24, height - 12), radius=8, fill=ink)
    draw.text(
        (height + 4, height / 2),
        acronym,
        fill=ink,
        font=ImageFont.load_default(size=30),
        anchor="lm",
    )
    return image


BANNERS = (
    # (acronym, alt text, link, colour)
    ("KISTEP", "Korea Institute of S&T Evaluation and Planning (KISTEP)",
     "https://www.kistep.re.kr/", (11, 74, 139)),
    ("BISTEP", "Busan Innovation Institute of Industry, Science & Technology Planning (BISTEP)",
     "https://www.bistep.re.kr/", (23, 99, 84)),
    ("KOTIS", "Korea Technology Innovation Society (KOTIS)",
     "https://www.kotis.or.kr/", (122, 45, 95)),
    ("MSIT", "Ministry of Science and ICT (MSIT)",
     "https://www.msit.go.kr/eng/", (20, 60, 120)),
    ("NST", "National Research Council of Science & Technology (NST)",
     "https://www.nst.re.kr/", (160, 82, 20)),
)  # fmt: skip


def load_banners(stdout=None):
    """The banner zone's related institutions, with generated logos. Idempotent (by name)."""
    from colloquium.models import Banner

    for order, (acronym, alt_text, url, ink) in enumerate(BANNERS, start=1):
        if Banner.objects.filter(name=acronym).exists():
            continue
        logo = draw_logo(acronym, ink)
        buffer = io.BytesIO()
        logo.save(buffer, format="PNG", optimize=True)
        name = save_media(f"demo/banners/{acronym.lower()}.png", buffer.getvalue())
        Banner.objects.create(
            name=acronym,
            image=name,
            width=logo.width,
            height=logo.height,
            alt_text=alt_text,
            url=url,
            order=order * 10,
        )
    if stdout is not None:
        stdout.write(f"Banners: {Banner.objects.count()}")
