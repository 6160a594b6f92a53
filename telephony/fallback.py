"""Twilio's fallback URLs: what a caller or texter gets when the helpline's webhook failed or timed out.

Set on the number as VoiceFallbackUrl and SmsFallbackUrl. The answer is static TwiML that needs no
database (emergency numbers 112/108 and a call-back promise in Hindi and English); the contact is
kept for the call-back when the database answers. When it does not, the contact is appended to a
file in the instance folder (one JSON line, written in one append), and the sweep reads the file
back once the database answers again: each caller becomes a case as if the webhook had stored it,
each text is stored and answered. Each machine's sweep reads its own instance folder.

The fallback tells every caller "we will call you back", so every caller it keeps is put on the
call-back list with an SMS saying so (a pressed 9 in the emergency queue, with the doctors' alarm):
a case on that list is not one the call's end closes as abandoned. A text that reads as an
emergency gets the emergency advice at once, even when nothing could be stored.

Whatever failed (SQLAlchemy's errors, the driver's own when a connection cannot even be made, or
anything else), the fallback still answers and keeps the contact: it is the last thing between a
failure and a citizen left without advice.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select
from twilio.twiml.messaging_response import MessagingResponse

from crm.cases import lifecycle, queue, timeline, voice
from crm.cases.status import Status
from crm.helpline.messages import inbound, replies
from crm.models import Case, CaseEvent
from crm.models.base import utcnow
from crm.platform import outbox, unit_of_work
from crm.platform.extensions import db
from telephony import calls, prompts, sms
from telephony.signature import twilio_webhook

bp = Blueprint("telephony_fallback", __name__, url_prefix="/telephony")
log = logging.getLogger(__name__)

FOLLOW_UP = "follow_up"  # the timeline event of a case opened to keep an ended case's promised call-back
KEPT_FIELDS = ("CallSid", "MessageSid", "AccountSid", "From", "To", "CallStatus", "Digits", "Body", "NumMedia")
REPLAY_ABANDONED_AFTER = 60.0  # seconds: a file being read back this long ago belongs to a process that died
@bp.post("/voice/fallback")
@twilio_webhook
def voice_fallback():
    """The voice webhook failed: tell the caller what to do now, and keep their number for a call-back."""
    params = request.form.to_dict()
    if params.get("CallSid"):  # a request naming no call has no caller to keep; the advice is still spoken
        _keep(params, "call", _keep_call)
    return Response(prompts.fallback(), mimetype="text/xml")


@bp.post("/sms/fallback")
@twilio_webhook
def sms_fallback():
    """The SMS webhook failed: store the text if the database answers (the usual reply follows), else advise."""
    params = request.form.to_dict()
    if params.get("MessageSid") and _keep(params, "text", _keep_text):
        return Response(str(MessagingResponse()), mimetype="text/xml")
    reply = MessagingResponse()
    reply.message(inbound.unstored_reply(params.get("Body", "")))
    return Response(str(reply), mimetype="text/xml")


def _keep_call(params: dict, heard_at: datetime | None = None) -> None:
    # The case (opened now if the voice webhook never stored it) is settled by the call sweep once the
    # call ends: abandoned with a call-back SMS, or kept with the doctors if the caller pressed 9.
    voice.open_call(params["CallSid"], calls.caller_number(params.get("From", "")), params.get("To", ""),
                    params.get("CallStatus", ""))
    voice.heard(params["CallSid"], params.get("CallStatus", ""))
    call = calls.find(params["CallSid"])
    case = call.case
    if heard_at is not None and (call.last_heard_at is None or heard_at < call.last_heard_at):
        call.last_heard_at = heard_at  # read back later: the call sweep asks Twilio once it is silent long enough
    if case.status == Status.ABANDONED:
        # Read back after the call's end closed it (the database was away meanwhile): an ended case is never
        # reopened, and the caller was promised a call-back, so a follow-up case holds the promise (one: a file
        # read again after a failed pass finds the one it opened).
        case = _follow_up_of(case) or _open_follow_up(case)
    if params.get("Digits") == voice.EMERGENCY_KEY and calls.is_live(case):
        lifecycle.declare_emergency(case, via="ivr")
    _promise_callback(case)


def _follow_up_of(ended: Case) -> Case | None:
    """The follow-up case already opened for this ended case's promised call-back, if any (follow-ups are few:
    the timeline's index on kind finds them)."""
    found = select(CaseEvent.case_id).where(CaseEvent.kind == FOLLOW_UP,
                                            CaseEvent.detail["of_case"].as_integer() == ended.id).limit(1)
    case_id = db.session.scalar(found)
    return db.session.get(Case, case_id) if case_id is not None else None


def _open_follow_up(ended: Case) -> Case:
    case = lifecycle.open_case("voice", ended.caller_phone, status=Status.IVR, language=ended.language,
                               patient_id=ended.patient_id)
    timeline.add_event(case, FOLLOW_UP, of_case=ended.id, reason="fallback call-back promised")
    return case


def _promise_callback(case) -> None:
    """The fallback said "we will call you back": put the case on the call-back list (a pressed 9 stays in the
    emergency queue) and text the caller so; a case already on it, or being worked, is left as it is."""
    if not calls.promise_callback(case):
        return
    if not (case.caller_phone or "").startswith("+"):
        return  # a withheld number: nobody to text (the desk sees the case and its call-back mark)
    emergency = case.queue == queue.EMERGENCY
    outbox.queue_sms(case.caller_phone, replies.reply("emergency" if emergency else "fallback_callback",
                                                      case.language or "hi", ref=case.reference),
                     case=case, kind="advice" if emergency else "fallback_callback")


