"""Workspace fixtures: an app whose SMS jobs are held (tests read what would be sent), cases, facilities."""

from __future__ import annotations

import itertools

import pytest

from crm.cases import lifecycle
from crm.models import Case, Facility
from crm.models.base import utcnow
from crm.platform.extensions import db
from tests.conftest import app_with_schema

_numbers = itertools.count(1)


@pytest.fixture
def app(tmp_path):
    """SQLite, jobs held so nothing reaches Twilio or the emulator."""
    with app_with_schema(tmp_path, JOBS_HOLD=True, JOBS_EAGER=False) as app:
        yield app


def waiting_case(channel: str = "sms", priority: str = "P4", phone: str | None = None, **fields) -> Case:
    """A case waiting in tier 1."""
    phone = phone or f"+9198{next(_numbers):08d}"
    case = lifecycle.open_case(channel, phone, status="queued", queue="tier1", queued_at=fields.pop("queued_at", utcnow()),
                           priority=priority, **fields)
    db.session.commit()
    return case


def make_facility(phone: str | None = "+911123456789", **fields) -> Facility:
    """A facility with a duty phone."""
    n = next(_numbers)
    facility = Facility(code=fields.pop("code", f"MC-T{n:02d}"), name=fields.pop("name", f"Mohalla Clinic Test {n}"),
                        kind="mohalla_clinic", district="North East", phone=phone, **fields)
    db.session.add(facility)
    db.session.commit()
    return facility
