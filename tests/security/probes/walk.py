"""What the walking probes share: every route of the URL map, and a rule with its variables filled."""

from __future__ import annotations

import re
from collections.abc import Iterator

VARIABLE = re.compile(r"[<{](?:\w+:)?(\w+)[>}]")


def routes(app) -> Iterator[tuple[str, str, object]]:
    """(rule, method, view) for every route of the URL map but static files."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method, app.view_functions[rule.endpoint]


def fill(rule: str, values: dict) -> str:
    """A URL rule (or an OpenAPI path) with each variable from `values` (1 for an id it does not name)."""
    return VARIABLE.sub(lambda match: str(values.get(match.group(1), 1)), rule)


def variables(rule: str) -> list[str]:
    """The names of a rule's variables."""
    return VARIABLE.findall(rule)
