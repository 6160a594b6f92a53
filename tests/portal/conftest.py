"""Portal fixtures: an app whose SMS jobs are held (the test reads what would be sent), a citizen signing in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.models import Message
from crm.platform import outbox
from crm.platform.extensions import db
from tests import factories
from tests.conftest import app_with_schema


@pytest.fixture
def app(tmp_path):
    """SMS are stored, not sent: no test reaches Twilio."""
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as app:
        yield app


def last_code(mobile: str) -> str:
    """The code in the newest sign-in SMS to `mobile`, as the citizen would read it on their phone (what the send
    job hands the provider; the stored message has it masked)."""
    message = db.session.scalar(select(Message).where(Message.to_number == mobile, Message.kind == "portal_code")
                                .order_by(Message.id.desc()).limit(1))
    return re.search(r"\d{6}", outbox.text_to_send(message)).group(0)


def texts_to(mobile: str, kind: str | None = None) -> list[str]:
    """Every SMS queued for `mobile` (optionally of one kind), oldest first."""
    query = select(Message.body).where(Message.to_number == mobile, Message.direction == "outbound")
    if kind:
        query = query.where(Message.kind == kind)
    return list(db.session.scalars(query.order_by(Message.id)))


def sign_in(client, mobile: str) -> None:
    """Sign `client` in as the citizen with `mobile` through the two forms."""
    assert client.post("/portal/sign-in", data={"mobile": mobile}).status_code == 302
    response = client.post("/portal/code", data={"code": last_code(mobile)})
    assert response.status_code == 302 and response.location.endswith("/portal/"), response.data


@pytest.fixture
def family():
    """A household: a mother (with the mobile), her son of 10 and her husband with his own mobile; each carded."""
    home = factories.make_household()
    mother = factories.make_patient(home, name="Sunita Devi", name_hi="सुनीता देवी", sex="F", mobile="+919810011111",
                                    blood_group="B+", relation="self")
    from datetime import date

    son = factories.make_patient(home, name="Aman Kumar", sex="M", dob=date(date.today().year - 10, 1, 1),
                                 birth_year=date.today().year - 10, mobile="+919810011111", relation="son")
    husband = factories.make_patient(home, name="Rakesh Kumar", sex="M", mobile="+919810022222", relation="husband",
                                     blood_group="O+", chronic_conditions=["diabetes"])
    cards = {p.name: factories.make_card(p) for p in (mother, son, husband)}
    return {"mother": mother, "son": son, "husband": husband, "cards": cards}
