"""A QR scan by bearer token (POST /api/v1/lookup): the token's check and last use (crm.staff.auth.tokens.checked_in), the
card, its holder's household and the audit row in one statement (crm.residents.lookup.card_seen_by_token); anything
that statement does not answer goes the usual way (the gate's token check, then CARD_SEEN). The answers, the refusals
and the audit rows, each request against what a person at the desk must see."""

from datetime import timedelta
from unittest import mock

import psycopg
import pytest
from sqlalchemy import select

from crm.models import ApiToken, AuditLog, Case, HealthCard, HospitalClient, HospitalRecord, Patient, StaffUser
from crm.models.base import utcnow
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.cards import operations as cards
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from crm.staff.auth import tokens
from tests import factories

pytestmark = pytest.mark.pg

ROLES = ("operator", "doctor", "registrar", "supervisor", "field_verifier", "admin")


def _patient(household, n: int, **kwargs) -> Patient:
    return factories.make_patient(household, registry_id=f"DL{n:08d}", name=f"Resident {n}", mobile=f"+91981000{n:04d}",
                                  **kwargs)


def _world() -> dict:
    """Staff with live, revoked and expired tokens; a household whose cards are live, superseded and revoked; a
    resident with no household; one with a hospital's history. Returns what the requests name."""
    token = {role: tokens.issue(factories.make_staff(role, username=f"t-{role}")) for role in ROLES}
    for name in ("revoked", "expired", "inactive"):
        token[name] = tokens.issue(factories.make_staff("operator", username=f"t-{name}"))
    rows = {row.staff.username[2:]: row for row in ApiToken.query}
    tokens.revoke(rows["revoked"].id, None)
    rows["expired"].expires_at = utcnow() - timedelta(minutes=1)
    rows["inactive"].staff.active = False
    token["junk"] = tokens.PREFIX + "x" * 43
    token["too_long"] = token["operator"] + "x"

    household = factories.make_household(code="DL-HH-000042")
    ramesh = _patient(household, 1, sex="M", relation="self", dob=None, birth_year=1975)
    sunita = _patient(household, 2, sex="F", relation="spouse", name_hi="सुनीता शर्मा", blood_group="B+",
                      allergies=["Penicillin"], chronic_conditions=["Type 2 diabetes"],
                      current_medications=["Metformin 500 mg"], emergency_contact_name="Ramesh Sharma",
                      emergency_contact_phone="+919810000042", abha_number="91123456789012",
                      abha_address="sunita.k@abdm")
    son = _patient(household, 3, sex="M", relation="son")
    alone = Patient(registry_id="DL00000004", name="Resident 4", sex="O", relation="self", birth_year=1990,
                    allergies=[], chronic_conditions=[], current_medications=[])
    db.session.add(alone)
    with_history = _patient(factories.make_household(code="DL-HH-000043"), 5, sex="F")
    issued = {who.registry_id[-1]: factories.make_card(who) for who in (ramesh, sunita, son, alone, with_history)}
    qr = {f"p{n}": card.qr_token for n, card in issued.items()}
    qr["superseded"], qr["p2"] = qr["p2"], cards.reissue(issued["2"].number, "duplicate").qr_token
    cards.revoke(issued["3"].number, "reported stolen")
    qr["revoked"] = qr.pop("p3")
    unknown = {k: v for k, v in card_token.verify(qr["p1"], keyring()).items() if k != "kid"} | {"n": "10000000000" + card_number.check_digit("10000000000")}
    qr["unknown_card"] = card_token.sign(unknown, keyring())
    text = qr["p1"]
    qr["tampered"] = text[:-20] + ("1" if text[-20] != "1" else "2") + text[-19:]
    qr["junk"] = "hello world"
    client = HospitalClient(client_id="gtb", name="GTB Hospital", jwk={})
    db.session.add(client)
    db.session.flush()
    db.session.add(HospitalRecord(patient_id=with_history.id, client_id=client.id, resource_type="AllergyIntolerance",
                                  source_key="gtb|1", kind="allergy", summary="Sulfa drugs", status="active",
                                  resource={}))
    case = Case(channel="voice", caller_phone="+919810000042")
    db.session.add(case)
    db.session.commit()
    numbers = {number: f"card{i}" for i, number in enumerate(
        db.session.scalars(select(HealthCard.number).order_by(HealthCard.id)))}
    return {"token": token, "qr": qr, "case": case.id, "numbers": numbers}


