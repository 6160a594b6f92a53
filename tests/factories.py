"""Test data builders: make_staff, make_patient, make_card."""

from __future__ import annotations

import itertools
from datetime import date

from crm.models import Household, Patient
from crm.platform.extensions import db
from crm.residents.cards import operations as cards
from crm.staff.auth import passwords

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_staff(role: str = "operator", username: str | None = None, **kwargs):
    """A staff member whose password is PASSWORD."""
    n = next(_seq)
    staff = passwords.create_staff(username or f"{role}{n}", role, PASSWORD, **kwargs)
    db.session.commit()
    return staff


def make_household(code: str | None = None, **kwargs) -> Household:
    """A household."""
    household = Household(code=code or f"HH-{next(_seq):05d}", address=kwargs.pop("address", "House 1, Seelampur"),
                          ward=kwargs.pop("ward", "Seelampur"))
    db.session.add(household)
    db.session.flush()
    return household


def make_patient(household: Household | None = None, **kwargs) -> Patient:
    """A resident with sensible defaults; any column may be overridden."""
    n = next(_seq)
    values = {
        "registry_id": f"DL{n:08d}", "name": f"Resident {n}", "name_hi": "रमेश कुमार", "sex": "M",
        "dob": date(1980, 5, 17), "birth_year": 1980, "mobile": f"+9198{n:08d}", "relation": "self",
        "address": "House 1, Seelampur", "ward": "Seelampur", "allergies": [], "chronic_conditions": [],
        "current_medications": [],
    }
    values.update(kwargs)
    patient = Patient(household=household or make_household(), **values)
    db.session.add(patient)
    db.session.commit()
    return patient


def make_card(patient: Patient | None = None, **patient_kwargs):
    """A patient (made if not given) with a freshly issued card."""
    card = cards.issue(patient or make_patient(**patient_kwargs))
    db.session.commit()
    return card


def logged_in(app, role: str, **kwargs):
    """(client, staff): a new staff member of `role` and a test client logged in as them."""
    client = app.test_client()
    staff = make_staff(role, **kwargs)
    response = client.post("/login", data={"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302, response.data
    return client, staff
