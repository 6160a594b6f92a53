"""A text that failed is shown on the case with one press to send it again; a second press sends nothing more."""

from sqlalchemy import select

from crm.models import Case, CaseEvent, Message
from crm.platform.extensions import db
from tests.operator_desk.test_operator_api import claim
from tests.telephony.test_sms import text


def _failed_ack(client) -> tuple[Case, Message]:
    text(client, "bukhar hai", sender="+919810000051")
    case = Case.query.one()
    ack = db.session.scalar(select(Message).where(Message.direction == "outbound"))
    ack.status, ack.error_message = "failed", "Lost while sending (the worker stopped); not sent."
    db.session.commit()
    return case, ack


def test_a_failed_text_is_sent_again_with_one_press(client, login):
    case, ack = _failed_ack(client)
    login("operator")
    claim(client, case.id)
    thread = client.get(f"/api/v1/cases/{case.id}/messages").json["messages"]
    assert [m["status"] for m in thread if m["direction"] == "outbound"] == ["failed"]
    again = client.post(f"/api/v1/cases/{case.id}/messages/{ack.id}/send-again")
    assert again.status_code == 200 and again.json["id"] == ack.id
    db.session.expire_all()
    assert db.session.get(Message, ack.id).status in ("pending", "sending", "queued", "sent")  # back in line
    assert client.post(f"/api/v1/cases/{case.id}/messages/{ack.id}/send-again").status_code == 409  # once a press
    kinds = [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))]
    assert kinds.count("sms_retried") == 1


def test_only_a_failed_text_of_this_case_can_be_sent_again(client, login):
    case, ack = _failed_ack(client)
    login("operator")
    claim(client, case.id)
    assert client.post(f"/api/v1/cases/{case.id}/messages/{ack.id + 999}/send-again").status_code == 404
    ack.status = "delivered"
    db.session.commit()
    assert client.post(f"/api/v1/cases/{case.id}/messages/{ack.id}/send-again").status_code == 409
