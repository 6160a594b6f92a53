"""A doctor who identifies their caller as someone with earlier cases sees that other doctors' notes exist, not
what they say; breaking the glass with a reason shows them, marked as an earlier case. Real Chromium."""

import pytest

from crm.cases import lifecycle, notes, tier2
from crm.models import AuditLog
from crm.models.base import utcnow
from crm.platform.extensions import db
from telephony.emulator.driver import Phone
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.tier2_desk import doctor_page, make_doctor
from tests.live import eventually, served

pytestmark = pytest.mark.browser
SECRET = "Known epilepsy, on valproate; pregnant"


def test_identifying_the_caller_shows_other_doctors_notes_only_by_breaking_the_glass(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            factories.make_patient(name="Reshma Khan", mobile="+919812399999")
            earlier = lifecycle.open_case("sms", "+919812399999", status="queued", queue="tier1", queued_at=utcnow())
            db.session.commit()
            operator, colleague = factories.make_staff("operator"), factories.make_staff("doctor")
            lifecycle.claim(earlier.id, operator)
            tier2.escalate(earlier, operator, None, "urgent", "Fits")
            tier2.accept(earlier.id, colleague)
            notes.write(earlier, colleague, SECRET)
            db.session.commit()
            earlier_id = earlier.id
        make_doctor(app, "dr_glass")
        context, page = doctor_page(browser, base, "dr_glass")
        try:
            Phone(f"{base}/emulator", "+919700000002").text("bachche ko tez bukhar aur jhatke")  # another phone, another case (a P1: rings the doctors)
            page.wait_for_selector("#waiting button[data-accept]", timeout=10_000)
            page.click("#waiting button[data-accept]")
            page.wait_for_selector("article.doctor-case[data-mine=true]")
            page.fill("article.doctor-case form[data-act=identify] input", "98123 99999")
            page.click("article.doctor-case form[data-act=identify] button")
            page.wait_for_selector("article.doctor-case .patient-panel >> text=Reshma Khan")
            page.wait_for_selector("article.doctor-case .withheld-notes")
            case_text = page.inner_text("article.doctor-case")
            assert SECRET not in case_text
            assert "Notes on 1 other case of this patient are for the doctors who had it." in case_text
            page.screenshot(path=str(ARTIFACTS / "doctor_earlier_notes_withheld.png"), full_page=True)

            page.fill("article.doctor-case form.break-glass input", "Same seizures, need her history now")
            page.click("article.doctor-case form.break-glass button")
            page.wait_for_selector(f"article.doctor-case .glass-notes >> text={SECRET}")
            assert "earlier case" in page.inner_text("article.doctor-case .glass-notes")
            page.screenshot(path=str(ARTIFACTS / "doctor_earlier_notes_glass.png"), full_page=True)
            with app.app_context():
                glass = eventually(lambda: [a for a in db.session.scalars(db.select(AuditLog))
                                            if a.action == "break_glass"])
                assert [(a.case_id, a.detail["reason"]) for a in glass] == [
                    (earlier_id, "Same seizures, need her history now")]
        finally:
            context.close()
