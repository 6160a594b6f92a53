"""The approved WhatsApp templates (templates.json, versioned with the code) and how one is filled in."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from crm.platform.errors import Refused

TEMPLATES_FILE = Path(__file__).with_name("templates.json")
PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
MAX_VARIABLE = 120


@dataclass(frozen=True)
class Template:
    """One approved template in one language: Twilio's ContentSid and the body it shows."""

    name: str
    language: str
    sid: str
    body: str
    variables: tuple[str, ...]  # what each {{n}} is, for the operator's form
    purpose: str

    def render(self, values: dict[str, str]) -> str:
        """The body with the variables filled in (what the citizen reads; kept on our record)."""
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.body)


@cache
def _document() -> dict:
    return json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))


def version() -> int:
    """The version of the templates file."""
    return int(_document()["version"])


@cache
def all_templates() -> tuple[Template, ...]:
    """Every template in every language."""
    found = []
    for item in _document()["templates"]:
        for language, content in item["languages"].items():
            found.append(Template(item["name"], language, content["sid"], content["body"], tuple(item["variables"]),
                                  item.get("purpose", "")))
    return tuple(found)


def find(name: str, language: str) -> Template:
    """The template `name` in `language`, or Refused (422)."""
    for template in all_templates():
        if template.name == name and template.language == language:
            return template
    raise Refused("unknown_template", f"There is no approved WhatsApp template {name!r} in {language!r}.", 422)


def fill(template: Template, values: list) -> dict[str, str]:
    """ContentVariables for `values` in order ({"1": ..., "2": ...}), checked: one per variable, short, plain text."""
    if not isinstance(values, list) or len(values) != len(template.variables):
        raise Refused("template_variables", f"Template {template.name} needs {len(template.variables)} value(s): "
                      + ", ".join(template.variables) + ".", 422)
    filled = {}
    for number, value in enumerate(values, start=1):
        text = " ".join(str(value or "").split())
        if not text or len(text) > MAX_VARIABLE:
            raise Refused("template_variables", f"Fill in {template.variables[number - 1]} "
                          f"(up to {MAX_VARIABLE} characters).", 422)
        filled[str(number)] = text
    return filled
