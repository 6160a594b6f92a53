"""The demo's facilities have Delhi landlines as duty phones: they read +91 11 ... at the desk, and informing one is
a call the operator makes, never an SMS (a landline takes none; Twilio answers 21614, an Indian gateway 23010)."""

import re

from sqlalchemy import select

from crm.cases import assessment, lifecycle
from crm.models import Facility, Message, StaffUser
from crm.platform.extensions import db
from crm.platform.phones import can_receive_sms
from tests.operator_desk.conftest import waiting_case

DELHI_LANDLINE = re.compile(r"\+91 11 [2-6]\d{3} \d{4}")


def test_every_demo_facility_has_a_delhi_landline_that_the_desk_reads_as_one(app):
    app.test_cli_runner().invoke(args=["demo", "seed", "--residents", "60"])
    facilities = db.session.scalars(select(Facility)).all()
    assert len(facilities) > 10
    assert all(f.phone.startswith("+9111") and not can_receive_sms(f.phone) for f in facilities)
    client = app.test_client()
    client.post("/login", data={"username": "operator1", "password": "sampark-demo"})
    page = client.get("/workspace").get_data(as_text=True)
    options = re.findall(r'<option value="\d+" data-landline="([^"]+)">([^<]+)</option>', page)
    assert len(options) == len(facilities)
    assert all(DELHI_LANDLINE.fullmatch(number) and f"landline {number}: you call" in label for number, label in options)
    to_inform = client.get("/api/v1/facilities").json["facilities"]
    assert all(DELHI_LANDLINE.fullmatch(f["duty_phone"]) and f["landline_duty_phone"] for f in to_inform)
    nearest = client.get("/api/v1/facilities/nearest?place=110053&limit=3").json["facilities"]
    assert nearest and all(DELHI_LANDLINE.fullmatch(f["phone_international"]) and f["landline"] for f in nearest)


def test_informing_a_demo_facility_texts_nobody(app):
    app.test_cli_runner().invoke(args=["demo", "seed", "--residents", "60"])
    operator = db.session.scalar(select(StaffUser).where(StaffUser.username == "operator1"))
    for n, facility in enumerate(db.session.scalars(select(Facility).order_by(Facility.id).limit(3)).all()):
        case = lifecycle.claim(waiting_case(phone=f"+91981111222{n}").id, operator)
        assessment.inform(case, operator, facility.id, "Dengue suspected in the lane.")
        db.session.commit()
    assert db.session.scalars(select(Message).where(Message.kind == "inform")).all() == []
