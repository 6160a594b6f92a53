"""Issuing, reissuing, revoking; verification and delivery; the one-live-card rule."""

import pytest
from sqlalchemy.exc import IntegrityError

from crm.models import AuditLog, HealthCard
from crm.platform.errors import Refused
from crm.platform.extensions import db
from crm.residents.cards import number as card_number
from crm.residents.cards import operations as cards
from crm.residents.cards import token as card_token
from crm.residents.cards.keys import keyring
from tests import factories


def test_issued_card_has_a_valid_number_and_a_signed_qr(app):
    card = factories.make_card(name="Asha Devi", sex="F", birth_year=1990)
    assert card_number.is_valid(card.number) and card.status == "issued" and card.version == 1
    payload = card_token.verify(card.qr_token, keyring())
    assert (payload["n"], payload["v"], payload["nm"], payload["y"], payload["s"]) == (card.number, 1, "Asha Devi", 1990, "F")
    assert payload["h"] == card.patient.household.code
    assert not {"blood_group", "allergies", "chronic_conditions"} & set(payload)


def test_a_second_first_card_is_refused(app):
    card = factories.make_card()
    with pytest.raises(Refused, match="already holds card"):
        cards.issue(card.patient)


def test_reissue_supersedes_every_older_card(app):
    first = factories.make_card()
    second = cards.reissue(first.number, "duplicate")
    db.session.commit()
    third = cards.reissue(second.number, "revised")
    db.session.commit()
    db.session.expire_all()
    assert [c.status for c in first.patient.cards] == ["superseded", "superseded", "issued"]
    assert (third.version, third.reason) == (3, "revised")
    assert first.superseded_by_id == second.superseded_by_id == third.id
    assert first.patient.current_card.number == third.number


def test_reissuing_an_old_card_names_the_current_one(app):
    first = factories.make_card()
    current = cards.reissue(first.number, "duplicate")
    db.session.commit()
    with pytest.raises(Refused, match=card_number.pretty(current.number)):
        cards.reissue(first.number, "duplicate")


@pytest.mark.parametrize("reason", ["", "lost", "REVISED"])
def test_reissue_needs_revised_or_duplicate(app, reason):
    with pytest.raises(Refused) as exc:
        cards.reissue(factories.make_card().number, reason)
    assert exc.value.status == 422


def test_lifecycle_issued_verified_delivered(app):
    registrar = factories.make_staff("registrar")
    card = factories.make_card()
    with pytest.raises(Refused, match="verify it before delivery"):
        cards.record_delivery(card.number, registrar)
    cards.record_verification(card.number, registrar, "House 12, Gali 4, Seelampur")
    db.session.commit()
    with pytest.raises(Refused, match="only an issued card is verified"):
        cards.record_verification(card.number, registrar, "again")
    cards.record_delivery(card.number, registrar, "handed to holder's wife")
    db.session.commit()
    assert (card.status, card.verified_where, card.verified_by_id) == ("delivered", "House 12, Gali 4, Seelampur", registrar.id)
    assert card.delivered_at >= card.verified_at


def test_verification_needs_a_place(app):
    with pytest.raises(Refused, match="where"):
        cards.record_verification(factories.make_card().number, factories.make_staff("registrar"), "  ")


def test_revoke_needs_a_reason_and_happens_once(app):
    card = factories.make_card()
    with pytest.raises(Refused):
        cards.revoke(card.number, " ")
    cards.revoke(card.number, "issued to the wrong person")
    db.session.commit()
    with pytest.raises(Refused, match="already revoked"):
        cards.revoke(card.number, "again")
    assert card.patient.current_card is None


def test_revoked_holder_can_get_a_new_card(app):
    card = factories.make_card()
    cards.revoke(card.number, "fraud suspected")
    db.session.commit()
    assert cards.issue(card.patient).version == 2


def test_database_refuses_two_live_cards_for_one_person(app):
    card = factories.make_card()
    db.session.add(HealthCard(number="123456789010", patient_id=card.patient_id, version=2, qr_token="x", key_id="k"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_issue_missing_gives_everyone_without_a_card_one(app):
    has_card = factories.make_card().patient
    others = [factories.make_patient() for _ in range(3)]
    assert cards.issue_missing(batch=2) == 3
    assert all(p.current_card is not None for p in others) and len(has_card.cards) == 1


def test_every_card_action_is_audited(app):
    registrar = factories.make_staff("registrar")
    card = cards.issue(factories.make_patient(), registrar)
    db.session.commit()
    cards.record_verification(card.number, registrar, "door")
    db.session.commit()
    new = cards.reissue(card.number, "duplicate", registrar)
    db.session.commit()
    cards.revoke(new.number, "wrong person", registrar)
    db.session.commit()
    actions = [(a.action, a.staff_id) for a in AuditLog.query.order_by(AuditLog.id)]
    assert actions == [(a, registrar.id) for a in ("card_issue", "card_verify", "card_reissue", "card_revoke")]


@pytest.mark.parametrize("text, code, status", [
    ("1234", "malformed", 422), ("123456789012", "check_digit", 422), ("123456789010", "not_found", 404)])
def test_get_card_explains_bad_numbers(app, text, code, status):
    with pytest.raises(Refused) as exc:
        cards.get_card(text)
    assert (exc.value.code, exc.value.status) == (code, status)
