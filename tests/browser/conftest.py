"""A real Chromium against the app served over HTTP, with CSRF on, as a desk PC would see it.

Every test leaves a screenshot in test-artifacts/<test name>.png, pass or fail, so a person can
look at what the desk actually showed.
"""

from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

from crm.platform.extensions import db
from tests.conftest import ARTIFACTS, make_app


@pytest.fixture
def live_app(tmp_path):
    """The app the browser talks to: SQLite in tmp, CSRF on because a real browser must pass it."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    """Serve `live_app` on 127.0.0.1 and a free port in a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page at a desk PC's size; screenshots itself on teardown."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-IN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
