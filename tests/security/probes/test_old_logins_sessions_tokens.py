"""The earlier review's login, session and token attacks, replayed on PostgreSQL by the same tests.

The tests are tests/security's and tests/test_auth.py's own, imported, so each attack is written once: here they
run on this module's PostgreSQL app (the `app` fixture of tests/security/probes/pg.py). A guessed password locks
the account, a copied cookie is dead after logout, a revoked, expired, forged or junk token opens nothing.
The per-address limits (test_logins.py's _limited_app) build their own SQLite app and are not replayed.
"""

import pytest

from tests.security.probes.pg import app  # noqa: F401 (the fixture: each test on this module's PostgreSQL app)
from tests.security.test_logins import (  # noqa: F401
    test_a_guessed_account_locks_but_colleagues_at_the_same_desk_log_in,
    test_a_locked_account_refuses_even_the_right_password_and_says_why,
    test_a_password_reset_follows_the_policy,
    test_an_admin_resets_a_password_from_the_command_line,
    test_an_admin_unlocks_from_the_command_line,
    test_common_passwords_are_refused,
    test_every_login_failed_or_not_is_audited,
    test_the_lock_ends_by_itself,
)
from tests.security.test_sessions import *
from tests.security.test_tokens_and_csrf import (  # noqa: F401
    test_a_token_client_keeps_working_after_an_answer_sets_a_cookie,
    test_an_admin_may_revoke_any_token,
    test_an_expired_token_is_refused,
    test_nobody_revokes_a_colleagues_token,
    test_staff_see_their_tokens_last_use_and_revoke_one,
)
from tests.test_auth import (  # noqa: F401
    test_bearer_token_authenticates_api_calls,
    test_inactive_staff_cannot_log_in,
    test_login_never_redirects_to_another_site,
    test_logout_ends_the_session_and_the_presence,
    test_pages_redirect_to_login_and_api_says_401,
    test_revoked_or_forged_token_is_refused,
    test_roles_are_enforced,
    test_tokens_are_stored_hashed,
    test_wrong_password_is_refused_without_saying_which_part_was_wrong,
)

pytestmark = [pytest.mark.pg, pytest.mark.usefixtures("cheap_passwords")]
