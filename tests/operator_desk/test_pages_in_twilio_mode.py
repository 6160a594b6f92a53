"""Pages rendered as production renders them: TELEPHONY=twilio loads the browser phone; specialties agree."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import app_with_schema
from triage import specialties
from triage.rules import RULESET

TWILIO = {"TELEPHONY": "twilio", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t" * 32,
          "TWILIO_PHONE_NUMBER": "+911800112233"}


@pytest.fixture
def twilio_client(tmp_path):
    with app_with_schema(tmp_path, **TWILIO) as app:
        yield app.test_client()


def _login(client, role: str, **kwargs):
    staff = factories.make_staff(role=role, **kwargs)
    assert client.post("/login", data={"username": staff.username, "password": factories.PASSWORD}).status_code == 302
    return staff


@pytest.mark.parametrize("role, path", [("operator", "/workspace"), ("doctor", "/doctor/"), ("operator", "/lookup")])
def test_the_browser_phone_loads_on_every_call_taking_page(twilio_client, role, path):
    _login(twilio_client, role)
    html = twilio_client.get(path).get_data(as_text=True)
    assert "twilio.min.js" in html and "js/voice-client.js" in html and 'id="voice-status"' in html


def test_the_workspace_keeps_its_own_settings(twilio_client):
    _login(twilio_client, "operator")
    html = twilio_client.get("/workspace").get_data(as_text=True)
    assert '"wrap_up_seconds"' in html and '"sla_seconds"' in html


def test_the_referral_list_offers_every_specialty_an_operator_can_escalate_to(client, login, app):
    from crm.cases import lifecycle, tier2
    from crm.platform.extensions import db

    operator = factories.make_staff("operator")
    login("doctor", specialty="general_medicine")
    case = lifecycle.open_case("voice", "+919810000077", status="queued", queue="tier1")
    tier2.escalate(case, operator, None, "urgent", "fever for three days")
    db.session.commit()
    assert client.post(f"/api/v1/cases/{case.id}/accept").status_code == 200
    html = client.get(f"/doctor/cases/{case.id}/panel").get_data(as_text=True)
    offered = {code for code in specialties.CODES if f'value="{code}"' in html}
    escalatable = set(client.get("/api/v1/checklist").json["specialties"])  # what the operator's form offers
    assert escalatable == set(specialties.CODES)
    assert offered == escalatable - {"general_medicine"}  # a general-medicine doctor refers elsewhere
    assert {r.specialty for r in RULESET.rules if r.specialty} - {"general_medicine"} <= offered
    assert "Burns" in html and "Toxicology" in html
