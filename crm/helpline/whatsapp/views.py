"""The operator's WhatsApp controls on a case: the window and templates, and sending a template."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.helpline.whatsapp import services
from crm.models import Case
from crm.platform.api import body, bp
from crm.platform.errors import load
from crm.staff.auth.capabilities import allow


@bp.get("/cases/<int:case_id>/whatsapp")
@allow("read_cases")
def whatsapp_conversation(case_id: int):
    """Whether free-form replies may go now (24-hour window) and the approved templates."""
    return jsonify(services.conversation(load(Case, case_id, "case")))


@bp.post("/cases/<int:case_id>/whatsapp/template")
@allow("work_tier1")
def send_whatsapp_template(case_id: int):
    """Send an approved template (`name`, `language`, `variables` in order) to the case's WhatsApp."""
    from crm.helpline.api.operator_case import message_json

    data = body()
    message = services.send_template(load(Case, case_id, "case"), current_user, data.get("name"),
                                     data.get("language"), data.get("variables"))
    return jsonify(message_json(message)), 201
