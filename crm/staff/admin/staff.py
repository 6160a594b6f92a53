"""Staff administration: create, edit, disable, reset, unlock, tokens, duty schedules; every action audited.

The pages (crm/staff/admin/views.py) and the command line (crm/platform/cli.py) call these, so a rule such as "the
helpline always keeps an active administrator" holds whichever way an account is changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select

from crm.citizens.grievances import desks as desk_rules
from crm.models import ApiToken, Appointment, Facility, Slot, StaffUser
from crm.models.base import DELHI, local, utcnow
from crm.models.staff import ROLES
from crm.platform import audit, phones
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.staff.auth import lockout, passwords, policy, tokens
from crm.staff.auth.capabilities import roles_for
from triage import specialties

PAGE_SIZE = 25
MAX_PAGE = 400
STATES = ("active", "disabled", "locked")
SCHEDULE_DAYS_AHEAD = 120  # how far ahead an administrator may open slots
# Whoever holds one of these roles can give a hospital system access to every record. An administrator who could
# open such an account, give the role or set its password from the browser could grant that access to themselves, so
# these are appointed on the server's command line (actor None), like the card signing keys.
APPOINTED_ON_SERVER = roles_for("grant_hospital_access")


@dataclass(frozen=True)
class StaffQuery:
    """What the staff list is filtered by: text (name or username), role, state."""

    text: str = ""
    role: str = ""
    state: str = ""


def parse_query(args) -> StaffQuery:
    """A StaffQuery from the list page's query string; unknown roles and states are ignored."""
    role = args.get("role", "")
    state = args.get("state", "")
    return StaffQuery(text=(args.get("q") or "").strip()[:64], role=role if role in ROLES else "",
                      state=state if state in STATES else "")


