"""A citizen's text joins their open case or opens one: the message, the case, its timeline and the reply, in one statement.

One conversation per person: the open case joined is the sender's newest on the text's channel or a call (a caller
on the line, waiting, with a doctor, or, for a routine text, whose operator is still in wrap-up texts into that
case's thread, and whoever holds it is told by the case's live event).

This statement is the one encoding of that step (crm.helpline.messages.inbound decides when it applies): the message is
stored once per provider id (ON CONFLICT DO NOTHING: a repeat, or a copy racing this one, writes nothing), joins
the sender's open case on the same channel or opens one (the caller's patient matched inside it), goes on the
timeline, raises the case's priority, puts a new case in its queue (an emergency with the doctors' alarm and a
call-back) and writes the acknowledgement or the emergency advice with its case reference.

Alone (`alone=True`, and nothing begun yet in the unit of work) it commits as it runs (crm.platform.unit_of_work.run_alone:
one round trip), and an emergency text for an open case outside the emergency queue writes nothing ("blocked"):
moving a case that someone may hold is crm.cases.lifecycle.declare_emergency's. Inside the unit of work's
transaction (the same statement) it blocks nothing, and the caller goes on in that transaction (the declaration,
a facility answer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import text

from crm.cases import languages
from crm.cases.counted import PENDING_SQL_STORED
from crm.cases.queue import EMERGENCY, TIER1
from crm.cases.status import OPEN, Status
from crm.helpline.live import events
from crm.models.base import utcnow
from crm.models.case import SUMMARY_COLUMNS, reference_sql
from crm.platform import unit_of_work
from crm.platform.extensions import db
from crm.platform.sms_parts import segments
from crm.residents.lookup import holder_sql

# Texts from one number take turns (crm.platform.turns): each sees the case the one before it opened, so texts sent at
# once are one case with one acknowledgement.
TURN = "texts"
REFERENCE = "\x00"  # where the case reference goes in a Reply's text
ALARM_TO = "doctors on duty"  # crm.cases.alarms.raise_alarm's first level
# A reference is SMP- and the id, at least five digits (crm.models.case.reference_sql): 9 characters and up.
_SHORTEST_REFERENCE, _LONGEST_REFERENCE = 9, 24


@dataclass(frozen=True)
class Text:
    """What the step needs of an inbound text and its triage."""

    provider_id: str
    sender: str
    helpline: str
    body: str
    channel: str  # 'sms' or 'whatsapp'
    segments: int
    script: str  # the triage's language: 'hi', 'hinglish' or 'en'
    priority: str
    specialty: str | None
    rules: tuple[str, ...]
    why: dict | None = None  # triage's explanation: the layer that set the priority, what raised and lowered it


@dataclass(frozen=True)
class Reply:
    """The acknowledgement (or advice) a new case gets, the reference left out, sent from `sender`."""

    kind: str  # the message kind: 'ack' or 'advice'
    text: str  # with REFERENCE where the reference goes
    sender: str


class Taken(NamedTuple):
    """What the statement did: `path` is 'opened', 'joined', 'repeat' or 'blocked'."""

    path: str
    case: Any  # the case's row as the statement returned it (crm.models.case.SUMMARY_COLUMNS; not in the session)
    message_id: int | None
    reply_id: int | None


def take(inbound: Text, reply: Reply, alone: bool) -> Taken:
    """Store the text, join or open its case and queue a new case's reply, in one statement (see the module)."""
    emergency = inbound.priority == "P1"
    alone = alone and not unit_of_work.in_progress()
    before, after = reply.text.split(REFERENCE)
    params = {
        "sid": inbound.provider_id, "sender": inbound.sender, "helpline": inbound.helpline, "body": inbound.body,
        "script": inbound.script, "segments": inbound.segments, "priority": inbound.priority,
        "specialty": inbound.specialty, "rules": json.dumps(list(inbound.rules)), "why": json.dumps(inbound.why or {}),
        "language": languages.of_triage(inbound.script), "kind": reply.kind, "sender_of_reply": reply.sender,
        "before": before, "after": after, "parts": list(_parts_by_reference_length(before + after)),
        "now": utcnow(),
    }
    statement = _statement(emergency, inbound.channel == "whatsapp", alone)
    if not alone:
        db.session.connection()  # begun: the statement runs in the unit of work, which goes on after it
    row = unit_of_work.run(statement, params, turn=(TURN, inbound.sender)).first()
    if row.path is None:  # a copy of this provider id racing ours stored it first
        return Taken("repeat", None, None, None)
    if row.path in ("repeat", "blocked"):
        return Taken(row.path, None, None, None)
    case = row  # the case's columns as the statement left them (read-only; the ORM's copy is db.session.get's)
    if row.path == "opened":
        events.case_changed(case, "case.opened")
    events.case_changed(case, "case.message")
    if row.path == "opened":
        events.case_changed(case, "case.emergency" if emergency else "case.queued")
    return Taken(row.path, case, row.message_id, row.reply_id)


