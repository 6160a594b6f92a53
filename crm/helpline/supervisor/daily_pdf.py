"""The printable daily report (A4 PDF, Hindi shaped by HarfBuzz): what the department reads each morning."""

from __future__ import annotations

from crm.cases import dispositions
from crm.helpline.case_report_pdf import INK, MUTED, RED, _Report, _table
from crm.models.base import local


class _Daily(_Report):
    """The case report's page, with the daily report's header and footer."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.set_title(f"Sampark daily report {title}")

    def running_title(self) -> str:
        return f"Daily report · दैनिक रिपोर्ट {self.reference}"

    def footer_text(self) -> str:
        return f"Daily report {self.reference} · page {self.page_no()}/{{nb}} · figures from the case timeline"


def render(report: dict) -> bytes:
    """The PDF of crm.helpline.supervisor.period_reports.daily()."""
    day = report["day"]
    pdf = _Daily(day.isoformat())
    pdf.add_page()
    pdf.set_font("Noto", "B", 15)
    pdf.set_text_color(*INK)
    pdf.cell(0, 8, f"{day.strftime('%A %d %B %Y')} · {report['contacts']} contacts", new_x="LMARGIN", new_y="NEXT")
    pdf.heading("Volumes and service level · कॉल और सेवा स्तर")
    rows = []
    for q in report["queues"]:
        rows.append((q["name"], str(q["offered"]), str(q["answered"]),
                     f"{q['abandoned']} ({q['short_abandoned']} short)", _pct(q["service_level"]) +
                     f" / {q['target_percent']}% in {q['threshold_seconds']} s", _secs(q["average_speed_of_answer"]),
                     _pct(q["abandon_rate"]), _secs(q["average_handle_time"])))
    _table(pdf, ("Queue", "Offered", "Answered", "Abandoned", "Service level / target", "Answer speed",
                 "Abandon rate", "Handle time"), (26, 15, 17, 24, 36, 22, 21, 19), rows)
    fcr = report["first_contact_resolution"]
    pdf.ln(2)
    pdf.facts([("First-contact", f"{_pct(fcr['percent'])} ({fcr['resolved_first_time']} of {fcr['contacts']})"
                + ("" if fcr["final"] else ", provisional")),
               ("Call-backs asked", str(report["callbacks_requested"])),
               ("By channel", ", ".join(f"{k} {v}" for k, v in sorted(report["by_channel"].items())) or "—"),
               ("Short abandon", f"under {report['short_abandon_seconds']} s")])
    pdf.heading("Top reasons for contact · संपर्क के मुख्य कारण")
    reasons = report["top_reasons"] or [("none recorded", 0)]
    _table(pdf, ("Reason (as the operator wrote it)", "Contacts"), (150, 30), [(r, str(n)) for r, n in reasons])
    if report["top_dispositions"]:
        pdf.ln(1)
        _table(pdf, ("Outcome · परिणाम", "Contacts"), (150, 30),
               [(_outcome(code), str(n)) for code, n in report["top_dispositions"]])
    pdf.heading("Emergencies and time to doctor · आपातकाल")
    emergency = next(q for q in report["queues"] if q["queue"] == "emergency")
    pdf.paragraph(f"{emergency['offered']} emergencies; time to doctor median {_secs(emergency['time_to_doctor_median'])},"
                  f" p90 {_secs(emergency['time_to_doctor_p90'])} (target {emergency['target_percent']}% within "
                  f"{emergency['threshold_seconds']} s).", color=RED if _missed(emergency) else INK)
    if report["emergencies"]:
        _table(pdf, ("Case", "Time", "Channel", "Time to doctor", "Doctor"), (30, 26, 24, 40, 60),
               [(e["reference"], local(e["entered"]).strftime("%H:%M:%S"), e["channel"],
                 "caller hung up" if e["abandoned"] else _secs(e["time_to_doctor"]) if e["time_to_doctor"] is not None
                 else "not yet", e["doctor"] or "—") for e in report["emergencies"]])
    if burden := report.get("alarm_burden"):
        _alarm_burden(pdf, burden)
    pdf.heading("Referrals and appointments · रेफ़रल और अपॉइंटमेंट")
    pdf.facts([("Referrals", str(report["referrals"])), ("Appointments", str(report["appointments"]))])
    pdf.paragraph(f"Generated {local(report['generated_at']).strftime('%d %b %Y %H:%M')} (Delhi time) by Sampark.",
                  size=7.5, color=MUTED)
    return bytes(pdf.output())


def _alarm_burden(pdf, burden: dict) -> None:
    """Emergencies rung per shift and the rules that rang them, with the share doctors closed as not an emergency."""
    pdf.heading("Alarm burden · अलार्म का बोझ")
    share = lambda r: "–" if r["share_not_emergency"] is None else _pct(r["share_not_emergency"] * 100)
    _table(pdf, ("Shift", "Rung", "Closed by a doctor", "Not an emergency", "Share"), (50, 25, 40, 40, 25),
           [(f"{s['name']} {s['hours']}", str(s["rung"]), str(s["closed_by_doctor"]), str(s["not_emergency"]), share(s))
            for s in burden["shifts"]])
    if burden["causes"]:
        pdf.ln(1)
        _table(pdf, ("Rule or key that rang", "Rung", "Closed by a doctor", "Not an emergency", "Share"),
               (50, 25, 40, 40, 25), [(c["name"], str(c["rung"]), str(c["closed_by_doctor"]), str(c["not_emergency"]),
                                       share(c)) for c in burden["causes"][:10]])


def _outcome(code: str) -> str:
    found = dispositions.disposition(code)
    return f"{found.en} · {found.hi}" if found else code


def _missed(queue: dict) -> bool:
    return queue["service_level"] is not None and queue["service_level"] < queue["target_percent"]


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _secs(value) -> str:
    if value is None:
        return "—"
    value = round(value)
    return f"{value // 60}:{value % 60:02d}"