def _audit_since(last_id: int, names: dict) -> list:
    """The audit rows of lookups written since row `last_id`."""
    rows = AuditLog.query.filter(AuditLog.id > last_id, AuditLog.action.in_(
        ["view_patient", "lookup_failed", "card_refused"])).order_by(AuditLog.id)
    return [(a.action, a.staff_id, a.patient_id, a.case_id, names.get(a.card_number, a.card_number), a.via, a.ip,
             a.detail, a.at is not None) for a in rows]


def _requests(world: dict) -> list[tuple[str | None, dict]]:
    qr = world["qr"]
    return [
        ("operator", {"qr": qr["p2"]}), ("operator", {"qr": qr["p2"], "case_id": world["case"]}),
        ("operator", {"qr": qr["p2"], "case_id": 999}), ("operator", {"qr": qr["p2"], "case_id": "x"}),
        ("doctor", {"qr": qr["superseded"]}), ("registrar", {"qr": qr["revoked"]}),
        ("supervisor", {"qr": qr["unknown_card"]}), ("operator", {"qr": qr["tampered"]}),
        ("operator", {"qr": qr["junk"]}), ("operator", {"qr": "SMP1:123"}), ("operator", {"qr": ""}),
        ("operator", {"qr": 5}), ("operator", {"qr": qr["p1"], "phone": "9810000042"}),
        ("operator", {"qr": qr["p4"]}), ("doctor", {"qr": qr["p5"]}), ("operator", {"qr": qr["p1"]}),
        ("field_verifier", {"qr": qr["p1"]}), ("admin", {"qr": qr["p1"]}), ("revoked", {"qr": qr["p1"]}),
        ("expired", {"qr": qr["p1"]}), ("inactive", {"qr": qr["p1"]}), ("junk", {"qr": qr["p1"]}),
        ("too_long", {"qr": qr["p1"]}), (None, {"qr": qr["p1"]}),
    ]


def _ask(client, world: dict, who: str | None, body: dict):
    headers = {"Authorization": f"Bearer {world['token'][who]}"} if who else {}
    return client.post("/api/v1/lookup", json=body, headers=headers)


def _staff_id(who: str) -> int:
    return db.session.scalar(select(StaffUser.id).where(StaffUser.username == f"t-{who}"))


# (who, what is sent) -> (status, error code or the patient's name, the audit row's action and via, or None)
def _cases(world: dict) -> list[tuple]:
    qr, case = world["qr"], world["case"]
    return [
        ("operator", {"qr": qr["p2"]}, 200, "Resident 2", ("view_patient", "qr")),
        ("operator", {"qr": qr["p2"], "case_id": case}, 200, "Resident 2", ("view_patient", "qr")),
        ("operator", {"qr": qr["p2"], "case_id": 999}, 404, "unknown_case", None),
        ("operator", {"qr": qr["p2"], "case_id": "x"}, 200, "Resident 2", ("view_patient", "qr")),
        ("doctor", {"qr": qr["superseded"]}, 200, "Resident 2", ("view_patient", "qr")),
        ("registrar", {"qr": qr["revoked"]}, 409, "card_revoked", ("card_refused", "qr")),
        ("supervisor", {"qr": qr["unknown_card"]}, 404, "not_found", ("lookup_failed", "qr")),
        ("operator", {"qr": qr["tampered"]}, 422, "bad_signature", ("lookup_failed", "qr")),
        ("operator", {"qr": qr["junk"]}, 422, None, ("lookup_failed", "qr")),
        ("operator", {"qr": "SMP1:123"}, 422, None, ("lookup_failed", "qr")),
        ("operator", {"qr": ""}, 400, "bad_request", None),
        ("operator", {"qr": 5}, 422, None, ("lookup_failed", "qr")),
        ("operator", {"qr": qr["p1"], "phone": "9810000042"}, 400, "bad_request", None),
        ("operator", {"qr": qr["p4"]}, 200, "Resident 4", ("view_patient", "qr")),
        ("doctor", {"qr": qr["p5"]}, 200, "Resident 5", ("view_patient", "qr")),
        ("operator", {"qr": qr["p1"]}, 200, "Resident 1", ("view_patient", "qr")),
        ("field_verifier", {"qr": qr["p1"]}, 403, "forbidden", None),
        ("admin", {"qr": qr["p1"]}, 403, "forbidden", None),
        *[(who, {"qr": qr["p1"]}, 401, "login_required", None)
          for who in ("revoked", "expired", "inactive", "junk", "too_long", None)],
    ]


