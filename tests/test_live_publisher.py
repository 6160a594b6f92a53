"""The live-event publisher thread: a web request hands its events over and answers; nothing is lost or reordered."""

from __future__ import annotations

import os
import threading

import pytest

from crm.platform import publisher


@pytest.fixture
def fresh_publisher(monkeypatch):
    monkeypatch.setattr(publisher, "_queue", None)
    monkeypatch.setattr(publisher, "_pid", None)
    yield publisher


def test_without_a_thread_the_caller_emits_itself(fresh_publisher):
    assert not fresh_publisher.running()
    assert fresh_publisher.hand_over([("case.updated", {"id": 1}, ["tier1"])]) is False
    assert fresh_publisher.flush() is True


def test_batches_are_emitted_in_order_off_the_request_thread(fresh_publisher):
    emitted, threads, gate = [], set(), threading.Event()

    def emit(batch):
        gate.wait(5)
        threads.add(threading.current_thread().name)
        emitted.extend(kind for kind, _payload, _rooms in batch)

    fresh_publisher.start(emit)
    for n in range(200):
        assert fresh_publisher.hand_over([(f"e{n}a", {}, []), (f"e{n}b", {}, [])])
    assert emitted == []  # handed over: the caller did not wait for the emit
    gate.set()
    assert fresh_publisher.flush()
    assert emitted == [f"e{n}{part}" for n in range(200) for part in "ab"]
    assert threads == {"sampark-live-publisher"}


def test_a_failing_emit_does_not_stop_the_thread(fresh_publisher):
    emitted = []

    def emit(events):
        if "bad" in events:
            raise ConnectionError("redis down")
        emitted.extend(events)

    fresh_publisher.start(emit)
    fresh_publisher.hand_over(["bad"])
    assert fresh_publisher.flush()
    fresh_publisher.hand_over(["good"])
    assert fresh_publisher.flush()
    assert emitted == ["good"]


def test_what_is_handed_over_meanwhile_leaves_in_one_emit_and_the_work_after_it(fresh_publisher):
    sent, busy, gate = [], threading.Event(), threading.Event()
    fresh_publisher.start(sent.append)
    fresh_publisher.hand_over_work(lambda: (busy.set(), gate.wait(5)))
    assert busy.wait(5)  # the thread is busy: what follows waits for it
    for n in range(5):  # five requests' events and send jobs
        fresh_publisher.hand_over([f"e{n}a", f"e{n}b"])
        fresh_publisher.hand_over_work(lambda n=n: sent.append(f"job {n}"))
    gate.set()
    assert fresh_publisher.flush()
    assert sent == [[f"e{n}{part}" for n in range(5) for part in "ab"], *[f"job {n}" for n in range(5)]]


def test_a_full_queue_makes_the_caller_emit_itself(fresh_publisher, monkeypatch):
    monkeypatch.setattr(publisher, "MAX_WAITING", 2)
    gate = threading.Event()
    fresh_publisher.start(lambda batch: gate.wait(5))
    results = [fresh_publisher.hand_over([n]) for n in range(6)]
    gate.set()
    assert results[-1] is False  # back-pressure: the request emits inline, nothing is dropped
    assert fresh_publisher.flush()


def test_a_forked_child_has_no_publisher(fresh_publisher, monkeypatch):
    fresh_publisher.start(lambda batch: None)
    assert fresh_publisher.running()
    monkeypatch.setattr(os, "getpid", lambda: -1)
    assert not fresh_publisher.running()
    assert fresh_publisher.hand_over([1]) is False


@pytest.mark.redis
def test_texts_send_jobs_are_queued_by_the_publisher_thread_after_the_answer_together(fresh_publisher, tmp_path, monkeypatch):
    from redis import Redis
    from rq import Queue

    from crm.helpline.live import events
    from crm.models import Message
    from crm.platform.extensions import db
    from crm.platform.jobs import RqRunner
    from tests.conftest import REDIS_URL, make_app
    from tests.telephony import twilio_sign
    from tests.telephony.conftest import sid

    Redis.from_url(REDIS_URL).flushdb()
    app = make_app(tmp_path, REDIS_URL=REDIS_URL, JOBS_EAGER=False)
    queued_by = []
    real_enqueue = RqRunner.enqueue_new

    def enqueue_new(self, jobs):
        queued_by.append((threading.current_thread().name, len(jobs)))
        return real_enqueue(self, jobs)

    monkeypatch.setattr(RqRunner, "enqueue_new", enqueue_new)
    gate = threading.Event()
    fresh_publisher.start(events.emit_all)
    fresh_publisher.hand_over_work(lambda: gate.wait(5))  # the thread is busy with what came before
    queue = Queue("default", connection=Redis.from_url(REDIS_URL))
    with app.app_context():
        db.create_all()
        client, answers = app.test_client(), []
        for n in (2, 3):  # two citizens text at once: two replies to send
            answers.append(twilio_sign.post(client, "/telephony/sms", {
                "MessageSid": sid("SM"), "AccountSid": "AC" + "0" * 32, "From": f"+91981000000{n}",
                "To": "+911800112233", "Body": "bukhar hai teen din se", "NumMedia": "0"}))
        assert [a.status_code for a in answers] == [200, 200] and queue.count == 0  # answered; no job queued yet
        gate.set()
        assert fresh_publisher.flush()
        replies = db.session.scalars(db.select(Message).where(Message.direction == "outbound")
                                     .order_by(Message.id)).all()
        assert sorted(queue.job_ids) == sorted(f"sms-{reply.id}" for reply in replies)
        assert all(reply.status == "pending" for reply in replies)
        assert queued_by == [("sampark-live-publisher", 2)]  # both in one round trip, off the request threads
        # each job logs under the request id of the webhook that queued it
        assert sorted(queue.fetch_job(f"sms-{r.id}").meta["request_id"] for r in replies) == \
            sorted(a.headers["X-Request-Id"] for a in answers)
    Redis.from_url(REDIS_URL).flushdb()
