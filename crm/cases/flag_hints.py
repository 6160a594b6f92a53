"""Red flags suggested from what staff type: the operator's reason for contact, the doctor's note.

The same `triage.classify` that reads an SMS or an IVR transcript reads the typed words, and the
checklist items whose rules fired are offered for ticking. The operator decides: a suggestion is
only a suggestion until accepted, and an accepted one is written on the case timeline with the
layer that fired (rule, floor or model), the words behind it and the rules version.
"""

from __future__ import annotations

from crm.cases import assessment, timeline
from crm.models import Case, StaffUser
from crm.platform.errors import Refused
from triage import RULES_VERSION, checklist, classify

MAX_TEXT = 600  # a reason is at most 300 characters, a doctor's SMS 600: suggestions read no more than that
ACCEPTED = "red_flags_suggested"
_FLAGS = {item["id"]: item for item in checklist("en")}
_FLAGS_HI = {item["id"]: item for item in checklist("hi")}
_OPINIONS = {
    "model": "reads this as {priority}, higher than the rules do: ask the red-flag questions.",
    "floor": "a symptom no rule recognised: ask what it is and how bad.",
    "context": "an emergency word told of the past, a plan or a request: lowered from P1 to {priority}. Ask whether "
               "anything is happening now; if it is, press 9 (emergency).",
    "script": "written in a script no rule reads: find a colleague who reads it, or call back with an interpreter.",
}


def bounded_text(text) -> str:
    """The typed text, refused when it is not text or longer than MAX_TEXT (the page never sends more)."""
    if not isinstance(text, str):
        raise Refused("bad_request", "text must be a string.", 400)
    if len(text) > MAX_TEXT:
        raise Refused("text_too_long", f"At most {MAX_TEXT} characters are read for suggestions.", 422)
    return text


def suggest(text: str) -> dict:
    """What triage reads in `text`: priority, the layer that set it, and the checklist flags to offer."""
    result = classify(bounded_text(text))
    flags = []
    for match in result.matched:
        item = _FLAGS.get(match.rule_id)
        if match.layer == "rule" and item and all(f["id"] != item["id"] for f in flags):
            flags.append({"id": item["id"], "label": item["label"], "label_hi": _FLAGS_HI[item["id"]]["label"],
                          "priority": item["priority"], "specialty": item["specialty"], "words": list(match.words),
                          "layer": "rule"})
    opinion = None
    if result.layer in _OPINIONS:
        opinion = {"layer": result.layer, "priority": result.priority,
                   "text": _OPINIONS[result.layer].format(priority=result.priority)}
    return {"priority": result.priority, "layer": result.layer, "rules_priority": result.rules_priority or result.priority,
            "rules_version": result.rules_version, "flags": flags, "opinion": opinion}


def accept(case: Case, staff: StaffUser, text: str, flag_ids: list[str]) -> list[str]:
    """Record on the timeline that the operator took triage's suggested flags for `text`; returns the ids.

    The suggestions are read again from the text here: only flags triage really suggests can be
    recorded as accepted (ticking a flag by hand is the assessment's business, not this).
    """
    assessment.ensure_editable(case, staff)
    if not isinstance(flag_ids, list) or not flag_ids or len(flag_ids) > len(_FLAGS) or not all(
        isinstance(f, str) for f in flag_ids
    ):
        raise Refused("bad_request", "red_flags must be a non-empty list of checklist ids.", 400)
    offered = {f["id"]: f for f in suggest(text)["flags"]}
    if missing := [f for f in flag_ids if f not in offered]:
        raise Refused("not_suggested", f"Triage does not suggest {missing[0]!r} for this text.", 422)
    ids = list(dict.fromkeys(flag_ids))
    timeline.add_event(case, ACCEPTED, staff_id=staff.id, red_flags=ids, layer="rule",
                       words={i: offered[i]["words"] for i in ids}, rules_version=RULES_VERSION)
    return ids
