"""The doctor identifies the caller as an operator can (phone typed, audited lookup), picks the real
caller from the household, and household links open in a new tab so the case page stays."""

import pytest

from crm.models import AuditLog, Case
from crm.platform.extensions import db
from telephony.emulator.driver import Phone
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.tier2_desk import doctor_page, make_doctor
from tests.live import eventually, served

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desk", "laptop"])
def test_doctor_identifies_the_caller_and_picks_from_the_household(browser, tmp_path, size):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            home = factories.make_household(code="DL-HH-000777")
            father = factories.make_patient(household=home, name="Mohan Lal", mobile="+919812312345",
                                            allergies=["Aspirin"])
            child = factories.make_patient(household=home, name="Chhotu Lal", relation="son", mobile=None)
            db.session.commit()
            father_id, child_id = father.id, child.id
        make_doctor(app, "dr_who")
        context, page = doctor_page(browser, base, "dr_who", size)
        try:
            Phone(f"{base}/emulator", "+919700000001").text("bachche ko tez bukhar aur jhatke")  # a neighbour's phone
            page.wait_for_selector("#waiting button[data-accept]", timeout=10_000)
            page.click("#waiting button[data-accept]")
            page.wait_for_selector("article.doctor-case[data-mine=true]")
            assert "No patient matched" in page.inner_text("article.doctor-case")
            page.fill("article.doctor-case form[data-act=identify] input", "98123 12345")
            page.click("article.doctor-case form[data-act=identify] button")
            page.wait_for_selector("article.doctor-case .patient-panel >> text=Mohan Lal")
            assert "Aspirin" in page.inner_text("article.doctor-case .patient-panel")
            member = page.locator(".patient-panel .household a", has_text="Chhotu Lal")
            assert member.get_attribute("target") == "_blank"  # opens beside the case, never over it
            page.click(f"button[data-pick='{child_id}']")
            page.wait_for_selector(".patient-panel .patient-name >> text=Chhotu Lal")
            page.screenshot(path=str(ARTIFACTS / f"doctor_identified_{size}.png"), full_page=True)
            with app.app_context():
                case = db.session.scalars(db.select(Case)).one()
                assert case.patient_id == child_id
                seen = eventually(lambda: {a.patient_id for a in db.session.scalars(db.select(AuditLog))})
                assert {father_id, child_id} <= seen  # both reads are on the audit log
        finally:
            context.close()
