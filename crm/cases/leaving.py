"""Someone leaves the floor (logout) with calls up: each of their legs is ended, left or handed back, explicitly.

- A finished case's call is ended for everyone: nobody else would talk to that caller.
- A call someone else is on (a doctor after the hand-over, a colleague) is left: the caller stays with them.
- A case they hold with nobody else on the call goes back to the queue it came from, keeping its place (tier 1 for
  an operator's, the doctors' queue for a doctor's; an emergency rings every doctor on duty again): their leg is hung
  up and the caller is taken out of the conference into that queue, where they hear the queue's prompts again and
  the next claim or acceptance connects them, instead of waiting alone in a silent conference.
"""

from __future__ import annotations

from crm.cases import legs, lifecycle, tier2, timeline
from crm.cases.status import ENDED, Status
from crm.models import Case, StaffUser
from crm.platform import phone
from crm.platform.extensions import db


def _holds(case: Case, staff: StaffUser) -> bool:
    return (case.status == Status.IN_PROGRESS and case.assigned_to_id == staff.id
            or case.status == Status.WITH_DOCTOR and case.doctor_id == staff.id)


def sign_off(staff: StaffUser, why: str = "logout") -> list[str]:
    """Settle every leg of `staff` as above; returns what was done per case ('end', 'leave', 'requeued', or 'failed'
    when the phone system did not answer: the sweep then settles the leg with the provider)."""
    done = []
    for case_id in sorted({leg.case_id for leg in legs.live_legs(staff.id) if leg.case_id}):
        case = db.session.get(Case, case_id)
        if case.status in ENDED:
            done.append(legs.settle(case, staff, "end", why))
        elif legs.others_on(case.id, staff.id) or not _holds(case, staff):
            done.append(legs.settle(case, staff, "leave", why))
        else:
            done.append(_hand_back(case, staff, why))
    return done


def _hand_back(case: Case, staff: StaffUser, why: str) -> str:
    """Their leg goes, the case goes back to its queue, and the caller (if still on the line) follows it there."""
    on_line = tier2.caller_on_line(case)
    left = legs.settle(case, staff, "leave", why)
    lifecycle.return_to_queue(case, staff, why)
    if not on_line:
        return left  # the next to take it calls the citizen back
    try:
        phone.system().return_to_queue(case)
    except phone.PhoneFailed:
        return "failed"  # on the timeline already; the caller stays in the conference, the case waits in the queue
    timeline.add_event(case, "caller_requeued", staff_id=staff.id, queue=case.queue, why=why)
    return "requeued"
