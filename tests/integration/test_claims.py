"""Exactly-once claims on PostgreSQL: many claimers in several processes, one winner per case."""

import multiprocessing.forkserver
import os

import pytest
from sqlalchemy import event, func, select

from crm.cases import lifecycle
from crm.cases.status import WAITING
from crm.models import Case, CaseEvent, StaffUser
from crm.models.base import utcnow
from crm.platform.errors import Refused
from crm.platform.extensions import db
from tests import factories

pytestmark = pytest.mark.pg
CLAIMERS_PER_PROCESS = 4
PROCESSES = 4


def _claimer(database_url: str, instance: str, staff_ids: list[int], mode: str, target: int | None, out) -> None:
    """Run in a child process: each staff member claims (then finishes) until the queue is empty."""
    import threading

    from tests.conftest import make_app

    app = make_app_for_child(make_app, database_url, instance)
    won: list[tuple[int, int]] = []
    lost = 0
    lock = threading.Lock()

    def work(staff_id: int) -> None:
        nonlocal lost
        with app.app_context():
            staff = db.session.get(StaffUser, staff_id)
            while True:
                case = lifecycle.claim(target, staff) if mode == "one" else lifecycle.claim_next(staff, ("tier1",))
                if case is None:
                    with lock:
                        lost += 1
                    return
                with lock:
                    won.append((case.id, staff_id))
                case.status = "resolved"  # finish the call so the next claim is allowed
                db.session.commit()
                if mode == "one":
                    return

    threads = [threading.Thread(target=work, args=(s,)) for s in staff_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((won, lost))


def make_app_for_child(make_app, database_url, instance):
    """An app in the child process on the shared PostgreSQL database."""
    from pathlib import Path

    return make_app(Path(instance), DATABASE_URL=database_url)


@pytest.fixture(scope="module")
def claimer_processes():
    """Fresh processes for the claimers, forked from a server that has imported this module once.

    Spawned ones each imported the app, its models and triage's rules again (2-4 s of CPU apiece, four per test);
    forked from the forkserver they start with those imports done, and each still builds its own app and its own
    database connections. The server is stopped afterwards, so later pools (the registry's) start one as production
    does.
    """
    server = multiprocessing.forkserver._forkserver
    server._stop()
    server.set_forkserver_preload([__name__])
    server.ensure_running()
    yield multiprocessing.get_context("forkserver")
    server._stop()


def _run(context, app_database, tmp_path, staff_ids, mode, target=None):
    out = context.Queue()
    chunks = [staff_ids[i::PROCESSES] for i in range(PROCESSES)]
    procs = [context.Process(target=_claimer, args=(app_database, str(tmp_path / f"p{i}"), chunk, mode, target, out))
             for i, chunk in enumerate(chunks)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    won = [w for r, _ in results for w in r]
    lost = sum(lost for _, lost in results)
    return won, lost


def _queue_cases(n: int) -> list[int]:
    ids = []
    for i in range(n):
        case = lifecycle.open_case("voice", f"+91981{i:07d}", status="queued", queue="tier1", queued_at=utcnow())
        db.session.commit()
        ids.append(case.id)
    db.session.commit()
    return ids


def _staff(n: int) -> list[int]:
    return [factories.make_staff("operator").id for _ in range(n)]


def test_one_case_many_claimers_exactly_one_wins(pg_app, app_database, tmp_path, claimer_processes):
    (case_id,) = _queue_cases(1)
    staff_ids = _staff(CLAIMERS_PER_PROCESS * PROCESSES)
    won, lost = _run(claimer_processes, app_database, tmp_path, staff_ids, "one", case_id)
    assert len(won) == 1 and lost == len(staff_ids) - 1
    claims = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.kind == "claimed"))
    assert claims == 1


def test_answer_next_race_gives_every_case_to_exactly_one_operator(pg_app, app_database, tmp_path, claimer_processes):
    case_ids = _queue_cases(60)
    staff_ids = _staff(CLAIMERS_PER_PROCESS * PROCESSES)
    won, _ = _run(claimer_processes, app_database, tmp_path, staff_ids, "next")
    claimed = sorted(c for c, _ in won)
    assert claimed == sorted(case_ids)  # every case once, none twice
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.status.in_(WAITING))) == 0


def test_nobody_holds_two_live_calls(pg_app):
    first, second = _queue_cases(2)
    staff = factories.make_staff("operator")
    assert lifecycle.claim(first, staff) is not None
    with pytest.raises(Refused):
        lifecycle.claim(second, staff)
    assert db.session.get(Case, second).status == "queued"


def test_answer_next_on_postgresql_is_one_statement_that_also_writes_the_timeline(pg_app):
    routine, emergency, urgent = _queue_cases(3)
    for case_id, priority in ((routine, "P4"), (emergency, "P1"), (urgent, "P2")):
        db.session.get(Case, case_id).priority = priority
    db.session.commit()
    sent = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    staff = [factories.make_staff("operator") for _ in range(3)]
    served = []
    for operator in staff:
        db.session.refresh(operator)  # as the request's login has loaded them
        sent.clear()
        case = lifecycle.claim_next(operator, ("tier1",))
        assert len(sent) == 1  # the pick, the claim and its timeline row: one round trip
        db.session.commit()
        served.append((case.id, case.status, case.assigned_to_id))
    assert served == [(emergency, "in_progress", staff[0].id), (urgent, "in_progress", staff[1].id),
                      (routine, "in_progress", staff[2].id)]
    claimed = db.session.execute(select(CaseEvent.case_id, CaseEvent.staff_id, CaseEvent.detail)
                                 .where(CaseEvent.kind == "claimed").order_by(CaseEvent.id)).all()
    assert [(c, s, d) for c, s, d in claimed] == [(emergency, staff[0].id, {"queue": "tier1"}),
                                                  (urgent, staff[1].id, {"queue": "tier1"}),
                                                  (routine, staff[2].id, {"queue": "tier1"})]
    assert [e.kind for e in db.session.get(Case, emergency).events] == ["opened", "claimed"]


@pytest.fixture(autouse=True)
def _spawn_needs_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.getcwd())
