"""A known day at the helpline (Friday 20 November 2026, Delhi time), played through the real services
with a controlled clock: calls answered, abandoned after 3 s and after 40 s, escalated, called back, texts,
two emergencies. Every figure it should give is written in EXPECTED, worked out by hand."""

from __future__ import annotations

from datetime import datetime

import time_machine

from crm.cases import assessment, lifecycle, tier2, voice
from crm.helpline.messages import inbound
from crm.models import Call, Case, StaffUser
from crm.models.base import DELHI
from crm.platform.extensions import db
from telephony import calls
from tests import factories

DAY = "2026-11-20"
END_OF_DAY = datetime(2026, 11, 20, 14, 0, tzinfo=DELHI)  # when the figures are read
_sid = iter(range(10_000, 99_999))


def at(clock: str) -> datetime:
    """A Delhi time of the scripted day ('09:00:10')."""
    h, m, s = (int(x) for x in clock.split(":"))
    return datetime(2026, 11, 20, h, m, s, tzinfo=DELHI)


class Day:
    """The clock and the helpers that move it while the day is played."""

    def __init__(self, traveller) -> None:
        self.traveller = traveller

    def to(self, clock: str) -> None:
        """End the step so far (one unit of work, as a request would), then set the clock to a Delhi time."""
        db.session.commit()
        self.traveller.move_to(at(clock))

    def call(self, clock: str, phone: str) -> tuple[Call, Case]:
        """A citizen calls; the IVR opens the case."""
        self.to(clock)
        sid = f"CA{next(_sid):032x}"
        voice.open_call(sid, phone, "+911800112233", "ringing")
        call = calls.find(sid)
        return call, call.case

    def queue(self, clock: str, case: Case) -> None:
        """The caller chose Hindi, skipped the card prompt and joined the tier-1 queue."""
        self.to(clock)
        sid = case.calls[0].sid
        voice.menu(sid, "in-progress", "1", "", 0)
        voice.card(sid, "in-progress", "", None)

    def hang_up_waiting(self, clock: str, call: Call, seconds: int) -> None:
        """Twilio's QueueResult after the caller hung up in the queue."""
        self.to(clock)
        voice.queue_result(call.sid, "in-progress", "hangup", seconds)

    def staff_leg(self, case: Case, staff: StaffUser, answered: str, ended: str) -> None:
        """The staff member's call leg into the case's conference, as the status callbacks report it."""
        sid = f"CA{next(_sid):032x}"
        db.session.add(Call(sid=sid, case=case, purpose="staff", direction="outbound", staff_id=staff.id,
                            to_number=f"client:staff-{staff.id}", status="queued"))
        db.session.commit()
        self.to(answered)
        voice.call_status(sid, "in-progress", 1, None)
        self.to(ended)
        voice.call_status(sid, "completed", 2, 1)

    def doctor_resolves(self, clock: str, case: Case, doctor: StaffUser) -> None:
        """What POST /api/v1/cases/<id>/resolve writes for a doctor."""
        self.to(clock)
        tier2.complete(case, doctor, "")
        db.session.commit()


