"""A citizen's call, one statement per step: the only encoding of each (crm.cases.voice runs them).

Each IVR step is a data-modifying WITH: it locks the call leg and its case, notes what Twilio said of the leg
(`_HEARD`: the leg's status only moves forward, never to an end), writes what the step writes (case, timeline,
audit) and returns the case as it now is, for the answer and the live event. The states each step starts from
come from the transition table (crm.cases.status.TRANSITIONS), the call-status order from
crm.models.telephony.CALL_STATUS_RANK.

Every WITH query sees the rows as they were when the statement began, so `plan` works out the new values once,
the UPDATE writes them and the final SELECT returns them. Timeline rows of one step are inserted by one INSERT
ordered by the `n` column, so their ids come out in the order the caller heard them.
"""

from __future__ import annotations

import functools

from sqlalchemy import TextClause, text
from sqlalchemy.dialects import postgresql

from crm.cases.counted import PENDING_SQL
from crm.cases.queue import EMERGENCY, TIER1
from crm.cases.status import ENDED, TAKEN, TRANSITIONS, Status
from crm.models import Call
from crm.models.base import UTCDateTime
from crm.models.case import SUMMARY_COLUMNS
from crm.models.telephony import call_rank_sql
from crm.residents.lookup import holder_sql

SUMMARY = SUMMARY_COLUMNS  # what the answer, the live event and its rooms read of the case


