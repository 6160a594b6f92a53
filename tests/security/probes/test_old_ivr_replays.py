"""The earlier review's replayed IVR requests, on PostgreSQL by the same tests (tests/telephony/test_voice.py).

Twilio repeats a webhook whose answer was lost, and a forger may replay a signed one: the same call twice is one
case, a repeated or late key press changes nothing once the caller is queued or being worked, a call-back is
booked once, and status callbacks never move a call backwards. (tests/telephony/test_webhooks_pg.py runs every
voice test on PostgreSQL as well; these are the replays, kept in the probe suite so that it stands alone.)
"""

import pytest

from tests.security.probes.pg import app  # noqa: F401 (the fixture: each test on this module's PostgreSQL app)
from tests.telephony.test_voice import (  # noqa: F401
    test_a_repeated_or_late_ivr_step_enters_the_queue_once_and_never_changes_a_case_being_worked,
    test_pressing_one_twice_books_one_call_back,
    test_same_callsid_twice_is_one_call_one_case,
    test_status_callbacks_never_move_a_call_backwards,
)

pytestmark = [pytest.mark.pg, pytest.mark.usefixtures("cheap_passwords")]
APP_SETTINGS = {"JOBS_HOLD": True, "JOBS_EAGER": False}  # as tests/telephony/conftest.py's app
