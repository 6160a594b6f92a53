"""Operator presence: available, on call, wrap-up, break, offline; and who can take the next case.

Presence is what a team lead watches and what the queue page shows as "operators available". The
database holds what was chosen; what counts (`effective`) is on call while the person holds a live case
or any phone leg of theirs is up (crm.cases.legs), whatever was last chosen or the screen shows: a
claim made through any client, or a call left connected after its case ended, is reflected without
every path having to remember presence. A wrap-up does not run out into "available" while a leg is up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from crm.cases import legs
from crm.helpline.live import events
from crm.models import AuditLog, Case, StaffSession, StaffUser
from crm.models.base import iso, utcnow
from crm.models.staff import PRESENCES
from crm.platform.errors import Refused
from crm.platform.extensions import db

WRAP_UP_DEFAULT = 60
OPERATOR_ROLES = ("operator",)


def wrap_up_seconds() -> int:
    """How long after an outcome an operator stays in wrap-up (WRAP_UP_SECONDS, default 60)."""
    return int(current_app.config.get("WRAP_UP_SECONDS", WRAP_UP_DEFAULT))


def live_cases(staff: StaffUser) -> list[Case]:
    """The cases this staff member is working right now (claimed, no outcome yet)."""
    query = select(Case).where(Case.assigned_to_id == staff.id, Case.status == "in_progress").order_by(Case.id)
    return list(db.session.scalars(query))


def set_presence(staff: StaffUser, presence: str, now: datetime | None = None) -> StaffUser:
    """Choose a presence; refused while holding a case, which must get an outcome first."""
    if presence not in PRESENCES:
        raise Refused("presence_refused", f"Presence must be one of {', '.join(PRESENCES)}.", 422)
    holding = live_cases(staff)
    on_leg = bool(legs.live_legs(staff.id))
    if presence == "on_call" and not holding and not on_leg:
        raise Refused("presence_refused", "On call is set by answering a case.", 409)
    if on_leg and presence != "on_call":
        legs.ensure_free(staff)  # refused: the phone says they are on a call
    if holding and presence != "on_call":
        refs = ", ".join(c.reference or str(c.id) for c in holding)
        raise Refused("presence_refused", f"You are working {refs}: resolve, escalate or schedule a call-back first.",
                      409)
    _write(staff, presence, now or utcnow())
    return staff


def start_wrap_up(staff: StaffUser, now: datetime) -> datetime:
    """After an outcome: wrap-up for the configured time, unless another case is still live."""
    until = now + timedelta(seconds=wrap_up_seconds())
    if not live_cases(staff):
        _write(staff, "wrap_up", now)
    return until


def sync(staff: StaffUser) -> bool:
    """Bring the stored presence in line with the cases: on call while holding one (a claim made by any
    client), available once nothing is held any more (a supervisor took over, the caller was gone)."""
    holding = bool(live_cases(staff))
    if holding and staff.presence != "on_call":
        _write(staff, "on_call", utcnow())
        return True
    if not holding and staff.presence == "on_call" and not legs.live_legs(staff.id):
        _write(staff, "available", utcnow())
        return True
    return False


def effective(staff: StaffUser, on_leg: bool | None = None, holding: bool | None = None) -> str:
    """What counts: on call while a live case is held or a leg is up, else what was chosen."""
    on_leg = bool(legs.live_legs(staff.id)) if on_leg is None else on_leg
    holding = bool(live_cases(staff)) if holding is None else holding
    return "on_call" if on_leg or holding else staff.presence


def wrap_up_ends(staff: StaffUser) -> datetime | None:
    """When this staff member's wrap-up runs out (None if not in wrap-up)."""
    if staff.presence != "wrap_up" or staff.presence_since is None:
        return None
    return staff.presence_since + timedelta(seconds=wrap_up_seconds())


