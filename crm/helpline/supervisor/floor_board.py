"""The live board: today's figures per queue, who waits now, and every operator and doctor.

What the supervisor page, the wallboard and GET /api/v1/supervisor/board show; socket events only say
"look again". The day's figures come from the kept sums (kept.py: the same cost on a quiet or a busy day);
who waits and every agent's state are read fresh. Agents carry a case reference, never patient data.
"""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import Integer, bindparam, select

from crm.cases import floor
from crm.cases.legs import staff_on_legs
from crm.cases.queue import EMERGENCY, QUEUE_ORDER
from crm.cases.status import WAITING_FOR_DOCTOR
from crm.helpline import presence
from crm.helpline.supervisor import kept, kpis, languages
from crm.helpline.supervisor import offers as timeline
from crm.models import Case, StaffUser
from crm.models.base import iso
from crm.platform import direct_sql
from crm.platform.extensions import db

AGENT_ROLES = ("operator", "doctor")
# A doctor chooses duty, not a presence: off a call the floor says whether they are on duty (logged in) or not.
DOCTOR_STATES = ("on_duty", "off_duty")
MAX_AGENTS = 500
AGENT_COLUMNS = (StaffUser.id, StaffUser.name, StaffUser.role, StaffUser.specialty, StaffUser.presence,
                 StaffUser.presence_since, StaffUser.on_duty, StaffUser.sound_on, languages.SPOKEN, StaffUser.offers_missed,
                 StaffUser.last_missed_at)
_AGENTS = (select(*AGENT_COLUMNS).where(StaffUser.active.is_(True), StaffUser.role.in_(AGENT_ROLES))
           .order_by(StaffUser.role.desc(), StaffUser.name).limit(MAX_AGENTS))
_LIVE = select(Case.id, Case.assigned_to_id, Case.doctor_id, Case.status, Case.claimed_at, Case.accepted_at,
               Case.channel).where(timeline.status_in(("in_progress", "with_doctor")))
MAX_WAITING = 100


def read(now: datetime) -> dict:
    """Everything the supervisor board shows at `now`."""
    day = kpis.today(now)
    figures = kept.day_figures(day, now)
    # Who works a case and who is on a leg, read once for the agents and the languages' speakers available.
    current, on_leg = _current_cases(), staff_on_legs()  # the phone is the truth (everyone on a leg: by index)
    waiting = kpis.waiting(now)
    values = kpis.settings()
    queues = []
    for name in kpis.QUEUES:
        row = figures["queues"][name] | waiting[name]
        row["status"] = kpis.rag(row, waiting[name], values)
        queues.append(row)
    return {
        "day": day.isoformat(), "at": iso(now), "queues": queues,
        "first_contact_resolution": figures["first_contact_resolution"],
        "callbacks_requested": figures["callbacks_requested"],
        "short_abandon_seconds": figures["short_abandon_seconds"],
        "abandon_target_percent": figures["abandon_target_percent"],
        "agents": (people := agents(figures["agents"], now, current, on_leg)),
        "doctors": doctor_counts(people),
        "languages": languages.by_language(figures["languages"], now, on_leg | _operators_working(current)),
        "languages_definition": languages.DEFINITION,
        "waiting_cases": (waiting_list := waiting_cases(now)),
        "unaccepted_emergencies": unaccepted_emergencies(waiting_list, values["SL_EMERGENCY_SECONDS"]),
        "emergency_threshold_seconds": values["SL_EMERGENCY_SECONDS"],
        "queue_names": list(floor.queues()),
        "definitions": kpis.DEFINITIONS,
    }


def unaccepted_emergencies(waiting_list: list[dict], threshold: int) -> list[dict]:
    """Emergencies no doctor has accepted that have waited past the emergency threshold: the floor's alert."""
    return [c for c in waiting_list if (c["queue"] == EMERGENCY or c["priority"] == "P1")
            and c["waited"] is not None and c["waited"] > threshold]


def doctor_counts(people: list[dict]) -> dict[str, int]:
    """How many doctors are logged in, on duty (and logged in), with sound on, and on a call."""
    doctors = [a for a in people if a["role"] == "doctor"]
    return {"logged_in": sum(a["logged_in"] for a in doctors),
            "on_duty": sum(a["logged_in"] and a["on_duty"] for a in doctors),
            "sound_on": sum(a["logged_in"] and a["on_duty"] and a["sound_on"] for a in doctors),
            "on_call": sum(a["on_a_call"] for a in doctors)}


