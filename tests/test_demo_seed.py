"""The demo seeds the same people under the same registry ids on every start, and the finder knows their wards."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from argon2 import PasswordHasher
from sqlalchemy import select

from crm.citizens.facilities import finder
from crm.citizens.facilities import importer as facility_import
from crm.models import Household, Patient
from crm.platform.extensions import db
from crm.seed import demo
from crm.staff.auth import passwords
from tests.conftest import TEST_DATABASE

PINCODE = re.compile(r"\b(\d{6})$")


def people() -> dict[str, tuple]:
    """Everyone seeded, under their registry id: who they are, where they live, what the demo gave them."""
    rows = db.session.execute(select(Patient, Household.code).outerjoin(Household, Patient.household_id == Household.id))
    return {p.registry_id: (p.name, p.name_hi, p.sex, p.dob, p.birth_year, p.epic, p.mobile, p.address, p.ward, code,
                            p.relation, p.blood_group, tuple(p.allergies or ()), tuple(p.chronic_conditions or ()),
                            p.emergency_contact_name, p.emergency_contact_phone) for p, code in rows}


@pytest.fixture
def quick_passwords(monkeypatch):
    """The demo's thirteen staff accounts are made twice here: a light hash keeps that from dominating the test."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def test_a_restart_keeps_every_person_under_their_registry_id(app, quick_passwords):
    list(demo.seed(residents=40))
    fresh = people()
    assert len(fresh) >= 40 and any(person[11] for person in fresh.values())  # blood groups were drawn too
    db.session.remove()
    TEST_DATABASE.clear()
    # Another machine, a year later: a first start with fewer residents (its first-run-only steps draw then:
    # the facilities' phones, the demo hospital's visits), then restarts that add the rest and change nothing.
    with time_machine.travel(datetime.now(UTC) + timedelta(days=400)):
        list(demo.seed(residents=20))
        first = people()
        assert 20 <= len(first) < len(fresh)
        list(demo.seed(residents=40))
        lines = list(demo.seed(residents=40))
    assert people() == fresh
    assert any("created 0, updated 0" in line for line in lines)


def test_every_ward_and_pincode_of_the_demo_registry_has_facilities_near(app):
    facility_import.import_file(facility_import.DEMO_FILE)
    db.session.commit()
    rows = list(demo.registry_rows(3000, demo.stream(2026, "registry")))  # exactly what `./run demo` imports
    wards = {row["ward"] for row in rows}
    pincodes = {PINCODE.search(row["address"]).group(1) for row in rows}
    assert wards == set(demo.WARDS) and "Mustafabad" in wards
    now = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)  # a Monday morning in Delhi
    for text in sorted(wards | pincodes):
        place = finder.place_for(text)
        assert place is not None, f"the finder does not know {text}"
        found = finder.nearest(place, now, limit=3)
        assert found and found[0].km < 10, f"nothing near {text}"
