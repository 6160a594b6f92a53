"""The phone system as staff actions need it: connect a claimed caller, bring in a doctor, leave, call back.

The case domain never imports the Twilio edge: `telephony.init_app` installs its implementation here
when the app is built, so dependencies point one way (telephony -> crm). A failure of the phone system
is a `PhoneFailed`; the views report it without undoing the claim or acceptance it followed.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app

from crm.models import Case, StaffUser


class PhoneFailed(Exception):
    """The phone system refused or did not answer; `gone` when the caller had already hung up."""

    def __init__(self, message: str, gone: bool = False) -> None:
        super().__init__(message)
        self.message, self.gone = message, gone


class PhoneSystem(Protocol):
    """What the staff side asks of the phone system."""

    def connect(self, case: Case, staff: StaffUser) -> str:
        """After a claim: the caller and the staff member into the case's conference."""

    def bring_in_doctor(self, case: Case, doctor: StaffUser) -> str:
        """After an acceptance: the doctor into the caller's call."""

    def leave(self, case: Case, staff: StaffUser) -> bool:
        """Hang up this staff member's leg of the case's call."""

    def return_to_queue(self, case: Case) -> bool:
        """Take the caller out of the case's conference into the case's queue again; False when they are gone."""

    def call_back(self, case: Case, staff: StaffUser) -> None:
        """Call the citizen back into the case's conference with this staff member."""

    def join(self, case: Case, staff: StaffUser) -> str:
        """Ring this staff member into the case's live call ('joining'), or 'caller_gone'."""

    def monitor(self, case: Case, supervisor: StaffUser, mode: str, agent_sid: str | None, joined: bool) -> str | None:
        """Join the case's live conference as listener, coach or barger (or switch mode if `joined`);
        returns the supervisor's call sid when joining, None when the conference is over."""

    def stop_monitoring(self, case: Case, supervisor: StaffUser) -> None:
        """Take the supervisor out of the case's conference (already gone is fine)."""
    def hold(self, case: Case, staff: StaffUser, on: bool) -> bool:
        """Put the caller on hold with music, or resume; False when there is no live call."""

    def mute(self, case: Case, staff: StaffUser, on: bool) -> bool:
        """Mute or unmute this staff member's own leg; False when they are not on the call."""

    def end_call(self, case: Case, staff: StaffUser) -> bool:
        """End the case's call for everyone; False when there is none."""

    def access_token(self, staff: StaffUser) -> dict:
        """A browser phone token for this staff member."""


def system() -> PhoneSystem:
    """The phone system of this app (installed by the telephony package)."""
    return current_app.extensions["sampark_phone"]
