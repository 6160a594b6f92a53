"""Socket.IO connections: staff sessions only, each joined to the rooms of their role."""

from __future__ import annotations

import contextlib
import logging
import threading

import socketio as socketio_server
from flask_login import current_user
from flask_socketio import join_room
from redis.exceptions import RedisError

from crm.platform import metrics
from crm.platform.extensions import socketio
from crm.staff.auth.capabilities import can

log = logging.getLogger(__name__)

# Who hears which room follows what their role may do (crm.staff.auth.capabilities).
# Operators hear emergencies too: their "emergencies waiting" badge must move as fast as a doctor's alarm.
CAPABILITY_ROOMS = {"work_tier1": ("tier1", "emergency"), "watch_tier2": ("tier2", "emergency"), "supervise": ("supervisors",)}
# Who may connect at all: case work, or the card office (its imports report progress to the registrar's own room).
CONNECT_CAPABILITIES = ("read_cases", "card_office")


def rooms_of(staff, shown: list[str] | None = None) -> list[str]:
    """The rooms a staff member hears: their work's, their specialty's, their own.

    `shown`: the boards the page shows (its live client names them, e.g. ["tier1", "emergency"]); the page then
    hears only those of its rooms, and always its own. None: every room the staff member may hear.
    """
    rooms = [room for capability, names in CAPABILITY_ROOMS.items() if can(staff, capability) for room in names]
    if staff.role == "doctor" and staff.specialty:
        rooms.append(f"tier2:{staff.specialty}")
    if shown is not None:
        rooms = [room for room in rooms if room.split(":")[0] in shown]
    rooms.append(f"staff:{staff.id}")
    return list(dict.fromkeys(rooms))


def init_app() -> None:
    """Register the handlers on the Socket.IO server of the app being built.

    Flask-SocketIO binds a decorator-registered handler to whichever server exists at import time
    only; a second app (tests, or a worker building its own) would silently lack it.
    """
    socketio.on_event("connect", connect)
    socketio.on_event("disconnect", disconnect)


def connect(auth=None):
    """Refuse anyone without a logged-in staff session; put the rest in their rooms (those the page shows)."""
    if not current_user.is_authenticated or not any(can(current_user, c) for c in CONNECT_CAPABILITIES):
        return False  # Socket.IO answers the client with a connect_error
    for room in rooms_of(current_user, _shown(auth)):
        join_room(room)
    metrics.socket_connected(+1)
    return True


def disconnect(reason=None) -> None:
    """A connected dashboard went away (only accepted connections are counted, and only they disconnect)."""
    metrics.socket_connected(-1)


def _shown(auth) -> list[str] | None:
    """The boards a page asked for ({"rooms": [...]}), or None; a name it may not hear is simply not joined."""
    asked = auth.get("rooms") if isinstance(auth, dict) else None
    if not isinstance(asked, list):
        return None
    return [name for name in asked[:MAX_ROOMS_ASKED] if isinstance(name, str) and len(name) <= 40]


MAX_ROOMS_ASKED = 20  # a page shows a few boards; more names (or longer ones) from a client are not read
REREAD = "live.reread"  # to every dashboard of a web process whose Redis connection came back: read the board again
SUBSCRIBED_AFTER = 1.0  # seconds: the listener subscribes again right after it reconnects


class RedisBoardManager(socketio_server.RedisManager):
    """Socket.IO's Redis message queue, which tells this process's dashboards to read their board again whenever
    its connection to Redis is made again: events published while Redis was away never arrive, and a page still
    connected to this process (its Socket.IO connection never dropped) would otherwise keep a stale screen."""

    def _redis_connect(self):
        super()._redis_connect()
        self._connections = getattr(self, "_connections", 0) + 1
        if self._connections > 1 and self.server is not None:
            timer = threading.Timer(SUBSCRIBED_AFTER, self._tell_dashboards)
            timer.daemon = True
            timer.start()

    def _tell_dashboards(self) -> None:
        # Straight to this process's own clients (Redis may be flapping still); each reads over HTTP what it missed.
        self.emit(REREAD, {}, namespace="/", ignore_queue=True)

    _batch = threading.local()

    @contextlib.contextmanager
    def batched(self):
        """Publish the events emitted inside the block in one round trip to Redis, in their order (a step's
        events, a text's three: each published on its own was a round trip and a system call of its own)."""
        self._batch.messages = messages = []
        try:
            yield
        finally:
            self._batch.messages = None
            if messages:
                self._publish_all(messages)

    def _publish(self, data):
        messages = getattr(self._batch, "messages", None)
        if messages is None:
            return super()._publish(data)
        messages.append(data)
        return None

    def _publish_all(self, messages: list) -> None:
        if len(messages) == 1:
            super()._publish(messages[0])
            return
        for retries_left in (1, 0):  # as Socket.IO's own publish: once more on a new connection, then give up
            try:
                if not self.connected:
                    self._redis_connect()
                pipe = self.redis.pipeline(transaction=False)
                for data in messages:
                    pipe.publish(self.channel, self.json.dumps(data))
                pipe.execute()
                return
            except (RedisError, OSError) as exc:  # a lost event costs a dashboard nothing its next read restores
                log.error("cannot publish %d live events to Redis%s: %s", len(messages),
                          "; retrying" if retries_left else "; giving up", exc)
                self.connected = False
