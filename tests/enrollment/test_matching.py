"""The duplicate matcher: Hindi transliteration variants, typo'd dates, another mobile; symmetric; a record
always matches itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.residents.enrollment.matching import THRESHOLD, Person, name_similarity, score

NAMES = st.sampled_from(["Mohd Imran", "Mohammad Imran", "Ramesh Kumar", "Ramesh Kumaar", "Sunita Devi",
                         "Suneeta Devi", "Imran Khan", "Rekha Sharma", "Fatima Ansari", "Harpreet Singh", "A",
                         "Shabnam", "Md. Yusuf Qureshi", "Kishan Lal", "Laxmi Prasad", "Lakshmi Prasaad"])
PEOPLE = st.builds(
    Person,
    name=st.one_of(NAMES, st.text(min_size=0, max_size=30)),
    dob=st.one_of(st.none(), st.dates(min_value=date(1920, 1, 1), max_value=date(2026, 11, 1))),
    birth_year=st.one_of(st.none(), st.integers(1920, 2026)),
    sex=st.sampled_from([None, "M", "F", "O"]),
    mobile=st.one_of(st.none(), st.from_regex(r"\+919[0-9]{9}", fullmatch=True)),
    ward=st.sampled_from([None, "Seelampur", "Mehrauli"]),
)


@given(PEOPLE, PEOPLE)
@settings(max_examples=300, deadline=None)
def test_score_is_symmetric(a, b):
    assert score(a, b) [0] == score(b, a)[0]


@given(PEOPLE)
@settings(max_examples=300, deadline=None)
def test_a_record_with_a_name_matches_itself(a):
    if any(ch.isascii() and ch.isalpha() for ch in a.name):
        assert score(a, a)[0] >= THRESHOLD


@given(st.text(max_size=40), st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_name_similarity_is_bounded_and_symmetric(a, b):
    value = name_similarity(a, b)
    assert 0.0 <= value <= 1.0 and value == name_similarity(b, a)


@pytest.mark.parametrize("a, b", [
    ("Mohd Imran", "Mohammad Imran"), ("Md Imran", "Muhammad Imran"), ("Ramesh Kumaar", "Ramesh Kumar"),
    ("Sunita Devi", "Suneeta Devi"), ("Imran Khan", "Khan Imran"), ("Lakshmi Prasad", "Laxmi Prasaad"),
    ("Shaikh Farooq", "Sheikh Farooq"),
])
def test_transliteration_variants_are_the_same_name(a, b):
    assert name_similarity(a, b) >= 0.9


def test_a_typo_in_the_date_and_another_mobile_still_match():
    registry = Person("Mohammad Imran", date(1980, 5, 17), 1980, "M", "+919811111111", "Seelampur")
    at_hospital = Person("Mohd Imran", date(1980, 5, 11), 1980, "M", "+919822222222", "Seelampur")
    value, reasons = score(registry, at_hospital)
    assert value >= THRESHOLD and "date of birth one digit apart" in reasons


def test_day_and_month_swapped_match():
    assert score(Person("Sunita Devi", date(1975, 3, 7), 1975, "F"),
                 Person("Suneeta Devi", date(1975, 7, 3), 1975, "F"))[0] >= THRESHOLD


@pytest.mark.parametrize("other", [
    Person("Suresh Sharma", date(1980, 5, 17), 1980, "M"),  # another name
    Person("Mohammad Imran", date(1952, 1, 2), 1952, "M"),  # another generation
    Person("Mohammad Imran", date(1980, 5, 17), 1980, "F"),  # another sex
])
def test_different_people_do_not_match(other):
    assert score(Person("Mohammad Imran", date(1980, 5, 17), 1980, "M"), other)[0] < THRESHOLD


def test_candidates_find_the_variant_among_neighbours(app):
    from crm.residents.enrollment.matching import candidates
    from tests import factories

    target = factories.make_patient(name="Lakshmi Prasad", sex="F", dob=date(1975, 3, 7), birth_year=1975,
                                    ward="Mehrauli", mobile="+919811111111")
    for i in range(60):  # the same ward and birth years, other people
        factories.make_patient(name=f"{['Rekha', 'Anita', 'Kavita'][i % 3]} {['Sharma', 'Verma', 'Jain'][i % 3]}",
                               sex="F", dob=date(1974 + i % 3, 1 + i % 12, 1 + i % 28), birth_year=1974 + i % 3,
                               ward="Mehrauli")
    found = candidates(Person("Laxmi Prasaad", date(1975, 7, 3), 1975, "F", "+919822222222", "Mehrauli"))
    assert [m.patient_id for m in found] == [target.id]
    merged = factories.make_patient(name="Laxmi Prasad", sex="F", dob=date(1975, 3, 7), birth_year=1975,
                                    merged_into_id=target.id)
    assert merged.id not in [m.patient_id for m in candidates(Person.of(target), exclude=target.id)]


def test_a_resident_who_moved_ward_is_found_among_thousands_born_the_same_year(app):
    """At a city's size, "same sex, born within a year, any ward" is hundreds of thousands of rows: the search
    must find a respelt name there by its key, not by reading an arbitrary first thousand of them."""
    from sqlalchemy import insert

    from crm.models import Patient
    from crm.platform.extensions import db
    from crm.residents.enrollment.blocks import BLOCK_LIMIT
    from crm.residents.enrollment.matching import candidates, fold_name
    from tests import factories

    others = [{"registry_id": f"OTHER{n:06d}", "name": name, "name_fold": fold_name(name), "sex": "F",
               "dob": date(1975, 1 + n % 12, 1 + n % 28), "birth_year": 1975, "ward": "Seelampur",
               "allergies": [], "chronic_conditions": [], "current_medications": []}
              for n in range(BLOCK_LIMIT + 200) for name in [f"{['Rekha', 'Anita', 'Kavita'][n % 3]} Sharma"]]
    db.session.execute(insert(Patient), others)
    moved = factories.make_patient(name="Jyoti Khan", sex="F", dob=date(1975, 9, 21), birth_year=1975,
                                   ward="Najafgarh", mobile="+919811111111")
    found = candidates(Person("Jyooti Khan", date(1975, 9, 12), 1975, "F", "+919822222222", "Mehrauli"))
    assert [m.patient_id for m in found] == [moved.id]


@pytest.mark.parametrize("registry, typed, reason", [
    (date(1975, 9, 12), date(1975, 9, 21), "two digits of the date of birth swapped"),  # the day's digits
    (date(1975, 3, 30), date(1975, 3, 3), "two digits of the date of birth swapped"),  # 03 for 30: 27 days
    (date(1975, 1, 4), date(1957, 1, 4), "two digits of the date of birth swapped"),  # the year's digits
    (date(1975, 10, 2), date(1975, 1, 2), "two digits of the date of birth swapped"),  # the month's
    (date(1975, 10, 2), date(1975, 11, 2), "date of birth one digit apart"),
])
def test_a_slip_of_the_keys_in_the_date_of_birth_scores_as_one_typo(registry, typed, reason):
    value, reasons = score(Person("Sunita Devi", registry, registry.year, "F"),
                           Person("Suneeta Devi", typed, typed.year, "F"))
    assert value >= THRESHOLD and reason in reasons


def test_a_date_of_birth_days_away_counts_for_more_than_the_same_year_and_less_than_a_typo():
    registry = Person("Ramesh Kumar", date(1980, 5, 15), 1980, "M", ward="Mehrauli")
    nine_days, typo, same_year = (score(registry, replace(registry, name="Ramesh Kumaar", dob=dob))
                                  for dob in (date(1980, 5, 24), date(1980, 5, 16), date(1980, 8, 2)))
    assert typo[0] > nine_days[0] > same_year[0] and "dates of birth 9 days apart" in nine_days[1]
    new_year = score(Person("Ramesh Kumar", date(1979, 12, 29), 1979, "M"),
                     Person("Ramesh Kumaar", date(1980, 1, 2), 1980, "M"))  # four days, another year
    assert new_year[0] >= THRESHOLD and "dates of birth 4 days apart" in new_year[1]


def _namesakes(count: int, name: str, sex: str, ward: str, days: list[date]) -> None:
    """`count` residents called `name`, born on `days` in turn, inserted in one statement."""
    from sqlalchemy import insert

    from crm.models import Patient
    from crm.platform.extensions import db
    from crm.residents.enrollment.matching import fold_name

    db.session.execute(insert(Patient), [
        {"registry_id": f"NAMESAKE{n:06d}", "name": name, "name_fold": fold_name(name), "sex": sex,
         "dob": days[n % len(days)], "birth_year": days[n % len(days)].year, "ward": ward, "allergies": [],
         "chronic_conditions": [], "current_medications": []} for n in range(count)])


def test_among_hundreds_of_namesakes_born_the_same_year_the_nearest_date_of_birth_is_found(app):
    """A common name fills a year's block far past what one search reads: it reads the namesakes born nearest the
    date entered, not an arbitrary few, so the resident typed a few days off is still found, first."""
    from crm.residents.enrollment.blocks import BLOCK_LIMIT
    from crm.residents.enrollment.matching import candidates
    from tests import factories

    far = [date(1980, month, day) for month in (1, 2, 9, 10, 11, 12) for day in (3, 8, 13, 18, 27)]
    _namesakes(8 * BLOCK_LIMIT, "Ramesh Kumar", "M", "Mehrauli", far)
    original = factories.make_patient(name="Ramesh Kumar", dob=date(1980, 5, 15), birth_year=1980, ward="Mehrauli")
    found = candidates(Person("Ramesh Kumaar", date(1980, 5, 24), 1980, "M", "+919822222222", "Mehrauli"))
    assert found[0].patient_id == original.id and "dates of birth 9 days apart" in found[0].reasons


@pytest.mark.parametrize("born, typed", [
    (date(1975, 9, 12), date(1975, 9, 21)),  # the day's digits swapped: 210 days from the namesakes' dates
    (date(1975, 6, 14), date(1985, 6, 14)),  # a slipped digit of the year: outside the years either side
    (date(1957, 6, 14), date(1975, 6, 14)),  # the year's digits swapped
])
def test_a_slip_of_the_keys_in_the_date_of_birth_finds_the_resident_among_namesakes(app, born, typed):
    from crm.residents.enrollment.blocks import BLOCK_LIMIT
    from crm.residents.enrollment.matching import candidates
    from tests import factories

    _namesakes(4 * BLOCK_LIMIT, "Sunita Devi", "F", "Mehrauli",
               [date(year, 2, day) for year in (born.year, typed.year) for day in range(1, 29)])
    original = factories.make_patient(name="Sunita Devi", sex="F", dob=born, birth_year=born.year, ward="Seelampur")
    found = candidates(Person("Suneeta Devi", typed, typed.year, "F", "+919822222222", "Mehrauli"))
    assert original.id in [m.patient_id for m in found]
