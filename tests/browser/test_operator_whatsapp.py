"""WhatsApp and the facility panel at the operator's desk (1280x720), in a real Chromium."""

import itertools
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from crm.citizens.facilities import importer
from crm.models import Message
from crm.platform.extensions import db
from tests import factories
from tests.browser.operator_desk import PUBLIC, desk_fixture, held_jobs_live_app, log_in, make_operator  # noqa: F401
from tests.telephony import twilio_sign

pytestmark = pytest.mark.browser
CITIZEN = "+919810005555"
_sids = itertools.count(1)


def whatsapp_in(base: str, body: str, sender: str = CITIZEN) -> None:
    """A WhatsApp message delivered as Twilio does: the SMS webhook, whatsapp: addresses, ProfileName, WaId."""
    params = {"MessageSid": f"SM{next(_sids):032x}", "AccountSid": "AC" + "0" * 32, "From": f"whatsapp:{sender}",
              "To": "whatsapp:+911800112233", "Body": body, "NumMedia": "0", "NumSegments": "1",
              "ProfileName": "Sunita", "WaId": sender[1:], "MessageType": "text", "ApiVersion": "2010-04-01"}
    signature = twilio_sign.signature(PUBLIC + "/telephony/sms", params)
    response = requests.post(f"{base}/telephony/sms", data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 200, response.text


def test_whatsapp_window_templates_and_the_facility_panel(live_server, live_app, desk):
    with live_app.app_context():
        importer.import_file(importer.DEMO_FILE)
        db.session.commit()
        factories.make_patient(mobile=CITIZEN, ward="Laxmi Nagar", name="Sunita Devi", preferred_language="hi")
    page = desk("operator", 1280, 720)
    log_in(page, live_server, make_operator(live_app, "Neha Verma"))
    whatsapp_in(live_server, "bacche ko bukhar hai, kaunsa clinic khula hai?")
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#case-channel:has-text('WhatsApp')")
    page.wait_for_selector("#wa-window.wa-open")
    assert page.text_content("#thread-channel") == "WhatsApp"
    assert "WhatsApp" in page.inner_text("#thread .msg-inbound .msg-meta")
    assert page.inner_text("#reply-send-label") == "Send WhatsApp"

    # The caller is known: the panel offers their ward. The operator writes, then looks up clinics near the
    # caller and adds one: what they typed stays.
    page.wait_for_function("() => document.getElementById('facility-place').value === 'Laxmi Nagar'")
    page.fill("#reply-body", "Namaste, bacche ko paani dete rahiye.")
    page.fill("#facility-place", "110092")
    page.select_option("#facility-kind", "clinic")
    page.click("#facility-form button[type=submit]")
    page.wait_for_selector("#facility-results .facility")
    assert page.locator("#facility-results .facility").count() == 5
    # Which clinic leads depends on the hour (open ones first); the one added is the one shown first.
    first = page.inner_text("#facility-results .facility .facility-head b")
    page.locator("#facility-results .facility button").first.click()
    typed = page.input_value("#reply-body")
    assert typed.startswith("Namaste, bacche ko paani dete rahiye.\n" + first + ", ")
    page.evaluate("document.getElementById('facility-panel').scrollIntoView()")
    page.screenshot(path="test-artifacts/whatsapp_desk_1280_facility_panel.png")
    page.evaluate("document.getElementById('thread-section').scrollIntoView()")

    # A day later: the window has closed. Free-form is held back (the text is kept), templates are offered.
    with live_app.app_context():
        for message in db.session.scalars(select(Message).where(Message.from_number == CITIZEN)):
            message.created_at -= timedelta(hours=25)
        db.session.commit()
    page.reload()
    page.wait_for_selector("#wa-window.wa-closed")
    assert page.input_value("#reply-body") == typed  # the draft survived the reload
    assert page.is_disabled("#reply-send")
    options = page.locator("#wa-template option").all_inner_texts()
    assert {"Reopen the conversation about a case · Punjabi · ਪੰਜਾਬੀ",
            "Reopen the conversation about a case · Urdu · اردو"} <= set(options)  # each named, none called English
    page.select_option("#wa-template", label="Reopen the conversation about a case · Hindi · हिंदी")
    reference = page.inner_text("#case-ref")
    assert page.input_value("#wa-variables input") == reference
    assert reference in page.inner_text("#wa-preview")
    page.evaluate("document.getElementById('wa-window').scrollIntoView()")
    page.screenshot(path="test-artifacts/whatsapp_desk_1280_window_closed.png")
    page.click("#wa-template-form button[type=submit]")
    page.wait_for_selector("#thread .msg-outbound .msg-channel:has-text('WhatsApp template')")
    assert page.input_value("#reply-body") == typed
