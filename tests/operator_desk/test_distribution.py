"""Contacts are offered to agents (automatic call distribution): order, skills, accept, reject, ring-out."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.cases import lifecycle
from crm.helpline import distribution, presence
from crm.models import Call, Case, CaseEvent, CaseOffer, StaffUser
from crm.models.base import utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories
from tests.operator_desk.conftest import waiting_case

_sids = itertools.count(1)
T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def operator(languages=("hi", "en"), idle_minutes=1, interpreter=False, presence_="available", **fields):
    staff = factories.make_staff("operator")
    staff.languages, staff.interpreter = list(languages), interpreter
    staff.presence, staff.presence_since = presence_, utcnow() - timedelta(minutes=idle_minutes)
    for key, value in fields.items():
        setattr(staff, key, value)
    db.session.commit()
    return staff


def leg_up(staff: StaffUser, case: Case | None = None) -> Call:
    call = Call(sid=f"CA{next(_sids):032x}", case_id=case.id if case else None, staff_id=staff.id, purpose="staff",
                direction="outbound", status="in-progress", answered_at=utcnow())
    db.session.add(call)
    db.session.commit()
    return call


def offered_to(case: Case) -> int | None:
    return db.session.scalar(db.select(CaseOffer.staff_id).where(CaseOffer.case_id == case.id))


# ---- the plan, as a pure rule --------------------------------------------------------------------------------------

LANGS = st.sampled_from(["hi", "en", "pa", "ur"])
agents_st = st.lists(st.builds(
    lambda i, langs, interp, idle, calls, room: distribution.Agent(i, tuple(langs), interp, T0 - timedelta(seconds=idle),
                                                                   calls, room),
    st.integers(0, 0), st.lists(LANGS, min_size=1, max_size=4, unique=True), st.booleans(), st.integers(0, 3600),
    st.booleans(), st.integers(0, 3)), max_size=6)
contacts_st = st.lists(st.builds(
    lambda i, voice, lang, pri, waited: distribution.Contact(i, voice, lang, pri, waited, frozenset()),
    st.integers(0, 0), st.booleans(), LANGS, st.sampled_from(["P2", "P3", "P4"]), st.integers(0, 600)), max_size=8)


def _numbered(agents, contacts):
    for n, agent in enumerate(agents):
        agent.id = n + 1
    return agents, [c._replace(id=n + 1) if hasattr(c, "_replace") else distribution.Contact(
        n + 1, c.voice, c.language, c.priority, c.waited, c.declined_by) for n, c in enumerate(contacts)]


@settings(max_examples=300, deadline=None)
@given(agents_st, contacts_st)
def test_an_offer_never_goes_past_an_earlier_contact_the_same_agent_could_take(agents, contacts):
    agents, contacts = _numbered(agents, contacts)
    ordered = sorted(contacts, key=lambda c: (c.priority, -c.waited, c.id))  # the queue's order
    offers = distribution.plan(ordered, agents, 60)
    by_id = {a.id: a for a in agents}
    given_to = dict(offers)
    assert len(set(given_to.values())) == len(offers)  # an agent gets one offer a pass
    for position, contact in enumerate(ordered):
        if contact.id in given_to:
            agent = by_id[given_to[contact.id]]
            assert agent.takes_calls if contact.voice else agent.text_room > 0  # the channel fits
            continue
        # A contact left waiting: no agent it could have had went to anyone later in the queue.
        later = {given_to[c.id] for c in ordered[position + 1:] if c.id in given_to}
        assert all(distribution.pick(contact, [by_id[a]], 60) is None for a in later)


@settings(max_examples=200, deadline=None)
@given(agents_st, contacts_st)
def test_a_caller_gets_a_speaker_of_their_language_when_one_is_free(agents, contacts):
    agents, contacts = _numbered(agents, contacts)
    for contact in contacts:
        chosen = distribution.pick(contact, agents, 60)
        fits = [a for a in agents if a.takes_calls if contact.voice] if contact.voice else \
            [a for a in agents if a.text_room > 0]
        speakers = [a for a in fits if contact.language in a.languages]
        if speakers:
            assert chosen is not None and contact.language in chosen.languages
            assert chosen.idle_since == min(a.idle_since for a in speakers)  # the longest idle of them
        elif contact.waited < 60 and contact.priority not in ("P1", "P2"):
            assert chosen is None  # waits for a speaker, for now


# ---- on the database ----------------------------------------------------------------------------------------------


def test_the_longest_idle_fitting_agent_is_rung_and_accepting_claims(app):
    newer = operator(idle_minutes=1)
    older = operator(idle_minutes=9)
    case = waiting_case("voice")
    assert distribution.run() == 1
    db.session.commit()
    assert offered_to(case) == older.id
    assert distribution.current(older)["reference"] == case.reference and distribution.current(newer) is None
    with pytest.raises(Refused) as refused:
        distribution.accept(newer, case.id)
    assert refused.value.code == "offer_gone"
    taken = distribution.accept(older, case.id)
    assert (taken.status, taken.assigned_to_id) == ("in_progress", older.id)
    assert offered_to(case) is None


def test_a_punjabi_caller_waits_for_a_punjabi_speaker_then_an_interpreter(app):
    operator(languages=("hi", "en"), idle_minutes=30)
    interpreter = operator(languages=("hi",), idle_minutes=1, interpreter=True)
    case = waiting_case("voice", language="pa")
    assert distribution.run() == 0  # nobody speaks Punjabi; it has not waited long
    speaker = operator(languages=("pa", "hi"), idle_minutes=0)
    distribution.run()
    assert offered_to(case) == speaker.id
    distribution.reject(speaker, case.id)
    db.session.commit()
    assert offered_to(case) is None  # the speaker turned it down; the rest wait for the threshold
    case.queued_at = utcnow() - timedelta(seconds=distribution.LANGUAGE_WAIT_SECONDS + 1)
    db.session.commit()
    distribution.run()
    assert offered_to(case) == interpreter.id  # past the wait: an interpreter before the longer-idle operator


def test_an_urgent_caller_is_offered_at_once_whatever_the_language(app):
    only = operator(languages=("hi",))
    case = waiting_case("voice", priority="P2", language="ur")
    distribution.run()
    assert offered_to(case) == only.id


def test_an_offer_that_rings_out_goes_to_the_next_agent_and_marks_the_one_who_missed(app):
    first = operator(idle_minutes=9)
    second = operator(idle_minutes=1)
    case = waiting_case("voice")
    distribution.run()
    assert offered_to(case) == first.id
    later = utcnow() + timedelta(seconds=distribution.OFFER_SECONDS + 1)
    distribution.run(later)
    db.session.commit()
    assert offered_to(case) == second.id
    missed = db.session.get(StaffUser, first.id)
    assert (missed.presence, missed.offers_missed) == ("break", 1) and missed.last_missed_at is not None
    assert [e.staff_id for e in db.session.scalars(db.select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "offer_missed"))] == [first.id]


def test_an_offer_to_an_agent_who_went_away_is_withdrawn_without_blame(app):
    agent = operator()
    case = waiting_case("voice")
    distribution.run()
    agent.presence = "offline"  # logged out
    db.session.commit()
    distribution.run()
    db.session.commit()
    assert offered_to(case) is None and db.session.get(StaffUser, agent.id).offers_missed == 0


def test_priority_then_wait_decides_who_is_rung_first(app):
    agent = operator()
    old_routine = waiting_case("voice", priority="P4", queued_at=utcnow() - timedelta(minutes=10))
    urgent = waiting_case("voice", priority="P2")
    distribution.run()
    assert offered_to(urgent) == agent.id and offered_to(old_routine) is None


def test_texts_are_offered_up_to_the_agents_capacity_and_never_while_on_a_call(app):
    agent = operator(text_capacity=2)
    texts = [waiting_case("sms", queued_at=utcnow() - timedelta(minutes=5 - n)) for n in range(3)]
    for text in texts[:2]:
        distribution.run()
        distribution.accept(agent, text.id)
        presence.sync(agent)
        db.session.commit()
    distribution.run()
    assert offered_to(texts[2]) is None  # two held: at capacity
    other = operator()
    leg_up(other)
    distribution.run()
    assert offered_to(texts[2]) is None  # the other is on a call (a leg is up), whatever their presence says


def test_pull_stays_possible_and_the_offer_then_ends(app):
    rung = operator(idle_minutes=9)
    puller = operator(idle_minutes=1)
    case = waiting_case("voice")
    distribution.run()
    assert lifecycle.claim(case.id, puller) is not None
    db.session.commit()
    distribution.run()
    db.session.commit()
    assert offered_to(case) is None and db.session.get(StaffUser, rung.id).offers_missed == 0


def test_a_second_call_is_refused_while_a_leg_is_up(app):
    agent = operator()
    ended = waiting_case("voice")
    leg_up(agent, ended)
    case = waiting_case("voice")
    with pytest.raises(Refused) as refused:
        lifecycle.claim(case.id, agent)
    assert refused.value.code == "still_on_call" and ended.reference in refused.value.message
    with pytest.raises(Refused):
        lifecycle.claim_next(agent)
    assert presence.effective(agent) == "on_call"
    assert presence.counts()["on_call"] == 1


def test_a_wrap_up_does_not_run_out_into_available_while_the_leg_is_up(app):
    agent = operator(presence_="wrap_up")
    agent.presence_since = utcnow() - timedelta(hours=1)
    call = leg_up(agent)
    db.session.commit()
    assert presence.expire_wrap_ups(utcnow()) == []
    call.ended_at, call.status = utcnow(), "completed"
    db.session.commit()
    assert presence.expire_wrap_ups(utcnow()) == [agent.id]


def test_a_doctor_still_on_one_call_cannot_accept_another(app):
    from crm.cases import tier2

    doctor = factories.make_staff("doctor")
    first, second = waiting_case("voice"), waiting_case("voice")
    for case in (first, second):
        by = operator()
        tier2.escalate(lifecycle.claim(case.id, by), by, None, "urgent", "needs a doctor")
        db.session.commit()
    assert tier2.accept(first.id, doctor) is not None
    db.session.commit()
    leg_up(doctor, first)
    with pytest.raises(Refused) as refused:
        tier2.accept(second.id, doctor)
    assert refused.value.code == "still_on_call"