def _keep_text(params: dict, heard_at: datetime | None = None) -> None:
    inbound.receive(sms.inbound_text(params))


def _keep(params: dict, what: str, keep) -> bool:
    """Store the contact in its own unit of work; on a database failure log it for a person to follow up."""
    try:
        keep(params)
        unit_of_work.commit()
        return True
    except Exception as exc:  # any failure (a driver's own error included): the contact goes to the file
        if not _is_database_error(exc):
            log.exception("fallback could not store the %s", what)
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the pool reconnects on the next request
            log.warning("fallback: rollback failed too", exc_info=True)
        remembered = _remember(what, params)
        log.error("FALLBACK %s (sid %s) not stored: %s; %s", what, params.get("CallSid") or params.get("MessageSid"),
                  exc.__class__.__name__, "kept in the fallback file for the sweep" if remembered
                  else "NOT KEPT: find this sid in the Twilio console (Monitor > Logs) and call the caller back by hand")
        return False


def _is_database_error(exc: BaseException) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError) or type(exc).__module__.split(".")[0] in ("psycopg", "psycopg2")


def log_path() -> Path:
    """The file of contacts the fallback could not store (in the instance folder; it holds phone numbers)."""
    return Path(current_app.config.get("FALLBACK_LOG") or Path(current_app.instance_path) / "fallback-contacts.jsonl")


def _remember(what: str, params: dict) -> bool:
    """Append the contact as one JSON line, in one write (appends from several processes do not interleave)."""
    line = json.dumps({"what": what, "at": utcnow().isoformat(),
                       "params": {k: params[k] for k in KEPT_FIELDS if k in params}}, ensure_ascii=False) + "\n"
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock(path, fcntl.LOCK_SH):  # (shared: appends do not wait for each other, only the sweep waits)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        return True
    except OSError:
        log.exception("could not keep the fallback contact")
        return False


@contextmanager
def _file_lock(path: Path, how: int):
    """flock on a lock file beside the fallback file: a fallback holds it shared from opening the file to closing it,
    the sweep exclusively while it renames the file. Without it a fallback that opened the file just before the
    rename wrote its line into the renamed file after the sweep had read it, and the sweep then deleted the line."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, how)
        yield
    finally:
        os.close(fd)  # (releases the lock)


def replay(now: datetime) -> int:
    """Sweep: store every contact the fallback had to keep in its file; returns how many were read back.

    The file is first renamed (atomically, and never while a fallback is appending to it: one writing after starts a
    new file). Each contact is then stored in a unit of work of its own, as its webhook's would have been: storing
    one may roll its own unit back (a text the primary webhook had stored after all is a repeat,
    crm.helpline.messages.inbound), which must not undo the contacts read before it. The file is deleted once every
    contact in it is stored. A database failure leaves it for a later pass, which reads it again: storing is
    idempotent (by CallSid and MessageSid; a follow-up case is opened once). A contact that fails for any other
    reason is set aside, loudly, so it cannot hold up the others.
    """
    path = log_path()
    if not path.parent.is_dir():
        return 0
    try:
        if path.exists():  # (no file, no lock: a pass with nothing kept creates nothing)
            with _file_lock(path, fcntl.LOCK_EX | fcntl.LOCK_NB):
                if path.exists():
                    os.replace(path, path.with_name(f"{path.name}.{os.getpid()}-{time.time_ns()}.replaying"))
    except BlockingIOError:  # a fallback is appending to it this moment: the next pass renames it
        pass
    except FileNotFoundError:  # another process took it first
        pass
    mine = sorted(p for p in path.parent.glob(f"{path.name}.*.replaying")
                  if p.name.startswith(f"{path.name}.{os.getpid()}-")
                  or time.time() - p.stat().st_mtime > REPLAY_ABANDONED_AFTER)
    if not mine:
        return 0
    unit_of_work.commit()  # what this pass did before: each contact below is a unit of work of its own
    stored = 0
    for taken in mine:
        for line in taken.read_text(encoding="utf-8").splitlines():
            try:
                contact = json.loads(line)
                heard_at = datetime.fromisoformat(contact["at"])
                keep = {"call": _keep_call, "text": _keep_text}[contact["what"]]
                params = contact["params"]
            except (ValueError, KeyError, TypeError):
                log.error("unreadable line in %s (%d characters; read it there: it may hold a number)", taken,
                          len(line))
                continue
            if _read_back(keep, params, heard_at, line):
                stored += 1
        taken.unlink(missing_ok=True)
    if stored:
        log.warning("read back %d contact(s) kept by the fallback while the database was away", stored)
    return stored


def _read_back(keep, params: dict, heard_at: datetime, line: str) -> bool:
    """Store one kept contact in its own unit of work; a database failure is raised (the file is read again later)."""
    try:
        keep(params, heard_at)
        unit_of_work.commit()
        return True
    except Exception as exc:
        unit_of_work.rollback()
        if _is_database_error(exc):
            raise
        log.exception("FALLBACK contact (sid %s) could not be read back; set aside in %s: call the number there back "
                      "by hand", params.get("CallSid") or params.get("MessageSid"), _set_aside(line))
        return False


def _set_aside(line: str) -> Path:
    """Keep a contact that cannot be stored where a person finds it (next to the fallback file)."""
    aside = log_path().with_name("fallback-contacts-not-read-back.jsonl")
    fd = os.open(aside, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # (phone numbers: as private as the file)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)
    return aside