def _storing(cases: str, channel: str) -> str:
    """The one encoding of keeping an inbound text: stored once per provider id (ON CONFLICT DO NOTHING: a repeat,
    or a copy racing this one, stores nothing), in the case `cases` (a relation with an `id` column) names, on
    `channel` (SQL); returns its id and case_id. Parameters: sid, sender, helpline, body, script (the triage's
    language, if read), segments, now."""
    return f"""INSERT INTO message (sid, case_id, direction, kind, channel, from_number, to_number, body, language,
                         segments, status, created_at, updated_at)
    SELECT :sid, id, 'inbound', 'reply', {channel}, :sender, :helpline, :body, :script, :segments, 'received', :now, :now
    FROM {cases}
    ON CONFLICT (sid) DO NOTHING
    RETURNING id, case_id"""


# An inbound text that is no case's step (an opt-out, a grievance, a question answered at once): kept the same way,
# in the case `case_id` (NULL for none); run in the unit of work that acts on it (crm.helpline.messages.inbound).
STORE = text(_storing("(SELECT CAST(:case_id AS integer) AS id) AS target", "CAST(:channel AS varchar)"))


@lru_cache(maxsize=64)
def _parts_by_reference_length(template: str) -> tuple[int, ...]:
    """The reply's SMS parts for each length a reference can have (crm.platform.sms_parts counts; the statement picks)."""
    return tuple(segments(template + "0" * length) for length in range(_SHORTEST_REFERENCE, _LONGEST_REFERENCE + 1))


