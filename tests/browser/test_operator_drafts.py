"""The operator's unsent SMS reply survives a live update and a reload (kept per case); leaving the page
with it unsent asks first."""

import pytest

from tests.browser.operator_desk import desk_fixture, log_in, make_operator, text_in  # noqa: F401

pytestmark = pytest.mark.browser


def test_unsent_reply_survives_an_incoming_sms_and_a_reload(live_server, live_app, desk):
    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Neha Gupta"))
    text_in(live_server, "pet me dard hai do din se", sender="+919810005555")
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    page.click("#reply-body")
    page.keyboard.type("Khana halka khayein")
    text_in(live_server, "ulti bhi ho rahi hai", sender="+919810005555")  # the citizen texts again
    page.wait_for_selector("#thread .msg-inbound >> text=ulti bhi ho rahi hai")
    page.keyboard.type(", paani peete rahein")
    assert page.input_value("#reply-body") == "Khana halka khayein, paani peete rahein"
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.reload()
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    assert asked == ["beforeunload"]
    assert page.input_value("#reply-body") == "Khana halka khayein, paani peete rahein"
