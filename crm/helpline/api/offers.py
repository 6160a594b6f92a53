"""Offers rung to an operator (crm.helpline.distribution): accept one, or turn it down."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.helpline import distribution, presence
from crm.helpline.api.cases import connected
from crm.platform.api import bp
from crm.staff.auth.capabilities import allow


@bp.post("/offers/<int:case_id>/accept")
@allow("work_tier1")
def accept_offer(case_id: int):
    """Answer the contact rung to me: 200 and the connection, or 409 when the offer has ended."""
    case = distribution.accept(current_user, case_id)
    presence.sync(current_user)
    presence.announce([current_user.id])
    return connected(case)


@bp.post("/offers/<int:case_id>/reject")
@allow("work_tier1")
def reject_offer(case_id: int):
    """Turn down the contact rung to me: it rings the next agent at once."""
    distribution.reject(current_user, case_id)
    return jsonify(rejected=case_id)
