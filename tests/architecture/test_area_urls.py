"""A newcomer finds a URL's handler from its area's module: every URL crm serves is handled by a module that its
area's `area.py` names (crm/cases counts as the helpline's). The edges (telephony, the emulator) are not areas."""

from __future__ import annotations

import importlib

from flask import Flask


def unlisted(app: Flask) -> dict[str, list[str]]:
    """Handler module -> its URLs, for every crm handler its area's module does not name."""
    found: dict[str, list[str]] = {}
    for rule in app.url_map.iter_rules():
        module = getattr(app.view_functions[rule.endpoint], "__module__", "") or ""
        parts = module.split(".")
        if parts[0] != "crm" or len(parts) < 2:
            continue
        area = "helpline" if parts[1] == "cases" else parts[1]
        listing = importlib.import_module(f"crm.{area}.area").__doc__ or ""
        if module not in listing.split() and f"{module}," not in listing and f"{module})" not in listing:
            found.setdefault(module, []).append(rule.rule)
    return found


def test_every_url_is_listed_with_its_handler_in_its_areas_module(app):
    assert unlisted(app) == {}


def test_a_handler_its_area_does_not_name_is_caught(app):
    def hidden():
        return "nobody lists me"

    hidden.__module__ = "crm.helpline.nowhere"
    app.add_url_rule("/hidden-page", "hidden_page", hidden)
    assert unlisted(app) == {"crm.helpline.nowhere": ["/hidden-page"]}
