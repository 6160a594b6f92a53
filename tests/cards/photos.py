"""Fake phone photos of printed cards, for tests that upload a picture of a card."""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter


def rasterise(pdf_bytes: bytes, page: int = 0, dpi: int = 300) -> Image.Image:
    """Render one PDF page to an RGB image, as a printer at `dpi` would lay it down."""
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        return doc[page].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        doc.close()


def png_bytes(img: Image.Image) -> bytes:
    """Encode an image as PNG."""
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _table(size: tuple[int, int], seed: int) -> Image.Image:
    """A warm wood-ish desk with streaks and a light falloff, so the card is not on pure white."""
    rnd = random.Random(seed)
    w, h = size
    table = Image.new("RGB", size, (150, 108, 72))
    draw = ImageDraw.Draw(table)
    for _ in range(h // 6):
        y = rnd.randrange(h)
        shade = rnd.randint(-22, 22)
        draw.line([(0, y), (w, y + rnd.randint(-30, 30))],
                  fill=(150 + shade, 108 + shade, 72 + shade // 2), width=rnd.randint(1, 4))
    falloff = Image.radial_gradient("L").resize(size).point(lambda v: 255 - v // 3)
    return Image.composite(table, Image.new("RGB", size, (60, 42, 28)), falloff)


def card_photo(pdf_bytes: bytes, angle: float = 7, blur: float = 1.2, *, page: int = 0,
               quality: int = 80, seed: int = 7) -> bytes:
    """A JPEG 'phone photo' of the printed card page: on a desk, rotated, soft, compressed."""
    card = rasterise(pdf_bytes, page)
    # A real photo is taken from further away than the print resolution: shrink a little.
    card = card.resize((card.width * 3 // 4, card.height * 3 // 4), Image.Resampling.LANCZOS)
    tilted = card.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    mask = Image.new("L", card.size, 255).rotate(angle, resample=Image.Resampling.BICUBIC,
                                                 expand=True)
    pad = card.width // 5
    photo = _table((tilted.width + 2 * pad, tilted.height + 2 * pad), seed)
    # A soft shadow under the card, like a print lying on a table.
    shadow = Image.new("RGB", tilted.size, (35, 25, 18))
    photo.paste(shadow, (pad + 12, pad + 16), mask.filter(ImageFilter.GaussianBlur(10)))
    photo.paste(tilted, (pad, pad), mask)
    # Uneven room light: a gentle brightness gradient across the frame.
    light = Image.linear_gradient("L").resize(photo.size).point(lambda v: 200 + v * 55 // 255)
    photo = Image.composite(photo, Image.new("RGB", photo.size, (0, 0, 0)), light)
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=quality)
    return out.getvalue()
