"""A case's states and the transitions between them: the one table every change of state obeys.

A transition names the states it may start from. A request that arrives late or twice (a replayed
webhook, a double click, a second doctor) finds the case in a state the transition does not start
from and is refused, so state only ever moves forward.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Status(StrEnum):
    """Where a case is. Stored as its text value."""

    IVR = "ivr"  # choosing in the phone menu
    QUEUED = "queued"  # waiting for an operator, or for a doctor in the emergency queue
    CALLBACK = "callback"  # asked to be called back (keeps its place), or a call-back is scheduled
    IN_PROGRESS = "in_progress"  # an operator is working it
    ESCALATED = "escalated"  # waiting for a doctor of its queue
    WITH_DOCTOR = "with_doctor"  # a doctor accepted it
    RESOLVED = "resolved"  # an outcome was given; closes when the wrap-up ends
    ABANDONED = "abandoned"  # the caller hung up before anyone answered
    CLOSED = "closed"


S = Status
OPEN = frozenset({S.IVR, S.QUEUED, S.CALLBACK, S.IN_PROGRESS, S.ESCALATED, S.WITH_DOCTOR})
ENDED = frozenset({S.RESOLVED, S.ABANDONED, S.CLOSED})
WAITING = frozenset({S.QUEUED, S.CALLBACK})  # in a queue, claimable
TAKEN = frozenset({S.IN_PROGRESS, S.WITH_DOCTOR})  # someone is talking to the caller
WAITING_FOR_DOCTOR = frozenset({S.QUEUED, S.CALLBACK, S.ESCALATED})  # in the emergency or a tier-2 queue
# After the outcome the assessment is closed, but notes and replies can still be added.
WORKED = frozenset({S.IN_PROGRESS, S.RESOLVED, S.ESCALATED, S.WITH_DOCTOR, S.CALLBACK})


class Transition(NamedTuple):
    """A change of state: the states it may start from, the state it leads to (None: unchanged)."""

    sources: frozenset[Status]
    target: Status | None
    verb: str  # for the refusal: "Case SMP-00042 is closed; it cannot be <verb> now."


TRANSITIONS: dict[str, Transition] = {
    "enter_queue": Transition(frozenset({S.IVR, S.QUEUED}), S.QUEUED, "queued"),
    # The caller chose in the phone menu (or typed their card): into tier 1, once; a repeated step finds it queued.
    "leave_menu": Transition(frozenset({S.IVR}), S.QUEUED, "queued"),
    "declare_emergency": Transition(frozenset({S.IVR, S.QUEUED, S.CALLBACK, S.IN_PROGRESS}), S.QUEUED,
                                    "declared an emergency"),
    "request_callback": Transition(frozenset({S.QUEUED}), S.CALLBACK, "given a call-back"),
    # Twilio's fallback told the caller "we will call you back" (from the menu or a queue).
    "promise_callback": Transition(frozenset({S.IVR, S.QUEUED}), S.CALLBACK, "promised a call-back"),
    "claim": Transition(WAITING, S.IN_PROGRESS, "answered"),
    "escalate": Transition(frozenset({S.IN_PROGRESS, S.QUEUED, S.CALLBACK}), S.ESCALATED, "escalated"),
    "accept": Transition(frozenset({S.ESCALATED, S.QUEUED, S.CALLBACK}), S.WITH_DOCTOR, "accepted"),
    "refer": Transition(frozenset({S.WITH_DOCTOR}), S.ESCALATED, "referred"),
    "resolve": Transition(frozenset({S.IN_PROGRESS}), S.RESOLVED, "resolved"),
    "schedule_callback": Transition(frozenset({S.IN_PROGRESS}), S.CALLBACK, "given a call-back"),
    "release_callback": Transition(frozenset({S.CALLBACK}), None, "put back in the queue"),
    "complete": Transition(frozenset({S.WITH_DOCTOR}), S.RESOLVED, "completed"),
    "abandon": Transition(frozenset({S.IVR, S.QUEUED}), S.ABANDONED, "abandoned"),
    "caller_gone_before_answer": Transition(frozenset({S.IN_PROGRESS}), S.ABANDONED, "abandoned"),
    "close": Transition(frozenset({S.RESOLVED}), S.CLOSED, "closed"),
    # The one who had the caller left the floor mid-call (logout) with nobody else on it: the caller goes back to the
    # queue they came from, keeping their place, instead of staying alone in a silent conference.
    "return_to_queue": Transition(frozenset({S.IN_PROGRESS}), S.QUEUED, "put back in the queue"),
    "return_to_doctors": Transition(frozenset({S.WITH_DOCTOR}), S.ESCALATED, "handed back to the doctors"),
    "take_over": Transition(frozenset({S.IN_PROGRESS, S.WITH_DOCTOR}), None, "taken over"),
    "reassign": Transition(frozenset({S.IN_PROGRESS, S.WITH_DOCTOR}), None, "reassigned"),
    "move_queue": Transition(frozenset({S.QUEUED, S.CALLBACK, S.ESCALATED}), None, "moved"),
    "raise_priority": Transition(OPEN, None, "re-prioritised"),
}


def can(transition: str, status: str) -> bool:
    """Whether `transition` may start from `status`."""
    return status in TRANSITIONS[transition].sources
