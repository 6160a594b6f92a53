"""A newcomer's first start of the demo ends with one clear banner, printed once the server listens, and no warning."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from crm.platform.extensions import db
from crm.seed import demo
from tests.conftest import make_app
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[1]


def _lines(process) -> queue.Queue:
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    return lines


def _read_until(lines: queue.Queue, end: str, timeout: float) -> list[str]:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.2).rstrip("\n"))
        except queue.Empty:
            continue
        if end in seen[-1]:
            return seen
    raise AssertionError("no banner within the time; the output was:\n" + "\n".join(seen))


def test_the_demo_server_ends_its_start_with_the_banner_and_no_warning(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        db.create_all()
        for _line in demo.seed(residents=30):
            pass
        mobile = demo.portal_resident().mobile[3:]
        db.engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMPARK_", "REDIS_URL", "DATABASE_URL"))}
    env |= {"SAMPARK_DEMO": "1", "PORT": str(port), "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    # stdin is not a terminal, as under `./run demo` in a script or an IDE: that is when the warnings used to come.
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _lines(process)
        output = _read_until(lines, "Stop with Ctrl-C", timeout=60)
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # listening by the time the banner is read
        time.sleep(1.5)  # anything printed after the banner is printed by now
        while not lines.empty():
            output.append(lines.get().rstrip("\n"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = "\n".join(output)
    assert not any(word in text.lower() for word in ("warning", "werkzeug", "production")), text
    banner = text[text.index("Sampark is running"):]
    assert f"http://127.0.0.1:{port}/" in banner and "sampark-demo" in banner
    assert all(username in banner for username, *_ in demo.DEMO_STAFF)
    assert f"{mobile[:5]} {mobile[5:]}" in banner and f"/emulator/?number=%2B91{mobile}" in banner
    assert output[-1].strip() == "" and set(output[-2].strip()) == {"="}  # the banner is the last thing printed
