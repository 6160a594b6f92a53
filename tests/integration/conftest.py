"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from tests.integration.test_reliability_redis import OwnRedis


@pytest.fixture
def redis_server(tmp_path):
    """A Redis server of the test's own (it may be stopped and started again), stopped afterwards."""
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()
