"""Dashboards during the burst: a supervisor's Socket.IO client on each web instance, counting events."""

from __future__ import annotations

import threading
from collections import Counter

import socketio

KINDS = ("case.opened", "case.emergency", "case.queued", "case.message", "case.updated", "case.callback")


class Dashboard:
    """One supervisor's browser: connects with a bearer token (long-polling), remembers (event, case id) it received."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.seen: Counter[str] = Counter()
        self.cases: dict[str, set[int]] = {kind: set() for kind in KINDS}
        self.lock = threading.Lock()
        self.connects = 0  # more than one: the dashboard lost its connection and missed what was sent meanwhile
        self.client = socketio.Client(reconnection=True)
        for kind in KINDS:
            self.client.on(kind, self._handler(kind))
        self.client.on("connect", self._connected)
        self.client.connect(base, headers={"Authorization": f"Bearer {token}"}, wait_timeout=15)

    def _connected(self) -> None:
        with self.lock:
            self.connects += 1

    def _handler(self, kind: str):
        def received(data) -> None:
            with self.lock:
                self.seen[kind] += 1
                if isinstance(data, dict) and isinstance(data.get("id"), int):
                    self.cases[kind].add(data["id"])
        return received

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