@lru_cache(maxsize=8)
def _statement(emergency: bool, whatsapp: bool, alone: bool):
    """The statement for a routine or an emergency text on SMS or WhatsApp, alone or in a unit of work (built once each)."""
    open_states = ", ".join(f"'{status}'" for status in sorted(OPEN))
    # The case's columns the answer and the live events read, no others (each column returned cost the webhook its
    # loading; the result's `opened.*`, `raised.*` and `open_case.*` are these).
    summary = ", ".join(SUMMARY_COLUMNS)
    # One conversation per person: a routine text also joins a call whose operator is still in wrap-up; an emergency
    # does not (nobody is with that caller any more: it opens its own case, with the alarm).
    wrapping = "" if emergency else f" OR (status = '{Status.RESOLVED.value}' AND wrap_up_until > :now)"
    queue = EMERGENCY if emergency else TIER1
    # Alone, an emergency for an open case outside the emergency queue is left to declare_emergency (nothing written).
    blocked = f"SELECT 1 FROM open_case WHERE queue IS DISTINCT FROM '{EMERGENCY}'" if emergency and alone else \
        "SELECT 1 WHERE false"
    alarm = "1, :now" if emergency else "0, NULL"
    callback = ":now" if emergency else "NULL"
    channel = "whatsapp" if whatsapp else "sms"
    # The new case's timeline entries that carry no value of this text, in the order of events (1, 3-5).
    entries = [(1, "opened", {"channel": channel}), (5, "queued", {"queue": queue})]
    if emergency:
        entries[1:1] = [(3, "emergency", {"via": "sms"}), (4, "alarm", {"level": 1, "to": ALARM_TO})]
    fixed = ", ".join(f"({n}, '{kind}', '{json.dumps(detail)}')" for n, kind, detail in entries)
    reply_detail = {"purpose": ":kind", "channel": "'whatsapp'"} if whatsapp else {"purpose": ":kind"}
    reply_detail = ", ".join(f"'{key}', CAST({value} AS text)" for key, value in reply_detail.items())
    # Compact: psycopg caches its parse of a statement only up to 4 kB.
    return text(" ".join(f"""
WITH known AS (
    SELECT 1 FROM message WHERE sid = :sid
), open_case AS (
    SELECT {summary} FROM "case"
    WHERE channel IN ('{channel}', 'voice') AND caller_phone = :sender
      AND (status IN ({open_states}){wrapping}) ORDER BY id DESC LIMIT 1
), blocked AS (
    {blocked}
), go AS (
    SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM known) AND NOT EXISTS (SELECT 1 FROM blocked)
), holder AS (
    {holder_sql("sender")}
), new_id AS (
    SELECT nextval(pg_get_serial_sequence('"case"', 'id')) AS id FROM go WHERE NOT EXISTS (SELECT 1 FROM open_case)
), target AS (
    SELECT id FROM new_id UNION ALL SELECT open_case.id FROM open_case, go
), stored AS (
    {_storing("target", f"'{channel}'")}
), opened AS (
    INSERT INTO "case" (id, channel, status, priority, specialty, language, caller_phone, patient_id, queue, queued_at,
                        callback_requested_at, red_flags, alarm_level, alarm_raised_at, created_at, updated_at)
    SELECT new_id.id, '{channel}', '{Status.QUEUED.value}', :priority, :specialty,
           COALESCE((SELECT preferred_language FROM holder), :language), :sender, (SELECT id FROM holder),
           '{queue}', :now, {callback}, CAST('[]' AS JSON), {alarm}, :now, :now
    FROM new_id JOIN stored ON stored.case_id = new_id.id
    RETURNING {summary}
), raised AS (
    UPDATE "case" SET priority = :priority, specialty = COALESCE(:specialty, specialty), updated_at = :now
    WHERE id = (SELECT id FROM open_case) AND id IN (SELECT case_id FROM stored)
      AND CAST(:priority AS text) < priority
    RETURNING {summary}
), reply AS (
    INSERT INTO message (case_id, direction, kind, channel, content_variables, from_number, to_number, body, segments,
                         status, created_at, updated_at)
    SELECT id, 'outbound', :kind, '{channel}', CAST('null' AS JSON), :sender_of_reply, caller_phone,
           :before || reference || :after, (CAST(:parts AS int[]))[length(reference) - {_SHORTEST_REFERENCE - 1}],
           'pending', :now, :now
    FROM (SELECT id, caller_phone, {reference_sql("id")} AS reference FROM opened) AS new_case
    RETURNING id, case_id
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT case_id, :now, kind, detail FROM (
        SELECT n, id AS case_id, kind, CAST(detail AS JSON) AS detail
        FROM opened, (VALUES {fixed}) AS fixed (n, kind, detail)
        UNION ALL SELECT 2, case_id, 'sms_in', json_build_object('message_id', id, 'priority',
                                                                 CAST(:priority AS text), 'rules', CAST(:rules AS JSON),
                                                                 'triage', CAST(:why AS JSON))
        FROM stored
        UNION ALL SELECT 6, case_id, 'sms_out', json_build_object('message_id', id, {reply_detail}) FROM reply
    ) AS entries ORDER BY n
), {PENDING_SQL_STORED}
SELECT CASE WHEN EXISTS (SELECT 1 FROM known) THEN 'repeat' WHEN EXISTS (SELECT 1 FROM blocked) THEN 'blocked'
       ELSE result.found END AS path, result.*
FROM (SELECT 1) AS one LEFT JOIN (
    SELECT 'opened' AS found, opened.*, stored.id AS message_id, reply.id AS reply_id
    FROM opened JOIN stored ON stored.case_id = opened.id JOIN reply ON reply.case_id = opened.id
    UNION ALL SELECT 'joined', raised.*, stored.id, NULL FROM raised JOIN stored ON stored.case_id = raised.id
    UNION ALL SELECT 'joined', open_case.*, stored.id, NULL FROM open_case JOIN stored ON stored.case_id = open_case.id
    WHERE NOT EXISTS (SELECT 1 FROM raised)
) AS result ON true
""".split()))