def waiting_cases(now: datetime, limit: int = MAX_WAITING) -> list[dict]:
    """Cases waiting in any queue now, most urgent first: what floor control moves and raises (no patient data)."""
    # The columns shown, not ORM objects (as for the agents below).
    found = direct_sql.run_on(db.session.connection(), _waiting_query(floor.queues()), {"limit": limit}).all()
    return [{"id": case_id, "reference": f"SMP-{case_id:05d}", "queue": queue, "priority": priority,
             "channel": channel, "status": status, "waited": (now - queued_at).total_seconds() if queued_at else None}
            for case_id, queue, priority, channel, status, queued_at in found]


@functools.cache
def _waiting_query(queues: tuple[str, ...]):
    return (select(Case.id, Case.queue, Case.priority, Case.channel, Case.status, Case.queued_at)
            .where(timeline.status_in(WAITING_FOR_DOCTOR), Case.doctor_id.is_(None), Case.queue.in_(queues))
            .order_by(*QUEUE_ORDER).limit(bindparam("limit", type_=Integer)))


def agents(handled: dict[int, dict], now: datetime, current: dict[int, tuple], on_leg: set[int]) -> list[dict]:
    """Every active operator and doctor: state and time in it, current case (`current`: _current_cases), cases today,
    handle time; `on_leg`: those with a phone leg up."""
    # Rows of the columns shown, not ORM objects: building 500 of those cost more than the rest of the refresh.
    staff = direct_sql.run_on(db.session.connection(), _AGENTS, {}).all()
    signed_in = presence.logged_in_ids(now)
    on_duty_state, off_duty_state = DOCTOR_STATES
    result = []
    append = result.append
    for (person_id, name, role, specialty, chosen, chosen_since, on_duty, sound_on, spoken, missed,
         last_missed) in staff:
        case = current.get(person_id)
        leg = person_id in on_leg
        logged_in = person_id in signed_in
        state = "on_call" if case or leg else chosen
        since = case[1] if case and chosen != "on_call" else chosen_since
        if role == "doctor" and not case:  # doctors choose duty, not a presence: say what is true of them
            state = "on_call" if leg else on_duty_state if logged_in and on_duty \
                else off_duty_state if logged_in else "offline"
            since = chosen_since if state == "offline" else since
        sums = handled.get(person_id)
        append({
            "id": person_id, "name": name, "role": role, "specialty": specialty,
            "state": state, "since": iso(since),
            "seconds_in_state": round((now - since).total_seconds()) if since else None,
            "case": case[0] if case else None, "case_id": case[2] if case else None,
            "on_the_phone": bool(case and case[3] == "voice"),
            "cases_today": sums["answered"] if sums else 0,
            "average_handle_time": kpis.mean_of(sums["handle_us"], sums["handle_n"]) if sums else None,
            "logged_in": logged_in, "on_duty": bool(on_duty), "sound_on": bool(sound_on),
            "on_a_call": leg,
            # A logged-in doctor on duty whose page cannot sound the emergency alarm (sound not switched on).
            "sound_off": role == "doctor" and logged_in and on_duty and not sound_on,
            "on_a_leg": leg, "languages": spoken,
            # Offers rung to them that rang out (crm.helpline.distribution), and when the last one did.
            "offers_missed": missed, "last_missed_at": iso(last_missed),
        })
    return result


def _operators_working(current: dict[int, tuple]) -> set[int]:
    """Of `current`, the operators holding a case (in progress)."""
    return {staff_id for staff_id, case in current.items() if case[4] == "in_progress"}


def _current_cases() -> dict[int, tuple[str, datetime | None, int, str, str]]:
    """Staff id -> (reference, since, case id, channel, status) of the case they are working now."""
    live = direct_sql.run_on(db.session.connection(), _LIVE, {}).all()
    found = {}
    for case_id, operator, doctor, status, claimed, accepted, channel in live:
        reference = f"SMP-{case_id:05d}"
        if status == "in_progress" and operator:
            found[operator] = (reference, claimed, case_id, channel, status)
        if status == "with_doctor" and doctor:
            found[doctor] = (reference, accepted, case_id, channel, status)
    return found


def public_view(board: dict) -> dict:
    """The wallboard's share of the board: queue figures and agent counts, no names, no cases."""
    states: dict[str, int] = {}
    for agent in board["agents"]:
        states[agent["state"]] = states.get(agent["state"], 0) + 1
    return {"day": board["day"], "at": board["at"], "queues": board["queues"],
            "first_contact_resolution": board["first_contact_resolution"], "agents": states,
            "doctors": board["doctors"], "unaccepted_emergencies": len(board["unaccepted_emergencies"]),
            "emergency_threshold_seconds": board["emergency_threshold_seconds"], "definitions": board["definitions"]}
