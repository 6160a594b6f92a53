"""The phone system the staff side uses (crm.platform.phone), done with Twilio through the real client."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioException, TwilioRestException

from crm.cases import timeline
from crm.models import Case, StaffUser
from crm.platform.phone import PhoneFailed
from telephony import call_control, connect, gateway, monitor, transfer

log = logging.getLogger(__name__)


class TwilioPhone:
    """crm.platform.phone.PhoneSystem on Twilio (or the emulator): Twilio's errors become PhoneFailed."""

    def connect(self, case: Case, staff: StaffUser) -> str:
        """After a claim: dequeue the caller (or call back) and ring the staff member."""
        return _guarded(connect.connect, case, staff)

    def bring_in_doctor(self, case: Case, doctor: StaffUser) -> str:
        """After an acceptance: warm transfer of the doctor into the caller's call."""
        return _guarded(transfer.bring_in_doctor, case, doctor)

    def leave(self, case: Case, staff: StaffUser) -> bool:
        """Hang up the staff member's leg; the others stay."""
        return _guarded(transfer.leave, case, staff)

    def return_to_queue(self, case: Case) -> bool:
        """Redirect the caller's call from the conference to the case's queue (its Enqueue again)."""
        return _guarded(lambda c, _staff: transfer.return_to_queue(c), case, None)

    def call_back(self, case: Case, staff: StaffUser) -> None:
        """Ring the citizen and the staff member into the case's conference."""
        return _guarded(transfer.call_back, case, staff)

    def join(self, case: Case, staff: StaffUser) -> str:
        """Ring the staff member into the case's conference while the caller is on the line."""
        return _guarded(transfer.join, case, staff)

    def monitor(self, case: Case, supervisor: StaffUser, mode: str, agent_sid: str | None, joined: bool) -> str | None:
        """Listen, whisper or barge on the case's conference (participant muted / coaching / unmuted)."""
        try:
            conference = monitor.live_conference_sid(case)
            if conference is None:
                return None
            if joined:
                monitor.change(conference, supervisor, mode, agent_sid)
                return ""
            return monitor.join(case, conference, supervisor, mode, agent_sid).sid
        except TwilioRestException as exc:
            raise PhoneFailed(f"Twilio refused: {exc.msg}"[:200]) from exc

    def stop_monitoring(self, case: Case, supervisor: StaffUser) -> None:
        """Leave the conference; a 404 means the supervisor is already out."""
        try:
            conference = monitor.live_conference_sid(case)
            if conference is not None:
                monitor.leave(conference, supervisor)
        except TwilioRestException as exc:
            if exc.status != 404:
                raise PhoneFailed(f"Twilio refused: {exc.msg}"[:200]) from exc
    def hold(self, case: Case, staff: StaffUser, on: bool) -> bool:
        """Hold or resume the caller (Conference Participant update)."""
        return _guarded(lambda c, s: call_control.hold_caller(c, s, on), case, staff)

    def mute(self, case: Case, staff: StaffUser, on: bool) -> bool:
        """Mute or unmute the staff member's leg."""
        return _guarded(lambda c, s: call_control.mute(c, s, on), case, staff)

    def end_call(self, case: Case, staff: StaffUser) -> bool:
        """End the conference: everyone is taken out."""
        return _guarded(call_control.end_call, case, staff)

    def access_token(self, staff: StaffUser) -> dict:
        """A Voice SDK token for the staff member's browser."""
        return gateway.access_token(staff)


def _guarded(action, case: Case, staff: StaffUser | None):
    """Run a phone action; a failure is written on the case timeline here, once, and raised as PhoneFailed."""
    try:
        return action(case, staff)
    except TwilioRestException as exc:
        failed = PhoneFailed(str(exc.msg)[:200], gone=exc.status == 404)
    except (TwilioException, OSError) as exc:
        failed = PhoneFailed(f"The phone system did not answer: {exc}"[:200])
    log.warning("phone action %s failed on case %s: %s", getattr(action, "__name__", "call control"), case.id,
                failed.message)
    timeline.add_event(case, "connect_failed", staff_id=staff.id if staff else None, error=failed.message)
    raise failed
