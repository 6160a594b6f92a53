"""Properties of the queue figures, whatever the day: shares stay shares, counts add up, periods are checked."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from crm.helpline.supervisor import kpis
from crm.helpline.supervisor import offers as timeline
from crm.helpline.supervisor import period_reports as reports
from crm.platform.errors import Refused

START = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)


def _row(case_id: int) -> timeline.CaseRow:
    fields = {name: None for name in timeline.CaseRow.__dataclass_fields__}
    fields |= {"id": case_id, "channel": "voice", "priority": "P4", "language": "hi", "escalated_emergency": 0,
               "referrals": 0, "appointments": 0, "created_at": START}
    return timeline.CaseRow(**fields)


offer = st.tuples(st.integers(0, 3600), st.sampled_from(["answered", "abandoned", "waiting"]), st.integers(0, 900))


@given(st.lists(offer, max_size=40), st.integers(1, 600), st.integers(0, 30))
def test_figures_are_consistent(spec, threshold, short):
    offers = []
    for n, (entered, fate, wait) in enumerate(spec):
        at = START + timedelta(seconds=entered)
        end = at + timedelta(seconds=wait)
        offers.append(timeline.Offer(_row(n + 1), "tier1", at, end if fate == "answered" else None, 1 if fate == "answered"
                                     else None, end if fate == "abandoned" else None))
    figures = kpis.queue_figures(offers, "tier1", kpis.Target(threshold, 80), short)
    assert figures["offered"] == len(spec)
    assert figures["answered"] + figures["abandoned"] <= figures["offered"]
    assert figures["short_abandoned"] <= figures["abandoned"]
    for share in ("service_level", "abandon_rate"):
        assert figures[share] is None or 0.0 <= figures[share] <= 100.0
    if figures["answered"]:
        waits = [w for (_e, fate, w) in spec if fate == "answered"]
        assert min(waits) - 0.05 <= figures["average_speed_of_answer"] <= max(waits) + 0.05
    else:
        assert figures["average_speed_of_answer"] is None


@given(st.lists(offer, max_size=30), st.integers(1, 600), st.integers(0, 8000))
def test_a_contact_still_waiting_past_the_threshold_only_ever_lowers_the_service_level(spec, threshold, later):
    offers = []
    for n, (entered, fate, wait) in enumerate(spec):
        at = START + timedelta(seconds=entered)
        end = at + timedelta(seconds=wait)
        offers.append(timeline.Offer(_row(n + 1), "emergency", at, end if fate == "answered" else None,
                                     1 if fate == "answered" else None, end if fate == "abandoned" else None,
                                     waiting=fate == "waiting"))
    now = START + timedelta(seconds=later)
    counted = kpis.queue_figures(offers, "emergency", kpis.Target(threshold, 95), 5, now)
    unaware = kpis.queue_figures(offers, "emergency", kpis.Target(threshold, 95), 5)
    overdue = sum(1 for (e, fate, _w) in spec if fate == "waiting" and later - e > threshold)
    assert counted["missed_waiting"] == overdue
    if overdue:
        assert counted["service_level"] is not None
        assert unaware["service_level"] is None or counted["service_level"] <= unaware["service_level"]
    else:
        assert counted["service_level"] == unaware["service_level"]


@given(st.lists(st.floats(0, 10_000, allow_nan=False), min_size=1, max_size=50))
def test_p90_is_one_of_the_values_and_not_below_the_median(values):
    p90 = kpis.nearest_rank(values, 0.9)
    assert any(abs(p90 - round(v, 1)) < 1e-9 for v in values)
    assert p90 >= kpis.nearest_rank(values, 0.5)


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(-200, 200))
def test_periods_are_checked(first, length):
    last = first + timedelta(days=length)
    try:
        got = reports.parse_period(first.isoformat(), last.isoformat(), date(2032, 1, 1))
    except Refused:
        assert length < 0 or length + 1 > reports.MAX_DAYS
    else:
        assert got == (first, last) and 0 <= length < reports.MAX_DAYS
