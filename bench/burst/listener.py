"""Dashboards during the burst: a supervisor's Socket.IO client on each web instance, counting events.

Like the staff pages (static/js: WebSocket first, long-polling only if WebSocket fails), the client connects
over WebSocket: one connection per dashboard instead of a long-poll request every few seconds, which under
a burst waits behind the webhooks and times out. Like the pages, a dashboard that reconnects reads the
queue again over HTTP (what it missed while away is in the database, not replayed).
"""

from __future__ import annotations

import threading
from collections import Counter

import requests
import socketio

KINDS = ("case.opened", "case.emergency", "case.queued", "case.message", "case.updated", "case.callback")


class Dashboard:
    """One supervisor's browser: connects with a bearer token over WebSocket, remembers (event, case id) it received."""

    def __init__(self, base: str, token: str, transport: str = "websocket") -> None:
        self.base, self.token = base, token
        self.seen: Counter[str] = Counter()
        self.cases: dict[str, set[int]] = {kind: set() for kind in KINDS}
        self.lock = threading.Lock()
        self.connects = 0  # more than one: the dashboard lost its connection and missed what was sent meanwhile
        self.rereads: Counter[int] = Counter()  # HTTP status of each queue read after a reconnect
        self.client = socketio.Client(reconnection=True)
        for kind in KINDS:
            self.client.on(kind, self._handler(kind))
        self.client.on("connect", self._connected)
        self.client.connect(base, headers={"Authorization": f"Bearer {token}"}, wait_timeout=15,
                            transports=["websocket"] if transport == "websocket" else ["polling", "websocket"])

    def _connected(self) -> None:
        with self.lock:
            self.connects += 1
            again = self.connects > 1
        if again:  # back after a drop: read the truth again, as the pages do
            threading.Thread(target=self._reread, daemon=True).start()

    def _reread(self) -> None:
        try:
            status = requests.get(f"{self.base}/api/v1/queues/tier1", timeout=15,
                                  headers={"Authorization": f"Bearer {self.token}"}).status_code
        except requests.RequestException:
            status = 0
        with self.lock:
            self.rereads[status] += 1

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
