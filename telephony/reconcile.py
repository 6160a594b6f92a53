"""Sweeps that settle what a dead process left half done, by asking Twilio what really happened.

- A reply claimed for sending (pending -> sending) whose worker died before Twilio's answer was
  stored: if Twilio has it, it was sent; if not, it is marked failed and shown on the case, for a
  person to decide whether to text again. Red-flag advice is the exception: proven never to have
  reached Twilio, it is sent again, once (the citizen must not be left without it).
- A call whose last webhooks never came (a web process died, Twilio gave up on it): Twilio's own call
  resource says whether the caller is still there. The gone are closed as abandoned and offered a
  call-back by SMS; an emergency among them stays with the doctors, alarmed, to be called back.
- A staff member's leg whose end was never heard (the callback lost with a web process, a browser that
  closed): Twilio's call resource says whether it is still up; an ended one is closed, so the person's
  presence (which follows their legs, crm.cases.legs) is no longer "on call" for ever.
- A message Twilio accepted whose final status callback never came (lost with a web process): Twilio's
  message resource gives its status.
All read through the real twilio Client (the emulator keeps the same resources in demo and tests).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from twilio.base.exceptions import TwilioException, TwilioRestException

from crm.cases import alarms, lifecycle, timeline, voice
from crm.cases.queue import EMERGENCY
from crm.cases.status import Status
from crm.helpline import presence
from crm.helpline.live import events
from crm.helpline.messages import replies
from crm.models import Call, Case, Message
from crm.models.telephony import CALL_ENDED, CALL_STATUS_RANK, MESSAGE_STATUS_RANK
from crm.platform import outbox
from crm.platform.extensions import db
from telephony import exotel, gateway, sms

log = logging.getLogger(__name__)
SENDING_TIMEOUT = timedelta(seconds=120)  # far beyond a send (gateway.HTTP_TIMEOUT): its worker is gone
SILENT_CALL = timedelta(minutes=3)  # the IVR and the wait music call back every 30-40 s at most
SILENT_LEG = timedelta(minutes=2)  # a connected staff leg hears nothing until it ends: asked about this often
BATCH = 100
UNFINISHED = ("accepted", "queued", "sending", "sent")  # Twilio has it; a final status (a callback) is still to come
SILENT_SEND = timedelta(minutes=10)  # a text is delivered in seconds: this long without news, its callback was lost
GIVE_UP = timedelta(days=2)  # Twilio's carriers report within hours, if ever: older ones are not asked again
GONE = "gone"  # Twilio does not know the call at all


def settle_stuck_messages(now: datetime) -> int:
    """Settle every message stuck in 'sending' past the timeout; returns how many were settled."""
    cutoff = now - SENDING_TIMEOUT
    # No sid yet: Twilio never answered. (Twilio's own 'sending' status, reported by a callback after it
    # answered, means the message is on its way and is not ours to settle.)
    stuck = select(Message).where(Message.status == "sending", Message.sid.is_(None), or_(
        Message.sending_since <= cutoff, and_(Message.sending_since.is_(None), Message.updated_at <= cutoff)),
    ).order_by(Message.id).limit(BATCH)
    settled = 0
    for message in db.session.scalars(stuck).all():
        try:
            remote = twilio_copy(message)
        except (TwilioException, OSError) as exc:  # Twilio unreachable: we cannot tell, ask next pass
            log.warning("cannot settle SMS %s yet: %s", message.id, exc)
            continue
        settled += _settle(message, remote, now)
    return settled


def twilio_copy(message: Message):
    """Twilio's record of this message, if the lost request reached it (same to, from and body)."""
    since = (message.sending_since or message.updated_at or message.created_at) - timedelta(minutes=1)
    to, from_ = gateway.twilio_addresses(message)
    candidates = [m for m in gateway.client().messages.list(to=to, from_=from_, limit=50)
                  if outbox.same_text(message.body, m.body or "") and (m.date_created is None or m.date_created >= since)]
    if not candidates:
        return None
    known = set(db.session.scalars(select(Message.sid).where(Message.sid.in_([m.sid for m in candidates]))))
    unclaimed = [m for m in candidates if m.sid not in known]  # another of our messages may say the same
    return unclaimed[-1] if unclaimed else None  # the oldest: Twilio lists newest first


