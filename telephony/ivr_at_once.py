"""PostgreSQL: the IVR's menu, card, wait-choice and queue-result steps as one statement each.

Each is a data-modifying WITH that commits as it runs (crm.platform.unit_of_work.run_alone): it locks the call leg
and its case, notes what Twilio said of the leg (as telephony.calls.observe does), writes what the step
writes through the ORM (telephony.ivr's other path), and returns the case as it now is, for the answer and
the live event. The same rows and values as the ORM path: tests/telephony/test_ivr_at_once.py runs both.

Every WITH query sees the rows as they were when the statement began, so `plan` works out the new values
once, the UPDATE writes them and the final SELECT returns them. Timeline rows of one step are inserted by
one INSERT in the order the ORM adds them (the `n` column), so their ids come out in that order.
"""

from __future__ import annotations

import functools

from sqlalchemy import TextClause, text

from crm.cases.status import ENDED, TRANSITIONS
from crm.models.base import UTCDateTime
from crm.models.telephony import CALL_STATUS_RANK


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


_RANK = "CASE call.status " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in CALL_STATUS_RANK.items()) + " ELSE -1 END"
# telephony.calls.observe: the leg moves forward (never to an end: only a status callback ends it).
_OBSERVE = f"""last_heard_at = :now,
        status = CASE WHEN :forward AND {_RANK} < :rank THEN CAST(:status AS varchar) ELSE call.status END,
        answered_at = CASE WHEN :answering AND {_RANK} < :rank AND call.answered_at IS NULL THEN :now
                           ELSE call.answered_at END"""
_LIVE = f"c.status NOT IN ({_listed(ENDED)})"
# telephony.calls.enter_queue: from the IVR only; a repeated step is not a second entry.
_ENTERS = "held.status = 'ivr' AND held.queue IS DISTINCT FROM 'emergency'"
# What the answer and the live event read (telephony.calls.SUMMARY), as `plan` has them after the step.
_SUMMARY = ("id", "status", "priority", "channel", "language", "queue", "specialty", "caller_phone", "patient_id",
            "queued_at", "callback_requested_at", "assigned_to_id", "doctor_id", "alarm_level")


def _returning(**changed: str) -> str:
    return ", ".join(f"{changed.get(name, 'plan.' + name)} AS {name}" for name in _SUMMARY)


def _statement(sql: str) -> TextClause:
    return text(sql).columns(queued_at=UTCDateTime(), callback_requested_at=UTCDateTime())


def _queued_if(condition: str) -> str:
    return f"""queue = CASE WHEN {condition} THEN 'tier1' ELSE "case".queue END,
        queued_at = CASE WHEN {condition} THEN COALESCE("case".queued_at, :now) ELSE "case".queued_at END,
        status = CASE WHEN {condition} THEN 'queued' ELSE "case".status END"""


_ENTERED = {"status": "CASE WHEN plan.enters THEN 'queued' ELSE plan.status END",
            "queue": "CASE WHEN plan.enters THEN 'tier1' ELSE plan.queue END",
            "queued_at": "CASE WHEN plan.enters THEN COALESCE(plan.queued_at, :now) ELSE plan.queued_at END"}


@functools.cache
def menu() -> TextClause:
    """The menu key: `language` ('hi', 'en' or NULL for no language key), `proceeds` (the caller chose: a language
    key, or silence the last time); a known caller who chose enters tier 1."""
    return _statement(f"""
WITH leg AS (
    SELECT id, case_id FROM call WHERE sid = :sid FOR UPDATE
), heard AS (
    UPDATE call SET {_OBSERVE} FROM leg WHERE call.id = leg.id
), held AS (
    SELECT c.* FROM "case" AS c JOIN leg ON c.id = leg.case_id WHERE {_LIVE} FOR UPDATE OF c
), plan AS (
    SELECT held.*, CASE WHEN held.status = 'ivr' THEN COALESCE(CAST(:language AS varchar), held.language)
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
        FROM plan WHERE CAST(:language AS varchar) IS NOT NULL AND plan.status = 'ivr'
        UNION ALL
        SELECT plan.id, 2, 'queued', json_build_object('queue', CAST('tier1' AS text)) FROM plan WHERE plan.enters
    ) AS rows ORDER BY n
)
SELECT {_returning(language="plan.new_language", **_ENTERED)}, plan.enters FROM plan
""")


