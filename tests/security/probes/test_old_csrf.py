"""The earlier review's CSRF attacks, replayed on PostgreSQL by the same tests, with CSRF protection on.

A form or a session API call without the token is refused; a junk Bearer header beside a session cookie does not
switch the check off; only a valid token does (tests/security/test_tokens_and_csrf.py, tests/test_auth.py).
"""

import pytest

from tests.security.probes.pg import app  # noqa: F401 (the fixture: each test on this module's PostgreSQL app)
from tests.security.test_tokens_and_csrf import (  # noqa: F401
    test_a_junk_bearer_header_does_not_switch_off_csrf,
    test_a_valid_token_still_needs_no_csrf,
)
from tests.test_auth import (  # noqa: F401
    test_bearer_api_calls_need_no_csrf_token,
    test_forms_and_session_api_calls_need_the_csrf_token,
)

pytestmark = [pytest.mark.pg, pytest.mark.usefixtures("cheap_passwords")]
APP_SETTINGS = {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def csrf_app(app):  # noqa: F811
    """The imported tests' CSRF app: this module's, on PostgreSQL."""
    return app
