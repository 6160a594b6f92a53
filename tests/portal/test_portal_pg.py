"""The portal's queries and writes on PostgreSQL with the schema built by the migrations."""

import re

import pytest

from crm.citizens.grievances import services as grievances
from crm.citizens.portal import household, signin
from crm.platform.extensions import db
from crm.residents.card_office import requests as card_requests
from tests import factories

pytestmark = pytest.mark.pg


def test_sign_in_household_card_request_and_grievance_on_postgresql(pg_app, monkeypatch):
    app = pg_app
    app.config.update(JOBS_HOLD=True, JOBS_EAGER=False)
    handed = []  # what the send job gives the provider (the stored message has the code masked)
    monkeypatch.setattr("telephony.gateway.send_message", lambda message, text=None: handed.append(text) or "SM" + "0" * 32)
    home = factories.make_household()
    mother = factories.make_patient(home, mobile="+919810011111")
    factories.make_patient(home, mobile="+919810022222", relation="husband")
    factories.make_card(mother)
    with app.test_request_context(path="/portal/sign-in"):
        mobile = signin.request_code("9810011111", "10.0.0.1", "hi")
        db.session.commit()
        code = re.search(r"\d{6}", handed[-1]).group(0)
        assert signin.check_code(mobile, "000000", "10.0.0.1") is False
        assert signin.check_code(mobile, code, "10.0.0.1") is True
        db.session.commit()
        shown = household.people(mobile)
        assert [p.own for p in shown] == [True, False]
        request = card_requests.submit(mother, "duplicate", "damaged", mobile, "hi")
        filed = grievances.file("card_delivery", "card not delivered", "portal", mobile, "hi", patient=mother)
        db.session.commit()
        assert (request.reference, filed.routed_to) == ("CR-00001", "card_office")
        assert grievances.of_citizen(mobile, [mother.id]) == [filed]