def search(query: StaffQuery, page: int = 1) -> tuple[list[StaffUser], bool]:
    """One page of staff (PAGE_SIZE, by name) matching `query`, and whether there is another page."""
    statement = select(StaffUser)
    if query.text:
        like = "%" + query.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(func.lower(StaffUser.name).like(like, escape="\\"),
                                        func.lower(StaffUser.username).like(like, escape="\\")))
    if query.role:
        statement = statement.where(StaffUser.role == query.role)
    if query.state == "active":
        statement = statement.where(StaffUser.active.is_(True))
    elif query.state == "disabled":
        statement = statement.where(StaffUser.active.is_(False))
    elif query.state == "locked":
        statement = statement.where(StaffUser.locked_until > utcnow())
    page = max(1, min(page, MAX_PAGE))
    rows = list(db.session.scalars(statement.order_by(func.lower(StaffUser.name), StaffUser.id)
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def state_of(staff: StaffUser) -> str:
    """'disabled', 'locked' or 'active', as the list shows it."""
    if not staff.active:
        return "disabled"
    return "locked" if lockout.locked_for(staff) else "active"


def one_time_password(username: str = "", name: str = "") -> str:
    """A random password that passes the policy, for the administrator to hand over once."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if policy.problem(candidate, username, name) is None:
            return candidate


def _specialty(role: str, specialty: str | None) -> str | None:
    specialty = (specialty or "").strip() or None
    if role != "doctor":
        if specialty:
            raise Refused("bad_staff", "Only doctors have a specialty.", 422)
        return None
    specialty = specialty or specialties.GENERAL
    if specialty not in specialties.CODES:
        raise Refused("bad_staff", f"Unknown specialty {specialty!r}.", 422)
    return specialty


def _desk(role: str, desk: str | None) -> str | None:
    """A grievance officer's desk (a section or a facility code), checked; nobody else has one."""
    desk = (desk or "").strip() or None
    if role != "officer":
        return None
    if desk is not None and not desk_rules.is_desk(desk):
        raise Refused("bad_staff", f"Unknown grievance desk {desk!r}: choose a section or a facility.", 422)
    return desk


def _desk_phone(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return phones.normalize(text)
    except phones.PhoneError as exc:
        raise Refused("bad_staff", f"Desk phone: {exc}", 422) from exc


def _name(text: str | None, fallback: str) -> str:
    name = " ".join((text or "").split())[:200]
    return name or fallback


def create(actor: StaffUser | None, username: str, role: str, name: str | None = None, specialty: str | None = None,
           desk_phone: str | None = None, password: str | None = None,
           desk: str | None = None) -> tuple[StaffUser, str | None]:
    """Create an account (flushed, audited); returns it and the generated password when none was given."""
    username = (username or "").strip().lower()
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise Refused("bad_staff", "A username is 1 to 64 letters, digits, dots, dashes or underscores.", 422)
    if role not in ROLES:
        raise Refused("bad_staff", f"Choose a role: {', '.join(ROLES)}.", 422)
    _on_server_only(actor, role)
    specialty = _specialty(role, specialty)
    phone = _desk_phone(desk_phone)
    name = _name(name, username)
    _desk(role, desk)  # refused before the account is made
    generated = None if password else one_time_password(username, name)
    try:
        staff = passwords.create_staff(username, role, password or generated, name=name, specialty=specialty)
    except passwords.StaffError as exc:
        raise Refused("bad_staff", str(exc), 422) from exc
    staff.desk_phone, staff.section = phone, _desk(role, desk)
    audit.record("staff_create", staff_id=_id(actor), target_staff_id=staff.id, username=staff.username, role=role,
                 specialty=specialty, desk_phone=bool(phone), desk=staff.section)
    db.session.flush()
    return staff, generated


def update(actor: StaffUser | None, staff: StaffUser, name: str | None, role: str, specialty: str | None,
           desk_phone: str | None, desk: str | None = None) -> dict:
    """Change name, role, specialty, desk phone and a grievance officer's desk (flushed, audited); returns what
    changed as {field: [old, new]} (the desk as `section`)."""
    if role not in ROLES:
        raise Refused("bad_staff", f"Choose a role: {', '.join(ROLES)}.", 422)
    if role != staff.role:
        _on_server_only(actor, role)
    wanted = {"name": _name(name, staff.name), "role": role, "specialty": _specialty(role, specialty),
              "desk_phone": _desk_phone(desk_phone), "section": _desk(role, desk)}
    changes = {k: [getattr(staff, k), v] for k, v in wanted.items() if getattr(staff, k) != v}
    if not changes:
        return {}
    if "role" in changes:
        _keep_an_admin(staff)
    for field, (_, new) in changes.items():
        setattr(staff, field, new)
    if "role" in changes and role != "doctor":
        staff.on_duty = False  # an emergency must not ring someone who is no longer a doctor
    shown = {k: (v if k != "desk_phone" else [bool(v[0]), bool(v[1])]) for k, v in changes.items()}
    audit.record("staff_update", staff_id=_id(actor), target_staff_id=staff.id, changes=shown)
    db.session.flush()
    return changes


def disable(actor: StaffUser | None, staff: StaffUser) -> None:
    """Disable an account: no login, sessions ended and tokens revoked at once (flushed, audited)."""
    if actor is not None and actor.id == staff.id:
        raise Refused("self", "You cannot disable your own account; ask another administrator.", 409)
    if not staff.active:
        return
    _keep_an_admin(staff)
    passwords.disable(staff, actor)
    staff.presence, staff.presence_since, staff.on_duty = "offline", utcnow(), False
    db.session.flush()


def enable(actor: StaffUser | None, staff: StaffUser) -> None:
    """Let a disabled account log in again (its old sessions and tokens stay ended); audited."""
    if staff.active:
        return
    staff.active = True
    lockout.record_success(staff)
    audit.record("staff_enable", staff_id=_id(actor), target_staff_id=staff.id)
    db.session.flush()


def reset_password(actor: StaffUser | None, staff: StaffUser, password: str | None = None) -> tuple[str | None, int]:
    """Set a new password (given, or generated and returned to be shown once); every session ends. Audited."""
    _on_server_only(actor, staff.role)
    generated = None if password else one_time_password(staff.username, staff.name)
    try:
        ended = passwords.set_password(staff, password or generated, actor)
    except passwords.StaffError as exc:
        raise Refused("bad_password", str(exc), 422) from exc
    db.session.flush()
    return generated, ended


def log_out_everywhere(actor: StaffUser | None, staff: StaffUser) -> int:
    """End every session of `staff` (audited by crm.staff.auth.passwords); returns how many ended."""
    ended = passwords.log_out_everywhere(staff, actor)
    if staff.presence not in ("offline",):
        staff.presence, staff.presence_since = "offline", utcnow()
    db.session.flush()
    return ended


def unlock(actor: StaffUser | None, staff: StaffUser) -> bool:
    """Clear a lock after repeated wrong passwords (audited); returns whether it was locked."""
    was_locked = lockout.unlock(staff, actor)
    db.session.flush()
    return was_locked


def tokens_of(staff: StaffUser) -> list[dict]:
    """The staff member's API tokens as shown to people (never the token itself); `delhi` has the page's dates."""
    def day(moment, fmt: str = "%d %b %Y") -> str | None:
        return local(moment).strftime(fmt) if moment else None

    return [{**tokens.describe(row), "delhi": {
        "created": day(row.created_at), "expires": day(tokens.expires_at(row)),
        "last_used": day(row.last_used_at, "%d %b %Y %H:%M")}} for row in tokens.of(staff)]


def revoke_token(actor: StaffUser | None, staff: StaffUser, token_id: int) -> ApiToken:
    """Revoke one of `staff`'s tokens at once (audited by crm.staff.auth.tokens)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.staff_id != staff.id:
        raise Refused("not_found", f"{staff.username} has no token {token_id}.", 404)
    return tokens.revoke(token_id, actor)


def add_schedule(actor: StaffUser | None, doctor: StaffUser, facility_id: int | None, day: str, start: str, end: str,
                 minutes: int) -> int:
    """Open appointment slots for a doctor on one day (crm.helpline.appointments.add_schedule), audited; returns new slots."""
    from crm.helpline import appointments

    facility = db.session.get(Facility, facility_id) if facility_id else None
    if facility is None:
        raise Refused("bad_schedule", "Choose the facility.", 422)
    try:
        when = date.fromisoformat(day)
        for text in (start, end):
            datetime.strptime(text, "%H:%M")
    except (TypeError, ValueError) as exc:
        raise Refused("bad_schedule", "Give the date as YYYY-MM-DD and the times as HH:MM.", 422) from exc
    today = local(utcnow()).date()
    if not today <= when <= today + timedelta(days=SCHEDULE_DAYS_AHEAD):
        raise Refused("bad_schedule", f"A schedule is for today or up to {SCHEDULE_DAYS_AHEAD} days ahead.", 422)
    made = appointments.add_schedule(doctor, facility, when, start, end, minutes)
    audit.record("schedule_add", staff_id=_id(actor), target_staff_id=doctor.id, facility=facility.code,
                 day=when.isoformat(), start=start, end=end, minutes=minutes, slots=made)
    return made


def schedule_of(doctor: StaffUser, days: int = 30) -> list[dict]:
    """The doctor's coming duty days: date, facility, first and last slot, slots and bookings (Delhi time)."""
    now = utcnow()
    booked = select(Appointment.slot_id).where(Appointment.status == "booked")
    rows = db.session.execute(
        select(Slot.starts_at, Slot.minutes, Slot.id.in_(booked), Facility.code, Facility.name)
        .join(Facility, Facility.id == Slot.facility_id)
        .where(Slot.doctor_id == doctor.id, Slot.starts_at >= now, Slot.starts_at < now + timedelta(days=days))
        .order_by(Slot.starts_at).limit(2000)).all()
    days_out: dict[tuple, dict] = {}
    for starts_at, minutes, is_booked, code, name in rows:
        moment = starts_at.astimezone(DELHI)
        entry = days_out.setdefault((moment.date(), code), {
            "day": moment.date(), "facility": name, "code": code, "first": moment, "last": moment, "slots": 0,
            "booked": 0})
        entry["last"] = moment + timedelta(minutes=minutes)
        entry["slots"] += 1
        entry["booked"] += 1 if is_booked else 0
    return list(days_out.values())


def facilities() -> list[Facility]:
    """Facilities a schedule can be at, by name (bounded)."""
    return list(db.session.scalars(select(Facility).order_by(Facility.name).limit(500)))


def _on_server_only(actor: StaffUser | None, role: str) -> None:
    if actor is not None and role in APPOINTED_ON_SERVER:
        raise Refused("on_server_only", f"A {role.replace('_', ' ')} is appointed, and their password set, on the server's "
                      f"command line (flask staff create USERNAME --role {role}; flask staff password USERNAME).", 403)


def _keep_an_admin(staff: StaffUser) -> None:
    """Refuse a change that would leave no active administrator (the rows are locked while checking)."""
    if staff.role != "admin" or not staff.active:
        return
    others = db.session.scalars(select(StaffUser.id).where(
        StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != staff.id).with_for_update()).all()
    if not others:
        raise Refused("last_admin", f"{staff.username} is the only active administrator: make another "
                      "administrator first, or nobody could manage accounts.", 409)


def _id(actor: StaffUser | None) -> int | None:
    return actor.id if actor is not None else None
