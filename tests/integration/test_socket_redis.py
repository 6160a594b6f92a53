"""Live events across web processes: two real servers joined by Redis, a dashboard on each side.

Process A receives the signed SMS webhook (or an operator's action); the dashboards connected to process B
hear about it through the Redis message queue, scoped to their rooms and carrying masked numbers only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

from tests import factories
from tests.conftest import REDIS_URL, TEST_DATABASE
from tests.live import free_port
from tests.telephony import twilio_sign

pytestmark = [pytest.mark.pg, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "shared-secret-of-both-processes"


class Server:
    """One `python -m tests.integration.socket_server` process on its own port."""

    def __init__(self, database_url: str, instance: Path, redis_url: str = REDIS_URL) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PUBLIC_BASE_URL": self.url,
               "SECRET_KEY": SECRET, "INSTANCE_PATH": str(instance), "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "tests.integration.socket_server", str(self.port)],
                                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_ready(self, timeout: float = 90) -> None:  # a loaded 2-core CI machine takes its time to import
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                if requests.get(f"{self.url}/login", timeout=1).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise TimeoutError(f"server on {self.url} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Dashboard:
    """A python-socketio client logged in over HTTP as a staff member; records every event."""

    def __init__(self, server: Server, username: str | None) -> None:
        self.http = requests.Session()
        if username:
            response = self.http.post(f"{server.url}/login", data={"username": username,
                                                                    "password": factories.PASSWORD},
                                      allow_redirects=False, timeout=10)
            assert response.status_code == 302, response.text
        self.events: list[tuple[str, dict]] = []
        self.arrived = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        self.client.connect(server.url, headers={"Cookie": cookie} if cookie else {}, transports=["polling"],
                            wait_timeout=10)

    def _record(self, event: str, data: dict) -> None:
        with self.arrived:
            self.events.append((event, data))
            self.arrived.notify_all()

    def wait_for(self, test, timeout: float = 10) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                found = next((e for e in self.events if test(*e)), None)
                if found or time.monotonic() > deadline:
                    return found
                self.arrived.wait(timeout=0.2)

    def close(self) -> None:
        self.client.disconnect()


def text(server: Server, body: str, sender: str) -> None:
    params = {"MessageSid": f"SM{time.time_ns():032x}", "AccountSid": "AC" + "0" * 32, "From": sender,
              "To": "+911800112233", "Body": body, "NumMedia": "0", "NumSegments": "1"}
    headers = {"X-Twilio-Signature": twilio_sign.signature(server.url + "/telephony/sms", params)}
    assert requests.post(f"{server.url}/telephony/sms", data=params, headers=headers, timeout=10).status_code == 200


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """The two web processes, started once for this module's tests (each takes seconds to import and start).

    They keep no rows of their own: every test starts from the emptied test database, logs its own staff in and
    closes its own sockets.
    """
    folder = tmp_path_factory.mktemp("socket-servers")
    started = [Server(TEST_DATABASE.url(), folder / name) for name in ("a", "b")]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def two_processes(pg_app, servers):
    for server in servers:
        assert server.process.poll() is None, "a web process of this module has died"
    return servers


def test_an_sms_on_process_a_reaches_dashboards_on_process_b_scoped_and_masked(two_processes):
    a, b = two_processes
    operator = factories.make_staff("operator", name="Priya Sharma")
    doctor = factories.make_staff("doctor", name="Dr. Anjali Verma")
    on_b, doctor_on_b = Dashboard(b, operator.username), Dashboard(b, doctor.username)
    try:
        text(a, "appointment chahiye kal ke liye", sender="+919876501234")
        event = on_b.wait_for(lambda name, data: name == "case.message")
        assert event, f"nothing reached process B: {on_b.events}"
        assert set(event[1]) == {"id", "status"}  # which case and its state; the desk reads the rest over HTTP
        board = on_b.http.get(f"{b.url}/api/v1/queues/tier1", timeout=10).json()
        assert [c["caller"] for c in board["waiting"] if c["id"] == event[1]["id"]] == ["+91 XXXXXX1234"]
        assert "1234" not in repr(on_b.events)
        assert not any(data.get("id") == event[1]["id"] for _, data in doctor_on_b.events)  # routine: tier 1

        text(a, "papa behosh ho gaye hain", sender="+919876505678")
        alarm = doctor_on_b.wait_for(lambda name, data: name.startswith("case.") and data["id"] != event[1]["id"])
        assert alarm, f"no emergency reached the doctor on process B: {doctor_on_b.events}"
        tier2 = doctor_on_b.http.get(f"{b.url}/api/v1/queues/tier2", timeout=10).json()
        (case,) = [c for c in tier2["waiting"] if c["id"] == alarm[1]["id"]]
        assert case["priority"] == "P1" and case["caller"] == "+91 XXXXXX5678"
    finally:
        on_b.close()
        doctor_on_b.close()


def test_an_operator_action_on_process_a_reaches_the_team_on_process_b(two_processes):
    a, b = two_processes
    worker, colleague = factories.make_staff("operator"), factories.make_staff("operator")
    text(a, "sir dard hai do din se", sender="+919876509999")
    watching = Dashboard(b, colleague.username)
    working = requests.Session()
    working.post(f"{a.url}/login", data={"username": worker.username, "password": factories.PASSWORD}, timeout=10)
    try:
        case_id = working.get(f"{a.url}/api/v1/queues/tier1", timeout=10).json()["waiting"][0]["id"]
        assert working.post(f"{a.url}/api/v1/cases/{case_id}/claim", timeout=10).status_code == 200
        resolved = working.post(f"{a.url}/api/v1/cases/{case_id}/resolve", timeout=10,
                                json={"disposition": "home_care", "advice": "Rest, fluids, paracetamol"})
        assert resolved.status_code == 200
        assert watching.wait_for(lambda name, data: name == "case.claimed" and data["id"] == case_id)
        assert watching.wait_for(lambda name, data: name == "case.resolved" and data["id"] == case_id)
        presence = watching.wait_for(lambda name, data: name == "presence.changed"
                                     and {"id": worker.id, "presence": "wrap_up"} in data["staff"])
        assert presence and presence[1]["counts"]["wrap_up"] == 1
        assert "paracetamol" not in repr(watching.events).lower()  # events say "look again", never the content
    finally:
        watching.close()


def test_process_b_refuses_a_socket_without_a_staff_session(two_processes):
    _, b = two_processes
    with pytest.raises(socketio.exceptions.ConnectionError):
        Dashboard(b, None)
