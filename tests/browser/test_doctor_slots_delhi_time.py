"""The doctor's slot picker on a PC set to another time zone: slots grouped by Delhi day and facility, each time in
Delhi time with IST named (never the PC's zone), and the filter narrows the groups. Screenshot at 1280x720."""

from datetime import timedelta

import pytest

from crm.cases import lifecycle
from crm.models import Facility, Slot
from crm.models.base import local, utcnow
from crm.platform.extensions import db
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.live import served

pytestmark = pytest.mark.browser


def test_slots_are_grouped_by_delhi_day_and_facility_in_ist_whatever_the_pcs_zone(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(tmp_path, WTF_CSRF_ENABLED=True) as (app, base):
        with app.app_context():
            doctor = factories.make_staff("doctor", username="dr_slots", name="Dr. Slots")
            doctor.on_duty = True
            gtb = Facility(code="HS-GTB", name="Guru Teg Bahadur Hospital", kind="hospital", district="Shahdara")
            dwarka = Facility(code="PC-DWK-01", name="Polyclinic Dwarka", kind="polyclinic", district="South West")
            db.session.add_all([gtb, dwarka])
            # 09:30 in Delhi tomorrow is the evening before in New York: a page in the PC's zone would show 23:00.
            morning = local(utcnow() + timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
            db.session.add_all([Slot(doctor=doctor, facility=gtb, specialty="general_medicine", starts_at=morning),
                                Slot(doctor=doctor, facility=gtb, specialty="general_medicine", starts_at=morning + timedelta(minutes=15)),
                                Slot(doctor=doctor, facility=dwarka, specialty="general_medicine", starts_at=morning + timedelta(days=1))])
            case = lifecycle.open_case("voice", "+919833300031", status="with_doctor", doctor_id=doctor.id)
            db.session.commit()
            case_id, day = case.id, morning.strftime("%-d %b")
        context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-IN",
                                      timezone_id="America/New_York")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto(f"{base}/login")
            page.fill("#username", "dr_slots")
            page.fill("#password", factories.PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/doctor/")
            page.click(f"#mine a:has-text('SMP-{case_id:05d}')")
            select = f"article.doctor-case[data-case='{case_id}'] select[data-slots]"
            page.wait_for_selector(f"{select} optgroup", state="attached")
            groups = page.eval_on_selector_all(f"{select} optgroup", "gs => gs.map((g) => g.label)")
            assert len(groups) == 2 and day in groups[0] and "Guru Teg Bahadur Hospital" in groups[0]
            assert "Polyclinic Dwarka" in groups[1]
            times = page.eval_on_selector_all(f"{select} optgroup:first-of-type option", "os => os.map((o) => o.textContent)")
            assert times == ["09:30 IST · Dr. Slots", "09:45 IST · Dr. Slots"]  # Delhi time, the zone named
            page.fill(f"article.doctor-case[data-case='{case_id}'] [data-slot-filter]", "dwarka")
            shown = page.eval_on_selector_all(f"{select} optgroup", "gs => gs.filter((g) => !g.hidden).map((g) => g.label)")
            assert len(shown) == 1 and "Polyclinic Dwarka" in shown[0]
            page.screenshot(path=str(ARTIFACTS / "doctor_slots_delhi_time_1280x720.png"))
        finally:
            context.close()
