"""Call controls for whoever holds the case (operator or doctor): hold and resume the caller, mute, end."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.cases import policy
from crm.models import Case
from crm.platform import phone
from crm.platform.api import body, bp
from crm.platform.errors import Refused, load
from crm.staff.auth.capabilities import allow


def _held(case_id: int) -> Case:
    case = load(Case, case_id, "case")
    policy.ensure_may_act(case, current_user)
    if case.channel != "voice":
        raise Refused("not_a_call", f"Case {case.reference} is an SMS case: there is no call to control.", 409)
    return case


def _on() -> bool:
    on = body().get("on")
    if not isinstance(on, bool):
        raise Refused("bad_flag", "Say on: true or false.", 422)
    return on


@bp.post("/cases/<int:case_id>/hold")
@allow("take_calls")
def hold(case_id: int):
    """Put the caller on hold (hold music) or resume: {"on": true|false}."""
    on = _on()
    if not phone.system().hold(_held(case_id), current_user, on):
        raise Refused("no_call", "The caller is not on the line.", 409)
    return jsonify(hold=on)


@bp.post("/cases/<int:case_id>/mute")
@allow("take_calls")
def mute(case_id: int):
    """Mute or unmute your own leg of the case's call: {"on": true|false}."""
    on = _on()
    if not phone.system().mute(_held(case_id), current_user, on):
        raise Refused("not_on_call", "You are not on this case's call.", 409)
    return jsonify(muted=on)


@bp.post("/cases/<int:case_id>/end-call")
@allow("take_calls")
def end_call(case_id: int):
    """End the case's call for everyone on it (the case stays open for its outcome)."""
    if not phone.system().end_call(_held(case_id), current_user):
        raise Refused("no_call", "There is no call on this case.", 409)
    return jsonify(ended=True)
