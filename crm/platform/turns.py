"""Units of work about the same thing take turns: a PostgreSQL advisory lock held until commit or rollback.

For a check and a write that no unique key can settle (is a call-back already waiting for this number?
how many codes did this number get this hour?): the second request waits for the first to commit and
then reads what it wrote. SQLite, the tests' second database, lets one writer at a time anyway.
"""

from __future__ import annotations

from crm.platform.extensions import db

# The lock of (scope, key); crm.platform.direct_sql sends it ahead of a statement that runs alone (see run_alone's turn).
WAIT = "SELECT pg_advisory_xact_lock(hashtext(%(scope)s), hashtext(%(key)s))"


def wait_for(scope: str, key: str) -> None:
    """Wait until no other unit of work holds (scope, key), then hold it until this one ends."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection().exec_driver_sql(WAIT, {"scope": scope, "key": key})
