"""The live-event publisher thread: a web request hands its events over and answers; nothing is lost or reordered."""

from __future__ import annotations

import os
import threading

import pytest

from crm.live import publisher


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

    def emit(batch):
        if batch == ["bad"]:
            raise ConnectionError("redis down")
        emitted.append(batch)

    fresh_publisher.start(emit)
    fresh_publisher.hand_over(["bad"])
    fresh_publisher.hand_over(["good"])
    assert fresh_publisher.flush()
    assert emitted == [["good"]]


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
