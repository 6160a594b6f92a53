"""Signing in with the mobile number on the registry and a one-time code sent by SMS.

The code is six digits, kept only as an HMAC (keyed by the app's secret), valid for CODE_MINUTES, tried at
most MAX_TRIES times, and only the newest code of a number counts. The SMS that carries it is stored with the code
masked (crm.platform.outbox keeps the code sealed for its send job only), so no reader of messages ever sees a code. Sends are limited per number and per
client address per hour. A number that is not on the registry gets exactly the same answer, the same limits
and the same audit row as one that is; only the SMS is not sent. Every request and every try is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from crm.models import Patient, PortalCode
from crm.models.base import utcnow
from crm.platform import audit, outbox, phones, sms_templates, turns
from crm.platform.errors import Refused
from crm.platform.extensions import db

CODE_MINUTES = 5
MAX_TRIES = 5
SENDS_PER_NUMBER_PER_HOUR = 3
SENDS_PER_ADDRESS_PER_HOUR = 10
SMS_KIND = "portal_code"


def normalize(raw: str) -> str:
    """The mobile in E.164, or Refused 422 (a malformed number says nothing about the registry)."""
    try:
        return phones.normalize(str(raw or "")[:40])
    except phones.PhoneError as exc:
        audit.record("portal_code_refused", via="portal", keep=True, reason="bad_mobile")
        raise Refused("bad_mobile", _("Please enter a 10-digit mobile number."), 422) from exc


def request_code(raw_mobile: str, ip: str | None, lang: str, now: datetime | None = None) -> str:
    """Issue a code for this mobile (texted only if it is on the registry); returns the E.164 number."""
    now = now or utcnow()
    mobile = normalize(raw_mobile)
    # Requests for one number (and from one address) take turns, so each count below includes the code the one
    # before it wrote: ten requests at once still get SENDS_PER_NUMBER_PER_HOUR codes. Number first, always.
    turns.wait_for("portal_code_mobile", mobile)
    if ip:
        turns.wait_for("portal_code_ip", ip)
    hour_ago = now - timedelta(hours=1)
    per_number = db.session.scalar(select(func.count(PortalCode.id)).where(
        PortalCode.mobile == mobile, PortalCode.created_at >= hour_ago))
    per_address = db.session.scalar(select(func.count(PortalCode.id)).where(
        PortalCode.ip == ip, PortalCode.created_at >= hour_ago)) if ip else 0
    if per_number >= SENDS_PER_NUMBER_PER_HOUR or per_address >= SENDS_PER_ADDRESS_PER_HOUR:
        audit.record("portal_code_limited", via="portal", keep=True, mobile=phones.masked(mobile),
                     per_number=per_number, per_address=per_address)
        raise Refused("too_many_codes", _("Too many codes were asked for. Please try again after an hour."), 429)
    holder = db.session.scalar(select(Patient.id).where(Patient.mobile == mobile, Patient.merged_into_id.is_(None))
                               .order_by(Patient.id).limit(1))
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires = now + timedelta(minutes=CODE_MINUTES)
    db.session.add(PortalCode(mobile=mobile, code_hash=code_hash(mobile, code), registered=holder is not None,
                              ip=ip, created_at=now, expires_at=expires))
    if holder is not None:
        # A registered SMS template (DLT): the words are the registered ones in the page's language.
        body = sms_templates.render("signin_code", lang, code=outbox.SECRET_MASK, minutes=CODE_MINUTES)
        outbox.queue_sms(mobile, body, kind=SMS_KIND, secret=code, secret_expires=expires)
    audit.record("portal_code_requested", patient_id=holder, via="portal", mobile=phones.masked(mobile),
                 registered=holder is not None)
    db.session.flush()
    return mobile


def check_code(mobile: str, code: str, ip: str | None, now: datetime | None = None) -> bool:
    """Whether `code` is the live code of `mobile`; each try counts, whatever its result (the caller commits)."""
    now = now or utcnow()
    newest = db.session.scalar(select(PortalCode.id).where(PortalCode.mobile == mobile)
                               .order_by(PortalCode.id.desc()).limit(1))
    row = _take_try(newest) if newest is not None else None
    ok = False
    reason = "no_code"
    if newest is not None and row is None:
        reason, row = "too_many_tries", db.session.get(PortalCode, newest, populate_existing=True)
    elif row is not None:
        reason = _refusal(row, now)
        if reason is None:
            ok = hmac.compare_digest(row.code_hash, code_hash(mobile, str(code or "").strip()[:12]))
            reason = None if ok else "wrong"
            if ok and row.registered:
                row.used_at = now
            ok = ok and row.registered
    audit.record("portal_sign_in" if ok else "portal_sign_in_failed", via="portal", mobile=phones.masked(mobile),
                 reason=reason, tries=row.attempts if row else 0)
    db.session.flush()
    return ok


def _take_try(code_id: int) -> PortalCode | None:
    """Count one try of this code, or None when its MAX_TRIES are spent; the row (refreshed) stays locked.

    One conditional UPDATE decides whether a guess is compared at all: tries sent at once queue on the row's
    lock and each sees the count the one before it committed, so at most MAX_TRIES are ever compared.
    """
    return db.session.scalars(
        update(PortalCode).where(PortalCode.id == code_id, PortalCode.attempts < MAX_TRIES)
        .values(attempts=PortalCode.attempts + 1).returning(PortalCode),
        execution_options={"populate_existing": True, "synchronize_session": False}).one_or_none()


def _refusal(row: PortalCode, now: datetime) -> str | None:
    if row.used_at is not None:
        return "used"
    if _aware(row.expires_at) <= now:
        return "expired"
    return None


def code_hash(mobile: str, code: str) -> str:
    """HMAC-SHA256 of the code, bound to the number and keyed by the app's secret."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
