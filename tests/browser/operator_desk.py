"""Helpers for the operator desk in a real Chromium: desks (contexts), logging in, texting in.

Test modules import `held_jobs_live_app` (fixture `live_app`) and `desk_fixture` (fixture `desk`) so pytest
finds them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest
import requests

from crm.platform.extensions import db
from tests import factories
from tests.conftest import ARTIFACTS, make_app
from tests.telephony import twilio_sign

PUBLIC = "http://sampark.test"  # the live app's PUBLIC_BASE_URL: webhooks are signed against it
_sids = itertools.count(1)


@pytest.fixture(name="live_app")
def held_jobs_live_app(tmp_path):
    """As the browser conftest's, but SMS jobs are held: no test may try to reach Twilio."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True, JOBS_HOLD=True, JOBS_EAGER=False, PUBLIC_BASE_URL=PUBLIC)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(name="desk")
def desk_fixture(browser, request) -> Iterator[Callable]:
    """desk(label[, width, height]) opens a new browser context (a desk PC's size unless told); each is
    screenshotted at the end."""
    opened = []

    def open_desk(label: str, width: int = 1366, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-IN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        opened.append((label, context, page))
        return page

    yield open_desk
    ARTIFACTS.mkdir(exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    for label, context, page in opened:
        try:
            page.screenshot(path=str(ARTIFACTS / f"{test}_{label}.png"), full_page=False)
        finally:
            context.close()


def make_operator(app, name: str) -> str:
    """A new operator; returns the username (password factories.PASSWORD)."""
    with app.app_context():
        return factories.make_staff("operator", name=name).username


def log_in(page, base: str, username: str) -> None:
    """Log in through the real form and land on the workspace, live."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/workspace")
    page.wait_for_selector("#conn[data-state=live]")


def text_in(base: str, body: str, sender: str) -> None:
    """A citizen's SMS, delivered to the live server as Twilio would (signed webhook)."""
    params = {"MessageSid": f"SM{next(_sids):032x}", "AccountSid": "AC" + "0" * 32, "From": sender,
              "To": "+911800112233", "Body": body, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}
    signature = twilio_sign.signature(PUBLIC + "/telephony/sms", params)
    response = requests.post(f"{base}/telephony/sms", data=params, headers={"X-Twilio-Signature": signature},
                             timeout=10)
    assert response.status_code == 200, response.text
