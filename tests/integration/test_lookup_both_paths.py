"""A QR scan by bearer token answers the same on PostgreSQL (token, card and audit row in one statement,
crm.residents.lookup_sql) as on SQLite (the token's query, then the ORM's lookup, crm.residents.lookup): the same requests on both,
the answers, status codes, messages and audit rows compared."""

from datetime import timedelta
from unittest import mock

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
                      abha_address="sunita@abdm")
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


def _normal(value, names: dict):
    """An answer with what differs between two databases by chance (card numbers, times) made comparable."""
    if isinstance(value, dict):
        return {k: (v is not None if k.endswith("_at") else _normal(v, names)) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v, names) for v in value]
    if isinstance(value, str):
        for number, name in names.items():
            value = value.replace(number, name).replace(f"{number[:4]} {number[4:8]} {number[8:]}", name)
    return value


def _ask(client, world: dict, who: str | None, body: dict) -> tuple:
    headers = {"Authorization": f"Bearer {world['token'][who]}"} if who else {}
    response = client.post("/api/v1/lookup", json=body, headers=headers)
    return response.status_code, _normal(response.json, world["numbers"])


def _audit_since(last_id: int, names: dict) -> list:
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


def _scenario(app) -> dict:
    client = app.test_client()
    world = _world()
    out = {"answers": [], "audit": []}
    for who, body in _requests(world):
        last = db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
        out["answers"].append(_ask(client, world, who, body))
        db.session.expire_all()
        out["audit"].append(_audit_since(last, world["numbers"]))
    # Revocation takes effect at once: the next scan with the token is refused.
    token = ApiToken.query.join(StaffUser).filter(StaffUser.username == "t-operator").one()
    out["last_used_recorded"] = token.last_used_at is not None
    tokens.revoke(token.id, None)
    db.session.commit()
    out["after_revoke"] = _ask(client, world, "operator", {"qr": world["qr"]["p2"]})
    return out


@pytest.fixture
def pg(tmp_path, pg_database):
    """A second app, on PostgreSQL with the real migrations, emptied afterwards."""
    from tests.conftest import migrated_pg_app

    with migrated_pg_app(tmp_path / "pg", pg_database) as app:
        yield app


def test_scans_by_token_answer_and_audit_the_same_on_postgresql_and_sqlite(app, pg):
    with app.app_context():
        on_sqlite = _scenario(app)
    on_postgresql = _scenario(pg)
    assert [status for status, _ in on_sqlite["answers"]] == [
        200, 200, 404, 200, 200, 409, 404, 422, 422, 422, 400, 422, 400, 200, 200, 200, 403, 403, 401, 401, 401, 401,
        401, 401]
    assert on_sqlite["after_revoke"][0] == 401 and on_sqlite["last_used_recorded"]
    assert on_sqlite["answers"][14][1]["hospital"]["allergies"]  # the hospital's history is in the answer
    for i, (sqlite_answer, pg_answer) in enumerate(zip(on_sqlite["answers"], on_postgresql["answers"], strict=True)):
        assert pg_answer == sqlite_answer, i
        assert on_postgresql["audit"][i] == on_sqlite["audit"][i], i
    assert on_postgresql == on_sqlite


def test_a_scan_by_token_on_postgresql_is_one_statement(pg):
    world = _world()
    client = pg.test_client()
    sent = []
    execute, commit = psycopg.Cursor.execute, psycopg.Connection.commit

    def counted_execute(cursor, query, *args, **kwargs):
        sent.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    def counted_commit(connection):
        if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:  # in autocommit it sends nothing
            sent.append("COMMIT")
        return commit(connection)

    # Counted at the driver: the statement runs on a pooled connection outside SQLAlchemy's Session.
    with mock.patch.object(psycopg.Cursor, "execute", counted_execute), \
            mock.patch.object(psycopg.Connection, "commit", counted_commit):
        status, body = _ask(client, world, "operator", {"qr": world["qr"]["p2"], "case_id": world["case"]})
    assert status == 200 and body["patient"]["name"] == "Resident 2"
    assert len(sent) == 1 and "INSERT INTO audit_log" in sent[0] and "api_token" in sent[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests=st.lists(st.tuples(
    st.sampled_from(["operator", "doctor", "field_verifier", "revoked", "junk", None]),
    st.sampled_from(["p1", "p2", "p4", "p5", "superseded", "revoked", "unknown_card", "tampered", "junk"]),
    st.sampled_from([None, "case", 999, "", "abc"]),
    st.sampled_from([None, "phone", "card_number"])), min_size=1, max_size=4))
def test_any_mix_of_scans_answers_the_same_on_both(app, pg, requests):
    worlds = {}
    for name, target in (("sqlite", app), ("pg", pg)):
        with target.app_context():
            worlds[name] = _world_once(target)
    seen = {}
    for name, target in (("sqlite", app), ("pg", pg)):
        world = worlds[name]
        client = target.test_client()
        with target.app_context():
            answers = []
            for who, qr, case, other in requests:
                body = {"qr": world["qr"][qr]}
                if case is not None:
                    body["case_id"] = world["case"] if case == "case" else case
                if other == "phone":
                    body["phone"] = "9810000042"
                elif other == "card_number":
                    body["card_number"] = "123456789012"
                last = db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
                answers.append((_ask(client, world, who, body), _audit_since(last, world["numbers"])))
                db.session.expire_all()
            seen[name] = answers
    assert seen["pg"] == seen["sqlite"]


def _world_once(app) -> dict:
    """The world of `app`, built on the first example and kept on the app for the others."""
    if "lookup_world" not in app.extensions:
        app.extensions["lookup_world"] = _world()
    return app.extensions["lookup_world"]