def test_scans_by_token_answer_refuse_and_audit_as_the_desk_expects(pg_app):
    world = _world()
    client = pg_app.test_client()
    for who, body, status, shown, audited in _cases(world):
        last = db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
        response = _ask(client, world, who, body)
        db.session.expire_all()
        assert response.status_code == status, (who, body, response.json)
        if status == 200:
            assert response.json["patient"]["name"] == shown
        elif shown is not None:
            assert response.json["error"] == shown
        rows = _audit_since(last, world["numbers"])
        if audited is None:
            assert rows == [], (who, body)
            continue
        (action, staff_id, patient_id, case_id, card, via, ip, _detail, at) = rows[0]
        assert len(rows) == 1 and (action, via) == audited, (who, body, rows)
        assert staff_id == _staff_id(who) and ip == "127.0.0.1" and at
        assert case_id == (world["case"] if body.get("case_id") == world["case"] else None)
        if action != "lookup_failed":
            assert patient_id is not None and card is not None


def test_a_scan_shows_the_household_the_current_card_and_a_hospitals_history(pg_app):
    world = _world()
    client = pg_app.test_client()
    superseded = _ask(client, world, "doctor", {"qr": world["qr"]["superseded"]}).json
    assert superseded["card"]["state"] == "old_card" and superseded["card"]["current_number"] != superseded["card"]["number"]
    assert "current card is" in superseded["card"]["notice"]
    assert [m["name"] for m in superseded["household"]] == ["Resident 1", "Resident 2", "Resident 3"]
    assert [m["is_patient"] for m in superseded["household"]] == [False, True, False]
    assert superseded["clinical"]["allergies"] == ["Penicillin"] and superseded["patient"]["abha_address"] == "sunita.k@abdm"
    assert "XXXX" in superseded["patient"]["mobile"]
    alone = _ask(client, world, "operator", {"qr": world["qr"]["p4"]}).json
    assert [m["name"] for m in alone["household"]] == ["Resident 4"] and alone["household_id"] is None
    with_history = _ask(client, world, "doctor", {"qr": world["qr"]["p5"]}).json
    assert with_history["hospital"]["allergies"]  # a hospital's history is in the answer
    assert _ask(client, world, "operator", {"qr": world["qr"]["p1"]}).json["hospital"] is None
    registrar = _ask(client, world, "registrar", {"qr": world["qr"]["p2"]}).json  # the card office's part of it
    assert registrar["clinical"] == {"blood_group": "B+", "emergency_contact": superseded["clinical"]["emergency_contact"]}
    assert "hospital" not in registrar and "notes" not in registrar["sections"] and registrar["household"]


def test_a_token_revoked_is_refused_at_once_and_its_last_use_is_recorded(pg_app):
    world = _world()
    client = pg_app.test_client()
    assert _ask(client, world, "operator", {"qr": world["qr"]["p2"]}).status_code == 200
    token = ApiToken.query.join(StaffUser).filter(StaffUser.username == "t-operator").one()
    assert token.last_used_at is not None
    tokens.revoke(token.id, None)
    db.session.commit()
    assert _ask(client, world, "operator", {"qr": world["qr"]["p2"]}).status_code == 401


@pytest.mark.parametrize("last_use_due", [False, True])
def test_a_scan_by_token_is_one_statement_in_all_without_begin_or_commit(pg_app, last_use_due):
    world = _world()
    client = pg_app.test_client()
    _ask(client, world, "operator", {"qr": world["qr"]["p1"]})  # the token's last use is written
    if last_use_due:
        token = ApiToken.query.join(StaffUser).filter(StaffUser.username == "t-operator").one()
        token.last_used_at = utcnow() - timedelta(minutes=tokens.LAST_USED_MINUTES + 1)
        db.session.commit()
    sent = []
    execute, commit = psycopg.Cursor.execute, psycopg.Connection.commit

    def counted_execute(cursor, query, *args, **kwargs):
        sent.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    def counted_commit(connection):
        if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:  # in autocommit it sends nothing
            sent.append("COMMIT")
        return commit(connection)

    with mock.patch.object(psycopg.Cursor, "execute", counted_execute), \
            mock.patch.object(psycopg.Connection, "commit", counted_commit):
        response = _ask(client, world, "operator", {"qr": world["qr"]["p2"], "case_id": world["case"]})
    assert response.status_code == 200 and response.json["patient"]["name"] == "Resident 2"
    # The token's check and last use, the card, its holder's household and the audit row: one round trip.
    assert len(sent) == 1 and all(part in sent[0] for part in ("api_token", "health_card", "INSERT INTO audit_log"))
    db.session.expire_all()
    token = ApiToken.query.join(StaffUser).filter(StaffUser.username == "t-operator").one()
    assert token.last_used_at > utcnow() - timedelta(minutes=1)
    row = AuditLog.query.filter_by(action="view_patient").order_by(AuditLog.id.desc()).first()
    assert (row.staff_id, row.case_id, row.via, row.ip) == (_staff_id("operator"), world["case"], "qr", "127.0.0.1")
