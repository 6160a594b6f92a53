"""Reading a card's QR code from an uploaded photo (server-side, with zxing-cpp)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

import zxingcpp
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from crm.residents.cards.token import PREFIX

_WORK_SIDE = 2000  # phone photos are 12+ MP; a QR filling part of the frame needs far less


class ScanError(ValueError):
    """A photo we could not read a QR code from, with a code and a message for the desk."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            img.load()
    except (UnidentifiedImageError, Image.DecompressionBombWarning,
            Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        # SyntaxError is what Pillow raises for some corrupt PNG/GIF headers.
        raise ScanError("not_an_image", "That file is not a picture we can read.") from None
    # Phones store "rotate me" in EXIF instead of rotating the pixels.
    return ImageOps.exif_transpose(img).convert("L")


def _variants(gray: Image.Image) -> Iterator[tuple[Image.Image, zxingcpp.Binarizer]]:
    """Cheap first, then the fixes that help with blurred, dim or small prints."""
    yield gray, zxingcpp.Binarizer.LocalAverage
    contrasted = ImageOps.autocontrast(gray, cutoff=2)
    yield contrasted, zxingcpp.Binarizer.GlobalHistogram
    yield contrasted.filter(ImageFilter.UnsharpMask(radius=3, percent=180, threshold=2)), \
        zxingcpp.Binarizer.LocalAverage
    if max(gray.size) < _WORK_SIDE:
        big = contrasted.resize((gray.width * 2, gray.height * 2), Image.Resampling.LANCZOS)
        yield big, zxingcpp.Binarizer.LocalAverage
        yield big.filter(ImageFilter.UnsharpMask(radius=4, percent=200, threshold=2)), \
            zxingcpp.Binarizer.GlobalHistogram


def decode_image(data: bytes) -> str:
    """Return the text of the QR code in a photo (JPEG/PNG/WebP), preferring a card token."""
    gray = _open(data)
    if max(gray.size) > _WORK_SIDE:
        gray.thumbnail((_WORK_SIDE, _WORK_SIDE), Image.Resampling.LANCZOS)
    for img, binarizer in _variants(gray):
        texts = [b.text for b in zxingcpp.read_barcodes(
            img, formats=zxingcpp.BarcodeFormat.QRCode, binarizer=binarizer) if b.text]
        if texts:
            # A photo may also catch a poster's or a payment QR; ours is the one to act on.
            ours = [t for t in texts if t.upper().startswith(PREFIX)]
            return (ours or texts)[0]
    raise ScanError(
        "no_qr", "No QR code found in the photo. Hold the card flat, fill the frame, avoid glare."
    )
