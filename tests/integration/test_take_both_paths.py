"""Claims and acceptances give the same answers on PostgreSQL (prebuilt SQL, the case built from the returned
row) as on SQLite (the ORM's UPDATE ... RETURNING): one scenario, run on both, compared."""

from unittest import mock

import pytest
from sqlalchemy import select

from crm.cases import lifecycle, tier2
from crm.helpline.live import events
from crm.models import Case, CaseEvent
from crm.models.base import utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories

COLUMNS = [c.key for c in Case.__mapper__.column_attrs]
MOMENTS = ("queued_at", "claimed_at", "accepted_at", "created_at", "updated_at")


def _queue(priorities: list[str]) -> list[int]:
    ids = []
    for i, priority in enumerate(priorities):
        case = lifecycle.open_case("voice", f"+91981{i:07d}", status="queued", queue="tier1", queued_at=utcnow(),
                                   priority=priority)
        ids.append(case.id)
    db.session.commit()
    return ids


def _as_returned(case: Case) -> dict:
    """What the caller of a take sees on the case it got, before anything reads the database again."""
    seen = {key: getattr(case, key) for key in COLUMNS}
    for key in MOMENTS:
        assert seen[key] is None or seen[key].utcoffset().total_seconds() == 0, key  # aware, in UTC
    return seen


def _fresh(case_id: int) -> dict:
    db.session.expire_all()
    return {key: getattr(db.session.get(Case, case_id), key) for key in COLUMNS}


def _same_row(returned: dict, fresh: dict) -> bool:
    def normal(value):  # SQLite hands timestamps back naive (UTC): compare the instants
        return value.replace(tzinfo=None) if hasattr(value, "utcoffset") and value.tzinfo else value

    return {k: normal(v) for k, v in returned.items()} == {k: normal(v) for k, v in fresh.items()}


def _scenario() -> dict:
    """Claims in queue order, a chosen claim lost and won, a second live call refused, a doctor's acceptance."""
    ids = _queue(["P4", "P1", "P3", "P2"])
    operators = [factories.make_staff("operator") for _ in range(4)]
    doctors = [factories.make_staff("doctor", specialty="cardiology") for _ in range(2)]
    out: dict = {"order": [], "rows_match": [], "events": []}
    sent = []
    with mock.patch.object(events, "_send", side_effect=lambda ready: sent.extend(ready)):
        preloaded = db.session.get(Case, ids[1])  # a copy already in the session is refreshed by the claim
        for operator in operators[:2]:
            case = lifecycle.claim_next(operator, ("tier1",))
            out["order"].append(ids.index(case.id))
            returned = _as_returned(case)
            db.session.commit()
            out["rows_match"].append(_same_row(returned, _fresh(case.id)))
        out["preloaded_refreshed"] = preloaded.status == "in_progress" and preloaded.assigned_to_id == operators[0].id
        out["lost_chosen"] = lifecycle.claim(ids[1], operators[2]) is None
        case = lifecycle.claim(ids[2], operators[2])
        returned = _as_returned(case)
        db.session.commit()
        out["rows_match"].append(_same_row(returned, _fresh(case.id)))
        with pytest.raises(Refused) as refused:
            lifecycle.claim(ids[0], operators[2])
        out["second_live_call"] = refused.value.code
        db.session.rollback()
        case = db.session.get(Case, ids[2])
        tier2.escalate(case, operators[2], "cardiology", "urgent", "Chest pain on exertion")
        db.session.commit()
        accepted = tier2.accept(ids[2], doctors[0])
        returned = _as_returned(accepted)
        db.session.commit()
        out["rows_match"].append(_same_row(returned, _fresh(ids[2])))
        out["second_doctor_lost"] = tier2.accept(ids[2], doctors[1]) is None
        db.session.rollback()
        out["events"] = [(kind, payload["status"], payload["assigned_to"] is not None, payload["doctor"] is not None,
                          payload["caller"]) for kind, payload, _ in sent if kind in ("case.claimed", "case.accepted")]
    out["timeline"] = [(ids.index(c), k, s is not None) for c, k, s in db.session.execute(
        select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.staff_id)
        .where(CaseEvent.kind.in_(("claimed", "accepted"))).order_by(CaseEvent.id))]
    return out


def test_claims_and_acceptance_are_the_same_on_postgresql_and_sqlite(app, pg_database, tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    on_sqlite = _scenario()
    pg = make_app(tmp_path / "pg", DATABASE_URL=pg_database)
    with pg.app_context():
        upgrade()
        on_postgresql = _scenario()
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
    assert on_sqlite["order"] == [1, 3]  # P1 then P2
    assert all(on_sqlite["rows_match"]) and all(on_postgresql["rows_match"])
    assert on_postgresql == on_sqlite
    assert all(caller is None or "XXXX" in caller for *_, caller in on_postgresql["events"])  # masked numbers only
