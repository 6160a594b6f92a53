"""The operator desk under an Indian SMS gateway (Exotel, DLT): the desk says before anything is typed that an SMS
goes only as a registered text; a canned reply (in the caller's language) goes; free text by SMS is refused beside
the box with what to do instead; with the caller's WhatsApp window open, free text goes on WhatsApp."""

import itertools

import pytest
import requests
from sqlalchemy import select

from crm.helpline.messages import inbound
from crm.models import Message
from crm.platform.extensions import db
from tests.browser.operator_desk import PUBLIC, desk_fixture, log_in, make_operator  # noqa: F401
from tests.conftest import ARTIFACTS, make_app

pytestmark = pytest.mark.browser
TOKEN = "emulator-exotel-webhook-token"
FREE_TEXT = "Please come to the Seelampur clinic tomorrow at 10 with your reports."
_sids = itertools.count(1)


@pytest.fixture
def live_app(tmp_path):
    """The app with texts through Exotel (DLT); send jobs held, so nothing leaves."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True, JOBS_HOLD=True, JOBS_EAGER=False, PUBLIC_BASE_URL=PUBLIC,
                   SMS_PROVIDER="exotel")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def exotel_text_in(base: str, body: str, sender: str) -> None:
    """A citizen's SMS to the ExoPhone, as Exotel posts it (the token in the URL)."""
    form = {"SmsSid": f"{next(_sids):032x}", "From": sender, "To": "+911140000000", "Body": body}
    response = requests.post(f"{base}/telephony/exotel/sms?token={TOKEN}", data=form, timeout=10)
    assert response.status_code == 200, response.text


def sent(app) -> list[Message]:
    with app.app_context():
        rows = db.session.scalars(select(Message).where(Message.kind == "reply", Message.direction == "outbound").order_by(Message.id)).all()
        return [(m.channel, m.body) for m in rows]


def test_free_text_by_sms_is_refused_at_the_desk_and_a_canned_reply_goes(live_server, live_app, desk):
    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Harpreet Kaur"))
    exotel_text_in(live_server, "ਮੈਨੂੰ ਸ਼ੂਗਰ ਦੀ ਜਾਂਚ ਲਈ ਅਪੌਇੰਟਮੈਂਟ ਚਾਹੀਦੀ ਹੈ", sender="+919810006666")  # Punjabi: canned replies follow
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    note = page.wait_for_selector("#sms-dlt:not([hidden])")
    assert "registered texts only" in note.inner_text() and "call them" in note.inner_text()
    assert page.locator("#reply-whatsapp").is_hidden()
    assert page.get_attribute(".lang-switch button[data-lang=pa]", "aria-pressed") == "true"

    page.fill("#reply-body", FREE_TEXT)
    page.click("#reply-send")
    error = page.wait_for_selector("#reply-error:has-text('registered texts')")
    assert "canned reply" in error.inner_text()
    assert page.input_value("#reply-body") == FREE_TEXT  # kept: nothing was lost, nothing was sent
    assert sent(live_app) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dlt_free_text_refused_at_the_desk.png"))

    page.select_option("#canned", "ors")
    assert page.input_value("#reply-body").startswith("ਸੰਪਰਕ SMP-")
    page.click("#reply-send")
    page.wait_for_selector("#thread .msg-outbound >> text=ORS")
    assert page.inner_text("#reply-error") == ""
    assert [channel for channel, _ in sent(live_app)] == ["sms"]


def test_free_text_goes_on_whatsapp_while_the_callers_window_is_open(live_server, live_app, desk):
    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Salma Khan"))
    exotel_text_in(live_server, "I need an appointment for my diabetes checkup", sender="+919810007777")
    with live_app.app_context():  # the same number wrote on WhatsApp an hour ago
        inbound.receive(inbound.InboundText(provider_id="SM" + "8" * 32, sender="+919810007777",
                                            helpline="whatsapp:+14155238886", body="hello", channel="whatsapp"))
        db.session.commit()
    page.wait_for_selector(".q-row")
    page.click(".q-row:has(:text-is('SMS')) button:has-text('Answer')")  # the SMS conversation, not the WhatsApp one
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    page.wait_for_selector("#sms-dlt:not([hidden]) >> text=Send on WhatsApp")
    page.fill("#reply-body", FREE_TEXT)
    page.click("#reply-whatsapp")
    page.wait_for_selector(f"#thread .msg-outbound >> text={FREE_TEXT}")
    assert sent(live_app) == [("whatsapp", FREE_TEXT)]
