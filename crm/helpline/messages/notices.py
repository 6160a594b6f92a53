"""What the helpline tells a citizen about their contact on its own: the time of a scheduled call-back, and "we missed
your call" (with the call-back offer) to a caller who hung up in the queue after the short-abandon threshold.

Every text is in the contact's language (case.language; romanised Hindi to a caller who writes it) and its words are
in crm.helpline.messages.replies, one place for every automatic text. Opt-outs are respected by the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.cases import channels
from crm.helpline.messages import replies
from crm.helpline.supervisor import kpis
from crm.models import Case, Message, OptOut
from crm.models.base import local
from crm.platform import outbox
from crm.platform.errors import Refused
from crm.platform.extensions import db

MISSED_LOOK_BACK = timedelta(hours=2)  # an abandoned call older than this is not texted any more (it is stale news)
MISSED_BATCH = 200  # at most this many texts per sweep pass
MISSED_KIND = "missed_call"
_Later = aliased(Case)  # the same caller's later contact


def script(case: Case) -> str:
    """The script of the contact's texts: 'hi', 'hinglish' (they text Hindi in Latin letters) or 'en'."""
    if case.language != "hi":
        return "en" if case.language in (None, "en") else case.language
    texted = [m.language for m in case.messages if m.direction == "inbound" and m.language]
    return "hinglish" if texted and texted[-1] == "hinglish" else "hi"


def callback_scheduled(case: Case, staff_id: int | None) -> Message | None:
    """Text the caller the time of the call-back they were promised (Delhi time, zone named)."""
    if not (case.caller_phone or "").startswith("+") or case.callback_due_at is None:
        return None
    when = local(case.callback_due_at).strftime("%d %b %H:%M")
    return _send(case, replies.reply("callback_at", script(case), ref=case.reference, when=when),
                 "callback_scheduled", staff_id)


def tell_missed_callers(now: datetime) -> int:
    """Sweep: text "we missed your call" once to each caller who hung up waiting after the short-abandon threshold
    (a setting), in the last MISSED_LOOK_BACK, unless they have called or texted again since."""
    short = kpis.settings()["SHORT_ABANDON_SECONDS"]
    later = select(_Later.id).where(_Later.caller_phone == Case.caller_phone, _Later.id > Case.id).exists()
    told = select(Message.id).where(Message.case_id == Case.id, Message.kind == MISSED_KIND).exists()
    stopped = select(OptOut.id).where(OptOut.phone == Case.caller_phone).exists()
    # Locked and skipped: sweeps running at once in several processes text each caller once.
    query = (select(Case).where(
        Case.status == "abandoned", Case.channel == "voice", Case.caller_phone.like("+%"),
        Case.abandoned_at > now - MISSED_LOOK_BACK, Case.queued_at.is_not(None),
        Case.abandoned_at - Case.queued_at >= timedelta(seconds=short), ~later, ~told, ~stopped)
        .order_by(Case.id).limit(MISSED_BATCH).with_for_update(of=Case, skip_locked=True))
    done = 0
    for case in db.session.scalars(query):
        _send(case, replies.reply(MISSED_KIND, script(case), ref=case.reference), MISSED_KIND, None)
        done += 1
    return done


def _send(case: Case, text: str, kind: str, staff_id: int | None) -> Message:
    channel = channels.reply_channel(case)
    try:
        channels.ensure_free_form_allowed(case, channel)
    except Refused:
        channel = "sms"  # WhatsApp's 24 hours have passed: a plain SMS still reaches them
    return outbox.queue_sms(case.caller_phone, text, case=case, kind=kind, staff_id=staff_id, channel=channel)
