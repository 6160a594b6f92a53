"""Whether the helpline's number at Twilio has its fallback URLs set, before production starts.

Without them a web process that dies or a database that stops answering loses callers and texts (Twilio
does not retry a voice webhook): the drill lost four calls and a text, one an emergency, and recorded three
presses of 9 as routine. `flask --app wsgi fallback-check` reads the number's configuration through the
real client and names each fallback URL that is missing or points elsewhere; deploy/up refuses to start
on its failure.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from twilio.base.exceptions import TwilioException

from telephony import gateway

# (the number's field, its method field, this app's endpoint)
FALLBACKS = (("voice_fallback_url", "voice_fallback_method", "telephony_fallback.voice_fallback"),
             ("sms_fallback_url", "sms_fallback_method", "telephony_fallback.sms_fallback"))


def problems(number) -> list[str]:
    """What is wrong with the fallback URLs of `number` (a Twilio IncomingPhoneNumber): one line each."""
    found = []
    for field, method_field, endpoint in FALLBACKS:
        wanted = gateway.public_url(endpoint)
        value, method = getattr(number, field, None), (getattr(number, method_field, None) or "POST").upper()
        if not value:
            found.append(f"{field} is not set: set it to {wanted} (POST)")
        elif value != wanted or method != "POST":
            found.append(f"{field} is {value} ({method}): set it to {wanted} (POST)")
    return found


def check() -> list[str]:
    """The problems of the helpline number's fallback URLs at Twilio (one line saying so if it cannot be read)."""
    helpline = current_app.config["TWILIO_PHONE_NUMBER"]
    try:
        numbers = gateway.client().incoming_phone_numbers.list(phone_number=helpline, limit=2)
    except (TwilioException, OSError) as exc:
        return [f"cannot read the number {helpline} at Twilio ({exc.__class__.__name__}): fallback URLs unchecked"]
    if not numbers:
        return [f"the number {helpline} is not in this Twilio account: fallback URLs unchecked"]
    return problems(numbers[0])


@click.command("fallback-check")
@with_appcontext
def fallback_check_command() -> None:
    """Exit 1, naming each one, if the helpline number's fallback URLs at Twilio are missing or wrong."""
    found = check()
    for line in found:
        click.echo(f"FALLBACK URL MISSING: {line}", err=True)
    if found:
        raise SystemExit(1)
    click.echo("fallback URLs set for voice and SMS")
