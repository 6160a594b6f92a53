"""The DLT scrubber as Indian carriers run it: a text goes out only under the registered entity and header, as a
filling of the registered template whose id it carries; each variable ({#var#}) at most 30 characters."""

from __future__ import annotations

import re
from dataclasses import dataclass

VARIABLE = "{#var#}"
VARIABLE_LONGEST = 30


@dataclass(frozen=True)
class Verdict:
    """Exotel's detailed status of a scrubbed text (None code: it passes)."""

    code: int | None
    detailed_status: str


PASSED = Verdict(None, "")
ENTITY = Verdict(23081, "FAILED_DLT_ENTITY")
TEMPLATE = Verdict(23082, "FAILED_DLT_TEMPLATE")
SCRUBBING = Verdict(23080, "FAILED_DLT_SCRUBBING")
INVALID_NUMBER = Verdict(23010, "FAILED_INVALID_NUMBER")


def template_pattern(text: str) -> re.Pattern:
    """A registered template as a pattern: its words exactly, each {#var#} one to 30 characters."""
    pieces = [re.escape(piece) for piece in text.split(VARIABLE)]
    return re.compile(f"(.{{1,{VARIABLE_LONGEST}}}?)".join(pieces), re.DOTALL)


def scrub(entity_id: str, template_id: str, body: str, registered_entity: str, templates: dict[str, str]) -> Verdict:
    """What the scrubber says of one text."""
    if entity_id != registered_entity:
        return ENTITY
    text = templates.get(template_id)
    if text is None:
        return TEMPLATE
    if template_pattern(text).fullmatch(body) is None:
        return SCRUBBING
    return PASSED
