"""The kept sums give every figure exactly as the timeline does, however the day went and in whatever order its
changes were committed: a generated day is recomputed from the raw timeline (kpis.figures_for, the reference) and
compared with the board's and the reports' figures read from the sums."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from crm.helpline.supervisor import aggregates, kept, kpis
from crm.helpline.supervisor import offers as timeline
from crm.models import Call, Case, CaseEvent, KpiBasis, KpiBucket, KpiCase, KpiEmergency, KpiPending, StaffUser
from crm.platform.extensions import db
from tests import factories
from tests.supervisor import scripted_day
from tests.supervisor.scripted_day import END_OF_DAY, play

DAY = date(2026, 11, 20)
START = kpis.delhi_day(DAY)[0]


def reference_grouped(first: date, last: date, by: str) -> list[dict]:
    """A report recomputed from the raw timeline: the offers of the period grouped, each group's figures."""
    start, end = kpis.delhi_day(first)[0], kpis.delhi_day(last)[1]
    offers = [o for o in timeline.offers(timeline.case_rows(start, end)) if start <= o.entered < end]
    groups: dict[str, list] = {}
    for offer in offers:
        groups.setdefault(kpis.GROUPINGS[by](offer), []).append(offer)
    short = kpis.settings()["SHORT_ABANDON_SECONDS"]
    return [{"group": group} | kpis.queue_figures(groups[group], queue, target, short)
            for group in sorted(groups) for queue, target in kpis.targets().items()
            if any(o.queue == queue for o in groups[group])]


def assert_kept_equals_timeline(day: date, now: datetime) -> None:
    """Every figure of the board and of each report read from the sums equals the one recomputed from the timeline."""
    start, end = kpis.delhi_day(day)
    rows = timeline.case_rows(start, end)
    raw = kpis.figures_for(rows, start, end, now)
    got = kept.day_figures(day, now)
    assert db.session.scalar(select(KpiBasis.id)) == 1, "the sums were used, not the timeline"
    assert got["queues"] == raw["queues"]
    assert got["first_contact_resolution"] == raw["first_contact_resolution"]
    assert got["callbacks_requested"] == raw["callbacks_requested"]
    by_agent: dict[int, dict] = {}
    targets, short = kpis.targets(), kpis.settings()["SHORT_ABANDON_SECONDS"]
    for offer in raw["offers"]:
        if offer.answered_by is not None:
            kpis.add_sums(by_agent.setdefault(offer.answered_by, {}), kpis.offer_sums(offer, targets[offer.queue], short))
    assert {a: s for a, s in got["agents"].items() if s["offered"]} == by_agent
    for language in ("hi", "en", "pa", "ur"):
        mine = [o for o in raw["offers"] if o.case.language == language]
        expected = kpis.queue_figures(mine, "tier1", targets["tier1"], short)
        sums = got["languages"].get(language) or dict.fromkeys(kpis.SUMS, 0)
        assert kpis.figures_of("tier1", sums, targets["tier1"]) == expected, language
    for by in kpis.GROUPINGS:
        first, last = day - timedelta(days=1), day + timedelta(days=1)
        assert kept.grouped(first, last, by) == reference_grouped(first, last, by), by


def test_the_scripted_day_played_through_the_real_services_gives_the_same_figures_kept_and_rebuilt(app, monkeypatch):
    step = scripted_day.Day.to

    def counted_after_each_step(self, clock: str) -> None:
        step(self, clock)
        aggregates.fold()  # a board read after every step: a change that marked nothing would be missed for good
        db.session.commit()

    monkeypatch.setattr(scripted_day.Day, "to", counted_after_each_step)
    play(app)  # its webhooks' single statements mark their cases as the ORM's flushes do
    assert_kept_equals_timeline(DAY, END_OF_DAY)
    assert_kept_equals_timeline(DAY, END_OF_DAY + timedelta(days=8))  # first-contact resolution now final
    assert db.session.scalar(select(KpiPending.case_id)) is None  # everything marked was counted
    counted = _buckets()
    # A deployed system's history: the migration leaves a note; the board reads the timeline until the rebuild.
    for table in (KpiBucket, KpiCase, KpiEmergency, KpiBasis):
        db.session.execute(delete(table))
    db.session.add(KpiBasis(id=1, settings=aggregates.NOT_COUNTED))
    db.session.commit()
    start, end = kpis.delhi_day(DAY)
    reference = kpis.figures_for(timeline.case_rows(start, end), start, end, END_OF_DAY)
    assert kept.day_figures(DAY, END_OF_DAY)["queues"] == reference["queues"]
    assert aggregates.fold() is False and _buckets() == set()
    cli = app.test_cli_runner()
    assert cli.invoke(args=["kpis", "rebuild", "--from", "2026-11-19", "--to", "2026-11-21"]).exit_code == 0
    assert aggregates.fold() is False and _buckets() == counted  # counted, but not used before every day is
    result = cli.invoke(args=["kpis", "rebuild"])
    assert result.exit_code == 0 and "Not every day" not in result.output
    assert _buckets() == counted
    assert_kept_equals_timeline(DAY, END_OF_DAY)


def _buckets() -> set[tuple]:
    return {(b.day, b.dim, b.value, b.queue, *(getattr(b, k) for k in (*kpis.SUMS, *aggregates.CASE_SUMS)))
            for b in db.session.scalars(select(KpiBucket)) if b.offered or b.fcr_given or b.callbacks}


