"""The one-machine production topology (deploy/up): starts with one command, takes a call, survives a crash."""

import time

import pytest
import requests

from bench.topology import Topology, answers
from crm.models import Case
from crm.platform.extensions import db
from crm.staff.auth import tokens
from emulators.twilio.driver import Phone
from tests import factories
from tests.conftest import REDIS_URL, make_app

pytestmark = [pytest.mark.pg, pytest.mark.redis]
METRICS_TOKEN = "t" * 40


@pytest.fixture
def topology(tmp_path, pg_database):
    from flask_migrate import upgrade

    app = make_app(tmp_path, DATABASE_URL=pg_database)
    with app.app_context():
        upgrade()
        operator = factories.make_staff("operator")
        token = tokens.issue(operator)
        db.session.remove()
        db.engine.dispose()
    running = Topology(tmp_path / "run", pg_database, REDIS_URL, EMULATOR_SPEED="0.1", METRICS_TOKEN=METRICS_TOKEN)
    try:
        yield running.start(), app, token
    finally:
        running.stop()
        with app.app_context():  # the session's PostgreSQL database is shared: leave it empty for the next test
            from flask_migrate import downgrade

            downgrade(revision="base")
            db.engine.dispose()


def test_a_call_goes_through_the_topology_and_a_crashed_web_process_comes_back(topology):
    running, app, token = topology
    first, second = running.web_urls
    status = running.ctl("status")
    for name in ("web-", "worker-0", "worker-1", "sweep", "emulator"):
        assert name in status and "RUNNING" in status.split(name, 1)[1].splitlines()[0]
    # deploy/up tells when every instance is ready (its /readyz: PostgreSQL, Redis, a live worker, a recent sweep)
    deadline = time.monotonic() + 60
    while "every web instance is ready" not in (running.run_dir / "up.log").read_text():
        assert time.monotonic() < deadline, (running.run_dir / "up.log").read_text()[-2000:]
        time.sleep(0.5)
    for url in running.web_urls:
        assert requests.get(f"{url}/readyz", timeout=10).json()["status"] == "ready"
    # each serving process froze its start-up objects (crm.platform.collector): no request waits on a walk of them
    for log in (f"web-{running.web_ports[0]}.log", "worker-0.log"):
        assert "objects from start-up frozen" in (running.run_dir / log).read_text(), log

    call = Phone(running.emulator_url, "+919822222222").call()  # the emulator's webhooks go to the first instance
    call.wait_for("press 9", timeout=20)
    call.press("2")
    call.wait_for("card number", timeout=20)
    call.press("#")
    call.wait_for("You are number 1", timeout=20)
    with app.app_context():
        case = db.session.query(Case).one()
        case_id, case_status = case.id, case.status
    assert case_status == "queued"

    # The operator works on the second instance: its REST call reaches the same emulated Twilio.
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    claimed = api.post(f"{second}/api/v1/cases/{case_id}/claim", timeout=10)
    assert claimed.status_code == 200, claimed.text
    call.wait_for(lambda v: (v.get("conference") or {}).get("name") == f"case-{case_id}", timeout=20)

    # Either instance's /metrics adds up what every process of the machine counted: the webhooks the first answered
    # and the claim the second did.
    metrics = requests.get(f"{first}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10).text
    assert 'sampark_http_request_seconds_count{endpoint="telephony.voice",status="200"}' in metrics
    assert 'sampark_http_request_seconds_count{endpoint="api.claim",status="200"}' in metrics

    name = f"web:web-{running.web_ports[0]}"
    crashed = running.kill(name)
    deadline = time.monotonic() + 30
    while running.pid(name) in (0, crashed) or not answers(f"{first}/login"):
        assert time.monotonic() < deadline, running.ctl("status")
        time.sleep(0.5)
    assert api.get(f"{first}/api/v1/cases/{case_id}", timeout=10).json()["status"] == "in_progress"  # the new one

    running.stop()
    assert running.process.returncode is not None
    assert not answers(f"{first}/login") and not answers(f"{second}/login")
