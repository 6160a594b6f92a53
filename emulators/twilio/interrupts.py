"""What can stop a verb half-way: the exceptions the call worker raises out of `CallFlow.wait()`."""

from __future__ import annotations


class Hangup(Exception):
    """The call is over (caller hung up, <Hangup>, REST Status=completed)."""


class Redirected(Exception):
    """New TwiML must run now (REST Url update, queue member dequeued)."""

    def __init__(self, target: dict) -> None:
        super().__init__(target.get("url") or "twiml")
        self.target = target


class Kicked(Exception):
    """The call was taken out of the conference it was waiting in."""


class LeaveQueue(Exception):
    """<Leave> ran inside waitUrl TwiML."""


class Rejected(Exception):
    """<Reject>: the call ends unanswered with this status."""
