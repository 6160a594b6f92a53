"""A citizen's text joins their open case or opens one: the message, the case, its timeline and the reply, in one statement.

One conversation per person: the open case joined is the sender's newest on the text's channel or a call (a caller
on the line, waiting, with a doctor, or, for a routine text, whose operator is still in wrap-up texts into that
case's thread, and whoever holds it is told by the case's live event).

This statement is the one encoding of that step (crm.helpline.messages.inbound decides when it applies): the message is
stored once per provider id (its claim, below: a repeat, or a copy racing this one, writes nothing), joins
the sender's open case on the same channel or opens one (the caller's patient matched inside it), goes on the
timeline, raises the case's priority, puts a new case in its queue (an emergency with the doctors' alarm and a
call-back) and writes the acknowledgement or the emergency advice with its case reference.

Alone (`alone=True`, and nothing begun yet in the unit of work) it commits as it runs (crm.platform.unit_of_work.run_alone:
one round trip), and an emergency text for an open case outside the emergency queue writes nothing ("blocked"):
moving a case that someone may hold is crm.cases.lifecycle.declare_emergency's. Inside the unit of work's
transaction (the same statement) it blocks nothing, and the caller goes on in that transaction (the declaration,
a facility answer).

Once per provider id, across months. `message` is partitioned by the month of `created_at` (crm.platform.partitions;
a month is dropped whole past its period), so no unique index over it can hold the provider id alone: PostgreSQL
asks that a partitioned table's unique keys hold the partition key, and a key of (sid, created_at) would let a
retry that lands after midnight on the 1st (its `now` in the next month) be stored a second time. Nothing the retry
carries ties it to the first copy's month either (Twilio's inbound webhook has no timestamp; the MessageSid is random).
So the rule lives in a table of its own, `message_claim` (sid primary key, not partitioned): the statement inserts
the claim with ON CONFLICT DO NOTHING and keeps the message only from the claim it made, in the same statement.
PostgreSQL's ON CONFLICT settles two copies at once atomically (the second waits on the first's key and then claims
nothing), whatever months the copies' clocks fall in, and a repeat later on finds the claim (`known`) and writes
nothing at all. Still one round trip: the claim is one more CTE of the same statement (an index probe and an insert
into a small table). The claims are kept CLAIM_DAYS (a week; a provider retries within minutes) and then forgotten
by a sweep (`forget_claims`), so the table holds about a week of texts whatever the months of `message`; a copy
arriving after that would be stored again (no provider retries that late). Outbound messages need no claim: the
provider names them once, when it accepts them (crm.platform.outbox), and `ix_message_sid` (one entry per month's
partition) finds the message a delivery report names, whose status only moves forward
(crm.helpline.messages.delivery), so repeated or out-of-order reports change nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
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
# How long a provider id's claim is kept: its retries come within minutes (Twilio retries a webhook at most 5 times,
# 15 s each at most, with its connection overrides), and a person replaying a day's failed webhooks from the
# provider's console does so within days. A copy arriving later than this would be stored again.
CLAIM_DAYS = 7
CLAIM_BATCH = 5000  # claims forgotten per pass of the sweep (a day's texts fall behind by at most a few passes)


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
        "before": before, "after": after, "parts": _parts_array(before + after),
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
    """The one encoding of keeping an inbound text, as two common table expressions: `claimed` claims the provider
    id (ON CONFLICT DO NOTHING on message_claim's key: a repeat, or a copy racing this one, claims nothing, whatever
    month each falls in) and `stored` keeps the text only if this request claimed it, in the case `cases` (a relation
    with an `id` column, one row) names, on `channel` (SQL), returning its id and case_id. Parameters: sid, sender,
    helpline, body, script (the triage's language, if read), segments, now."""
    return f"""claimed AS (
    INSERT INTO message_claim (sid, at) SELECT :sid, :now FROM {cases} ON CONFLICT DO NOTHING RETURNING sid
), stored AS (
    INSERT INTO message (sid, case_id, direction, kind, channel, from_number, to_number, body, language,
                         segments, status, created_at, updated_at)
    SELECT sid, id, 'inbound', 'reply', {channel}, :sender, :helpline, :body, :script, :segments, 'received', :now, :now
    FROM {cases}, claimed
    RETURNING id, case_id
)"""


# An inbound text that is no case's step (an opt-out, a grievance, a question answered at once): kept the same way,
# in the case `case_id` (NULL for none); run in the unit of work that acts on it (crm.helpline.messages.inbound).
STORE = text("WITH " + _storing("(SELECT CAST(:case_id AS integer) AS id) AS target", "CAST(:channel AS varchar)")
             + " SELECT id, case_id FROM stored")


def forget_claims(now: datetime) -> int:
    """The sweep: forget the claims older than the retry window (CLAIM_DAYS); returns how many."""
    return db.session.execute(_FORGET, {"cutoff": now - timedelta(days=CLAIM_DAYS), "batch": CLAIM_BATCH}).rowcount or 0


_FORGET = text("""DELETE FROM message_claim WHERE sid IN (
    SELECT sid FROM message_claim WHERE at < :cutoff ORDER BY at LIMIT :batch FOR UPDATE SKIP LOCKED)""")


def _parts_by_reference_length(template: str) -> tuple[int, ...]:
    """The reply's SMS parts for each length a reference can have (crm.platform.sms_parts counts; the statement picks)."""
    return tuple(segments(template + "0" * length) for length in range(_SHORTEST_REFERENCE, _LONGEST_REFERENCE + 1))


@lru_cache(maxsize=64)
def _parts_array(template: str) -> str:
    """_parts_by_reference_length as PostgreSQL's text of an int[] (`{1,1,...}`), made once per reply: sent as text
    for the statement's CAST(:parts AS int[]) (a list is converted to an array parameter again at every text)."""
    return "{" + ",".join(map(str, _parts_by_reference_length(template))) + "}"


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
    blocked = f"SELECT FROM open_case WHERE queue IS DISTINCT FROM '{EMERGENCY}'" if emergency and alone else \
        "SELECT WHERE false"
    alarm = "1, :now" if emergency else "0, NULL"
    callback = ":now" if emergency else "NULL"
    channel = "whatsapp" if whatsapp else "sms"
    # The new case's timeline entries that carry no value of this text, in the order of events (1, 3-5).
    entries = [(1, "opened", {"channel": channel}), (5, "queued", {"queue": queue})]
    if emergency:
        entries[1:1] = [(3, "emergency", {"via": "sms"}), (4, "alarm", {"level": 1, "to": ALARM_TO})]
    fixed = ", ".join(f"({n}, '{kind}', '{json.dumps(detail, separators=(',', ': '))}')" for n, kind, detail in entries)
    reply_detail = "'purpose', CAST(:kind AS text)" + (", 'channel', 'whatsapp'" if whatsapp else "")
    # Compact (EXISTS (TABLE x), SELECT with no column, untyped literals where the column or json_build_object gives
    # the type): the one runner sends it with $n placeholders that psycopg does not parse, so length costs only the wire.
    return text(" ".join(f"""
WITH known AS (
    SELECT FROM message_claim WHERE sid = :sid
), open_case AS (
    SELECT {summary} FROM "case"
    WHERE channel IN ('{channel}', 'voice') AND caller_phone = :sender
      AND (status IN ({open_states}){wrapping}) ORDER BY id DESC LIMIT 1
), blocked AS (
    {blocked}
), go AS (
    SELECT WHERE NOT EXISTS (TABLE known) AND NOT EXISTS (TABLE blocked)
), holder AS (
    {holder_sql("sender")}
), new_id AS (
    SELECT nextval('case_id_seq') AS id FROM go WHERE NOT EXISTS (TABLE open_case)
), target AS (
    SELECT id FROM new_id UNION ALL SELECT open_case.id FROM open_case, go
), {_storing("target", f"'{channel}'")}, opened AS (
    INSERT INTO "case" (id, channel, status, priority, specialty, language, caller_phone, patient_id, queue, queued_at,
                        callback_requested_at, red_flags, alarm_level, alarm_raised_at, created_at, updated_at)
    SELECT new_id.id, '{channel}', '{Status.QUEUED.value}', :priority, :specialty,
           COALESCE((SELECT preferred_language FROM holder), :language), :sender, (SELECT id FROM holder),
           '{queue}', :now, {callback}, '[]', {alarm}, :now, :now
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
SELECT CASE WHEN EXISTS (TABLE known) THEN 'repeat' WHEN EXISTS (TABLE blocked) THEN 'blocked'
       ELSE result.found END AS path, result.*
FROM (SELECT 1) AS one LEFT JOIN (
    SELECT 'opened' AS found, opened.*, stored.id AS message_id, reply.id AS reply_id
    FROM opened JOIN stored ON stored.case_id = opened.id JOIN reply ON reply.case_id = opened.id
    UNION ALL SELECT 'joined', raised.*, stored.id, NULL FROM raised JOIN stored ON stored.case_id = raised.id
    UNION ALL SELECT 'joined', open_case.*, stored.id, NULL FROM open_case JOIN stored ON stored.case_id = open_case.id
    WHERE NOT EXISTS (TABLE raised)
) AS result ON true
""".split()))
