"""A voice case on the Twilio emulator: a known caller dials, waits, and an operator answers in Chromium.

The app is served over HTTP with the emulator mounted; the citizen's phone is the emulator's driver,
the operator's browser leg is rung by the real twilio Client. The operator sees who is calling before
saying hello, ticks a P1 red flag and escalates it as an emergency from the keyboard.
"""

import pytest

from crm.models import Case
from crm.platform.extensions import db
from emulators.twilio.driver import Phone
from tests import factories
from tests.browser.operator_desk import desk_fixture, log_in  # noqa: F401
from tests.conftest import ARTIFACTS
from tests.live import served

pytestmark = pytest.mark.browser
CALLER = "+919812340000"


@pytest.fixture
def live(tmp_path):
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        yield app, base


def test_known_caller_pops_up_and_a_red_flag_is_escalated_as_an_emergency(live, desk):
    app, base = live
    with app.app_context():
        household = factories.make_household(code="DL-HH-000417", ward="Seelampur")
        caller = factories.make_patient(household=household, name="Sunita Devi", name_hi="सुनीता देवी", sex="F",
                                        mobile=CALLER, chronic_conditions=["Hypertension"],
                                        allergies=["Penicillin"], blood_group="B+")
        factories.make_patient(household=household, name="Ramesh Kumar", name_hi="रमेश कुमार", relation="spouse",
                               mobile=None)
        username = factories.make_staff("operator", name="Priya Sharma").username
        patient_id = caller.id
    page = desk("voice")
    log_in(page, base, username)

    call = Phone(f"{base}/emulator", CALLER).call()
    call.wait_for("press 9", timeout=10)
    call.press("1")
    call.wait_for(lambda v: v.get("queue") is not None, timeout=15)

    page.wait_for_selector(".q-row")
    assert "S.D. F" in page.inner_text("#queue-list")  # initials only while waiting
    page.keyboard.press("n")
    page.wait_for_selector(".patient-panel")
    assert "सुनीता देवी" in page.inner_text("#screen-pop") and "Penicillin" in page.inner_text("#screen-pop")
    joined = call.wait_for(lambda v: (v.get("conference") or {}).get("members") and len(v["conference"]["members"]) == 2,
                           timeout=15)
    assert any(m["name"].startswith("client:staff-") for m in joined["conference"]["members"])
    page.wait_for_selector("#case-connection:has-text('On the call')")  # the staff leg's status callback

    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'reason'")
    page.keyboard.type("Husband has chest pain and is sweating")
    page.check("input[value=chest_pain]")
    page.wait_for_selector("#flag-offer:not([hidden]) >> text=escalate as an EMERGENCY")
    page.screenshot(path=str(ARTIFACTS / "test_operator_voice_red_flag_offer.png"))
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    assert page.input_value("#urgency") == "emergency" and page.input_value("#specialty") == "cardiology"
    assert "Chest pain" in page.input_value("#summary")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#wrapup:not([hidden]) >> text=Escalated to a doctor")
    assert page.locator("#leave-call").is_visible()

    with app.app_context():
        case = db.session.scalars(db.select(Case)).one()
        assert (case.patient_id, case.status, case.queue, case.priority) == (patient_id, "escalated", "emergency", "P1")
        assert case.alarm_level == 1 and case.red_flags == ["chest_pain"]
    call.hang_up()
    page.wait_for_selector("#case-connection:has-text('The call has ended')")
