"""The text that answers "where is the nearest clinic" by SMS or WhatsApp."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from crm.citizens.facilities import finder, timings
from crm.citizens.facilities.question import Question
from crm.citizens.facilities.timings import DAY_HI
from crm.citizens.facilities.words import ANSWER, DAY_EN, phone_display
from crm.platform.sms_parts import segments

# How many to list. WhatsApp has no parts to pay for; a Hindi SMS is UCS-2 (67 characters a part), so it lists
# two to stay within three parts, English and romanised Hindi (GSM-7) list three within two.
RESULTS = {"whatsapp": 5, "hi": 2, "en": 3, "hinglish": 3}
MAX_PARTS = {"hi": 3, "en": 2, "hinglish": 2}


def _say(key: str, script: str, **values) -> str:
    return ANSWER[key].get(script, ANSWER[key]["en"]).format(**values)


def _when(found: finder.Found, script: str) -> str:
    week = found.facility.timings or {}
    if timings.always_open(week):
        return _say("round_clock", script)
    if found.open_now:
        return _say("open", script, time=found.closes_at)
    if found.opens is None:
        return _say("never", script)
    day, time = found.opens
    return _say("closed", script, day=DAY_HI[day] if script == "hi" else DAY_EN[day], time=time)


def text_for(question: Question, moment: datetime, channel: str = "sms") -> str:
    """The whole answer: ask for a place, say it is unknown, or list the nearest (open first)."""
    script = question.script
    if question.place_text is None:
        return _say("ask", script)
    place = finder.place_for(question.place_text)
    if place is None:
        return _say("unknown", script, place=question.place_text)
    kinds = finder.KIND_CHOICES[question.kinds]
    found = finder.nearest(place, moment, RESULTS["whatsapp" if channel == "whatsapp" else script], kinds)
    label = place.code if place.kind == "pincode" else (place.name_hi if script == "hi" else place.name)
    if not found:
        return _say("none", script, place=label)
    lines = [_say("head", script, place=label)]
    for number, item in enumerate(found, 1):
        name = item.facility.name_hi if script == "hi" and item.facility.name_hi else item.facility.name
        km = f"{item.km:g} किमी" if script == "hi" else f"{item.km:g} km"
        phone = f" {phone_display(item.facility.phone)}" if item.facility.phone else ""
        lines.append(f"{number}. {name}, {km}, {_when(item, script)}.{phone}")
    base = current_app.config["PUBLIC_BASE_URL"]
    more = _say("more", script, url=f"{base}/facilities?q={place.code.replace(' ', '+')}")
    text = "\n".join([*lines, more])
    if channel != "whatsapp" and segments(text) > MAX_PARTS[script]:
        text = "\n".join(lines)  # the link is the first thing to go when an SMS runs long
    return text
