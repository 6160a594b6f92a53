"""The case report as an A4 PDF, with the vendored Noto Sans Devanagari shaped by HarfBuzz."""

from __future__ import annotations

from fpdf import FPDF

from crm.models.base import local
from crm.residents.cards.render import FONT_DIR

TEAL = (11, 93, 107)
INK = (29, 39, 51)
MUTED = (92, 107, 122)
RED = (179, 38, 30)
LINE = (216, 222, 229)
MAX_LINE_CHARS = 200  # more than any line of this report holds, even at its smallest type


class _Report(FPDF):
    """A4 with the report's fonts, header and page numbers."""

    def __init__(self, reference: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.reference = reference
        self.add_font("Noto", "", FONT_DIR / "NotoSansDevanagari_400Regular.ttf")
        self.add_font("Noto", "B", FONT_DIR / "NotoSansDevanagari_700Bold.ttf")
        self.set_text_shaping(True)  # conjuncts and matras in place: "स्वास्थ्य", not boxes
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        self.set_title(f"Sampark case report {reference}")
        self.set_creator("Sampark")

    def header(self) -> None:
        self.set_fill_color(*TEAL)
        self.rect(0, 0, self.w, 11, style="F")
        self.set_xy(15, 2.5)
        self.set_font("Noto", "B", 11)
        self.set_text_color(255, 255, 255)
        self.cell(0, 6, f"Sampark · Delhi Health Helpline · सम्पर्क        {self.running_title()}")
        self.set_y(16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Noto", "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.footer_text(), align="C")

    def running_title(self) -> str:
        """What the header band says after the helpline's name."""
        return f"Case report {self.reference}"

    def footer_text(self) -> str:
        """The line at the foot of every page."""
        return f"{self.reference} · page {self.page_no()}/{{nb}} · confidential: patient information"

    def heading(self, text: str) -> None:
        """A section title with a rule under it."""
        self.ln(2)
        self.set_font("Noto", "B", 10.5)
        self.set_text_color(*TEAL)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def facts(self, pairs: list[tuple[str, str]]) -> None:
        """Label / value rows in two columns; a long value wraps inside its own column, never into the next."""
        half = (self.w - self.l_margin - self.r_margin) / 2
        for start in range(0, len(pairs), 2):
            top, tallest = self.get_y(), 1
            if top > self.h - self.b_margin - 15:
                self.add_page()
                top = self.get_y()
            for i, (label, value) in enumerate(pairs[start:start + 2]):
                x = self.l_margin + (half if i else 0)
                self.set_xy(x, top)
                self.set_font("Noto", "", 7.5)
                self.set_text_color(*MUTED)
                self.cell(30, 5, label)
                self.set_font("Noto", "B", 9.0 if len(value or "") < 60 else 8.0)
                self.set_text_color(*INK)
                lines = self.wrap(value or "—", half - 34)[:12]
                for n, line in enumerate(lines):
                    self.set_xy(x + 30, top + n * 4.2)
                    self.cell(half - 33, 5, line)
                tallest = max(tallest, len(lines))
            self.set_y(top + 4.2 * (tallest - 1) + 5.2)
        self.ln(1.3)

    def paragraph(self, text: str, size: float = 9, color: tuple[int, int, int] = INK) -> None:
        """Wrapped text, one shaped cell per line."""
        self.set_font("Noto", "", size)
        self.set_text_color(*color)
        for line in self.wrap(text, self.w - self.l_margin - self.r_margin):
            self.cell(0, 4.8, line, new_x="LMARGIN", new_y="NEXT")

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap by shaped width.

        fpdf2's multi_cell (and so table()) loses HarfBuzz shaping for Devanagari: "दिन" comes out as
        "दनि". cell() keeps it, so lines are broken here and each is drawn with cell().
        """
        lines: list[str] = []
        for paragraph in str(text).splitlines() or [""]:
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if line and self.get_string_width(candidate) > width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
                pieces, line = self.break_word(line, width)
                lines += pieces
            lines.append(line)
        return lines

    def break_word(self, line: str, width: float) -> tuple[list[str], str]:
        """Cut a line holding one over-long word into pieces that fit; returns the pieces and the rest.

        Each cut is a binary search over at most MAX_LINE_CHARS characters, so a 1,600-character word costs a
        few hundred short measurements, not a million long ones (shaping a string costs its length).
        """
        pieces: list[str] = []
        while len(line) > 1 and (len(line) > MAX_LINE_CHARS or self.get_string_width(line) > width):
            low, high = 1, min(len(line) - 1, MAX_LINE_CHARS)  # the longest prefix that fits is in [low, high]
            while low < high:
                middle = (low + high + 1) // 2
                if self.get_string_width(line[:middle]) <= width:
                    low = middle
                else:
                    high = middle - 1
            pieces.append(line[:low])
            line = line[low:]
        return pieces, line


def render(report: dict) -> bytes:
    """The PDF of a report built by crm.helpline.case_report.build()."""
    case = report["case"]
    pdf = _Report(case.reference)
    pdf.add_page()
    pdf.set_font("Noto", "B", 15)
    pdf.set_text_color(*(RED if case.priority == "P1" else INK))
    pdf.cell(0, 8, f"{case.reference}  ·  {case.priority}  ·  {case.status.replace('_', ' ')}",
             new_x="LMARGIN", new_y="NEXT")
    patient = report["patient"]
    pdf.facts([
        ("Channel", case.channel), ("Language", "Hindi / हिंदी" if case.language == "hi" else "English"),
        ("Caller", report["caller"]), ("Opened", _at(case.created_at)),
        ("Patient", f"{patient['name']}  {patient['name_hi'] or ''}".strip() if patient else "Not identified"),
        ("Age / sex", f"{patient['age'] or '?'} / {patient['sex']}" if patient else ""),
        ("Registry id", patient["registry_id"] if patient else ""), ("Health card", patient["card"] if patient else ""),
        ("Operator", report["operator"] or ""), ("Closed", _at(case.closed_at) if case.closed_at else "open"),
    ])
    pdf.heading("Assessment and outcome")
    flags = ", ".join(report["red_flags"]) or "none ticked"
    record, why = report["record"], report["record"].reason
    pdf.facts([("Caller's words", f"“{why.words}” ({why.via})" if why.words else "—"),
               ("Triage matched", "; ".join(why.rules) or "no rule"),
               ("Reason", case.reason or "—"), ("Red flags", flags),
               ("Outcome", record.finished_text + (f" · {record.finished_by}" if record.finished_by else "")),
               ("Answered by", record.answered_by or "—"),
               ("Disposition", f"{report['disposition']['en']} / {report['disposition']['hi']}"
                if report["disposition"] else "—")])
    if case.advice:
        pdf.paragraph(f"Advice given: {case.advice}")
    if case.escalation_summary:
        pdf.paragraph(f"Summary for the doctor: {case.escalation_summary}")
    if record.legs:
        _table(pdf, ("Queue", "Waited", "Answered by", "Handled"), (50, 30, 70, 30),
               [(leg.name, "still waiting" if leg.waited is None else _secs(leg.waited),
                 "caller hung up" if leg.abandoned else leg.answered_by or "—", _secs(leg.handled))
                for leg in record.legs])
    times = report["times"]
    pdf.facts([("Waited", _secs(times["waited"])), ("Handled", _secs(times["handled"])),
               ("Wrap-up", _secs(times["wrap_up"])), ("Total", _secs(times["total"]))])
    pdf.heading("Timeline (Delhi time)")
    _table(pdf, ("When", "Who", "What"), (26, 44, 110),
           [(_at(e["at"], seconds=True), e["who"] or "system", e["text"]) for e in report["timeline"]])
    if report["messages"]:
        pdf.heading("Messages")
        _table(pdf, ("When", "Direction", "Text"), (26, 34, 120),
               [(_at(m.created_at, seconds=True), _direction(m), m.body) for m in report["messages"]])
    pdf.ln(3)
    pdf.paragraph(f"Generated {_at(report['generated_at'], seconds=True)} by Sampark. "
                  f"Helpline {report['helpline']}. Emergency: 108 / 112.", size=7.5, color=MUTED)
    return bytes(pdf.output())


def _table(pdf: _Report, head: tuple[str, ...], widths: tuple[int, ...], rows: list[tuple[str, ...]]) -> None:
    """A table drawn with shaped cells: wrapped by hand, header repeated on each new page."""
    line_h, pad = 4.2, 1.2

    def header() -> None:
        pdf.set_font("Noto", "B", 7.5)
        pdf.set_text_color(*MUTED)
        pdf.set_fill_color(243, 245, 247)
        for text, width in zip(head, widths, strict=True):
            pdf.cell(width, 6, text, fill=True)
        pdf.ln(6)

    header()
    pdf.set_draw_color(*LINE)
    for row in rows:
        pdf.set_font("Noto", "", 8)
        cells = [pdf.wrap(str(text), width - 2 * pad) for text, width in zip(row, widths, strict=True)]
        height = max(len(lines) for lines in cells) * line_h + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            header()
            pdf.set_font("Noto", "", 8)
        top, x = pdf.get_y(), pdf.l_margin
        pdf.set_text_color(*INK)
        for lines, width in zip(cells, widths, strict=True):
            for i, line in enumerate(lines):
                pdf.set_xy(x + pad, top + pad + i * line_h)
                pdf.cell(width - 2 * pad, line_h, line)
            x += width
        pdf.line(pdf.l_margin, top + height, pdf.l_margin + sum(widths), top + height)
        pdf.set_xy(pdf.l_margin, top + height)


def _direction(message) -> str:
    if message.direction == "inbound":
        return "from citizen"
    return f"to {'facility' if message.kind == 'inform' else 'citizen'} · {message.status}"


def _at(moment, seconds: bool = False) -> str:
    return local(moment).strftime("%d %b %H:%M:%S" if seconds else "%d %b %Y %H:%M") if moment else ""


def _secs(value: int | None) -> str:
    return "—" if value is None else f"{value // 60} min {value % 60:02d} s"
