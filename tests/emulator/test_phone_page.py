"""The phone page in a real Chromium: dial, press keys, wait in the queue, land in a conference, text.

Leaves test-artifacts/emulator-phone.png so a person can look at what the page showed mid-call.
"""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.emulator.conftest import HELPLINE, twiml

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    """A Chromium page in the run's shared browser."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context.new_page()
    context.close()


def helpline_app(customer) -> None:
    """A small Sampark-like flow: bilingual menu, tier-1 queue with wait music, a case conference."""
    customer.answer("/telephony/voice", twiml(
        '<Gather numDigits="1" action="/telephony/menu" timeout="200">',  # 10 s at test speed: a person clicks
        '<Say language="hi-IN" voice="Polly.Aditi">संपर्क में आपका स्वागत है। हिंदी के लिए 1 दबाएँ।</Say>',
        '<Say language="en-IN" voice="Polly.Raveena">Welcome to Sampark. For English, press 2.</Say>',
        "</Gather>"))
    customer.answer("/telephony/menu", twiml(
        '<Say language="en-IN" voice="Polly.Raveena">Please hold, an operator will answer shortly.</Say>',
        '<Enqueue waitUrl="/telephony/wait" action="/telephony/queue-result">tier1</Enqueue>'))
    customer.answer("/telephony/wait", lambda p: twiml(
        f'<Say language="en-IN" voice="Polly.Raveena">You are number {p["QueuePosition"]} in the queue.</Say>',
        '<Pause length="20"/>'))
    customer.answer("/telephony/bridge", twiml(
        '<Say language="en-IN" voice="Polly.Raveena">Connecting you to an operator.</Say>',
        "<Dial><Conference>case-17</Conference></Dial>"))
    customer.answer("/telephony/agent", twiml('<Dial><Conference endConferenceOnExit="true">case-17</Conference></Dial>'))
    customer.answer("/telephony/sms", twiml("<Message>संपर्क: आपका केस SMS-104 दर्ज हो गया है।</Message>"))


def test_phone_page_during_a_call(customer, emulator_server, page):
    helpline_app(customer)
    page.goto(emulator_server.url + "/")
    assert "Twilio emulator — for demo and tests only" in page.text_content(".warning-badge")

    page.click("#call")
    page.wait_for_selector("text=For English, press 2.")
    page.click('.key[data-key="2"]')
    page.wait_for_selector("text=In queue tier1, position 1 of 1")

    client = emulator_server.client()
    queue = client.queues.list()[0]
    member = client.queues(queue.sid).members.list()[0]
    client.queues(queue.sid).members(member.call_sid).update(url=f"{customer.url}/telephony/bridge")
    client.calls.create(to="client:staff-3", from_=HELPLINE, url=f"{customer.url}/telephony/agent")
    page.wait_for_selector("#staff >> text=client:staff-3")
    page.wait_for_selector(".chips >> text=with client:staff-3")

    page.fill("#sms-body", "bukhar hai, teen din se")
    page.click("#sms-form button")
    page.wait_for_selector("text=आपका केस SMS-104")
    page.wait_for_timeout(800)  # one more poll so every panel shows the same moment

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "emulator-phone.png"), full_page=True)
    assert page.is_visible("#hangup")
    page.click("#hangup")
    page.wait_for_selector("text=Call ended")
