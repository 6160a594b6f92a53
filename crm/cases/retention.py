"""How long a contact's words and numbers are kept once its case has ended (README "Personal data: what is kept").

Two rules, enforced by the platform's retention sweep (crm.platform.retention), each a RETENTION_<NAME>_DAYS setting:

- message_bodies: the body of every SMS and WhatsApp message, in and out, is replaced by REMOVED once its case has
  been over for the period (a text on no case: once it is that old). The row stays, with its times, status,
  direction, channel and kind: the figures count them.
- closed_cases: once a case has been over for the period, what a person wrote or said on it (summaries, reason,
  advice, clinical notes, the caller's words on the timeline) is replaced by REMOVED, and the numbers that name the
  caller (on the case, its calls, texts and appointments) and its link to the resident are removed. What the floor's
  figures read is kept: times, states, queues, priority, specialty, codes, staff; and the caller's next contact is
  written down first (first-contact resolution compares callers by number). Audit rows are not touched: they are
  the record of who saw what, and hold ids, never the words.

A case has ended when it is closed (or resolved by a doctor) or abandoned (crm.models.case.ENDED_SQL); an open case
is never touched. Each pass takes the oldest first, at most a batch, skipping rows another process holds; a row
done once is marked (`anonymised_at`, `redacted_at`) and never taken again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from crm.cases.assessment import EMERGENCY_SUMMARY
from crm.models.case import ENDED_SQL
from crm.platform import partitions
from crm.platform.extensions import db
from crm.platform.retention import Rule, days_in_force

REMOVED = "[removed: retention period over]"
# Keys of a timeline entry's detail that hold what a person wrote or said, or a (masked) number or card: replaced.
# Every other key is a code, a count, an id or a time, which the figures read (level, by, priority, rules, via...).
FREE_TEXT_KEYS = ("text", "note", "reason", "why", "words", "summary", "advice", "body", "number", "card", "mobile")
CASE_BATCH = 500  # cases per pass: each brings its timeline, calls, texts and notes

_REDACT_BODIES = text(f"""
    UPDATE message SET body = :removed, content_variables = NULL, error_message = NULL, redacted_at = :now
    WHERE id IN (
        SELECT m.id FROM message m
        WHERE m.redacted_at IS NULL AND m.created_at < :cutoff
          AND (m.case_id IS NULL OR EXISTS (SELECT 1 FROM "case" WHERE "case".id = m.case_id AND {ENDED_SQL} < :cutoff))
        ORDER BY m.created_at LIMIT :batch FOR UPDATE OF m SKIP LOCKED)""")

# The two branches are the two partial indexes of crm.models.case (an abandoned case ended after it opened).
_PICK_CASES = text(f"""
    SELECT id FROM "case"
    WHERE anonymised_at IS NULL AND ((status IN ('closed', 'resolved') AND closed_at < :cutoff)
                                     OR (status = 'abandoned' AND created_at < :cutoff AND {ENDED_SQL} < :cutoff))
    ORDER BY {ENDED_SQL} LIMIT :batch FOR UPDATE SKIP LOCKED""")

# Before a caller's number goes, each earlier case of theirs keeps its next contact (the figures' first-contact
# resolution). A case created before one of the picked ones has its next contact already: it cannot change later.
_KEEP_NEXT_CONTACT = text("""
    UPDATE "case" x SET next_contact_at = (SELECT min(later.created_at) FROM "case" later
                                           WHERE later.caller_phone = x.caller_phone AND later.created_at > x.created_at)
    WHERE x.next_contact_at IS NULL AND x.caller_phone LIKE '+%'
      AND x.caller_phone IN (SELECT caller_phone FROM "case" WHERE id = ANY(:ids))
      AND x.created_at <= (SELECT max(p.created_at) FROM "case" p WHERE p.id = ANY(:ids) AND p.caller_phone = x.caller_phone)""")

_ANONYMISE = (
    text("""UPDATE "case" SET caller_phone = NULL, patient_id = NULL,
                summary = CASE WHEN summary IS NULL THEN NULL ELSE :removed END,
                reason = CASE WHEN reason IS NULL THEN NULL ELSE :removed END,
                advice = CASE WHEN advice IS NULL THEN NULL ELSE :removed END,
                escalation_summary = CASE WHEN escalation_summary IS NULL THEN NULL
                    WHEN left(escalation_summary, length(:emergency)) = :emergency THEN :emergency ELSE :removed END,
                anonymised_at = :now
            WHERE id = ANY(:ids)"""),
    text("UPDATE clinical_note SET body = :removed, patient_id = NULL WHERE case_id = ANY(:ids)"),
    text("""UPDATE case_event SET detail = (
                SELECT json_object_agg(key, CASE WHEN key = ANY(:keys) THEN to_json(CAST(:removed AS text)) ELSE value END)
                FROM json_each(detail))
            WHERE case_id = ANY(:ids) AND EXISTS (SELECT 1 FROM json_object_keys(detail) AS k WHERE k = ANY(:keys))"""),
    text("UPDATE call SET from_number = '', to_number = '' WHERE case_id = ANY(:ids)"),
    text("""UPDATE message SET from_number = '', to_number = '', body = :removed, content_variables = NULL,
                error_message = NULL, redacted_at = coalesce(redacted_at, :now)
            WHERE case_id = ANY(:ids)"""),
    text("UPDATE appointment SET phone = NULL, patient_id = NULL WHERE case_id = ANY(:ids)"),
)


def redact_bodies(cutoff: datetime, now: datetime, batch: int) -> int:
    """Replace the bodies of messages whose case ended before `cutoff` (or, on no case, written before it)."""
    return db.session.execute(_REDACT_BODIES, {"removed": REMOVED, "now": now, "cutoff": cutoff, "batch": batch}
                              ).rowcount or 0


def anonymise_cases(cutoff: datetime, now: datetime, batch: int) -> int:
    """Anonymise the cases that ended before `cutoff`, oldest first; returns how many."""
    ids = list(db.session.scalars(_PICK_CASES, {"cutoff": cutoff, "batch": min(batch, CASE_BATCH)}))
    if not ids:
        return 0
    db.session.execute(_KEEP_NEXT_CONTACT, {"ids": ids})
    values = {"ids": ids, "now": now, "removed": REMOVED, "emergency": EMERGENCY_SUMMARY, "keys": list(FREE_TEXT_KEYS)}
    for statement in _ANONYMISE:
        db.session.execute(statement, values)
    return len(ids)


# Medical records: the Indian Medical Council (Professional Conduct, Etiquette and Ethics) Regulations, 2002, 1.3.1
# keep patients' records 3 years from the start of treatment, and the Telemedicine Practice Guidelines 2020 (their
# Appendix 5, 3.7) make a teleconsultation's record, its chat and text record included, part of the patient's record.
# Three years also outlasts the periods to complain of negligence (Consumer Protection Act 2019, s. 69: 2 years;
# Limitation Act 1963: 3 years). Assumed: a helpline contact is such a record (a doctor may answer any case); no case
# is under a medico-legal hold or a court's order (nothing can mark one yet); a child's record is not kept longer.
MEDICAL_RECORD = ("IMC Regulations 2002, 1.3.1: patient records 3 years; the Telemedicine Practice Guidelines 2020 "
                  "make a teleconsultation's record part of them")
MESSAGE_BODIES = Rule(
    "message_bodies", 1095, "SMS and WhatsApp message bodies, in and out (`message`: body, template variables, "
    "provider error text)", "the conversation with the citizen, part of the case's record",
    "after the case ends (a text on no case: after it was written)",
    "the body replaced by a marker; the row, its times, status and direction kept for the figures",
    f"the texts are the contact's chat record, part of its record: {MEDICAL_RECORD}", "redacted", redact_bodies)
CLOSED_CASES = Rule(
    "closed_cases", 1095, "cases: summaries, reason, advice, clinical notes, the caller's words on the timeline, the "
    "caller's number on the case, its calls, texts and appointments, the link to the resident",
    "the health record of a contact with the helpline", "after the case ends",
    "anonymised: words replaced, numbers and the resident link removed; times, states, queues, codes and staff kept "
    "for the figures and the audit", f"{MEDICAL_RECORD}; assumed no case is under a medico-legal hold", "anonymised",
    anonymise_cases,
    least=8,  # past the figures' first-contact window (7 days, crm.helpline.supervisor.kpis.FCR_DAYS)
)
RULES = (MESSAGE_BODIES, CLOSED_CASES)


# The timeline and the audit log, one partition per month (crm.platform.partitions). The timeline's rows, anonymised,
# are what the figures of past days read: every month is kept unless RETENTION_CASE_EVENTS_DAYS gives a period, no
# shorter than the cases' own, and a month goes only when every case with an entry in it has been anonymised. The
# audit log is the record of who saw a patient's record: kept as long as the cases it records
# (RETENTION_AUDIT_LOG_DAYS follows RETENTION_CLOSED_CASES_DAYS and is never shorter, nor under a year: DPDP Rules
# 2025 r. 8(3)), so a resident's or an officer's question about a record is answered while the record is kept.
CASE_EVENTS = partitions.Monthly(
    "case_event", "at", "case_events", default=lambda config: None,
    least=lambda config: days_in_force(config, CLOSED_CASES),
    droppable='SELECT NOT EXISTS (SELECT FROM {month} e JOIN "case" c ON c.id = e.case_id WHERE c.anonymised_at IS NULL)')
AUDIT_LOG = partitions.Monthly(
    "audit_log", "at", "audit_log", default=lambda config: max(365, days_in_force(config, CLOSED_CASES)),
    least=lambda config: max(365, days_in_force(config, CLOSED_CASES)))
# The texts, one partition per month of `created_at`: their rows, redacted and anonymised, are what the figures of
# past days count (texts in and out, delivery). Every month is kept unless RETENTION_MESSAGES_DAYS gives a period,
# no shorter than the bodies' and the cases' own, and a month goes only when every text in it has been redacted and
# every case it is on anonymised.
MESSAGES = partitions.Monthly(
    "message", "created_at", "messages", default=lambda config: None,
    least=lambda config: max(days_in_force(config, MESSAGE_BODIES), days_in_force(config, CLOSED_CASES)),
    droppable='SELECT NOT EXISTS (SELECT FROM {month} m LEFT JOIN "case" c ON c.id = m.case_id '
              'WHERE m.redacted_at IS NULL OR (m.case_id IS NOT NULL AND c.anonymised_at IS NULL))')
MONTHLY = (CASE_EVENTS, AUDIT_LOG, MESSAGES)