def _settle(message: Message, remote, now: datetime) -> int:
    if remote is not None:
        status = remote.status if MESSAGE_STATUS_RANK.get(remote.status, 0) >= MESSAGE_STATUS_RANK["queued"] else "queued"
        values = {"sid": remote.sid, "status": status, "sent_at": now}
    elif _send_again(message):
        return _resend(message, now)
    else:
        values = {"status": "failed", "error_message": "Lost while sending (the worker stopped); not sent. "
                                                      "Send it again if it is still needed."}
    done = db.session.execute(update(Message).where(Message.id == message.id, Message.status == "sending")
                              .values(updated_at=now, **values).execution_options(synchronize_session=False)).rowcount
    if not done:
        return 0
    db.session.refresh(message)
    if message.case is not None:
        timeline.add_event(message.case, "sms_settled" if remote is not None else "sms_failed",
                           message_id=message.id, purpose=message.kind,
                           reason="found at Twilio" if remote is not None else "lost while sending")
        events.case_changed(message.case, "case.message")
    log.warning("SMS %s stuck in sending settled as %s", message.id, values["status"])
    return 1


def settle_unfinished_sends(now: datetime) -> int:
    """Ask Twilio for the status of every message it accepted that has had no news for a while; returns how many
    moved. A lost status callback otherwise left a delivered message 'sending' on the case for ever."""
    unfinished = (select(Message).where(Message.sid.is_not(None), Message.status.in_(UNFINISHED), ~is_exotel(),
                                        Message.updated_at <= now - SILENT_SEND, Message.created_at >= now - GIVE_UP)
                  .order_by(Message.updated_at).limit(5 * BATCH))
    moved = 0
    # Asked again after a silence as long as the message's age at the last question (10 min, 20, 40, ...): a
    # carrier that never reports costs a handful of questions, not one every pass for two days.
    due = [m for m in db.session.scalars(unfinished).all()
           if now - m.updated_at >= max(SILENT_SEND, m.updated_at - m.created_at)][:BATCH]
    for message in due:
        # Claimed by moving updated_at (many sweeps ask once); a message still unfinished is asked again later.
        won = db.session.execute(update(Message).where(Message.id == message.id, Message.updated_at <= now - SILENT_SEND)
                                 .values(updated_at=now).execution_options(synchronize_session=False)).rowcount
        if not won:
            continue
        try:
            remote = gateway.client().messages(message.sid).fetch()
        except (TwilioException, OSError) as exc:  # unreachable, or Twilio does not know it: ask next time
            log.warning("cannot ask Twilio about SMS %s yet: %s", message.id, exc)
            continue
        params = {"MessageSid": message.sid, "MessageStatus": remote.status}
        if remote.error_code:
            params["ErrorCode"] = str(remote.error_code)
        if sms.record_status(params) is not None:
            moved += 1
    return moved


def is_exotel():
    """Messages Exotel carries (telephony.exotel keeps its ids as EX...): its own sweep asks Exotel about them."""
    return Message.sid.like(exotel.PROVIDER_PREFIX + "%")


def _send_again(message: Message) -> bool:
    """Red-flag advice proven never to have reached Twilio is sent again, once (the citizen must not go without it:
    a second loss leaves it failed on the case, as any other text, for a person to send)."""
    if message.kind != "advice" or message.case is None:
        return False
    return not any(e.kind == "sms_resent" and (e.detail or {}).get("message_id") == message.id
                   for e in message.case.events)


def _resend(message: Message, now: datetime) -> int:
    done = db.session.execute(update(Message).where(Message.id == message.id, Message.status == "sending")
                              .values(status="pending", sending_since=None, updated_at=now)
                              .execution_options(synchronize_session=False)).rowcount
    if not done:
        return 0
    db.session.refresh(message)
    timeline.add_event(message.case, "sms_resent", message_id=message.id, purpose=message.kind,
                       reason="lost while sending: never reached Twilio")
    events.case_changed(message.case, "case.message")
    outbox.send_after_commit([message.id])
    log.warning("red-flag advice %s lost while sending: sent again", message.id)
    return 1