def expire_wrap_ups(now: datetime) -> list[int]:
    """Make everyone whose wrap-up ran out available; returns their ids (one conditional UPDATE each)."""
    cutoff = now - timedelta(seconds=wrap_up_seconds())
    due = list(db.session.scalars(select(StaffUser.id).where(
        StaffUser.presence == "wrap_up", StaffUser.presence_since <= cutoff)))
    connected = legs.staff_on_legs(due) if due else set()
    changed = []
    for staff_id in due:
        if staff_id in connected:
            continue  # still on the phone: on call until the leg ends or they end it
        # Conditional: the operator may have chosen something else since the SELECT.
        done = db.session.execute(
            update(StaffUser).where(StaffUser.id == staff_id, StaffUser.presence == "wrap_up",
                                    StaffUser.presence_since <= cutoff)
            .values(presence="available", presence_since=now).execution_options(synchronize_session=False)).rowcount
        if done:
            changed.append(staff_id)
            db.session.get(StaffUser, staff_id, populate_existing=True)
    return changed


def counts(roles: tuple[str, ...] = OPERATOR_ROLES) -> dict[str, int]:
    """How many active operators are in each presence; anyone holding a live case or with a leg up counts as on call."""
    holding = set(db.session.scalars(select(Case.assigned_to_id).where(
        Case.status == "in_progress", Case.assigned_to_id.is_not(None)))) | legs.staff_on_legs()
    staff = db.session.execute(select(StaffUser.id, StaffUser.presence).where(
        StaffUser.active.is_(True), StaffUser.role.in_(roles))).all()
    result = dict.fromkeys(PRESENCES, 0)
    for staff_id, presence in staff:
        result["on_call" if staff_id in holding else presence] += 1
    return result


def logged_in_ids(now: datetime) -> set[int]:
    """Staff with a live session used within the idle limit (a desk left idle longer logs itself out)."""
    idle = timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))
    query = select(StaffSession.staff_id).where(StaffSession.ended_at.is_(None),
                                                StaffSession.last_seen_at > now - idle).distinct()
    return set(db.session.scalars(query))


def specialties_on_duty(now: datetime) -> set[str]:
    """The specialties with at least one doctor logged in and on duty now (general medicine for a doctor with none)."""
    rows = db.session.execute(select(StaffUser.id, StaffUser.specialty).where(
        StaffUser.role == "doctor", StaffUser.active.is_(True), StaffUser.on_duty.is_(True))).all()
    present = logged_in_ids(now)
    return {specialty or "general_medicine" for staff_id, specialty in rows if staff_id in present}


def summary(staff: StaffUser) -> dict:
    """This staff member's presence for the API: what counts, what they chose, their legs that are up; `set_by` names
    the supervisor who set it, and why."""
    up = legs.live_legs(staff.id)
    return {"presence": effective(staff, on_leg=bool(up)), "chosen": staff.presence, "since": iso(staff.presence_since),
            "wrap_up_ends": iso(wrap_up_ends(staff)), "legs": legs.as_json(up), "set_by": set_by(staff)}


def set_by(staff: StaffUser) -> dict | None:
    """The supervisor who set this staff member's present state, and their reason (None: they chose it)."""
    if staff.presence_since is None:
        return None
    row = db.session.execute(
        select(AuditLog.detail, StaffUser.name).join(StaffUser, StaffUser.id == AuditLog.staff_id)
        .where(AuditLog.action == "set_agent_state", AuditLog.at >= staff.presence_since,
               AuditLog.detail["agent"].as_integer() == staff.id)
        .order_by(AuditLog.id.desc()).limit(1)).first()
    if row is None or row.detail.get("after") != staff.presence:
        return None
    return {"name": row.name, "reason": row.detail.get("reason"), "state": staff.presence}


def announce(staff_ids: list[int]) -> None:
    """Tell tier-1 and supervisor dashboards, after the commit, that presence changed (ids and presence only)."""
    if not staff_ids:
        return
    ids = sorted(set(staff_ids))

    def payload() -> dict:
        staff = db.session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))
        return {"staff": [{"id": s.id, "presence": s.presence} for s in staff], "counts": counts()}

    # Their own room too: a doctor's page (which does not hear tier 1) learns a supervisor changed their state.
    events.publish("presence.changed", payload, lambda: ["tier1", "supervisors", *(f"staff:{i}" for i in ids)],
                   key=("presence", tuple(ids)))


def _write(staff: StaffUser, presence: str, now: datetime) -> None:
    if staff.presence != presence:
        staff.presence, staff.presence_since = presence, now
    elif presence == "wrap_up":
        staff.presence_since = now  # another outcome: the wrap-up starts again
    db.session.flush()
