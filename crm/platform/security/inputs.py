"""Text and JSON from outside, checked once for every request before any view (or sign-in, or signature) reads it.

PostgreSQL cannot keep a NUL in text: the driver refuses the query, so a NUL in any form, query or JSON value
that reached the database was a 500, and nobody types the other control characters either. Tab, newline and
carriage return are text. Every request's query string, form fields and JSON body are read here, and one
holding a control character is refused with a 400 naming where it was.

JSON is parsed recursively: a body nested 50,000 deep raised RecursionError inside the parser (a 500) before
any view could look at it. Its nesting is measured on the raw bytes first, without parsing, and a body
deeper than MAX_JSON_DEPTH is refused. Bodies that are not forms are measured whatever their content type,
because some readers (FHIR's) take JSON sent as text/plain too.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

MAX_JSON_DEPTH = 64  # a FHIR Bundle nests about 12 deep; a staff API body 3
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls and DEL, but tab, LF and CR
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# (path prefix, field): a caller's own words that an edge keeps whatever they hold. A citizen's SMS with a stray
# control character must still reach the helpline: refusing it would lose the text, fallback included. The edge
# that registers such a field checks its provider's signature and removes the control characters itself.
WORDS_KEPT: set[tuple[str, str]] = set()
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes


def init_app(app: Flask) -> None:
    """Check every request's text and JSON before anything else reads them."""
    app.before_request(refuse_unreadable_input)


def refuse_unreadable_input() -> None:
    """Refused (400) naming the problem when the request holds a control character or JSON nested too deep.

    Raised, not returned, so the area's own handler answers it (the portal's page, in the citizen's language)."""
    problem = input_problem()
    if problem is not None:
        from crm.platform.errors import Refused

        raise Refused("bad_request", problem, 400)


def keep_words(path_prefix: str, *fields: str) -> None:
    """Let these form fields of requests under `path_prefix` through with control characters (the edge cleans them)."""
    WORDS_KEPT.update((path_prefix, field) for field in fields)


def without_control(text: str) -> str:
    """`text` with each control character (tab, newline and CR are text) made a space."""
    return CONTROL.sub(" ", text)


def input_problem() -> str | None:
    """What is wrong with this request's query, form or JSON body, or None."""
    kept = {field for prefix, field in WORDS_KEPT if request.path.startswith(prefix)}
    for fields in (request.args, _form()):
        for name, value in fields.items(multi=True):
            if fields is not request.args and name in kept and not CONTROL.search(name):
                continue
            if CONTROL.search(name) or (isinstance(value, str) and CONTROL.search(value)):
                # Citizens meet this on the portal's forms: in their language.
                return _("The field %(name)s holds a control character (such as NUL); remove it and send again.",
                         name=_shown(name))
    raw = b"" if _is_form() else request.get_data(cache=True)
    if not raw.lstrip()[:1] in (b"{", b"["):
        return None
    if json_depth(raw) > MAX_JSON_DEPTH:
        return f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."
    body = request.get_json(silent=True) if request.is_json else _loads(raw)
    if _holds_control(body):
        return "The JSON body holds a control character (such as \\u0000) in a name or value; remove it and send again."
    return None


def json_depth(raw: bytes) -> int:
    """How deep the brackets of `raw` nest, strings left out; measured without parsing (linear, no recursion)."""
    steps = _JSON_STRING.sub(b"", raw).translate(_BRACKET_STEP, _NOT_A_BRACKET)
    return max(accumulate(memoryview(steps).cast("b")), default=0)


def _is_form() -> bool:
    return request.mimetype in FORM_TYPES


def _form():
    return request.form if _is_form() else MultiDict()


def _loads(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return None  # not JSON after all: the view that reads the body answers that


def _holds_control(value) -> bool:
    """Whether a parsed JSON value holds a control character in any string (depth is bounded before this runs)."""
    if isinstance(value, str):
        return CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_control(key) or _holds_control(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_control(item) for item in value)
    return False


def _shown(name: str) -> str:
    return repr(CONTROL.sub("?", name)[:40])