def reconcile_silent_calls(now: datetime) -> int:
    """Ask Twilio about every citizen call silent too long before anyone answered; returns how many ended."""
    heard = func.coalesce(Call.last_heard_at, Call.started_at)
    silent = (select(Call).join(Case, Call.case_id == Case.id)
              .where(Call.purpose.in_(("citizen", "callback")), Call.ended_at.is_(None), heard <= now - SILENT_CALL,
                     Case.status.in_((Status.IVR, Status.QUEUED, Status.CALLBACK)))
              .order_by(heard).limit(BATCH))
    ended = 0
    for call in db.session.scalars(silent).all():
        if not _mark_checked(call, heard <= now - SILENT_CALL, now):
            continue  # another process is asking Twilio about it
        try:
            status = twilio_call_status(call.sid)
        except (TwilioException, OSError) as exc:
            log.warning("cannot reconcile call %s yet: %s", call.sid, exc)
            continue
        if status in CALL_STATUS_RANK and status not in CALL_ENDED:
            continue  # the caller is still there (waiting, in the menu): look again after SILENT_CALL
        _call_gone(call, status, now)
        ended += 1
    return ended


def settle_staff_legs(now: datetime) -> int:
    """Ask Twilio about every staff leg still up whose end may have been lost; close the ended ones. Returns how many."""
    heard = func.coalesce(Call.last_heard_at, Call.started_at)
    silent = (select(Call).where(Call.purpose == "staff", Call.ended_at.is_(None), heard <= now - SILENT_LEG)
              .order_by(heard).limit(BATCH))
    settled = 0
    for call in db.session.scalars(silent).all():
        if not _mark_checked(call, heard <= now - SILENT_LEG, now):
            continue
        try:
            status = twilio_call_status(call.sid)
        except (TwilioException, OSError) as exc:
            log.warning("cannot settle staff leg %s yet: %s", call.sid, exc)
            continue
        if status in CALL_STATUS_RANK and status not in CALL_ENDED:
            if status == "in-progress" and call.answered_at is None:
                call.status, call.answered_at = status, now
            continue  # still up: the person is on a call, whatever their screen shows
        call.status = status if status in CALL_STATUS_RANK else "completed"
        call.ended_at = now
        if call.case is not None:
            timeline.add_event(call.case, "call_ended", leg="staff", status=call.status, reconciled=True,
                               staff_id=call.staff_id)
            events.case_changed(call.case)
        presence.announce([call.staff_id] if call.staff_id else [])
        settled += 1
    return settled


def _mark_checked(call: Call, still_silent, now: datetime) -> bool:
    """Claim this check by one conditional UPDATE, so sweeps running in many processes ask once."""
    won = db.session.execute(update(Call).where(Call.id == call.id, still_silent).values(last_heard_at=now)
                             .execution_options(synchronize_session=False)).rowcount
    if won:
        call.last_heard_at = now
    return bool(won)


def twilio_call_status(sid: str) -> str:
    """The call's status at Twilio ('completed', 'in-progress', ...; GONE if Twilio does not know it)."""
    try:
        return gateway.client().calls(sid).fetch().status
    except TwilioRestException as exc:
        if exc.status == 404:
            return GONE
        raise


def _call_gone(call: Call, status: str, now: datetime) -> None:
    case = call.case
    call.status = status if status in CALL_STATUS_RANK else "completed"
    call.ended_at = now
    timeline.add_event(case, "call_ended", leg=call.purpose, status=call.status, reconciled=True)
    if case.priority == "P1" or case.queue == EMERGENCY:
        # Nobody reached this caller in an emergency: the doctors must call back, not forget them.
        lifecycle.declare_emergency(case, via="reconcile")
        case.callback_requested_at = case.callback_requested_at or now
        alarms.raise_alarm(case)
        events.case_changed(case, "case.emergency")
    elif voice.abandon(case):
        if case.caller_phone and case.caller_phone.startswith("+"):
            outbox.queue_sms(case.caller_phone, replies.reply("missed_call", case.language or "hi",
                                                              ref=case.reference), case=case, kind="missed_call")
    else:
        events.case_changed(case)
