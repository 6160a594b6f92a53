"""Print-ready sheets for the card vendor: CR80 cards eight to an A4 page, fronts then backs, with crop marks.

Each sheet is two pages: the fronts, then the backs with the columns swapped, so a duplex print flipped on
the long edge puts every back behind its own front. The cards' edge-to-edge colour runs 2 mm past the trim
(bleed), and the cut lines are marked in the page margin only, where no card is, at each card's edges.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf.drawing_primitives import Transform

from crm.residents.cards.render import CARD_H, CARD_W, CardPdf, CardPrint, draw_back, draw_front

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, millimetres
COLUMNS, ROWS = 2, 4
PER_SHEET = COLUMNS * ROWS
GUTTER = 8.0  # between cards: room for both cards' bleed and a clean cut
BLEED = 2.0
MARK_GAP, MARK_LENGTH = 2.0, 5.0  # crop marks start this far outside the outermost trim and run this long
LEFT = (PAGE_W - COLUMNS * CARD_W - (COLUMNS - 1) * GUTTER) / 2
TOP = (PAGE_H - ROWS * CARD_H - (ROWS - 1) * GUTTER) / 2


def slot(index: int, back: bool = False) -> tuple[float, float]:
    """Top left corner (mm) of the `index`-th card of a sheet; a back's column is mirrored for duplex."""
    row, column = divmod(index % PER_SHEET, COLUMNS)
    if back:
        column = COLUMNS - 1 - column
    return LEFT + column * (CARD_W + GUTTER), TOP + row * (CARD_H + GUTTER)


def cut_lines() -> tuple[list[float], list[float]]:
    """The x of every vertical cut and the y of every horizontal cut on a sheet (mm)."""
    xs = [LEFT + c * (CARD_W + GUTTER) + edge for c in range(COLUMNS) for edge in (0.0, CARD_W)]
    ys = [TOP + r * (CARD_H + GUTTER) + edge for r in range(ROWS) for edge in (0.0, CARD_H)]
    return xs, ys


def _crop_marks(pdf: CardPdf) -> None:
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.15)
    xs, ys = cut_lines()
    top, bottom = TOP - BLEED - MARK_GAP, PAGE_H - TOP + BLEED + MARK_GAP
    left, right = LEFT - BLEED - MARK_GAP, PAGE_W - LEFT + BLEED + MARK_GAP
    for x in xs:
        pdf.line(x, top - MARK_LENGTH, x, top)
        pdf.line(x, bottom, x, bottom + MARK_LENGTH)
    for y in ys:
        pdf.line(left - MARK_LENGTH, y, left, y)
        pdf.line(right, y, right + MARK_LENGTH, y)


def _place(pdf: CardPdf, x: float, y: float, draw, card: CardPrint) -> None:
    with pdf.transform(Transform.translation(x, y)), pdf.rect_clip(-BLEED, -BLEED, CARD_W + 2 * BLEED, CARD_H + 2 * BLEED):
        draw(pdf, card)


def sheet_pdf(cards: Sequence[CardPrint], title: str = "Delhi Health Cards") -> bytes:
    """All `cards` as print sheets: per eight cards a page of fronts and a page of their backs."""
    pdf = CardPdf(orientation="P", page_format="A4")
    pdf.bleed = BLEED
    pdf.set_title(title)
    for start in range(0, len(cards), PER_SHEET):
        group = cards[start:start + PER_SHEET]
        for draw, back in ((draw_front, False), (draw_back, True)):
            pdf.add_page()
            _crop_marks(pdf)
            for index, card in enumerate(group):
                x, y = slot(index, back)
                _place(pdf, x, y, draw, card)
    return bytes(pdf.output())
