"""A unit of work's live events reach Redis together, in their order, in one round trip; Redis away loses them
quietly (dashboards read again when it is back), never failing the request that made them."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from crm.helpline.live.sockets import RedisBoardManager
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.redis


def _manager(channel: str) -> RedisBoardManager:
    return RedisBoardManager(REDIS_URL, channel=channel, write_only=True)


def _received(listener, count: int) -> list[str]:
    got = []
    while len(got) < count:
        message = listener.get_message(timeout=2)
        if message is None:
            break
        got.append(json.loads(message["data"])["event"])
    return got


@pytest.fixture
def channel():
    name = f"test-batches-{uuid.uuid4().hex}"
    listener = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(name)
    listener.get_message(timeout=1)
    yield name, listener
    listener.close()


def test_a_batch_arrives_whole_and_in_order_in_one_round_trip(channel):
    name, listener = channel
    manager = _manager(name)
    sent = []
    manager._redis_connect()
    real = manager.redis.pipeline
    manager.redis.pipeline = lambda **kw: sent.append("pipeline") or real(**kw)
    with manager.batched():
        for kind in ("case.opened", "case.message", "case.queued"):
            manager.emit(kind, {"id": 7, "status": "queued"}, to=["tier1"])
        assert _received(listener, 1) == []  # nothing leaves before the block ends
    assert _received(listener, 3) == ["case.opened", "case.message", "case.queued"]
    assert sent == ["pipeline"]


def test_outside_a_batch_each_event_leaves_at_once(channel):
    name, listener = channel
    manager = _manager(name)
    manager.emit("case.updated", {"id": 1, "status": "ivr"}, to=["supervisors"])
    assert _received(listener, 1) == ["case.updated"]


def test_redis_away_loses_the_batch_quietly(channel, caplog):
    manager = _manager(channel[0])
    manager.redis_url = "redis://127.0.0.1:1/0"  # nothing listens there
    manager.connected = False
    with manager.batched():
        manager.emit("case.opened", {"id": 1}, to=["tier1"])
        manager.emit("case.queued", {"id": 1}, to=["tier1"])
    assert "giving up" in caplog.text
