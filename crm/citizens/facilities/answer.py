"""The text that answers "where is the nearest clinic" by SMS or WhatsApp, in the script the citizen wrote in.

An SMS answer is a registered SMS template (crm/platform/sms_templates.json: `facilities_ask`, `_unknown`, `_none`,
`facilities_near_1` to `_3`), so it passes India's DLT scrubber: each facility is four variables (name, km, hours,
phone), none longer than the 30 characters a scrubber allows. WhatsApp has no templates to match within the
24 hours after the citizen wrote: it lists five, in the same words (the template's), with the finder's link.
Facility names are the English ones for Punjabi and Urdu, as the finder page shows them (there is no Gurmukhi or
Urdu name on record, and a machine transliteration of a name is not what is written on the clinic's board).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from crm.citizens.facilities import finder, timings
from crm.citizens.facilities.question import Question
from crm.citizens.facilities.words import ANSWER, opening_day, phone_display
from crm.platform import sms_templates

# How many to list. WhatsApp has no parts to pay for; Hindi, Punjabi and Urdu are UCS-2 (67 characters a part), so an
# SMS lists two of them; English and romanised Hindi (GSM-7) list three in the same few parts.
WHATSAPP_RESULTS = 5
SMS_RESULTS = {"en": 3, "hinglish": 3}
SMS_RESULTS_UNICODE = 2
LONGEST = 30  # a DLT scrubber drops a text with a variable longer than this
_PREFIXES = ("Delhi Government ", "दिल्ली सरकार ")  # every Delhi dispensary's name starts so; the rest names it


def _word(key: str, script: str, **values) -> str:
    return ANSWER[key].get(script, ANSWER[key]["en"]).format(**values)


def _when(found: finder.Found, script: str) -> str:
    week = found.facility.timings or {}
    if timings.always_open(week):
        return _word("round_clock", script)
    if found.open_now:
        return _word("open", script, time=found.closes_at)
    if found.opens is None:
        return _word("never", script)
    return _word("closed", script, day=opening_day(found.opens, script), time=found.opens.time)


def short_name(name: str, most: int = LONGEST) -> str:
    """A facility's name within `most` characters: the common prefix dropped, then cut at a word with an ellipsis."""
    if len(name) <= most:
        return name
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
    if len(name) <= most:
        return name
    cut = name[:most - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _entry(item: finder.Found, script: str, short: bool) -> dict[str, str]:
    name = item.facility.name_hi if script == "hi" and item.facility.name_hi else item.facility.name
    return {"name": short_name(name) if short else name, "km": f"{item.km:g}", "when": _when(item, script),
            "phone": phone_display(item.facility.phone) or _word("no_phone", script)}


def _place_label(place, script: str) -> str:
    if place.kind == "pincode":
        return place.code
    return place.name_hi if script == "hi" else place.name


def _fill(text: str, values: list[str]) -> str:
    pieces = text.split(sms_templates.VARIABLE)
    return pieces[0] + "".join(value + piece for value, piece in zip(values, pieces[1:], strict=True))


def _whatsapp(script: str, label: str, entries: list[dict[str, str]], place) -> str:
    """Head and lines in the registered SMS's words (one facility's line repeated), then the finder's link."""
    head, line = sms_templates.find("facilities_near_1", script).text.split("\n")
    line = line.split(" ", 1)[1]  # without its number "1."
    lines = [_fill(head, [label])]
    lines += [f"{n}. " + _fill(line, [e["name"], e["km"], e["when"], e["phone"]]) for n, e in enumerate(entries, 1)]
    base = current_app.config["PUBLIC_BASE_URL"]
    lines.append(_word("more", script, url=f"{base}/facilities?q={place.code.replace(' ', '+')}"))
    return "\n".join(lines)


def text_for(question: Question, moment: datetime, channel: str = "sms") -> str:
    """The whole answer: ask for a place, say it is unknown, or list the nearest (open first)."""
    script = question.script if question.script in sms_templates.LANGUAGES or question.script == "hinglish" else "hi"
    if question.place_text is None:
        return sms_templates.render("facilities_ask", script)
    place = finder.place_for(question.place_text)
    if place is None:
        return sms_templates.render("facilities_unknown", script, place=question.place_text[:LONGEST])
    kinds = finder.KIND_CHOICES[question.kinds]
    whatsapp = channel == "whatsapp"
    count = WHATSAPP_RESULTS if whatsapp else SMS_RESULTS.get(script, SMS_RESULTS_UNICODE)
    found = finder.nearest(place, moment, count, kinds)
    label = _place_label(place, script)
    if not found:
        return sms_templates.render("facilities_none", script, place=label)
    entries = [_entry(item, script, short=not whatsapp) for item in found]
    if whatsapp:
        return _whatsapp(script, label, entries, place)
    values = {"place": label}
    for n, entry in enumerate(entries, 1):
        values |= {f"{key}{n}": value for key, value in entry.items()}
    return sms_templates.render(f"facilities_near_{len(entries)}", script, **values)
