"""The field worklist names each home's street (for the phone's street filter) and the card office reads the last
mark in Delhi time."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm.models import FieldMark
from crm.platform.extensions import db
from crm.residents.field import worklist
from tests import factories
from tests.field.test_marks import _assign, _mark, field_client, verifier  # noqa: F401 (fixtures)


def test_the_street_is_the_part_of_the_address_that_is_neither_house_ward_nor_city():
    assert worklist.street_of("House 12, Gali 3, Seelampur, Delhi", "Seelampur") == "Gali 3"
    assert worklist.street_of("H.No. 4/2, Main Road Maujpur, Delhi-110053", "Maujpur") == "Main Road Maujpur"
    assert worklist.street_of("12-B,  Block C  , New Delhi", None) == "Block C"
    assert worklist.street_of("House 7, Seelampur, Delhi", "Seelampur") == ""
    assert worklist.street_of(None) == ""


@settings(max_examples=60, deadline=None)
@given(house=st.integers(1, 999), street=st.from_regex(r"[A-Z][a-z]{2,8} (Gali|Marg|Road) [0-9]{1,2}", fullmatch=True),
       ward=st.sampled_from(["Seelampur", "Mustafabad", "Laxmi Nagar"]))
def test_the_demo_s_addresses_give_their_gali(house, street, ward):
    assert worklist.street_of(f"House {house}, {street}, {ward}, Delhi", ward) == street


def test_the_worklist_carries_each_home_s_street(field_client, verifier):  # noqa: F811
    home = factories.make_household(ward="Seelampur", address="House 9, Gali 14, Seelampur, Delhi")
    factories.make_card(factories.make_patient(household=home, ward="Seelampur"))
    _assign("Seelampur", verifier)
    homes = field_client.get("/api/v1/field/worklist").json["wards"][0]["households"]
    assert [h["street"] for h in homes] == ["Gali 14"]


def test_the_progress_page_says_the_last_mark_in_delhi_time(app, field_client, verifier):  # noqa: F811
    card = factories.make_card(ward="Seelampur")
    _assign("Seelampur", verifier)
    assert _mark(field_client, card.number)[0].status_code == 201
    mark = db.session.scalar(select(FieldMark))
    mark.recorded_at = datetime(2026, 12, 7, 20, 45, tzinfo=UTC)  # 02:15 on the 8th in Delhi
    db.session.commit()
    office, _ = factories.logged_in(app, "registrar")
    page = office.get("/field/progress").get_data(as_text=True)
    assert "Last mark (Delhi time)" in page and "08 Dec 02:15" in page and "2026-12-07 20:45" not in page
