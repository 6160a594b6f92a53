"""Automatic call distribution: waiting tier-1 contacts are rung to agents, as TaskRouter or an Asterisk queue would.

Each pass walks the tier-1 queue in its one order (crm.cases.queue.QUEUE_ORDER: priority, then who waited longest)
and offers each contact not yet offered to the longest-idle agent whose skills fit it:
- the channel: a call to an agent who is available with no case and no phone leg up (crm.cases.legs); a text to an
  agent with no call, under their text capacity;
- the language: the caller's (Case.language) first; once they have waited LANGUAGE_WAIT_SECONDS (P1/P2 at once), an
  interpreter first, then anyone;
- not someone who let this contact ring out or turned it down in the last REJECTED_SECONDS.
The earlier contact always chooses first, so no contact is offered ahead of one more urgent or older that the same
agent could take. An offer lasts OFFER_SECONDS: accepting claims the case (crm.cases.lifecycle.claim: exactly one
winner); rejecting or letting it ring out frees it for the next agent, and ringing out puts the agent on break and
counts it against them (the supervisor sees it). Pulling a case ("Answer next", a click in the list) stays possible.

Offers live in case_offer, one per case and one per agent (both unique): two passes racing in two processes insert
one offer each at most, never two for one contact or one agent. The pass runs in the sweep and after a desk's read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from crm.cases import languages, legs, lifecycle, timeline
from crm.cases.queue import IS_WAITING, QUEUE_ORDER, TIER1
from crm.helpline import presence
from crm.helpline.live import events
from crm.models import Case, CaseEvent, CaseOffer, StaffUser
from crm.models.base import iso, utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db

OFFER_SECONDS = 20  # how long an offer rings before it goes to the next agent
LANGUAGE_WAIT_SECONDS = 60  # how long a caller waits for someone who speaks their language
REJECTED_SECONDS = 120  # an agent who turned a contact down (or let it ring out) is not offered it again for this long
MAX_PASS = 50  # contacts looked at in one pass


def settings() -> dict[str, int]:
    """The distribution's timings from the app's settings."""
    config = current_app.config
    return {"offer": int(config.get("OFFER_SECONDS", OFFER_SECONDS)),
            "language_wait": int(config.get("LANGUAGE_WAIT_SECONDS", LANGUAGE_WAIT_SECONDS)),
            "rejected": int(config.get("REJECTED_SECONDS", REJECTED_SECONDS))}


@dataclass
class Agent:
    """An agent as the pass sees them."""

    id: int
    languages: tuple[str, ...]
    interpreter: bool
    idle_since: datetime
    takes_calls: bool  # available, nothing held, no leg up
    text_room: int  # how many more texts they may hold


@dataclass(frozen=True)
class Contact:
    """A waiting contact as the pass sees it."""

    id: int
    voice: bool
    language: str
    priority: str
    waited: float  # seconds
    declined_by: frozenset[int]


def pick(contact: Contact, agents: list[Agent], language_wait: int) -> Agent | None:
    """The agent this contact is offered to, or None: fits the channel, did not decline it; a speaker of its
    language, longest idle first; past the language wait (at once for P1/P2) an interpreter, then anyone."""
    fit = [a for a in agents if a.id not in contact.declined_by and (a.takes_calls if contact.voice else a.text_room > 0)]
    fit.sort(key=lambda a: a.idle_since)
    speakers = [a for a in fit if contact.language in a.languages]
    if speakers:
        return speakers[0]
    if not languages.held_for_speaker(contact.priority, contact.waited, language_wait):
        return next((a for a in fit if a.interpreter), fit[0] if fit else None)
    return None


def plan(contacts: list[Contact], agents: list[Agent], language_wait: int) -> list[tuple[int, int]]:
    """(contact, agent) offers for contacts in queue order, each agent at most once per pass."""
    free = list(agents)
    offers = []
    for contact in contacts:
        agent = pick(contact, free, language_wait)
        if agent is not None:
            offers.append((contact.id, agent.id))
            free.remove(agent)
    return offers


def run(now: datetime | None = None) -> int:
    """One pass: settle offers that ran out or whose agent went away, then offer what waits. Returns new offers."""
    now = now or utcnow()
    timing = settings()
    _expire(now)
    agents = _agents()
    if not agents:
        return 0
    contacts = _contacts(now, timing["rejected"])
    made = 0
    for case_id, staff_id in plan(contacts, agents, timing["language_wait"]):
        made += _offer(case_id, staff_id, now, timing["offer"])
    return made


def _agents() -> list[Agent]:
    offered = select(CaseOffer.staff_id)
    staff = list(db.session.scalars(select(StaffUser).where(
        StaffUser.active.is_(True), StaffUser.role == "operator", StaffUser.presence.in_(("available", "on_call")),
        StaffUser.id.not_in(offered))))
    if not staff:
        return []
    ids = [s.id for s in staff]
    on_leg = legs.staff_on_legs(ids)
    held: dict[int, list[str]] = {}
    for staff_id, channel in db.session.execute(select(Case.assigned_to_id, Case.channel).where(
            Case.assigned_to_id.in_(ids), Case.status == "in_progress")):
        held.setdefault(staff_id, []).append(channel)
    agents = []
    for s in staff:
        if s.id in on_leg:
            continue
        mine = held.get(s.id, [])
        if "voice" in mine:
            continue
        agents.append(Agent(s.id, tuple(s.languages or ()), bool(s.interpreter), s.presence_since or s.created_at,
                            takes_calls=s.presence == "available" and not mine,
                            text_room=max(0, (s.text_capacity or 0) - len(mine))))
    return agents


def _contacts(now: datetime, rejected: int) -> list[Contact]:
    offered = select(CaseOffer.case_id)
    cases = list(db.session.execute(
        select(Case.id, Case.channel, Case.language, Case.priority, Case.queued_at)
        .where(Case.queue == TIER1, IS_WAITING, Case.id.not_in(offered)).order_by(*QUEUE_ORDER).limit(MAX_PASS)))
    if not cases:
        return []
    declined: dict[int, set[int]] = {}
    for case_id, staff_id in db.session.execute(select(CaseEvent.case_id, CaseEvent.staff_id).where(
            CaseEvent.case_id.in_([c.id for c in cases]), CaseEvent.kind.in_(("offer_rejected", "offer_missed")),
            CaseEvent.at > now - timedelta(seconds=rejected))):
        declined.setdefault(case_id, set()).add(staff_id)
    return [Contact(c.id, c.channel == "voice", c.language or "hi", c.priority or "P4",
                    (now - (c.queued_at or now)).total_seconds(), frozenset(declined.get(c.id, ())))
            for c in cases]


def _offer(case_id: int, staff_id: int, now: datetime, seconds: int) -> int:
    made = db.session.scalar(insert(CaseOffer).values(
        case_id=case_id, staff_id=staff_id, offered_at=now, expires_at=now + timedelta(seconds=seconds))
        .on_conflict_do_nothing().returning(CaseOffer.id))
    if made is None:
        return 0  # another pass offered this contact, or to this agent, first
    case = db.session.get(Case, case_id)
    timeline.add_event(case, "offered", staff_id=staff_id, seconds=seconds)
    _tell(staff_id, "offer.new", case_id)
    return 1


def _tell(staff_id: int, kind: str, case_id: int) -> None:
    events.publish(kind, lambda: {"case": case_id}, lambda: [f"staff:{staff_id}", "supervisors"],
                   key=(kind, staff_id, case_id))


def _expire(now: datetime) -> None:
    """Offers that ran out are missed (the agent goes on break, counted); offers to agents who went away (no longer
    available, on a leg) are withdrawn without blame; offers of contacts no longer waiting are dropped."""
    for offer in db.session.scalars(select(CaseOffer).order_by(CaseOffer.id).limit(500)).all():
        staff = db.session.get(StaffUser, offer.staff_id)
        case = db.session.get(Case, offer.case_id)
        waiting = case is not None and case.queue == TIER1 and case.status in ("queued", "callback")
        gone = staff is None or not staff.active or staff.presence not in ("available", "on_call") \
            or bool(legs.live_legs(staff.id))
        if waiting and not gone and offer.expires_at > now:
            continue
        if not _withdraw(offer):
            continue
        if waiting and not gone:
            _missed(case, staff, now)
        elif waiting:
            timeline.add_event(case, "offer_withdrawn", staff_id=offer.staff_id, why="agent away")
        if staff is not None:
            _tell(staff.id, "offer.ended", offer.case_id)


def _withdraw(offer: CaseOffer) -> bool:
    return bool(db.session.execute(delete(CaseOffer).where(CaseOffer.id == offer.id)
                                   .execution_options(synchronize_session=False)).rowcount)


def _missed(case: Case, staff: StaffUser, now: datetime) -> None:
    """Rang out: the contact goes to the next agent; the agent is put on break (nobody at the desk) and counted."""
    timeline.add_event(case, "offer_missed", staff_id=staff.id)
    db.session.execute(update(StaffUser).where(StaffUser.id == staff.id).values(
        offers_missed=StaffUser.offers_missed + 1, last_missed_at=now).execution_options(synchronize_session=False))
    db.session.refresh(staff)
    if staff.presence == "available":
        presence.set_presence(staff, "break", now)
    presence.announce([staff.id])


def current(staff: StaffUser) -> dict | None:
    """The offer ringing for this agent, for their desk (no phone number: the reference, channel, language, wait)."""
    offer = db.session.scalar(select(CaseOffer).where(CaseOffer.staff_id == staff.id))
    if offer is None:
        return None
    case = db.session.get(Case, offer.case_id)
    return {"case_id": case.id, "reference": case.reference, "channel": case.channel, "language": case.language,
            "priority": case.priority, "queued_at": iso(case.queued_at), "offered_at": iso(offer.offered_at),
            "expires_at": iso(offer.expires_at)}


def _take_offer(staff: StaffUser, case_id: int) -> None:
    gone = db.session.execute(delete(CaseOffer).where(CaseOffer.staff_id == staff.id, CaseOffer.case_id == case_id)
                              .execution_options(synchronize_session=False)).rowcount
    if not gone:
        raise Refused("offer_gone", "That offer has ended: it went to someone else or rang out.", 409)


def accept(staff: StaffUser, case_id: int) -> Case:
    """Take the offered contact: the offer goes and the case is claimed (one conditional UPDATE: one winner)."""
    _take_offer(staff, case_id)
    case = lifecycle.claim(case_id, staff)
    if case is None:
        raise Refused("claimed_by_other", "Someone else answered this case first.", 409)
    return case


def reject(staff: StaffUser, case_id: int, now: datetime | None = None) -> None:
    """Turn the offer down: it goes to the next agent at once; this agent is not offered it again for a while."""
    _take_offer(staff, case_id)
    case = db.session.get(Case, case_id)
    timeline.add_event(case, "offer_rejected", staff_id=staff.id)
    run(now)


def withdraw_for(case_id: int) -> None:
    """A contact taken by other means (pulled, moved) is no longer offered to anyone."""
    for offer in db.session.scalars(select(CaseOffer).where(CaseOffer.case_id == case_id)).all():
        if _withdraw(offer):
            _tell(offer.staff_id, "offer.ended", case_id)
