"""Every SMS text the helpline may send, as registered under India's DLT rules (sms_templates.json, one data file).

A DLT-registered text is a template: fixed words, and variables marked {#var#} that carry the case reference, a
code, a number of minutes. The carrier's scrubber drops any SMS whose words are not a registered template's; so
the texts are written here once, rendered from here (`render`), and a text about to leave is matched back to its
template (`match`) to find the DLT template id it travels with. A text that matches none is not sent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app

TEMPLATES_FILE = Path(__file__).with_name("sms_templates.json")
VARIABLE = "{#var#}"  # as DLT marks a variable
LANGUAGES = ("hi", "en", "pa", "ur")  # Delhi's four, each required of every template (hinglish is optional)
FALLBACK = "en"
ROMANISED = ("hinglish", "hl")  # Hindi in Latin letters, as the case and the grievance keep it


class UnknownTemplate(LookupError):
    """No registered text by that name (a programming error, not a citizen's)."""


@dataclass(frozen=True)
class SmsTemplate:
    """One registered text in one language."""

    name: str
    language: str
    text: str  # with VARIABLE where each variable goes, in the order of `variables`
    dlt_template_id: str
    category: str  # DLT's: transactional, service_implicit, service_explicit, promotional
    parts: int  # SMS parts at the longest filling
    routine: bool
    variables: tuple[tuple[str, int], ...]  # (name, most characters)

    def render(self, **values) -> str:
        """The text with each variable filled in from `values` (by name), each cut to the most it was registered
        with (a longer name or place would make the carrier drop the whole text)."""
        pieces = self.text.split(VARIABLE)
        out = [pieces[0]]
        for (name, most), piece in zip(self.variables, pieces[1:]):
            value = str(values[name])[:most]
            if not value:
                raise ValueError(f"{self.name}: the variable {name!r} is empty (a DLT variable carries something)")
            out.append(value)
            out.append(piece)
        return "".join(out)

    @property
    def pattern(self) -> re.Pattern:
        """The regular expression a DLT scrubber checks a text against: the words exactly, each variable bounded."""
        return _pattern(self.text, tuple(most for _, most in self.variables))

    def matches(self, text: str) -> bool:
        """Whether `text` is this template filled in (what the carrier's scrubber asks)."""
        return self.pattern.fullmatch(text) is not None


@cache
def _pattern(text: str, longest: tuple[int, ...]) -> re.Pattern:
    pieces = text.split(VARIABLE)
    source = re.escape(pieces[0])
    for most, piece in zip(longest, pieces[1:]):
        source += f"(.{{1,{most}}}?)" + re.escape(piece)
    return re.compile(source, re.DOTALL)


@cache
def _document() -> dict:
    return json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))


@cache
def all_templates() -> tuple[SmsTemplate, ...]:
    """Every registered text in every language."""
    found = []
    for item in _document()["templates"]:
        variables = tuple((v["name"], int(v["max"])) for v in item["variables"])
        for language, content in item["languages"].items():
            found.append(SmsTemplate(item["name"], language, content["text"], str(content["dlt_template_id"]),
                                     item["category"], int(content["parts"]), bool(item.get("routine")), variables))
    return tuple(found)


def find(name: str, language: str) -> SmsTemplate:
    """The template `name` in `language` (English when that language has none)."""
    by_language = _by_name().get(name)
    if not by_language:
        raise UnknownTemplate(name)
    return by_language.get(language) or by_language[FALLBACK]


@cache
def _by_name() -> dict[str, dict[str, SmsTemplate]]:
    """The templates by name, then language (read once: every text the helpline sends looks its template up)."""
    found: dict[str, dict[str, SmsTemplate]] = {}
    for template in all_templates():
        found.setdefault(template.name, {})[template.language] = template
    return found


def script_for(language: str | None) -> str:
    """The language a text is written in for a stored one: one of the four, 'hinglish' for romanised Hindi,
    else Hindi (the helpline's default)."""
    if language in ROMANISED:
        return "hinglish"
    return language if language in LANGUAGES else "hi"


def helpline() -> str:
    """The helpline's number as a text gives it (HELPLINE_DISPLAY_NUMBER)."""
    return current_app.config["HELPLINE_DISPLAY_NUMBER"]


def portal_link(public_base_url: str | None = None) -> str:
    """The citizen portal's address as a text gives it: no scheme (phones link it anyway), so it fits a DLT variable."""
    base = (public_base_url or current_app.config["PUBLIC_BASE_URL"]).split("://", 1)[-1].rstrip("/")
    return f"{base}/portal"


def longest(name: str, variable: str) -> int:
    """The most characters the variable `variable` of the registered text `name` may carry."""
    return dict(find(name, FALLBACK).variables)[variable]


def render(name: str, language: str, /, **values) -> str:
    """The registered text `name` in `language`, filled in."""
    return find(name, language).render(**values)


def match(text: str) -> SmsTemplate | None:
    """The registered template `text` is a filling of, or None (it may not be sent as an SMS in India)."""
    for template in all_templates():
        if template.matches(text):
            return template
    return None
