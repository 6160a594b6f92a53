"""SMS in the workspace: hostile citizen text is shown as text; a missed event is healed on reconnect."""

import pytest

from tests.browser.operator_desk import desk_fixture, held_jobs_live_app, log_in, make_operator, text_in  # noqa: F401

pytestmark = pytest.mark.browser
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> bukhar hai'


def test_sms_with_script_and_img_tags_is_shown_as_text(live_server, live_app, desk):
    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Priya Sharma"))
    text_in(live_server, HOSTILE, sender="+919810002222")
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#thread .msg-inbound")
    body = page.locator("#thread .msg-inbound .msg-body").first
    assert body.text_content() == HOSTILE  # exactly the citizen's characters, as characters
    assert page.locator("#thread img, #thread script").count() == 0
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("window.__pwned") is None

    page.fill("#reply-body", "<b>Paracetamol</b> lein")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#thread .msg-outbound >> text=<b>Paracetamol</b> lein")
    assert page.locator("#thread b").count() == 0
    page.evaluate("document.getElementById('thread').scrollIntoView()")


def test_canned_hindi_reply_and_a_missed_event_healed_on_reconnect(live_server, live_app, desk):
    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Imran Qureshi"))
    text_in(live_server, "mere bete ko dast ho rahe hain", sender="+919810003333")
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#case-ref:has-text('SMP-')")
    page.select_option("#canned", "ors")
    assert page.input_value("#reply-body").startswith("सम्पर्क SMP-")
    assert "2 SMS" in page.inner_text("#reply-count")

    page.evaluate("sampark.socket.disconnect()")  # the dashboard misses what happens next
    page.wait_for_selector("#conn[data-state=down]")
    text_in(live_server, "do hafte se khansi hai", sender="+919810004444")  # its event reaches nobody here
    with page.expect_response(lambda r: r.url.endswith("/api/v1/queues/tier1"), timeout=10000):
        page.evaluate("sampark.socket.connect()")  # on reconnect the page reads the queue again over HTTP
    page.wait_for_selector("#conn[data-state=live]")
    # The read's answer, not a row left from before the disconnect (the first caller's), is what shows the second.
    page.wait_for_selector("#queue-list .q-row:has-text('XXXXXX4444')", timeout=5000)


@pytest.mark.parametrize("press", ["click", "key D"])
def test_a_failed_text_is_sent_again_with_one_press(live_server, live_app, desk, press):
    from sqlalchemy import select

    from crm.models import Message
    from crm.platform.extensions import db

    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Kavita Rao"))
    text_in(live_server, "bukhar hai", sender="+919810005555")
    with live_app.app_context():  # the acknowledgement was lost with a killed worker
        ack = db.session.scalar(select(Message).where(Message.direction == "outbound"))
        ack.status, ack.error_message = "failed", "Lost while sending (the worker stopped); not sent."
        db.session.commit()
    page.wait_for_selector(".q-row")
    page.keyboard.press("n")
    page.wait_for_selector("#thread .msg-failed .msg-error")
    if press == "click":
        page.click("#thread .msg-retry")
    else:
        page.keyboard.press("Escape")  # out of the field answering put the cursor in, as the desk's help says
        page.keyboard.press("d")
    page.wait_for_selector("#thread .msg-outbound.msg-pending")
    assert page.locator("#thread .msg-retry").count() == 0


def test_the_desk_reads_its_board_again_when_its_server_found_redis_again(live_server, live_app, desk):
    from crm.helpline.live.sockets import REREAD
    from crm.platform.extensions import socketio

    page = desk("operator")
    log_in(page, live_server, make_operator(live_app, "Salma Khan"))
    page.wait_for_selector("#conn[data-state=live]")
    read_again = page.expect_request(lambda r: r.url.endswith("/api/v1/queues/tier1"), timeout=5000)
    with read_again, live_app.app_context():
        socketio.emit(REREAD, {}, namespace="/")  # what crm.helpline.live.sockets.RedisBoardManager sends its pages
