"""Socket.IO connections: staff sessions only, each joined to the rooms of their role."""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import join_room

from crm.auth.capabilities import can
from crm.extensions import socketio

# Who hears which room follows what their role may do (crm.auth.capabilities).
# Operators hear emergencies too: their "emergencies waiting" badge must move as fast as a doctor's alarm.
CAPABILITY_ROOMS = {"work_tier1": ("tier1", "emergency"), "watch_tier2": ("tier2", "emergency"), "supervise": ("supervisors",)}
# Who may connect at all: case work, or the card office (its imports report progress to the registrar's own room).
CONNECT_CAPABILITIES = ("read_cases", "card_office")


def rooms_of(staff) -> list[str]:
    """The rooms a staff member hears: their work's, their specialty's, their own."""
    rooms = [room for capability, names in CAPABILITY_ROOMS.items() if can(staff, capability) for room in names]
    if staff.role == "doctor" and staff.specialty:
        rooms.append(f"tier2:{staff.specialty}")
    rooms.append(f"staff:{staff.id}")
    return rooms


def init_app() -> None:
    """Register the handlers on the Socket.IO server of the app being built.

    Flask-SocketIO binds a decorator-registered handler to whichever server exists at import time
    only; a second app (tests, or a worker building its own) would silently lack it.
    """
    socketio.on_event("connect", connect)


def connect(auth=None):
    """Refuse anyone without a logged-in staff session; put the rest in their rooms."""
    if not current_user.is_authenticated or not any(can(current_user, c) for c in CONNECT_CAPABILITIES):
        return False  # Socket.IO answers the client with a connect_error
    for room in rooms_of(current_user):
        join_room(room)
    return True
