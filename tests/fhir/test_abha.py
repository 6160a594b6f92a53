"""ABHA: numbers and addresses parsed strictly, the ABHA card's QR read at the desk, residents found by either."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents import lookup
from crm.residents.abha import qr
from crm.residents.abha import services as abha
from crm.residents.abha.number import AbhaError, parse_address, parse_either, parse_number, pretty_number
from tests.factories import logged_in, make_card, make_patient

digits14 = st.text(alphabet="0123456789", min_size=14, max_size=14)


@given(digits14)
def test_a_number_parses_plain_or_as_printed_to_the_same_digits(digits):
    assert parse_number(digits) == digits
    assert parse_number(pretty_number(digits)) == digits
    assert parse_number(" " + pretty_number(digits).replace("-", " ") + " ") == digits


@given(st.text(alphabet="0123456789", min_size=0, max_size=30).filter(lambda t: len(t) != 14))
def test_a_number_of_any_other_length_is_refused_saying_how_many_digits_it_has(text):
    with pytest.raises(AbhaError) as exc:
        parse_number(text)
    assert "14 digits" in str(exc.value)


@given(st.text(max_size=120))
def test_any_text_either_parses_to_14_digits_or_is_refused_cleanly(text):
    try:
        digits = parse_number(text)
    except AbhaError:
        return
    assert len(digits) == 14 and digits.isdigit() and digits.isascii()


@given(st.from_regex(r"[a-z0-9]{1,10}([._][a-z0-9]{1,6})?([._][a-z0-9]{1,6})?", fullmatch=True),
       st.sampled_from(["abdm", "sbx"]))
def test_addresses_follow_abdms_rule(user, domain):
    # ABDM: 8-18 characters, at most one dot and one underscore, neither first nor last.
    address = f"{user}@{domain}"
    if 8 <= len(user) <= 18 and user.count(".") <= 1 and user.count("_") <= 1:
        assert parse_address(address.upper()) == address
        assert parse_either(address) == ("address", address)
    else:
        with pytest.raises(AbhaError):
            parse_address(address)


@pytest.mark.parametrize("text", ["asha@gmail.com", "asha..devi@abdm", ".ashadevi@abdm", "ashadevi_@abdm", "as@abdm",
                                  "asha.k.devi@abdm", "asha_k_devi@abdm", "ashadevi123456789012@abdm", "sunita@abdm",
                                  "आशा@abdm", "asha devi@abdm", "@abdm", "asha@", "x" * 200])
def test_malformed_addresses_are_refused(text):
    with pytest.raises(AbhaError):
        parse_address(text)


ABHA_QR = {"hidn": "91-1234-5678-9012", "hid": "asha.devi@abdm", "name": "Asha Devi", "gender": "F",
           "statelgd": "7", "distlgd": "90", "dob": "2/3/1975", "address": "Seelampur, North East Delhi",
           "district_name": "North East", "mobile": "9811122233", "state name": "DELHI"}


def test_an_address_with_one_dot_and_one_underscore_is_abdms():
    assert parse_address("asha.devi_91@abdm") == "asha.devi_91@abdm"


@pytest.mark.parametrize("shown", [{"dob": "1975-03-02"}, {"dob": "31/31/1975"}, {"dob": "soon"},
                                   {"name": {"first": "Asha"}}, {"gender": 7}, {"mobile": [9811122233]}])
def test_display_only_fields_never_fail_a_scan(shown):
    card = qr.parse(json.dumps(ABHA_QR | shown))
    assert card.number == "91123456789012" and card.address == "asha.devi@abdm"
    if shown.get("dob") == "1975-03-02":
        assert str(card.dob) == "1975-03-02"  # ISO, as some apps print it


def test_the_abha_card_qr_is_read():
    card = qr.parse(json.dumps(ABHA_QR))
    assert (card.number, card.address, card.name, card.gender, str(card.dob)) == (
        "91123456789012", "asha.devi@abdm", "Asha Devi", "F", "1975-03-02")


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20))
def test_any_json_payload_is_read_or_refused_with_a_message(value):
    try:
        card = qr.parse(json.dumps(value))
    except AbhaError as exc:
        assert str(exc)
        return
    assert card.number or card.address


@pytest.mark.parametrize("payload, words", [
    ("{not json", "not readable JSON"),
    ("[1, 2]", "no ABHA fields"),
    (json.dumps({"name": "Asha"}), "no ABHA number"),
    (json.dumps(ABHA_QR | {"hidn": "91-1234-5678"}), "has 10"),
    (json.dumps(ABHA_QR | {"hid": {"user": "asha"}}), "other than text"),
    ("{" + " " * 3000 + "}", "too long"),
    ("[" * 1500 + "]" * 1500, "too long"),
])
def test_malformed_abha_qr_payloads_get_a_clear_message(payload, words):
    with pytest.raises(AbhaError) as exc:
        qr.parse(payload)
    assert words in str(exc.value)


def test_a_resident_is_linked_once_and_found_by_number_address_or_card_qr(app):
    patient = make_card(make_patient(name="Asha Devi")).patient
    abha.link(patient, "91-1234-5678-9012", "Asha.Devi@abdm")
    db.session.commit()
    assert lookup.lookup({"abha": "91123456789012"})["patient"]["id"] == patient.id
    assert lookup.lookup({"abha": "asha.devi@abdm"})["patient"]["abha_number"] == "91-1234-5678-9012"
    assert lookup.lookup({"qr": json.dumps(ABHA_QR)})["patient"]["id"] == patient.id
    other = make_patient()
    with pytest.raises(Refused) as exc:
        abha.link(other, "91123456789012")
    assert exc.value.status == 409


def test_an_unlinked_abha_card_says_whose_it_is_and_what_to_do(app):
    with pytest.raises(Refused) as exc:
        lookup.lookup({"qr": json.dumps(ABHA_QR)})
    assert exc.value.code == "abha_not_linked"
    assert "Asha Devi, ABHA 91-1234-5678-9012" in exc.value.message and "link the ABHA" in exc.value.message


def test_the_desk_reads_an_abha_qr_and_the_card_office_links_an_abha(app):
    patient = make_card(make_patient(name="Asha Devi")).patient
    registrar, _ = logged_in(app, "registrar")
    refused = registrar.post("/lookup/panel", json={"qr": json.dumps(ABHA_QR)})
    assert refused.status_code == 404 and "No resident here is linked" in refused.get_data(as_text=True)
    bad = registrar.post(f"/api/v1/patients/{patient.id}/abha", json={"abha_number": "91-1234"})
    assert bad.status_code == 422 and bad.get_json()["error"] == "bad_abha"
    ok = registrar.post(f"/api/v1/patients/{patient.id}/abha", json={"abha_number": "91-1234-5678-9012"})
    assert ok.status_code == 200 and ok.get_json()["abha_number"] == "91-1234-5678-9012"
    panel = registrar.post("/lookup/panel", json={"qr": json.dumps(ABHA_QR)})
    assert panel.status_code == 200 and "ABHA 91-1234-5678-9012" in panel.get_data(as_text=True)
    found = registrar.post("/lookup/panel", json={"abha": "91 1234 5678 9012"})
    assert found.status_code == 200 and "Asha Devi" in found.get_data(as_text=True)
    form = registrar.post(f"/patients/{patient.id}/abha", data={"abha_address": "asha.devi@sbx"})
    assert form.status_code == 302
    operator, _ = logged_in(app, "operator")
    assert operator.post(f"/api/v1/patients/{patient.id}/abha", json={"abha_number": "91123456789013"}).status_code == 403