# A generated day: each case is a script of moments (seconds from the start of the Delhi day, some the day before
# or after, with microseconds), committed in two halves so that sums already counted must be taken out again.
seconds = st.floats(0, 400, allow_nan=False).map(lambda s: round(s, 6))
case_script = st.fixed_dictionaries({
    "channel": st.sampled_from(["voice", "sms"]), "language": st.sampled_from(["hi", "en"]),
    "caller": st.sampled_from(["+919810000001", "+919810000002", "anonymous"]),
    "opened": st.floats(-7200, 93_600, allow_nan=False).map(lambda s: round(s, 6)),
    "emergency": st.booleans(), "fate": st.sampled_from(["answered", "abandoned", "waiting"]),
    "wait": seconds, "outcome": st.sampled_from([None, "resolved", "informed", "escalated", "callback_scheduled"]),
    "talk": st.one_of(st.none(), seconds), "wrap": st.one_of(st.none(), st.floats(-30, 120).map(lambda s: round(s, 6))),
    "doctor_fate": st.sampled_from(["answered", "abandoned", "waiting"]), "doctor_wait": seconds,
    "urgency": st.sampled_from(["urgent", "emergency"]), "callback": st.booleans(), "split": st.integers(0, 8),
})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(st.lists(case_script, min_size=1, max_size=7), st.floats(0, 200_000, allow_nan=False))
def test_any_generated_day_gives_the_same_figures_kept_as_recomputed(app, scripts, later):
    _forget_every_case()
    staff = _staff()
    for script in scripts:
        _play(script, staff)
    assert_kept_equals_timeline(DAY, START + timedelta(seconds=later))


def _staff() -> list:
    found = list(db.session.scalars(select(StaffUser).order_by(StaffUser.id)))
    if not found:
        found = [factories.make_staff("operator"), factories.make_staff("operator"), factories.make_staff("doctor")]
        db.session.commit()
    return found


def _forget_every_case() -> None:
    for table in (CaseEvent, Call, KpiPending, KpiCase, KpiBucket, KpiEmergency, KpiBasis, Case):
        db.session.execute(delete(table))
    db.session.commit()


def _play(script: dict, staff: list) -> None:
    """One case's timeline, committed in two steps (the second after the sums have counted the first)."""
    operator, doctor = staff[len(script["caller"]) % 2], staff[2]
    at = lambda s: START + timedelta(seconds=s)
    t = script["opened"]
    case = Case(channel=script["channel"], status="ivr", priority="P4", language=script["language"],
                caller_phone=script["caller"], created_at=at(t), updated_at=at(t), red_flags=[], alarm_level=0)
    db.session.add(case)
    steps: list[tuple] = [("opened", t, None, {})]
    queued = t + 10
    if script["emergency"]:
        steps.append(("queued", queued, None, {"queue": "emergency"}))
        _waits(steps, queued, script["fate"], script["wait"], "accepted", doctor)
        status = {"answered": "with_doctor", "abandoned": "abandoned", "waiting": "queued"}[script["fate"]]
    else:
        steps.append(("queued", queued, None, {"queue": "tier1"}))
        claimed = _waits(steps, queued, script["fate"], script["wait"], "claimed", operator)
        status = {"answered": "in_progress", "abandoned": "abandoned", "waiting": "queued"}[script["fate"]]
        if claimed is not None and script["outcome"]:
            done = claimed + 60
            steps.append((script["outcome"], done, operator, {}))
            case.outcome, status = script["outcome"], "resolved"
            if script["wrap"] is not None:
                case.wrap_up_until = at(done + script["wrap"])
            if script["talk"] is not None:
                db.session.add(Call(sid=f"CA{id(script):032x}"[:34], case=case, purpose="staff", direction="outbound",
                                    staff_id=operator.id, to_number="client:staff", status="completed",
                                    answered_at=at(claimed + 1), ended_at=at(claimed + 1 + script["talk"])))
            if script["outcome"] == "escalated":
                escalated = done + 1
                steps.append(("escalated", escalated, operator, {"urgency": script["urgency"]}))
                accepted = _waits(steps, escalated, script["doctor_fate"], script["doctor_wait"], "accepted", doctor)
                status = "escalated" if script["doctor_fate"] == "waiting" else "with_doctor"
                if accepted is not None:
                    steps.append(("resolved", accepted + 300, doctor, {"by": "doctor"}))
    if script["callback"]:
        steps.append(("callback_requested", queued + 5, None, {}))
    case.status = status
    steps.sort(key=lambda step: step[1])
    for n, (kind, moment, person, detail) in enumerate(steps):
        db.session.add(CaseEvent(case=case, kind=kind, at=at(moment), staff_id=person.id if person else None,
                                 detail=detail))
        if n == script["split"]:
            db.session.commit()
            kept.day_figures(DAY, START)  # the sums count the case as it is so far
            db.session.commit()
    db.session.commit()


def _waits(steps: list, entered: float, fate: str, wait: float, answer: str, person) -> float | None:
    """The offer's end: answered (returns when) or abandoned after `wait`, or nothing (still waiting)."""
    if fate == "answered":
        steps.append((answer, entered + wait, person, {}))
        return entered + wait
    if fate == "abandoned":
        steps.append(("abandoned", entered + wait, None, {}))
    return None
