"""
Generated demo files: images drawn with Pillow and small PDFs, so that the demo content needs no
network and no binary files in the repository.
"""

import io
import random

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

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
