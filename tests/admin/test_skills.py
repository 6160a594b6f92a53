"""An administrator sets the languages an operator or doctor speaks, the interpreter flag and the text capacity."""

from __future__ import annotations

from crm.models import AuditLog, StaffUser
from crm.platform.extensions import db
from tests import factories


def _post(client, staff_id: int, **form):
    return client.post(f"/admin/staff/{staff_id}/skills", data=form)


def test_an_admin_sets_languages_in_delhis_order_and_it_is_audited(app):
    client, admin = factories.logged_in(app, "admin")
    operator = factories.make_staff("operator")
    page = client.get(f"/admin/staff/{operator.id}")
    assert b'name="languages" value="pa"' in page.data and "ਪੰਜਾਬੀ".encode() in page.data
    response = _post(client, operator.id, languages=["ur", "hi", "pa"], interpreter="on", text_capacity="2")
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(StaffUser, operator.id)
    assert (saved.languages, saved.interpreter, saved.text_capacity) == (["hi", "pa", "ur"], True, 2)
    audit = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "staff_skills")).one()
    assert audit.staff_id == admin.id


def test_no_language_or_an_unknown_one_is_refused_and_nothing_changes(app):
    client, _ = factories.logged_in(app, "admin")
    operator = factories.make_staff("operator")
    for languages in ([], ["hi", "fr"]):
        response = _post(client, operator.id, languages=languages, text_capacity="3")
        assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(StaffUser, operator.id).languages == ["hi", "en"]
    assert _post(client, operator.id, languages=["hi"], text_capacity="99").status_code == 422
