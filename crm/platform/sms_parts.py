"""How many SMS parts a text costs: GSM-7 when every character fits, otherwise UCS-2.

Any Devanagari character makes a whole SMS UCS-2 (70 characters, 67 per part when split).
"""

from __future__ import annotations

# GSM 03.38 basic character set (plus the extension table, which costs two septets each).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


def is_gsm(text: str) -> bool:
    """Whether `text` fits the GSM-7 alphabet (else the whole SMS is UCS-2)."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text)


def segments(text: str) -> int:
    """How many SMS parts `text` takes."""
    units, single, split = measure(text)
    return 1 if units <= single else -(-units // split)


def measure(text: str) -> tuple[int, int, int]:
    """(units, one part's capacity, a split part's capacity): GSM-7 septets (160, 153) or UCS-2 units (70, 67)."""
    if is_gsm(text):
        return sum(2 if ch in GSM_EXTENDED else 1 for ch in text), 160, 153
    return len(text.encode("utf-16-le")) // 2, 70, 67
