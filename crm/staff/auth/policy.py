"""The staff password policy: long enough, not a known breached password, not the account's own name."""

from __future__ import annotations

import functools
import re
from difflib import SequenceMatcher
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_SEPARATORS = re.compile(r"[\s._\-@!#$%^&*+=~|/\\,;:'\"]+")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the 10,000 most common breached passwords (lower case)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def problem(password: str, username: str = "", name: str = "") -> str | None:
    """Why `password` is refused for this account, in words for the person choosing it; None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"A password needs at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"A password has at most {MAX_LENGTH} characters."
    lowered = password.lower()
    squeezed = _SEPARATORS.sub("", lowered)
    stem = squeezed.rstrip("0123456789")
    for own in _own_words(username, name):
        if own in squeezed or SequenceMatcher(None, own, stem or squeezed).ratio() >= 0.7:
            return "A password must not contain or resemble the username or name; choose another."
    common = common_passwords()
    unit = _repeated_unit(squeezed)
    if lowered in common or squeezed in common or (len(stem) >= 4 and stem in common) or len(unit) <= 3 or unit in common:
        return "That password is on the lists attackers try first; choose another (a few unrelated words work well)."
    return None


def _repeated_unit(text: str) -> str:
    """The shortest piece `text` repeats ("abcabc" -> "abc"); `text` itself if it repeats nothing."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _own_words(username: str, name: str) -> list[str]:
    words = {_SEPARATORS.sub("", username.lower())} | {w for w in _SEPARATORS.split(name.lower())}
    return sorted(w for w in words if len(w) >= 4)
