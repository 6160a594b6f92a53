"""/metrics scraped by Prometheus DURING a burst of calls and texts (the burst benchmark's own driver, bench/burst,
reduced to a few calls): every family the on-call engineer alerts on is there, and no label or value line carries
a caller's number, a name, a card number or a text."""

from __future__ import annotations

import argparse
import re
import threading

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bench.burst import caller
from bench.burst.__main__ import run
from crm.config import EMULATOR_AUTH_TOKEN
from crm.models import Patient, StaffUser
from crm.platform import sweeps, worker
from crm.platform.extensions import db
from tests import factories
from tests.conftest import REDIS_URL, TEST_DATABASE
from tests.live import served

pytestmark = [pytest.mark.pg, pytest.mark.redis]
TOKEN = "b" * 40
DIGITS = re.compile(r"\d{8,}")  # a phone, card or ABHA number; no label Sampark writes has 8 digits in a row


@pytest.fixture
def live(tmp_path):
    """The app served over HTTP with the rq job queue (not eager), a worker and the sweeps beside it."""
    with served(tmp_path, METRICS_TOKEN=TOKEN, REDIS_URL=REDIS_URL, JOBS_EAGER=False) as (app, base):
        app.extensions["sampark_jobs"].queue.empty()
        stop = threading.Event()

        def work() -> None:  # what `flask worker` and `flask sweep loop` do, in short passes
            while not stop.is_set():
                worker.serve(app, REDIS_URL, with_scheduler=False, burst=True)
                sweeps.run_guarded(app)
                stop.wait(0.2)

        thread = threading.Thread(target=work, name="burst-worker", daemon=True)
        thread.start()
        try:
            yield app, base
        finally:
            stop.set()
            thread.join(timeout=30)


def test_metrics_scraped_during_a_burst_name_nobody_and_cover_every_family(live):
    app, base = live
    with app.app_context():  # residents and staff whose names and numbers must never reach a label
        cards = [factories.make_card(name=name, mobile=f"+9198765432{n:02d}")
                 for n, name in enumerate(("Kamla Devi", "Gurpreet Kaur", "Shabana Parveen"))]
        factories.make_staff("doctor", name="Dr. Anjali Mehta").presence = "available"
        db.session.commit()
        card_numbers = [card.number for card in cards]
    scrapes: list[str] = []
    burst_over = threading.Event()

    def scrape() -> None:
        answer = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=20)
        assert answer.status_code == 200
        scrapes.append(answer.text)

    def scrape_every_half_second() -> None:  # as Prometheus would, from the burst's first call on
        while not burst_over.wait(0.5):
            scrape()

    args = argparse.Namespace(calls=10, sms=4, seconds=4.0, base=base, public=base,
                              database_url=TEST_DATABASE.url(), auth_token=EMULATOR_AUTH_TOKEN, think=0.2,
                              wait_gap=1.0, seed=7, processes=2)
    result = run(args, app, drills=[(0.0, scrape_every_half_second)])
    burst_over.set()
    scrape()  # and once after, with everything counted

    assert len(result["ledger"].steps) >= args.calls and result["advice"]["unsent"] == 0
    with app.app_context():
        names = [n for (n,) in db.session.query(Patient.name)] + [n for (n,) in db.session.query(StaffUser.name)]
        numbers = [p.phone for p in result["plans"]] + [p.card for p in result["plans"] if p.card]
    numbers += card_numbers + [f"+9171{j:08d}" for j in range(args.sms)] + [caller.HELPLINE]
    secrets = [*names, *numbers, *(n.lstrip("+") for n in numbers), *(body for _, body in caller.SMS_TEXTS)]
    for text in scrapes:
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            labels = line.rpartition("}")[0] if "}" in line else ""
            assert not DIGITS.search(labels), line
            assert not any(secret in line for secret in secrets), line

    # During the burst: callers wait in the tier-1 queue while the webhooks are counted.
    during = [found for found in map(_families, scrapes[:-1])
              if any(s["queue"] == "tier1" and s.value > 0 for s in found["sampark_queue_waiting"])
              and "sampark_http_request_seconds" in found]
    after = _families(scrapes[-1])
    assert during
    for found in (*during, after):
        for family in ("sampark_http_request_seconds", "sampark_queue_waiting", "sampark_queue_longest_wait_seconds",
                       "sampark_queue_waiting_by_language", "sampark_emergencies_waiting", "sampark_jobs_queued", "sampark_job_lag_seconds",
                       "sampark_job_workers", "sampark_sweep_age_seconds", "sampark_db_pool_connections_in_use",
                       "sampark_db_pool_connections_max", "sampark_agents"):
            assert family in found, family
    webhooks = {(s["endpoint"], s["status"]) for s in after["sampark_http_request_seconds"]}
    assert {("telephony.voice", "200"), ("telephony_sms.sms", "200")} <= webhooks  # latency per endpoint and outcome
    sends = {(s["channel"], s["provider"], s["status"]) for s in after["sampark_messages_recent"]}
    assert sends and all(provider in ("twilio", "exotel") for _, provider, _ in sends)  # per status and provider
    assert any(s.value >= 1 for found in during for s in found["sampark_socketio_connections"])  # the dashboards
    assert all(s.value < 60 for s in after["sampark_sweep_age_seconds"])  # the sweeps ran during the burst


class _Sample(dict):
    """A sample's labels, and its value."""

    def __init__(self, labels: dict, value: float) -> None:
        super().__init__(labels)
        self.value = value


def _families(text: str) -> dict[str, list[_Sample]]:
    found: dict[str, list[_Sample]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in (family.name, f"{family.name}_count"):
                found.setdefault(family.name, []).append(_Sample(sample.labels, sample.value))
    return found
