"""The triage review loop: what doctors see, how they label it, and the corpus export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from crm.models import AuditLog, Case, CaseEvent
from crm.platform.extensions import db
from tests import factories
from tests.triage_review.seed import staff_raised, triaged_sms

UNCLASSIFIED = "achanak ajeeb lag raha hai, number 98111 22233"  # the floor's P3, which the model raises
MODEL_RAISED = "papa ke haath me kuch ajeeb ho raha hai"
AGREED = "mera health card kho gaya naya chahiye"
STAFF_CHANGED = "pet me dard hai"


@pytest.fixture
def seeded(app):
    operator = factories.make_staff(role="operator")
    ids = {text: triaged_sms(text, phone=f"+9198111000{n:02d}").id for n, text in
           enumerate((UNCLASSIFIED, MODEL_RAISED, AGREED, STAFF_CHANGED))}  # fmt: skip
    staff_raised(db.session.get(Case, ids[STAFF_CHANGED]), operator.id, "P1")
    return ids


def _page(client, query: str = "") -> str:
    response = client.get(f"/triage-review/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_doctor_sees_what_triage_was_unsure_of_and_why(client, login, seeded) -> None:
    login("doctor")
    html = _page(client)
    assert "papa ke haath me kuch ajeeb ho raha hai" in html and "model_P1" in html
    assert "Unclassified symptom" in html and "Staff changed priority" in html and "Layers disagreed" in html
    assert "pet me dard hai" in html
    assert "health card kho gaya" not in html  # every layer agreed on a routine request


@pytest.mark.parametrize(
    ("reason", "shown", "hidden"),
    [("staff_changed", STAFF_CHANGED, MODEL_RAISED), ("disagreed", MODEL_RAISED, STAFF_CHANGED)],
)
def test_the_list_filters_by_reason(client, login, seeded, reason, shown, hidden) -> None:
    login("supervisor")
    html = _page(client, f"?reason={reason}")
    assert shown in html and hidden not in html


def test_every_view_of_the_list_is_audited(client, login, seeded) -> None:
    doctor = login("doctor")
    _page(client)
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "triage_review.view")).all()
    assert {r.case_id for r in rows} >= {seeded[MODEL_RAISED], seeded[STAFF_CHANGED]}
    assert {r.staff_id for r in rows} == {doctor.id}


@pytest.mark.parametrize("role", ["operator", "registrar", "admin"])
def test_other_roles_cannot_see_or_label(client, login, seeded, role) -> None:
    login(role)
    assert client.get("/triage-review/").status_code == 403
    assert client.post("/triage-review/label", data={"event_id": "1", "priority": "P1"}).status_code == 403
    assert client.get("/triage-review/export.tsv").status_code == 403


def test_nobody_logged_out_gets_in(client, seeded) -> None:
    assert client.get("/triage-review/").status_code in (302, 401)


def _event_of(case_id: int) -> int:
    return db.session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case_id, CaseEvent.kind == "sms_in"))


def test_a_doctor_labels_a_message_and_sees_the_label(client, login, seeded) -> None:
    doctor = login("doctor")
    event_id = _event_of(seeded[MODEL_RAISED])
    response = client.post("/triage-review/label", data={"event_id": str(event_id), "priority": "P1",
                                                         "specialty": "neurology"})  # fmt: skip
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#event-{event_id}")
    label = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "triage_label"))
    assert (label.staff_id, label.detail["priority"], label.detail["specialty"]) == (doctor.id, "P1", "neurology")
    assert label.detail["event_id"] == event_id and label.detail["text"] == MODEL_RAISED
    assert "Labelled" in _page(client)


@pytest.mark.parametrize(
    "form",
    [{"priority": "P0"}, {"priority": "P1", "specialty": "astrology"}, {"priority": "P1", "event_id": "999999"}],
)
def test_a_bad_label_is_refused_and_nothing_is_recorded(client, login, seeded, form) -> None:
    login("doctor")
    data = {"event_id": str(_event_of(seeded[MODEL_RAISED])), **form}
    response = client.post("/triage-review/label", data=data, follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "triage_label")) is None


@pytest.mark.parametrize("query", ["?page=0", "?page=abc", "?page=100000000000000000000", "?reason=whatever"])
def test_out_of_range_input_is_refused(client, login, seeded, query) -> None:
    login("doctor")
    assert client.get(f"/triage-review/{query}").status_code == 400


@pytest.mark.parametrize("event_id", ["", "-1", "abc", "9" * 30])
def test_a_bad_message_id_is_refused(client, login, seeded, event_id) -> None:
    login("doctor")
    assert client.post("/triage-review/label", data={"event_id": event_id, "priority": "P1"}).status_code == 400


def test_labels_export_in_the_corpus_format_without_numbers(client, login, seeded) -> None:
    login("doctor")
    for text, priority in ((UNCLASSIFIED, "P2"), (STAFF_CHANGED, "P3"), (STAFF_CHANGED, "P2")):
        client.post("/triage-review/label", data={"event_id": str(_event_of(seeded[text])), "priority": priority})
    response = client.get("/triage-review/export.tsv")
    assert response.status_code == 200 and response.mimetype == "text/tab-separated-values"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert list(rows[0]) == ["text", "expected_priority", "expected_specialty", "script"]
    by_text = {r["text"]: r for r in rows}
    assert by_text["pet me dard hai"]["expected_priority"] == "P2"  # the newest label wins
    assert by_text["achanak ajeeb lag raha hai, number <number>"]["script"] == "hinglish"
    assert not any(ch.isdigit() for r in rows for ch in r["text"])
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "triage_review.export")) is not None


def test_the_rules_in_use_and_their_clinical_review_state_are_on_the_page(client, login, seeded) -> None:
    from triage import RULES_VERSION, review_state

    login("supervisor")
    html = _page(client)
    assert f"Rules in use: {RULES_VERSION}" in html
    pending = [v["version"] for v in review_state() if v["pending"]]
    if pending:  # a version no clinician has signed is said so, with every version that review covers
        assert "Awaiting clinical review" in html
        assert all(v in html for v in pending)
    assert html.count('<tr class="pending">') == len(pending)
