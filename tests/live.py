"""Serving the real app over HTTP on loopback, with the Twilio emulator mounted, for end-to-end tests."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

from crm.platform.extensions import db
from tests.conftest import make_app


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(tmp_path, **overrides):
    """(app, base_url): the app with the emulator at base_url/emulator, Twilio signing base_url."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # SPEED shrinks the caller's pauses and Gather timeouts, not the app's behaviour.
    settings = {"PUBLIC_BASE_URL": base, "EMULATOR_MOUNT": True, "JOBS_EAGER": True, "EMULATOR_SPEED": 0.1} | overrides
    app = make_app(tmp_path, **settings)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield app, base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def eventually(check, timeout: float = 10.0, interval: float = 0.05):
    """Poll `check()` until it returns something truthy (webhooks land a moment after the phone moves)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
