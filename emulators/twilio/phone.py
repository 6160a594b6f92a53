"""The citizen's phone page: the emulator's index, a dial pad, an SMS thread and the live transcript."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from emulators.twilio.console import phone_number

bp = Blueprint("phone", __name__)


@bp.get("/")
def phone():
    """The phone emulator page; its script polls /emulator-api/state relative to where it is mounted.

    `?number=` opens it as that phone (typed as a person would: +91 optional), added to the list of phones.
    """
    emulator = current_app.extensions["twilio_emulator"]
    asked = phone_number(request.args.get("number", ""))
    with emulator.store.lock:
        if asked:
            emulator.store.citizens.setdefault(asked, None)
        numbers = list(emulator.store.citizens)
    return render_template(
        "emulator/phone.html",
        api_base=request.script_root + "/emulator-api",
        helpline=emulator.settings.phone_number,
        numbers=numbers,
        number=asked or (numbers[0] if numbers else ""),
        missed_call_number=emulator.settings.missed_call_number,
    )