@functools.cache
def card() -> TextClause:
    """The keypad card number: `typed` (anything but a bare #), `number` (the parsed number, NULL when it failed
    its check digit), `masked`; the outcome as telephony.calls.enter_card names it, then tier 1 unless 'retry'; 'late'
    for a case past the IVR (a repeated or out-of-order request), which writes nothing but what Twilio said of the leg."""
    return _statement(f"""
WITH leg AS (
    SELECT id, case_id, card_attempts FROM call WHERE sid = :sid FOR UPDATE
), held AS (
    SELECT c.*, leg.card_attempts + CASE WHEN :typed AND c.status = 'ivr' THEN 1 ELSE 0 END AS attempts
    FROM "case" AS c JOIN leg ON c.id = leg.case_id WHERE {_LIVE} FOR UPDATE OF c
), heard AS (
    UPDATE call SET {_OBSERVE}, card_attempts = COALESCE((SELECT attempts FROM held), call.card_attempts)
    FROM leg WHERE call.id = leg.id
), found AS (
    SELECT patient_id, number, status FROM health_card WHERE number = CAST(:number AS varchar)
), looked_up AS (
    SELECT held.*, found.patient_id AS card_patient, found.status AS card_status,
           CASE WHEN held.status <> 'ivr' THEN 'late'  -- repeated or late: the caller is past the card prompt
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
        SELECT plan.id, 2, 'queued', json_build_object('queue', CAST('tier1' AS text)) FROM plan WHERE plan.enters
    ) AS rows ORDER BY n
), audited AS (
    -- A revoked card identifies nobody, and its use is on the record (crm.platform.audit.record 'card_refused').
    INSERT INTO audit_log (at, staff_id, action, patient_id, case_id, card_number, via, ip, detail)
    SELECT :now, NULL, 'card_refused', plan.card_patient, plan.id, CAST(:number AS varchar), 'ivr',
           CAST(:ip AS varchar), json_build_object('code', CAST('card_revoked' AS text))
    FROM plan WHERE plan.card_outcome = 'revoked'
)
SELECT {_returning(patient_id="plan.new_patient", **_ENTERED)}, plan.enters, plan.card_outcome FROM plan
""")


@functools.cache
def wait_choice() -> TextClause:
    """A key pressed during the wait: with `booking` (the caller pressed 1) a call-back that keeps the place."""
    return _statement(f"""
WITH leg AS (
    SELECT id, case_id, queue_position FROM call WHERE sid = :sid FOR UPDATE
), heard AS (
    UPDATE call SET {_OBSERVE} FROM leg WHERE call.id = leg.id
), held AS (
    SELECT c.*, leg.queue_position AS position FROM "case" AS c JOIN leg ON c.id = leg.case_id WHERE {_LIVE}
    FOR UPDATE OF c
), plan AS (
    SELECT held.*, :booking AND held.callback_requested_at IS NULL
                   AND held.status IN ({_listed(TRANSITIONS['request_callback'].sources)}) AS books
    FROM held
), changed AS (
    UPDATE "case" SET callback_requested_at = :now, status = 'callback', updated_at = :now
    FROM plan WHERE "case".id = plan.id AND plan.books
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT plan.id, :now, 'callback_requested',
           CASE WHEN plan.queue IS NULL THEN CAST('{{}}' AS json) ELSE json_build_object('queue', plan.queue) END
    FROM plan WHERE plan.books
)
SELECT {_returning(status="CASE WHEN plan.books THEN 'callback' ELSE plan.status END",
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
    UPDATE call SET {_OBSERVE},
        queue_result = CASE WHEN leg.first THEN CAST(:result AS varchar) ELSE call.queue_result END,
        queue_seconds = CASE WHEN leg.first THEN :seconds ELSE call.queue_seconds END
    FROM leg WHERE call.id = leg.id
), held AS (
    SELECT c.*, leg.first FROM "case" AS c JOIN leg ON c.id = leg.case_id FOR UPDATE OF c
), plan AS (
    SELECT held.*, held.first AND :gone AND held.status IN ({_listed(TRANSITIONS['abandon'].sources)}) AS abandons,
           held.first AND :gone AND held.status IN ('in_progress', 'with_doctor') AS left_staff
    FROM held
), changed AS (
    UPDATE "case" SET status = 'abandoned', abandoned_at = :now, updated_at = :now
    FROM plan WHERE "case".id = plan.id AND plan.abandons
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT id, :now, kind, detail FROM (
        SELECT plan.id, 1 AS n, 'queue_result' AS kind,
               json_build_object('result', CAST(:result AS text), 'seconds', :seconds) AS detail
        FROM plan WHERE plan.first
        UNION ALL
        SELECT plan.id, 2, 'caller_gone', json_build_object('seconds_waited', :seconds) FROM plan WHERE plan.left_staff
        UNION ALL
        SELECT plan.id, 2, 'abandoned', json_build_object('seconds_waited', :seconds) FROM plan WHERE plan.abandons
    ) AS rows ORDER BY n
)
SELECT {_returning(status="CASE WHEN plan.abandons THEN 'abandoned' ELSE plan.status END")},
       plan.first, plan.abandons FROM plan
""")
