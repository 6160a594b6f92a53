"""Printable health cards: the QR image and a two-sided CR80 PDF in English and a second language.

The second language is Hindi as the card office prints it, or Punjabi or Urdu for a resident who reads the
portal in them (CardPrint.language). Text is shaped by HarfBuzz (fpdf2's text shaping); Gurmukhi and Urdu
come from the vendored Noto Sans Gurmukhi and Noto Naskh Arabic as fallback fonts, Urdu set right to left.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF

from crm.residents.cards import number as card_number

FONT_DIR = Path(__file__).resolve().parents[3] / "static/vendor/noto-sans-devanagari-0.4.1"
GURMUKHI = Path(__file__).resolve().parents[3] / "static/vendor/noto-sans-gurmukhi-0.4.1/NotoSansGurmukhi_400Regular.ttf"
GURMUKHI_BOLD = GURMUKHI.with_name("NotoSansGurmukhi_700Bold.ttf")
NASKH = Path(__file__).resolve().parents[3] / "static/vendor/noto-naskh-arabic-0.4.5/NotoNaskhArabic_400Regular.ttf"
NASKH_BOLD = NASKH.with_name("NotoNaskhArabic_700Bold.ttf")
CARD_W, CARD_H = 85.6, 53.98  # ISO/IEC 7810 ID-1 (CR80), millimetres
QR_SIZE = 32.0  # symbol without quiet zone; >= 30 mm keeps modules ~0.5 mm at version 10
MARGIN = 3.0

NAVY = (16, 52, 96)
SAFFRON = (236, 128, 24)
GREEN = (19, 128, 60)
GREY = (90, 96, 104)
INK = (20, 20, 24)
STAMP = (178, 34, 34)

SEX = {"M": "Male / पुरुष", "F": "Female / महिला", "O": "Other / अन्य"}
REASON_HI = {"Original": "मूल", "Revised": "संशोधित", "Duplicate": "डुप्लिकेट"}
NOT_RECORDED = "Not recorded / दर्ज नहीं"
WITHHELD = "On the holder's own copy / धारक की प्रति पर"
INSTRUCTIONS_EN = (
    "Carry this card whenever you visit a health centre. If it is lost, call the helpline "
    "for a duplicate. The QR code is digitally signed; a revised card replaces all older cards."
)
INSTRUCTIONS_HI = (
    "स्वास्थ्य केंद्र जाते समय यह कार्ड साथ रखें। कार्ड खो जाने पर डुप्लिकेट के लिए हेल्पलाइन "
    "पर कॉल करें। QR कोड डिजिटल रूप से हस्ताक्षरित है; संशोधित कार्ड सभी पुराने कार्डों की जगह लेता है।"
)
# Each label's second half, per second language (English is always the first half).
SECOND = {
    "hi": {
        "title": "दिल्ली स्वास्थ्य कार्ड", "name": "नाम", "sex": {"M": "पुरुष", "F": "महिला", "O": "अन्य"},
        "dob": "जन्म तिथि", "yob": "जन्म वर्ष", "household": "परिवार", "card_number": "कार्ड संख्या",
        "scan": "सत्यापन हेतु स्कैन करें", "blood_group": "रक्त समूह", "emergency_contact": "आपातकालीन संपर्क",
        "helpline": "हेल्पलाइन", "not_recorded": "दर्ज नहीं", "withheld": "धारक की प्रति पर",
        "reason": REASON_HI, "instructions": INSTRUCTIONS_HI,
    },
    "pa": {
        "title": "ਦਿੱਲੀ ਸਿਹਤ ਕਾਰਡ", "name": "ਨਾਮ", "sex": {"M": "ਪੁਰਸ਼", "F": "ਮਹਿਲਾ", "O": "ਹੋਰ"},
        "dob": "ਜਨਮ ਮਿਤੀ", "yob": "ਜਨਮ ਸਾਲ", "household": "ਪਰਿਵਾਰ", "card_number": "ਕਾਰਡ ਨੰਬਰ",
        "scan": "ਤਸਦੀਕ ਲਈ ਸਕੈਨ ਕਰੋ", "blood_group": "ਖੂਨ ਦਾ ਗਰੁੱਪ", "emergency_contact": "ਐਮਰਜੈਂਸੀ ਸੰਪਰਕ",
        "helpline": "ਹੈਲਪਲਾਈਨ", "not_recorded": "ਦਰਜ ਨਹੀਂ", "withheld": "ਧਾਰਕ ਦੀ ਕਾਪੀ ਤੇ",
        "reason": {"Original": "ਮੂਲ", "Revised": "ਸੋਧਿਆ", "Duplicate": "ਡੁਪਲੀਕੇਟ"},
        "instructions": "ਸਿਹਤ ਕੇਂਦਰ ਜਾਂਦੇ ਸਮੇਂ ਇਹ ਕਾਰਡ ਨਾਲ ਰੱਖੋ। ਕਾਰਡ ਗੁੰਮ ਹੋਣ ਤੇ ਡੁਪਲੀਕੇਟ ਲਈ ਹੈਲਪਲਾਈਨ ਤੇ ਕਾਲ "
                        "ਕਰੋ। QR ਕੋਡ ਡਿਜੀਟਲ ਦਸਤਖ਼ਤੀ ਹੈ; ਸੋਧਿਆ ਕਾਰਡ ਸਾਰੇ ਪੁਰਾਣੇ ਕਾਰਡਾਂ ਦੀ ਥਾਂ ਲੈਂਦਾ ਹੈ।",
    },
    "ur": {
        "title": "دہلی ہیلتھ کارڈ", "name": "نام", "sex": {"M": "مرد", "F": "عورت", "O": "دیگر"},
        "dob": "تاریخ پیدائش", "yob": "سال پیدائش", "household": "خاندان", "card_number": "کارڈ نمبر",
        "scan": "تصدیق کے لیے اسکین کریں", "blood_group": "خون کا گروپ", "emergency_contact": "ایمرجنسی رابطہ",
        "helpline": "ہیلپ لائن", "not_recorded": "درج نہیں", "withheld": "حامل کی کاپی پر",
        "reason": {"Original": "اصل", "Revised": "ترمیم شدہ", "Duplicate": "ڈپلیکیٹ"},
        "instructions": "صحت مرکز جاتے وقت یہ کارڈ ساتھ رکھیں۔ کارڈ گم ہونے پر ڈپلیکیٹ کے لیے ہیلپ لائن پر کال کریں۔ "
                        "QR کوڈ ڈیجیٹل طور پر دستخط شدہ ہے؛ ترمیم شدہ کارڈ تمام پرانے کارڈوں کی جگہ لیتا ہے۔",
    },
}


@dataclass
class CardPrint:
    """Everything printed on one card; built by the card service from the patient record."""

    number: str
    version: int
    name_en: str
    sex: str  # "M" / "F" / "O"
    household_id: str | None
    issued_on: dt.date
    qr_text: str
    helpline: str
    name_hi: str = ""
    year_of_birth: int | None = None
    dob: dt.date | None = None
    blood_group: str | None = None
    emergency_contact: str = ""  # name and phone, masked or full, exactly as it should print
    reason: str = "Original"  # "Original" / "Revised" / "Duplicate"
    withheld: bool = False  # a household member's copy: the back's health details stay with the holder
    language: str = "hi"  # the card's second language: "hi", "pa" or "ur" (English is always printed)


def qr_code(text: str) -> segno.QRCode:
    """Build the QR symbol at ECC M, putting a long digit tail in numeric mode (see token.py)."""
    m = re.fullmatch(r"(.*\D)(\d{20,})", text, re.DOTALL)
    # segno picks one mode per segment; splitting lets "SMP1:" go alphanumeric and the rest numeric.
    content = [(m.group(1),), (m.group(2),)] if m else text
    return segno.make(content, error="M", micro=False)


def qr_png(text: str, scale: int = 8, border: int = 4) -> bytes:
    """Render `text` as a QR code PNG (ECC M), `scale` pixels per module."""
    out = io.BytesIO()
    qr_code(text).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def _date(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"  # "14 Mar 2025": no day/month ambiguity


class CardPdf(FPDF):
    """An FPDF with the card's fonts and a few layout helpers."""

    def __init__(self, orientation: str = "L", page_format: str | tuple[float, float] = (CARD_H, CARD_W)) -> None:
        super().__init__(orientation=orientation, unit="mm", format=page_format)
        self.bleed = 0.0  # how far the edge-to-edge colour runs past the trim (a print sheet's cards are cut)
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.c_margin = 0
        self.add_font("Noto", "", FONT_DIR / "NotoSansDevanagari_400Regular.ttf")
        self.add_font("Noto", "B", FONT_DIR / "NotoSansDevanagari_700Bold.ttf")
        self.add_font("NotoPa", "", GURMUKHI)
        self.add_font("NotoPa", "B", GURMUKHI_BOLD)
        self.add_font("NotoUr", "", NASKH)
        self.add_font("NotoUr", "B", NASKH_BOLD)
        self.set_fallback_fonts(["NotoPa", "NotoUr"])  # letters the Devanagari font lacks: Gurmukhi, Urdu
        # HarfBuzz shaping is what turns "स्वास्थ्य" into conjuncts with matras in place, joins Urdu letters
        # and sets them right to left.
        self.set_text_shaping(True)
        self.set_title("Delhi Health Card")
        self.set_creator("Sampark")

    def put(self, x: float, y: float, text: str, size: float, *, bold: bool = False,
            color: tuple[int, int, int] = INK, w: float = 0, align: str = "L") -> None:
        """Write one line with its top at y (mm)."""
        self.set_font("Noto", "B" if bold else "", size)
        self.set_text_color(*color)
        self.set_xy(x, y)
        self.cell(w, size * 0.3528 * 1.25, text, align=align)

    def fitted(self, x: float, y: float, text: str, size: float, width: float, *,
               bold: bool = False, min_size: float = 5.5) -> None:
        """Write one line, shrinking the font until it fits `width` (long names)."""
        self.set_font("Noto", "B" if bold else "", size)
        while size > min_size and self.get_string_width(text) > width:
            size -= 0.25
            self.set_font_size(size)
        if self.get_string_width(text) > width:  # still too long: wrap rather than cut a name
            # Wrapped by hand, one cell() per line: fpdf2's multi_cell loses text shaping, which
            # misplaces Devanagari vowel signs.
            for i, line in enumerate(self._lines(text, width)):
                self.put(x, y + i * size * 0.3528 * 1.1, line, size, bold=bold, w=width)
            return
        self.put(x, y, text, size, bold=bold, w=width)

    def _lines(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and self.get_string_width(f"{lines[-1]} {word}") <= width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return lines

    def paragraph(self, x: float, y: float, text: str, size: float, width: float, *, align: str = "L") -> float:
        """Lines wrapped by hand (multi_cell loses shaping), one cell each; returns the y below the last."""
        self.set_font("Noto", "", size)
        step = size * 0.3528 * 1.35
        for line in self._lines(text, width):
            self.put(x, y, line, size, w=width, align=align)
            y += step
        return y

    def field(self, x: float, y: float, label: str, value: str, width: float,
              size: float = 7.5) -> None:
        """A small grey bilingual label with its value underneath."""
        self.put(x, y, label, 5, color=GREY)
        self.fitted(x, y + 2.6, value, size, width, bold=True)

    def band(self, height: float) -> None:
        """The navy header band with a saffron rule, and a green rule at the foot."""
        b = self.bleed
        self.set_fill_color(*NAVY)
        self.rect(-b, -b, CARD_W + 2 * b, height + b, style="F")
        self.set_fill_color(*SAFFRON)
        self.rect(-b, height, CARD_W + 2 * b, 0.7, style="F")
        self.set_fill_color(*GREEN)
        self.rect(-b, CARD_H - 0.9, CARD_W + 2 * b, 0.9 + b, style="F")

    def qr(self, x: float, y: float, size: float, text: str) -> None:
        """Draw the QR as vector squares, so it prints sharp at any printer resolution."""
        qr = qr_code(text)
        modules = qr.symbol_size(border=0)[0]
        unit = size / modules
        # One path for the whole symbol: separately filled squares leave hairline seams between neighbours when
        # anti-aliased, which scanners can mistake for light modules. Written as PDF operators directly (a run of
        # dark modules, one rectangle): fpdf2's path objects copy themselves per element, seconds on a print sheet.
        k, height = self.k, self.h
        rects = []
        for r, row in enumerate(qr.matrix):
            c = 0
            while c < modules:
                if row[c] & 1:
                    start = c
                    while c < modules and row[c] & 1:
                        c += 1
                    rects.append(f"{(x + start * unit) * k:.3f} {(height - y - (r + 1) * unit) * k:.3f} "
                                 f"{(c - start) * unit * k:.3f} {unit * k:.3f} re")
                else:
                    c += 1
        self._out("q 0 g " + " ".join(rects) + " f Q")  # q/Q: the colour fpdf2 believes is set stays set


def draw_front(pdf: CardPdf, card: CardPrint) -> None:
    """The card's front (name, birth, household, number, QR) drawn with its top left corner at the origin."""
    second = SECOND.get(card.language, SECOND["hi"])
    pdf.band(9.5)
    pdf.put(MARGIN, 2.2, "Delhi Health Card", 9.5, bold=True, color=(255, 255, 255))
    pdf.put(MARGIN, 2.2, second["title"], 9.5, bold=True, color=(255, 255, 255),
            w=CARD_W - 2 * MARGIN, align="R")

    col = 45.0  # left column; the QR and its quiet zone take the rest
    qr_x, qr_y = CARD_W - MARGIN - QR_SIZE, 12.6
    pdf.put(MARGIN, 11.4, f"Name / {second['name']}", 5, color=GREY)
    pdf.fitted(MARGIN, 13.8, card.name_en, 10, col, bold=True)
    if card.name_hi:
        pdf.fitted(MARGIN, 18.6, card.name_hi, 9.5, col, bold=True)

    if card.dob:
        born_label, born = f"Date of birth / {second['dob']}", _date(card.dob)
    elif card.year_of_birth:
        born_label, born = f"Year of birth / {second['yob']}", str(card.year_of_birth)
    else:
        born_label, born = f"Year of birth / {second['yob']}", "—"
    sex = SEX.get(card.sex, card.sex).split(" / ")[0]
    pdf.field(MARGIN, 24.2, "Sex / लिंग" if card.language == "hi" else "Sex",
              f"{sex} / {second['sex'].get(card.sex, '')}".rstrip(" /"), 21, size=7)
    pdf.field(MARGIN + 23, 24.2, born_label, born, col - 23, size=7)
    pdf.field(MARGIN, 31.0, f"Household / {second['household']}", card.household_id or "—", col, size=7)

    pdf.put(MARGIN, 38.0, f"Card number / {second['card_number']}", 5, color=GREY)
    pdf.fitted(MARGIN, 40.2, card_number.pretty(card.number), 15, col + 1, bold=True)

    issued = f"Version {card.version}"
    if card.version > 1:
        issued += f" ({card.reason})"
    pdf.put(MARGIN, 48.0, f"{issued}  ·  Issued {_date(card.issued_on)}", 5.5, color=GREY)

    pdf.qr(qr_x, qr_y, QR_SIZE, card.qr_text)
    pdf.put(qr_x, qr_y + QR_SIZE + 2.6, f"Scan to verify / {second['scan']}", 4.6,
            color=GREY, w=QR_SIZE, align="C")


def draw_back(pdf: CardPdf, card: CardPrint) -> None:
    """The card's back (blood group, emergency contact, helpline, instructions) drawn at the origin."""
    second = SECOND.get(card.language, SECOND["hi"])
    pdf.band(7.0)
    pdf.put(MARGIN, 1.3, f"Delhi Health Card  ·  {second['title']}", 7, bold=True,
            color=(255, 255, 255))
    pdf.put(MARGIN, 1.3, card_number.pretty(card.number), 7, bold=True, color=(255, 255, 255),
            w=CARD_W - 2 * MARGIN, align="R")

    wide = CARD_W - 2 * MARGIN
    stamp_w = 27.0 if card.version > 1 else 0.0
    missing = (f"{WITHHELD.split(' / ')[0]} / {second['withheld']}" if card.withheld
               else f"{NOT_RECORDED.split(' / ')[0]} / {second['not_recorded']}")
    pdf.field(MARGIN, 9.2, f"Blood group / {second['blood_group']}", card.blood_group or missing,
              wide - stamp_w - 2, size=8)
    pdf.field(MARGIN, 16.0, f"Emergency contact / {second['emergency_contact']}",
              card.emergency_contact or missing, wide - stamp_w - 2, size=7.5)

    if card.version > 1:
        # Marks a reissue at a glance; the QR's version number is what actually decides.
        x, y = CARD_W - MARGIN - stamp_w, 9.6
        pdf.set_draw_color(*STAMP)
        pdf.set_line_width(0.45)
        pdf.rect(x, y, stamp_w, 11.0, round_corners=True, corner_radius=1.2)
        pdf.put(x, y + 0.9, card.reason.upper(), 8, bold=True, color=STAMP, w=stamp_w, align="C")
        hi = second["reason"].get(card.reason, "")
        pdf.put(x, y + 4.6, f"{hi}  ·  v{card.version}", 6.5, bold=True, color=STAMP,
                w=stamp_w, align="C")

    pdf.set_fill_color(236, 241, 247)
    pdf.rect(MARGIN, 23.6, wide, 6.2, style="F", round_corners=True, corner_radius=1)
    # The number in a cell of its own: beside right-to-left words the bidi order would move it.
    label = f"Helpline / {second['helpline']}:"
    pdf.put(MARGIN + 1.5, 24.4, label, 8.5, bold=True, color=NAVY)
    pdf.put(MARGIN + 1.5 + pdf.get_string_width(label) + 2, 24.4, card.helpline, 8.5, bold=True, color=NAVY)

    pdf.set_text_color(*INK)
    pdf.set_font("Noto", "", 5.6)
    pdf.set_xy(MARGIN, 31.2)
    pdf.multi_cell(wide, 2.6, INSTRUCTIONS_EN, align="L")
    if card.language == "hi":  # as the card office has always printed it
        pdf.set_font("Noto", "", 5.9)
        pdf.set_xy(MARGIN, pdf.get_y() + 0.9)
        pdf.multi_cell(wide, 2.95, INSTRUCTIONS_HI, align="L")
    else:
        pdf.paragraph(MARGIN, pdf.get_y() + 0.9, second["instructions"], 5.9, wide,
                      align="R" if card.language == "ur" else "L")
    pdf.put(MARGIN, 48.6, f"Issued {_date(card.issued_on)}  ·  If found, please hand it in at "
            "any Delhi health centre.", 4.8, color=GREY)


def card_pdf(card: CardPrint) -> bytes:
    """Lay out the card as a two-page PDF sized CR80: page 1 the front, page 2 the back."""
    pdf = CardPdf()
    for side in (draw_front, draw_back):
        pdf.add_page()
        side(pdf, card)
    return bytes(pdf.output())
