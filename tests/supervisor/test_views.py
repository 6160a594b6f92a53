"""The supervisor's pages and API: who may see them, what they answer for a known day, CSV and PDF."""

import csv
import io

import pytest
import time_machine

from tests.supervisor.scripted_day import END_OF_DAY, EXPECTED, play


@pytest.fixture
def day(app):
    return play(app)


@pytest.mark.parametrize("path", ["/supervisor", "/supervisor/reports", "/api/v1/supervisor/board",
                                  "/api/v1/supervisor/reports?from=2026-11-20", "/api/v1/supervisor/reports.csv",
                                  "/api/v1/supervisor/reports/daily.pdf"])
def test_only_supervisors_see_the_floor_and_reports(client, login, path):
    assert client.get(path).status_code in (302, 401)
    login("operator")
    assert client.get(path).status_code == 403


def test_the_wallboard_is_a_supervisors_screen(client, login):
    for role in ("admin", "operator"):
        login(role)
        assert client.get("/wallboard").status_code == 403
        client.post("/logout")
    login("supervisor")
    assert client.get("/wallboard").status_code == 200
    assert client.get("/api/v1/supervisor/wallboard").status_code == 200


def test_a_supervisor_lands_on_the_floor(client, login):
    login("supervisor")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/supervisor")
    page = client.get("/supervisor").get_data(as_text=True)
    assert "Tier 1 calls" in page and "Emergency" in page and "socket.io" in page


def test_the_board_api_gives_the_kpi_figures(client, login, day):
    with time_machine.travel(END_OF_DAY, tick=False):  # logged in on the day itself
        login("supervisor")
        board = client.get("/api/v1/supervisor/board").get_json()
    queues = {q["queue"]: q for q in board["queues"]}
    for queue, expected in EXPECTED.items():
        assert {k: queues[queue][k] for k in expected} == expected
    assert board["day"] == "2026-11-20"
    assert {a["name"]: a["cases_today"] for a in board["agents"]} == {"Asha Verma": 2, "Ravi Kumar": 2, "Dr. Mehta": 3}


def test_reports_group_the_same_figures(client, login, day):
    login("supervisor")
    by_queue = client.get("/api/v1/supervisor/reports?from=2026-11-20&to=2026-11-20&by=queue").get_json()["rows"]
    assert {r["queue"]: r["service_level"] for r in by_queue} == {q: e["service_level"] for q, e in EXPECTED.items()}
    by_hour = client.get("/api/v1/supervisor/reports?from=2026-11-20&by=hour").get_json()["rows"]
    nine = {r["queue"]: r for r in by_hour if r["group"] == "09:00"}
    assert (nine["tier1"]["offered"], nine["tier1"]["abandoned"]) == (4, 2)
    by_agent = client.get("/api/v1/supervisor/reports?from=2026-11-20&by=agent").get_json()["rows"]
    assert {(r["group"], r["queue"]): r["answered"] for r in by_agent if r["answered"]} == {
        ("Asha Verma", "tier1"): 2, ("Ravi Kumar", "tier1"): 1, ("Ravi Kumar", "texts"): 1,
        ("Dr. Mehta", "tier2"): 1, ("Dr. Mehta", "emergency"): 2}
    languages = {r["group"] for r in client.get("/api/v1/supervisor/reports?from=2026-11-20&by=language").get_json()["rows"]}
    assert languages <= {"hi", "en"} and languages


def test_reports_refuse_bad_periods(client, login):
    login("supervisor")
    for query in ("from=2026-13-01", "from=2026-11-20&to=2026-11-01", "from=2026-01-01&to=2026-11-20", "by=colour",
                  "from=2099-01-01"):
        response = client.get(f"/api/v1/supervisor/reports?{query}")
        assert response.status_code == 422 and response.get_json()["error"] == "bad_report"


def test_csv_export(client, login, day):
    login("supervisor")
    response = client.get("/api/v1/supervisor/reports.csv?from=2026-11-20&by=queue")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    tier1 = next(r for r in rows if r["queue"] == "tier1")
    assert (tier1["offered"], tier1["service_level"], tier1["abandon_rate"]) == ("5", "25.0", "25.0")


def test_daily_report_json_and_pdf(client, login, day, monkeypatch):
    from fpdf import FPDF

    def refuse(*args, **kwargs):
        raise AssertionError("multi_cell loses HarfBuzz shaping for Devanagari")

    monkeypatch.setattr(FPDF, "multi_cell", refuse)
    monkeypatch.setattr(FPDF, "table", refuse)
    login("supervisor")
    report = client.get("/api/v1/supervisor/reports/daily?day=2026-11-20").get_json()
    assert [e["reference"] for e in report["emergencies"]] == [day["e"].reference, day["e2"].reference]
    assert [e["time_to_doctor"] for e in report["emergencies"]] == [20.0, 60.0]
    assert report["contacts"] == 8 and report["callbacks_requested"] == 1
    assert report["top_reasons"] == [["बुखार तीन दिन से", 2], ["fever", 1]]
    assert report["top_dispositions"] == [["home_care", 2], ["visit_clinic", 1]]
    pdf = client.get("/api/v1/supervisor/reports/daily.pdf?day=2026-11-20")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    import pypdfium2

    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf.data))
    assert "Tier 1 calls" in text and "25.0%" in text and day["e2"].reference in text
    assert "सम्पर्क" in text and "fever" in text


def test_the_board_tells_each_doctor_s_login_duty_sound_and_call_truthfully(client, login, app):
    from crm.models import Call
    from crm.platform.extensions import db
    from tests import factories

    def doctor_logged_in(name: str, **fields):
        _doctor_client, doctor = factories.logged_in(app, "doctor", name=name)
        for key, value in fields.items():
            setattr(doctor, key, value)
        db.session.commit()
        return doctor

    doctor_logged_in("Dr. Silent", on_duty=True)
    doctor_logged_in("Dr. Ringing", on_duty=True, sound_on=True)
    doctor_logged_in("Dr. Resting", on_duty=False)
    talking = doctor_logged_in("Dr. Talking", on_duty=True, sound_on=True)
    away = factories.make_staff("doctor", name="Dr. Away")  # on duty on paper, never logged in
    away.on_duty = True
    db.session.add(Call(sid="CA" + "d" * 32, purpose="staff", direction="outbound", staff_id=talking.id,
                        to_number=f"client:staff-{talking.id}", status="in-progress",
                        answered_at=talking.created_at))
    db.session.commit()
    login("supervisor")
    board = client.get("/api/v1/supervisor/board").json
    agents = {a["name"]: a for a in board["agents"]}
    assert agents["Dr. Silent"]["state"] == "on_duty" and agents["Dr. Silent"]["sound_off"] is True
    assert agents["Dr. Ringing"]["state"] == "on_duty" and agents["Dr. Ringing"]["sound_off"] is False
    assert agents["Dr. Resting"]["state"] == "off_duty" and agents["Dr. Resting"]["sound_off"] is False
    assert agents["Dr. Talking"]["state"] == "on_call" and agents["Dr. Talking"]["on_a_call"] is True
    # Not logged in: offline, and no "sound off" (there is no page that could sound).
    assert agents["Dr. Away"]["state"] == "offline" and agents["Dr. Away"]["sound_off"] is False
    assert board["doctors"] == {"logged_in": 4, "on_duty": 3, "sound_on": 2, "on_call": 1}
    wall = client.get("/api/v1/supervisor/wallboard").json
    assert wall["doctors"] == board["doctors"] and "agents" in wall
