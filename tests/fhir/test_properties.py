"""Property tests for the FHIR parsers and the history merge: no input makes them crash, nothing is dropped."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.hospitals.fhir import history, search
from crm.hospitals.fhir import identifiers as ids
from crm.models.base import DELHI
from crm.platform.errors import Refused


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 30)))
def test_a_day_search_covers_exactly_that_delhi_day(day):
    prefix, start, end = search.date_range(day.isoformat())
    assert prefix == "eq"
    assert start.astimezone(DELHI).date() == day and start.astimezone(DELHI).hour == 0
    assert end.astimezone(DELHI).date() == day + timedelta(days=1) and end.astimezone(DELHI).hour == 0


@given(st.sampled_from(["", "eq", "ge", "gt", "le", "lt"]), st.integers(1900, 2100), st.integers(1, 12))
def test_year_and_month_searches_are_ranges(prefix, year, month):
    # Counted in Delhi's calendar days: before 1906 Delhi's clocks were not +05:30, so a year of instants is not
    # a whole number of days (1906 started at +05:21:10).
    _, start, end = search.date_range(f"{prefix}{year:04d}")
    assert start < end and (end.astimezone(DELHI).date() - start.astimezone(DELHI).date()).days in (365, 366)
    _, start, end = search.date_range(f"{prefix}{year:04d}-{month:02d}")
    assert 28 <= (end.astimezone(DELHI).date() - start.astimezone(DELHI).date()).days <= 31


@given(st.text(max_size=40))
def test_any_date_text_is_a_range_or_a_400(text):
    try:
        _, start, end = search.date_range(text)
    except Refused as exc:
        assert exc.status == 400
        return
    assert start < end


@given(st.one_of(st.none(), st.sampled_from(list(ids.PATIENT_SYSTEMS.values())), st.text(max_size=30)),
       st.text(max_size=60))
def test_any_identifier_token_is_understood_or_matches_nobody(system, value):
    found = ids.patient_identifier(system, value)
    assert found is None or (found[0] in ids.PATIENT_SYSTEMS and isinstance(found[1], str))


def _record(client_id, name, status, day):
    kind = "MedicationStatement"
    return SimpleNamespace(client_id=client_id, client=SimpleNamespace(name=f"Hospital {client_id}"),
                           resource={"resourceType": kind, "medicationCodeableConcept": {"text": name}},
                           summary=name, status=status, recorded_for=day)


names = st.sampled_from(["Metformin 500 mg", "metformin", "Amlodipine 5mg", "Aspirin 75 mg", "Insulin glargine",
                         "Salbutamol inhaler", "Atorvastatin"])


@given(st.lists(names, max_size=4),
       st.lists(st.tuples(st.integers(1, 3), names, st.sampled_from(["active", "stopped", "completed", "on-hold"]),
                          st.dates(date(2020, 1, 1), date(2026, 11, 1))), max_size=8))
def test_the_merge_never_drops_what_a_source_says(helpline, sent):
    from datetime import datetime

    records = [_record(c, n, s, datetime(d.year, d.month, d.day, tzinfo=UTC)) for c, n, s, d in sent]
    merged = history.merge(helpline, records, lambda r: r.status in ("active", "on-hold"))
    keys = {history.name_key(i["name"]) for i in merged}
    assert {history.name_key(t) for t in helpline} | {history.name_key(r.summary) for r in records} == keys
    for item in merged:
        says = {s["current"] for s in item["sources"]}
        assert bool(item["conflict"]) == (len(says) > 1)  # a disagreement is always said, agreement never flagged
        helpline_texts = [s["text"] for s in item["sources"] if s["who"] == history.HELPLINE]
        assert sorted(helpline_texts) == sorted(t for t in helpline if history.name_key(t) == history.name_key(item["name"]))


@pytest.mark.parametrize("a, b", [("Metformin 500mg", "metformin 1 g"), ("Amlodipine", "AMLODIPINE 5 mg tablet")])
def test_medicine_names_match_across_sources(a, b):
    assert history.name_key(a) == history.name_key(b)


def _coded(client_id, code, display, day):
    resource = {"resourceType": "AllergyIntolerance", "code": {"coding": [{"system": "http://snomed.info/sct",
                                                                           "code": code, "display": display}]}}
    return SimpleNamespace(client_id=client_id, client=SimpleNamespace(name=f"Hospital {client_id}"), resource=resource,
                           summary=f"Allergy: {display}", status="active", recorded_for=day)


ALLERGENS = {"91936005": "Allergy to penicillin", "91935009": "Allergy to peanuts", "294505008": "Allergy to sulfonamide",
             "300916003": "Allergy to latex", "232347008": "Allergy to dander"}


@given(st.lists(st.tuples(st.integers(1, 3), st.sampled_from(sorted(ALLERGENS))), min_size=1, max_size=10))
def test_coded_allergies_are_one_item_per_concept_and_every_hospital_is_kept(sent):
    from datetime import datetime

    records = [_coded(c, code, ALLERGENS[code], datetime(2026, 1, 1 + i % 28, tzinfo=UTC)) for i, (c, code) in enumerate(sent)]
    merged = history.merge([], records, lambda r: True)
    assert sorted(i["name"] for i in merged) == sorted({ALLERGENS[code] for _, code in sent})
    for item in merged:
        code = next(k for k, v in ALLERGENS.items() if v == item["name"])
        assert sorted(s["who"] for s in item["sources"]) == sorted({f"Hospital {c}" for c, k in sent if k == code})


@given(st.sampled_from(["Metformin", "Amlodipine", "Atorvastatin", "Paracetamol", "Salbutamol"]),
       st.sampled_from(["", "Tab. ", "Tablet ", "Cap. ", "Inj. ", "Syp. ", "Allergy to "]),
       st.sampled_from(["", " 500 mg", " 5mg", " 10 MG/ML", " 2.5 mg", " 100 mcg"]),
       st.sampled_from(["", " Oral Tablet", " tablet", " Extended Release Oral Tablet", " inhaler"]))
def test_form_words_and_strengths_never_change_what_a_medicine_is(name, form, strength, dose_form):
    assert history.name_key(f"{form}{name}{strength}{dose_form}") == name.lower()