def _sql(expression) -> str:
    return str(expression.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


def _from(transition: str, row: str) -> str:
    """`row`'s status is one `transition` starts from."""
    return f"{row}.status IN ({_listed(TRANSITIONS[transition].sources)})"


def _target(transition: str) -> str:
    return f"'{TRANSITIONS[transition].target}'"


_RANK = _sql(call_rank_sql(Call.__table__.c.status))
# What a webhook said of the leg: it moves forward (`:forward`, computed from the same order: never to an end,
# which only a status callback reports, with the duration); the first 'in-progress' is when it was answered.
_HEARD = f"""last_heard_at = :now,
        status = CASE WHEN :forward AND {_RANK} < :rank THEN CAST(:status AS varchar) ELSE call.status END,
        answered_at = CASE WHEN :answering AND {_RANK} < :rank AND call.answered_at IS NULL THEN :now
                           ELSE call.answered_at END"""
_LIVE = f"c.status NOT IN ({_listed(ENDED)})"
_IN_MENU = _from("leave_menu", "held")
_ENTERS = f"{_IN_MENU} AND held.queue IS DISTINCT FROM '{EMERGENCY}'"


def _abandoning(ids: str) -> str:
    """The abandon transition, the one encoding of it: the cases `ids` (a SELECT of case ids) that are still in a
    state it starts from; returns their ids (the caller logs 'abandoned' from them)."""
    return f"""UPDATE "case" SET status = {_target("abandon")}, abandoned_at = :now, updated_at = :now
        WHERE "case".id IN ({ids}) AND {_from("abandon", '"case"')} RETURNING "case".id"""


def _returning(**changed: str) -> str:
    return ", ".join(f"{changed.get(name, 'plan.' + name)} AS {name}" for name in SUMMARY)


def _statement(sql: str) -> TextClause:
    return text(sql).columns(queued_at=UTCDateTime(), callback_requested_at=UTCDateTime())


def _queued_if(condition: str) -> str:
    return f"""queue = CASE WHEN {condition} THEN '{TIER1}' ELSE "case".queue END,
        queued_at = CASE WHEN {condition} THEN COALESCE("case".queued_at, :now) ELSE "case".queued_at END,
        status = CASE WHEN {condition} THEN {_target("leave_menu")} ELSE "case".status END"""


_ENTERED = {"status": f"CASE WHEN plan.enters THEN {_target('leave_menu')} ELSE plan.status END",
            "queue": f"CASE WHEN plan.enters THEN '{TIER1}' ELSE plan.queue END",
            "queued_at": "CASE WHEN plan.enters THEN COALESCE(plan.queued_at, :now) ELSE plan.queued_at END"}


# The citizen's call: its leg, its case (the caller's patient matched inside it, as the lookup by phone finds them) and the case's first timeline
# entry. The leg goes first, ON CONFLICT DO NOTHING, so a CallSid already stored (a repeat, or a copy racing this
# one) opens nothing; the foreign key to the case is checked at the end of the statement.
OPEN = text(f"""
WITH known AS (
    SELECT case_id FROM call WHERE sid = :sid
), holder AS (
    {holder_sql("caller")}
), new_id AS (
    SELECT nextval(pg_get_serial_sequence('"case"', 'id')) AS id WHERE NOT EXISTS (SELECT 1 FROM known)
), leg AS (
    INSERT INTO call (sid, case_id, purpose, direction, from_number, to_number, status, last_sequence,
                      card_attempts, started_at, last_heard_at)
    SELECT :sid, id, 'citizen', 'inbound', :caller, :called, :call_status, -1, 0, :now, :now FROM new_id
    ON CONFLICT (sid) DO NOTHING
    RETURNING case_id
), opened AS (
    INSERT INTO "case" (id, channel, status, priority, language, caller_phone, patient_id, red_flags,
                        alarm_level, created_at, updated_at)
    SELECT case_id, 'voice', '{Status.IVR}', 'P4', COALESCE((SELECT preferred_language FROM holder), 'hi'), :caller,
           (SELECT id FROM holder), CAST('[]' AS JSON), 0, :now, :now FROM leg
    RETURNING id, language, patient_id
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT id, :now, 'opened', CAST('{{"channel": "voice"}}' AS JSON) FROM opened
    RETURNING case_id
), {PENDING_SQL}
SELECT id, language, patient_id, true AS opened FROM opened
UNION ALL
SELECT c.id, c.language, c.patient_id, false FROM known JOIN "case" AS c ON c.id = known.case_id
""")


@functools.cache
def menu() -> TextClause:
    """The menu: `language` ('hi', 'en' or NULL for no language key), `proceeds` (the caller chose: a language
    key, speech, or silence the last time); a known caller who chose enters tier 1."""
    return _statement(f"""
WITH leg AS (
    SELECT id, case_id FROM call WHERE sid = :sid FOR UPDATE
), heard AS (
    UPDATE call SET {_HEARD} FROM leg WHERE call.id = leg.id
), held AS (
    SELECT c.* FROM "case" AS c JOIN leg ON c.id = leg.case_id WHERE {_LIVE} FOR UPDATE OF c
), plan AS (
    SELECT held.*, CASE WHEN {_IN_MENU} THEN COALESCE(CAST(:language AS varchar), held.language)
                        ELSE held.language END AS new_language,  -- a repeated or late key changes nothing
           :proceeds AND held.patient_id IS NOT NULL AND {_ENTERS} AS enters
    FROM held
), changed AS (
    UPDATE "case" SET language = plan.new_language, {_queued_if("plan.enters")}, updated_at = :now
    FROM plan WHERE "case".id = plan.id AND (plan.enters OR plan.new_language <> plan.language)
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT id, :now, kind, detail FROM (
        SELECT plan.id, 1 AS n, 'language' AS kind, json_build_object('language', plan.new_language) AS detail
        FROM plan WHERE CAST(:language AS varchar) IS NOT NULL AND {_IN_MENU.replace("held.", "plan.")}
        UNION ALL
        SELECT plan.id, 2, 'queued', json_build_object('queue', CAST('{TIER1}' AS text)) FROM plan WHERE plan.enters
    ) AS rows ORDER BY n
    RETURNING case_id
), {PENDING_SQL}
SELECT {_returning(language="plan.new_language", **_ENTERED)}, plan.enters FROM plan
""")


@functools.cache
def card() -> TextClause:
    """The keypad card number: `typed` (anything but a bare #), `number` (the parsed number, NULL when it failed
    its check digit), `masked`; the outcome 'skip', 'ok', 'retry', 'unknown' or 'revoked', then tier 1 unless
    'retry'; 'late' for a case past the menu (a repeated or out-of-order request), which writes nothing but what
    Twilio said of the leg."""
    return _statement(f"""
WITH leg AS (
    SELECT id, case_id, card_attempts FROM call WHERE sid = :sid FOR UPDATE
), held AS (
    SELECT c.*, leg.card_attempts + CASE WHEN :typed AND {_IN_MENU.replace("held.", "c.")} THEN 1 ELSE 0 END
                AS attempts
    FROM "case" AS c JOIN leg ON c.id = leg.case_id WHERE {_LIVE} FOR UPDATE OF c
), heard AS (
    UPDATE call SET {_HEARD}, card_attempts = COALESCE((SELECT attempts FROM held), call.card_attempts)
    FROM leg WHERE call.id = leg.id
), found AS (
    SELECT patient_id, number, status FROM health_card WHERE number = CAST(:number AS varchar)
), looked_up AS (
    SELECT held.*, found.patient_id AS card_patient, found.status AS card_status,
           CASE WHEN NOT ({_IN_MENU}) THEN 'late'  -- repeated or late: the caller is past the card prompt
                WHEN NOT :typed THEN 'skip'
                WHEN CAST(:number AS varchar) IS NULL THEN CASE WHEN held.attempts < :max_attempts THEN 'retry'
                                                                ELSE 'unknown' END
                WHEN found.number IS NULL THEN 'unknown'
                WHEN found.status = 'revoked' THEN 'revoked'
                ELSE 'ok' END AS card_outcome
    FROM held LEFT JOIN found ON true
), plan AS (
    SELECT looked_up.*, CASE WHEN looked_up.card_outcome = 'ok' THEN looked_up.card_patient
                             ELSE looked_up.patient_id END AS new_patient,
           looked_up.card_outcome <> 'retry' AND {_ENTERS.replace("held.", "looked_up.")} AS enters
    FROM looked_up
), changed AS (
    UPDATE "case" SET patient_id = plan.new_patient, {_queued_if("plan.enters")}, updated_at = :now
    FROM plan WHERE "case".id = plan.id AND (plan.enters OR plan.new_patient IS DISTINCT FROM plan.patient_id)
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT id, :now, kind, detail FROM (
        SELECT plan.id, 1 AS n, 'card_rejected' AS kind, json_build_object('attempt', plan.attempts) AS detail
        FROM plan WHERE :typed AND CAST(:number AS varchar) IS NULL AND plan.card_outcome <> 'late'
        UNION ALL
        SELECT plan.id, 1, 'card_' || CASE plan.card_outcome WHEN 'ok' THEN 'entered' ELSE plan.card_outcome END,
               CASE WHEN plan.card_outcome = 'ok'
                    THEN json_build_object('card', CAST(:masked AS text), 'status', plan.card_status)
                    ELSE json_build_object('card', CAST(:masked AS text)) END
        FROM plan WHERE CAST(:number AS varchar) IS NOT NULL AND plan.card_outcome <> 'late'
        UNION ALL
        SELECT plan.id, 2, 'queued', json_build_object('queue', CAST('{TIER1}' AS text)) FROM plan WHERE plan.enters
    ) AS rows ORDER BY n
    RETURNING case_id
), {PENDING_SQL}, audited AS (
    -- A revoked card identifies nobody, and its use is on the record (crm.platform.audit.record 'card_refused').
    INSERT INTO audit_log (at, staff_id, action, patient_id, case_id, card_number, via, ip, detail)
    SELECT :now, NULL, 'card_refused', plan.card_patient, plan.id, CAST(:number AS varchar), 'ivr',
           CAST(:ip AS varchar), json_build_object('code', CAST('card_revoked' AS text))
    FROM plan WHERE plan.card_outcome = 'revoked'
)
SELECT {_returning(patient_id="plan.new_patient", **_ENTERED)}, plan.enters, plan.card_outcome FROM plan
""")


HEARD = text(f"UPDATE call SET {_HEARD} WHERE sid = :sid RETURNING id")  # a webhook that only says where the leg is


@functools.cache
def waiting() -> TextClause:
    """A wait request: the queue (`queue_sid`, to dequeue the caller later) and `position` on the leg of a case
    that has not ended (the most frequent webhook: one every few seconds per waiting caller)."""
    return text(f"""
UPDATE call SET queue_sid = COALESCE(CAST(:queue_sid AS varchar), call.queue_sid), queue_name = c.queue,
    queue_position = :position, queued_at = COALESCE(call.queued_at, :now), {_HEARD}
FROM "case" AS c WHERE call.sid = :sid AND c.id = call.case_id AND {_LIVE}
RETURNING c.id, c.status, c.queue, c.language, call.queue_position
""")


@functools.cache
def wait_choice() -> TextClause:
    """A key pressed during the wait: with `booking` (the caller pressed 1) a call-back that keeps the place."""
    return _statement(f"""
WITH leg AS (
    SELECT id, case_id, queue_position FROM call WHERE sid = :sid FOR UPDATE
), heard AS (
    UPDATE call SET {_HEARD} FROM leg WHERE call.id = leg.id
), held AS (
    SELECT c.*, leg.queue_position AS position FROM "case" AS c JOIN leg ON c.id = leg.case_id WHERE {_LIVE}
    FOR UPDATE OF c
), plan AS (
    SELECT held.*, :booking AND held.callback_requested_at IS NULL AND {_from("request_callback", "held")} AS books
    FROM held
), changed AS (
    UPDATE "case" SET callback_requested_at = :now, status = {_target("request_callback")}, updated_at = :now
    FROM plan WHERE "case".id = plan.id AND plan.books
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT plan.id, :now, 'callback_requested',
           CASE WHEN plan.queue IS NULL THEN CAST('{{}}' AS json) ELSE json_build_object('queue', plan.queue) END
    FROM plan WHERE plan.books
    RETURNING case_id
), {PENDING_SQL}
SELECT {_returning(status=f"CASE WHEN plan.books THEN {_target('request_callback')} ELSE plan.status END",
                   callback_requested_at="CASE WHEN plan.books THEN :now ELSE plan.callback_requested_at END")},
       plan.books, plan.position FROM plan
""")


@functools.cache
def queue_result() -> TextClause:
    """The Enqueue action, recorded once per leg: `result`, `seconds`, and `gone` (the caller hung up or the queue
    failed them: a case still in the menu or a queue is abandoned, one already answered notes the caller left)."""
    return _statement(f"""
WITH leg AS (
    SELECT id, case_id, queue_result IS NULL AS first FROM call WHERE sid = :sid FOR UPDATE
), heard AS (
    UPDATE call SET {_HEARD},
        queue_result = CASE WHEN leg.first THEN CAST(:result AS varchar) ELSE call.queue_result END,
        queue_seconds = CASE WHEN leg.first THEN :seconds ELSE call.queue_seconds END
    FROM leg WHERE call.id = leg.id
), held AS (
    SELECT c.*, leg.first FROM "case" AS c JOIN leg ON c.id = leg.case_id FOR UPDATE OF c
), plan AS (
    SELECT held.*, held.first AND :gone AND held.status IN ({_listed(TAKEN)}) AS left_staff FROM held
), gone AS (
    {_abandoning("SELECT plan.id FROM plan WHERE plan.first AND :gone")}
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT id, :now, kind, detail FROM (
        SELECT plan.id, 1 AS n, 'queue_result' AS kind,
               json_build_object('result', CAST(:result AS text), 'seconds', :seconds) AS detail
        FROM plan WHERE plan.first
        UNION ALL
        SELECT plan.id, 2, 'caller_gone', json_build_object('seconds_waited', :seconds) FROM plan WHERE plan.left_staff
        UNION ALL
        SELECT gone.id, 2, 'abandoned', json_build_object('seconds_waited', :seconds) FROM gone
    ) AS rows ORDER BY n
    RETURNING case_id
), {PENDING_SQL}, result AS (
    SELECT plan.*, EXISTS (SELECT 1 FROM gone) AS abandons FROM plan
)
SELECT {_returning(status=f"CASE WHEN plan.abandons THEN {_target('abandon')} ELSE plan.status END")},
       plan.first, plan.abandons FROM result AS plan
""")


@functools.cache
def status_moved(ended: bool, sequenced: bool, answering: bool) -> TextClause:
    """A status callback, built once per shape: the leg moves forward (or nothing happens); an ended leg is logged on
    the timeline, and a citizen's ended leg abandons a case still in the menu or a queue."""
    sets = ["status = CAST(:status AS varchar)", "last_heard_at = :now"]
    condition = f"sid = :sid AND {_RANK} < :rank"
    if answering:
        sets.append("answered_at = COALESCE(call.answered_at, :now)")
    if sequenced:
        sets.append("last_sequence = :sequence")
        condition += " AND last_sequence < :sequence"
    if ended:
        sets += ["ended_at = :now", "duration = :duration"]
    parts = f"""moved AS (
    UPDATE call SET {", ".join(sets)} WHERE {condition} RETURNING case_id, purpose
)"""
    abandoned = "false"
    if ended:
        parts += f""", gone AS (
    {_abandoning("SELECT case_id FROM moved WHERE purpose IN ('citizen', 'callback')")}
), logged AS (
    -- One INSERT ordered by n: 'call_ended' is written (and numbered) first.
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT case_id, :now, kind, detail FROM (
        SELECT 1 AS n, case_id, 'call_ended' AS kind,
               json_build_object('leg', purpose, 'status', CAST(:status AS text),
                                 'duration', CAST(:duration AS integer)) AS detail
        FROM moved WHERE case_id IS NOT NULL
        UNION ALL
        SELECT 2, gone.id, 'abandoned', CAST('{{}}' AS json) FROM gone
    ) AS rows ORDER BY n
    RETURNING case_id
), {PENDING_SQL}"""
        abandoned = "EXISTS (SELECT 1 FROM gone)"
    columns = ", ".join(f'"case".{name}' for name in SUMMARY)
    return _statement(f"""WITH {parts}
SELECT {columns}, {abandoned} AS abandoned FROM "case" WHERE "case".id IN (SELECT case_id FROM moved)""")


# The abandon transition on its own (a sweep found the caller gone): the case, if it is still in the menu or a queue.
ABANDON = text(f"""
WITH gone AS (
    {_abandoning("SELECT CAST(:case_id AS integer)")}
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail) SELECT id, :now, 'abandoned', CAST('{{}}' AS json) FROM gone
    RETURNING case_id
), {PENDING_SQL}
SELECT id FROM gone
""")
