"""Printed pages a person hands on: a long reason wraps inside its column on the case report (never over
"Red flags", never off the page); the card PDF prints the issue date in Delhi, as the card page does."""

import datetime as dt

import pypdfium2

from crm.platform.extensions import db
from crm.residents.cards.api import print_view
from tests import factories
from tests.operator_desk.conftest import waiting_case
from tests.operator_desk.test_operator_api import claim

LONG_REASON = ("xxxxxxx xxxxxxxxx xxxx " * 13).strip()[:300]  # the longest reason an operator can save


def _chars(page):
    text = page.get_textpage()
    return text, [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())]


def test_a_long_reason_stays_in_its_column_and_on_the_page(client, login):
    case = waiting_case(phone="+919810000093")
    login("operator")
    claim(client, case.id)
    client.post(f"/api/v1/cases/{case.id}/assessment", json={"reason": LONG_REASON, "red_flags": ["high_fever"]})
    response = client.get(f"/api/v1/cases/{case.id}/report.pdf")
    page = pypdfium2.PdfDocument(response.data)[0]
    width = page.get_width()
    text, chars = _chars(page)
    label = text.get_text_range().index("Red flags")
    flags_left = text.get_charbox(label)[0]
    timeline_top = text.get_charbox(text.get_text_range().index("Timeline (Delhi"))[3]
    heading_top = text.get_charbox(text.get_text_range().index("Assessment and outcome"))[1]
    reason_boxes = [box for ch, box in chars if ch == "x" and timeline_top < box[1] < heading_top]  # the facts
    assert len(reason_boxes) == LONG_REASON.count("x")  # all of it printed
    assert all(right < flags_left for _, _, right, _ in reason_boxes)  # never into the Red flags column
    assert all(right <= width for _, (_, _, right, _) in chars)  # nothing runs off the page


def test_card_pdf_prints_the_delhi_date(app):
    card = factories.make_card()
    card.issued_at = dt.datetime(2026, 11, 29, 20, 30, tzinfo=dt.UTC)  # 30 Nov, 02:00 in Delhi
    db.session.flush()
    assert print_view(card).issued_on == dt.date(2026, 11, 30)
