"""Opening hours: the import text, "open now" in Delhi time, and when a closed place opens."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.citizens.facilities import timings

# 2026-11-30 is a Monday. 03:00 UTC is 08:30 in Delhi.
MONDAY_0830_IST = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_a_mohalla_clinic_is_open_on_a_weekday_morning_and_closed_on_sunday():
    week = timings.parse("Mon-Sat 08:00-14:00")
    assert timings.is_open(week, MONDAY_0830_IST)
    assert timings.closes_at(week, MONDAY_0830_IST) == "14:00"
    sunday = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert not timings.is_open(week, sunday)
    assert timings.next_opening(week, sunday) == ("mon", "08:00", 1)


def test_two_shifts_and_a_sunday_line():
    week = timings.parse("Mon-Sat 08:00-14:00, 16:00-20:00; Sun 09:00-13:00")
    assert week["mon"] == [["08:00", "14:00"], ["16:00", "20:00"]] and week["sun"] == [["09:00", "13:00"]]
    three_pm = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # 15:00 IST: between the shifts
    assert not timings.is_open(week, three_pm) and timings.next_opening(week, three_pm) == ("mon", "16:00", 0)


def test_round_the_clock():
    week = timings.parse("Daily 00:00-24:00")
    assert timings.always_open(week)
    assert timings.is_open(week, datetime(2026, 11, 29, 18, 45, tzinfo=UTC))  # 00:15 IST Monday


@pytest.mark.parametrize("text", ["Mon-Sat 14:00-08:00", "Funday 08:00-14:00", "Mon-Sat 8-14", "Sat-Mon 08:00-14:00",
                                  "Mon 25:00-26:00"])
def test_unreadable_hours_are_refused(text):
    with pytest.raises(timings.TimingsError):
        timings.parse(text)


CLOCK = st.integers(0, 23 * 60 + 59).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")


@given(CLOCK, CLOCK, st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)))
def test_open_exactly_between_start_and_end_on_the_days_named(a, b, moment):
    start, end = sorted((a, b))
    if start == end:
        return
    week = timings.parse(f"Mon-Fri {start}-{end}")
    local = moment.replace(tzinfo=UTC).astimezone(timings.DELHI)
    clock = local.strftime("%H:%M")
    expected = local.weekday() < 5 and start <= clock < end
    assert timings.is_open(week, moment.replace(tzinfo=UTC)) == expected
    if not expected:
        day, opens, ahead = timings.next_opening(week, moment.replace(tzinfo=UTC))
        assert opens == start and day in timings.DAYS[:5]
        assert timings.DAYS[(local.weekday() + ahead) % 7] == day and (ahead > 0) == (clock >= start or local.weekday() > 4)