def play(app) -> dict:
    """Play the day in `app` (an app context is open); returns the people and cases by name."""
    with time_machine.travel(at("08:00:00"), tick=False) as traveller:
        day = Day(traveller)
        asha = factories.make_staff("operator", name="Asha Verma")
        ravi = factories.make_staff("operator", name="Ravi Kumar")
        mehta = factories.make_staff("doctor", name="Dr. Mehta", specialty="general_medicine")
        # A: answered in 30 s, 180 s talk, resolved, 60 s wrap-up; the caller calls again at noon.
        call_a, a = day.call("09:00:00", "+919810000101")
        day.queue("09:00:10", a)
        day.to("09:00:40")
        lifecycle.claim(a.id, asha)
        day.to("09:00:41")
        voice.queue_result(call_a.sid, "in-progress", "bridged", 31)
        day.staff_leg(a, asha, "09:00:42", "09:03:42")
        day.to("09:03:00")
        assessment.save(a, asha, "बुखार तीन दिन से", [])
        day.to("09:04:00")
        assessment.resolve(a, asha, "home_care", "Fluids and rest")
        # B: hangs up after 3 s (a short abandon); C: after 40 s.
        call_b, b = day.call("09:09:50", "+919810000102")
        day.queue("09:10:00", b)
        day.hang_up_waiting("09:10:03", call_b, 3)
        call_c, c = day.call("09:19:50", "+919810000103")
        day.queue("09:20:00", c)
        day.hang_up_waiting("09:20:40", call_c, 40)
        # D: answered after 120 s, escalated to a doctor, who accepts after 120 s and resolves 8 min later.
        _call_d, d = day.call("09:29:50", "+919810000104")
        day.queue("09:30:00", d)
        day.to("09:32:00")
        lifecycle.claim(d.id, ravi)
        day.staff_leg(d, ravi, "09:32:02", "09:34:02")
        day.to("09:35:00")
        assessment.escalate(d, ravi, "general_medicine", "urgent", "Fever for a week, now confused")
        day.to("09:37:00")
        tier2.accept(d.id, mehta)
        day.doctor_resolves("09:45:00", d, mehta)
        # E: presses 9 (emergency); a doctor accepts after 20 s and resolves 10 minutes later.
        call_e, e = day.call("10:00:00", "+919810000105")
        day.to("10:00:05")
        voice.menu(call_e.sid, "in-progress", "9", "", 0)
        day.to("10:00:25")
        tier2.accept(e.id, mehta)
        day.doctor_resolves("10:10:25", e, mehta)
        # F: asks for a call-back after a minute and is called back 20 minutes after joining the queue.
        call_f, f = day.call("10:29:55", "+919810000106")
        day.queue("10:30:05", f)
        day.to("10:31:00")
        voice.wait_choice(call_f.sid, "in-progress", "1")
        day.to("10:50:05")
        lifecycle.claim(f.id, asha)
        day.staff_leg(f, asha, "10:50:10", "10:52:10")
        day.to("10:52:30")
        assessment.save(f, asha, "बुखार तीन दिन से", [])
        day.to("10:53:00")
        assessment.resolve(f, asha, "visit_clinic", "Visit the dispensary tomorrow")
        # G: a text, answered after 5 minutes, resolved 4 minutes later (no call leg: talk is claim to outcome).
        day.to("11:00:00")
        inbound.receive(inbound.InboundText(f"SM{next(_sid):032x}", "+919810000107", "+911800112233",
                                            "bukhar hai 2 din se"))
        g = db.session.query(Case).filter_by(caller_phone="+919810000107").one()
        day.to("11:05:00")
        lifecycle.claim(g.id, ravi)
        day.to("11:08:00")
        assessment.save(g, ravi, "Fever", [])
        day.to("11:09:00")
        assessment.resolve(g, ravi, "home_care", "Paracetamol, fluids")
        # H: A's caller again, hangs up in the menu (never queued): A was not resolved at first contact.
        call_h, _h = day.call("12:00:00", "+919810000101")
        day.to("12:00:20")
        voice.call_status(call_h.sid, "completed", 3, None)
        # E2: an emergency by text; a doctor accepts after 60 s and is still with the caller.
        day.to("13:00:00")
        inbound.receive(inbound.InboundText(f"SM{next(_sid):032x}", "+919810000108", "+911800112233",
                                            "papa ko seene me dard hai"))
        e2 = db.session.query(Case).filter_by(caller_phone="+919810000108").one()
        day.to("13:01:00")
        tier2.accept(e2.id, mehta)
        db.session.commit()
    return {"asha": asha, "ravi": ravi, "mehta": mehta, "a": a, "d": d, "e": e, "e2": e2, "f": f, "g": g}


# Worked out by hand from the script above (seconds; percentages with one decimal).
EXPECTED = {
    "tier1": {"offered": 5, "answered": 3, "abandoned": 2, "short_abandoned": 1,
              "service_level": 25.0,  # A within 60 s; of 3 answered + 1 abandoned after 40 s
              "average_speed_of_answer": 450.0,  # (30 + 120 + 1200) / 3
              "abandon_rate": 25.0,  # 1 of (5 offered - 1 short)
              "average_handle_time": 200.0},  # A 180+60, D 120+60, F 120+60
    "texts": {"offered": 1, "answered": 1, "abandoned": 0, "short_abandoned": 0, "service_level": 100.0,
              "average_speed_of_answer": 300.0, "abandon_rate": 0.0, "average_handle_time": 300.0},
    "tier2": {"offered": 1, "answered": 1, "abandoned": 0, "short_abandoned": 0, "service_level": 100.0,
              "average_speed_of_answer": 120.0, "abandon_rate": 0.0, "average_handle_time": 480.0},
    "emergency": {"offered": 2, "answered": 2, "abandoned": 0, "short_abandoned": 0,
                  "service_level": 50.0,  # E in 20 s, E2 in 60 s against 30 s
                  "average_speed_of_answer": 40.0, "abandon_rate": 0.0,
                  "average_handle_time": 600.0,  # E only: E2 is still with the doctor
                  "time_to_doctor_median": 40.0, "time_to_doctor_p90": 60.0},
}
