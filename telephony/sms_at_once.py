"""An inbound text on PostgreSQL in one statement: the message, its case, the timeline and the reply.

The SMS webhook's common work (telephony.messages.inbound: a text that is no keyword, grievance or
facility question) as one data-modifying WITH statement that commits as it runs (crm.platform.unit_of_work.run_alone):
the message is stored once per MessageSid (ON CONFLICT DO NOTHING: a repeat, or a copy racing this one,
writes nothing), joins the sender's open case or opens one (the caller's patient matched inside it), goes
on the timeline, raises the case's priority, puts a new case in its queue (an emergency with the doctors'
alarm and call-back) and writes the acknowledgement or the emergency advice with its case reference. It
writes the same rows and values as the ORM path; tests/telephony/test_sms_at_once_pg.py compares the two.

An emergency text for an open case outside the emergency queue writes nothing here: moving a case that
someone may hold is crm.cases.lifecycle.declare_emergency's (the ORM path), and it is rare.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import text

from crm.cases.lifecycle import EMERGENCY, TIER1
from crm.cases.status import OPEN, Status
from crm.helpline.live import events
from crm.models import Case, Message
from crm.models.base import utcnow
from crm.models.case import reference_sql
from crm.platform import outbox, unit_of_work
from crm.platform.extensions import db
from crm.platform.sms_parts import measure
from telephony import sms_text

ORM = object()  # the answer when this text needs the ORM path (nothing was written)
# Texts from one number take turns (crm.platform.turns): each sees the case the one before it opened, so texts sent at
# once are one case with one acknowledgement. telephony.messages takes the same turn on the ORM path.
TURN = "texts"
_REF = "\x00"  # where the case reference goes in a reply template
ALARM_TO = "doctors on duty"  # crm.cases.alarms.raise_alarm's first level
_CASE_COLUMNS = ("id, channel, status, priority, specialty, language, caller_phone, patient_id, queue, queued_at, "
                 "callback_requested_at, assigned_to_id, doctor_id, alarm_level")


class Reply(NamedTuple):
    """The reply a new case gets: its kind and the template split around the reference, with its SMS units."""

    kind: str
    before: str
    after: str
    units: int
    single: int
    split: int


def available() -> bool:
    """Whether this unit of work may take the one-statement path (PostgreSQL, nothing begun yet)."""
    return db.engine.dialect.name == "postgresql" and not db.session().in_transaction()


def reply_for(emergency: bool, script: str) -> Reply:
    """The acknowledgement (or, for a red flag, the emergency advice) in `script`, the reference left out."""
    kind = "advice" if emergency else "ack"
    before, after = sms_text.reply("emergency" if emergency else "ack", script, ref=_REF).split(_REF)
    # The reference (SMP-00042) is GSM-7 and one unit a character in either alphabet.
    units, single, split = measure(before + after)
    return Reply(kind, before, after, units, single, split)


def inbound(sid: str, sender: str, helpline: str, body: str, channel: str, segments: int, result) -> object:
    """Store and act on the text in one statement: the Message (detached), None for a repeated MessageSid,
    or ORM when the ORM path must do it (an emergency for an open case outside the emergency queue)."""
    emergency = result.priority == "P1"
    reply = reply_for(emergency, result.language)
    whatsapp = channel == "whatsapp"
    now = utcnow()
    row = unit_of_work.run_alone(_statement(emergency, whatsapp), {
        "sid": sid, "sender": sender, "helpline": helpline, "body": body,
        "script": result.language, "segments": segments, "now": now, "priority": result.priority,
        "specialty": result.specialty, "rules": json.dumps([m.rule_id for m in result.matched]),
        "language": "en" if result.language == "en" else "hi", "kind": reply.kind,
        "sender_of_reply": current_app.config["TWILIO_WHATSAPP_NUMBER" if whatsapp else "TWILIO_PHONE_NUMBER"],
        "before": reply.before, "after": reply.after, "units": reply.units,
        "single": reply.single, "split": reply.split,
    }, turn=(TURN, sender)).first()
    if row.path in (None, "repeat"):  # None: a copy of this MessageSid racing ours stored it first
        return None
    if row.path == "orm":
        db.session.rollback()  # nothing was written; the ORM path begins its own transaction
        return ORM
    case = Case(**{name: getattr(row, name) for name in _CASE_COLUMNS.split(", ")})
    if row.path == "opened":
        events.case_changed(case, "case.opened")
    events.case_changed(case, "case.message")
    if row.path == "opened":
        events.case_changed(case, "case.emergency" if emergency else "case.queued")
        outbox.send_after_commit([row.reply_id])
    return Message(id=row.message_id, sid=sid, case_id=case.id, direction="inbound", kind="reply", channel=channel,
                   from_number=sender, to_number=helpline, body=body, language=result.language, segments=segments,
                   status="received", created_at=now, updated_at=now)


@lru_cache(maxsize=4)
def _statement(emergency: bool, whatsapp: bool):
    """The statement for a routine or an emergency text on SMS or WhatsApp (built once each)."""
    open_states = ", ".join(f"'{status}'" for status in sorted(OPEN))
    queue = EMERGENCY if emergency else TIER1
    # An emergency for an open case outside the emergency queue is the ORM path's (nothing written here).
    blocked = f"SELECT 1 FROM open_case WHERE queue IS DISTINCT FROM '{EMERGENCY}'" if emergency else \
        "SELECT 1 WHERE false"
    alarm = "1, :now" if emergency else "0, NULL"
    callback = ":now" if emergency else "NULL"
    channel = "whatsapp" if whatsapp else "sms"
    # The new case's timeline entries that carry no value of this text, in the ORM path's order (1, 3-5).
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
    SELECT * FROM "case"
    WHERE channel = '{channel}' AND caller_phone = :sender AND status IN ({open_states}) ORDER BY id DESC LIMIT 1
), blocked AS (
    {blocked}
), go AS (
    SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM known) AND NOT EXISTS (SELECT 1 FROM blocked)
), holder AS (
    SELECT id, preferred_language FROM (
        SELECT id, preferred_language, relation FROM patient WHERE mobile = :sender ORDER BY id LIMIT 10
    ) AS first_ten ORDER BY relation IS DISTINCT FROM 'self', id LIMIT 1
), new_id AS (
    SELECT nextval(pg_get_serial_sequence('"case"', 'id')) AS id FROM go WHERE NOT EXISTS (SELECT 1 FROM open_case)
), target AS (
    SELECT id FROM new_id UNION ALL SELECT open_case.id FROM open_case, go
), stored AS (
    INSERT INTO message (sid, case_id, direction, kind, channel, from_number, to_number, body, language, segments,
                         status, created_at, updated_at)
    SELECT :sid, id, 'inbound', 'reply', '{channel}', :sender, :helpline, :body, :script, :segments, 'received', :now,
           :now FROM target
    ON CONFLICT (sid) DO NOTHING
    RETURNING id, case_id
), opened AS (
    INSERT INTO "case" (id, channel, status, priority, specialty, language, caller_phone, patient_id, queue, queued_at,
                        callback_requested_at, red_flags, alarm_level, alarm_raised_at, created_at, updated_at)
    SELECT new_id.id, '{channel}', '{Status.QUEUED.value}', :priority, :specialty,
           COALESCE((SELECT preferred_language FROM holder), :language), :sender, (SELECT id FROM holder),
           '{queue}', :now, {callback}, CAST('[]' AS JSON), {alarm}, :now, :now
    FROM new_id JOIN stored ON stored.case_id = new_id.id
    RETURNING *
), raised AS (
    UPDATE "case" SET priority = :priority, specialty = COALESCE(:specialty, specialty), updated_at = :now
    WHERE id = (SELECT id FROM open_case) AND id IN (SELECT case_id FROM stored)
      AND CAST(:priority AS text) < priority
    RETURNING *
), reply AS (
    INSERT INTO message (case_id, direction, kind, channel, content_variables, from_number, to_number, body, segments,
                         status, created_at, updated_at)
    SELECT id, 'outbound', :kind, '{channel}', CAST('null' AS JSON), :sender_of_reply, caller_phone,
           :before || reference || :after,
           CASE WHEN :units + length(reference) <= :single THEN 1
                ELSE (:units + length(reference) + :split - 1) / :split END,
           'pending', :now, :now
    FROM (SELECT id, caller_phone, {reference_sql("id")} AS reference FROM opened) AS new_case
    RETURNING id, case_id
), logged AS (
    INSERT INTO case_event (case_id, at, kind, detail)
    SELECT case_id, :now, kind, detail FROM (
        SELECT n, id AS case_id, kind, CAST(detail AS JSON) AS detail
        FROM opened, (VALUES {fixed}) AS fixed (n, kind, detail)
        UNION ALL SELECT 2, case_id, 'sms_in', json_build_object('message_id', id, 'priority',
                                                                 CAST(:priority AS text), 'rules', CAST(:rules AS JSON))
        FROM stored
        UNION ALL SELECT 6, case_id, 'sms_out', json_build_object('message_id', id, {reply_detail}) FROM reply
    ) AS entries ORDER BY n
)
SELECT CASE WHEN EXISTS (SELECT 1 FROM known) THEN 'repeat' WHEN EXISTS (SELECT 1 FROM blocked) THEN 'orm'
       ELSE result.found END AS path, result.*
FROM (SELECT 1) AS one LEFT JOIN (
    SELECT 'opened' AS found, opened.*, stored.id AS message_id, reply.id AS reply_id
    FROM opened JOIN stored ON stored.case_id = opened.id JOIN reply ON reply.case_id = opened.id
    UNION ALL SELECT 'joined', raised.*, stored.id, NULL FROM raised JOIN stored ON stored.case_id = raised.id
    UNION ALL SELECT 'joined', open_case.*, stored.id, NULL FROM open_case JOIN stored ON stored.case_id = open_case.id
    WHERE NOT EXISTS (SELECT 1 FROM raised)
) AS result ON true
""".split()))
