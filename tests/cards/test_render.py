"""Printed cards: two CR80 pages whose QR survives printing and a phone photo."""

import datetime as dt
import io

import pypdfium2 as pdfium
import pytest
from PIL import Image

from crm.residents.cards.number import pretty
from crm.residents.cards.render import CardPrint, card_pdf, qr_png
from crm.residents.cards.scan import ScanError, decode_image
from crm.residents.cards.token import KeyRing, sign, verify

from .photos import card_photo, png_bytes, rasterise

NUMBER = "123456789010"


@pytest.fixture(scope="module")
def ring(tmp_path_factory):
    return KeyRing.generate(tmp_path_factory.mktemp("keys") / "card.pem")


@pytest.fixture(scope="module")
def card(ring):
    qr_text = sign({"n": NUMBER, "v": 2, "d": "2025-03-14", "nm": "Aishwarya Venkataraman",
                    "y": 1987, "s": "F", "h": "HH-2025-0012345"}, ring)
    return CardPrint(
        number=NUMBER, version=2, name_en="Aishwarya Venkataraman",
        name_hi="ऐश्वर्या वेंकटरमन", sex="F", household_id="HH-2025-0012345",
        issued_on=dt.date(2025, 3, 14), qr_text=qr_text, helpline="1800-11-4444",
        year_of_birth=1987, blood_group="B+", emergency_contact="Suresh · 98XXXXXX21",
        reason="Duplicate",
    )


@pytest.fixture(scope="module")
def pdf(card):
    return card_pdf(card)


def test_card_has_a_front_and_a_back_sized_cr80(pdf):
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 2
    for page in doc:
        w, h = page.get_size()
        assert (round(w / 72 * 25.4, 1), round(h / 72 * 25.4, 1)) == (85.6, 54.0)


def test_card_text_carries_number_and_name(pdf):
    doc = pdfium.PdfDocument(pdf)
    front = doc[0].get_textpage().get_text_range()
    back = doc[1].get_textpage().get_text_range()
    assert pretty(NUMBER) in front
    assert "Aishwarya Venkataraman" in front
    assert "1800-11-4444" in back and "B+" in back and "DUPLICATE" in back


def test_unrecorded_blood_group_says_so(card):
    plain = CardPrint(**{**card.__dict__, "blood_group": None, "version": 1, "reason": "Original"})
    back = pdfium.PdfDocument(card_pdf(plain))[1].get_textpage().get_text_range()
    assert "Not recorded" in back
    assert "DUPLICATE" not in back


def test_printed_qr_decodes_to_the_signed_text(pdf, card, ring):
    text = decode_image(png_bytes(rasterise(pdf, dpi=300)))
    assert text == card.qr_text
    assert verify(text, ring)["n"] == NUMBER


def test_phone_photo_of_printed_card_decodes(pdf, card):
    photo = card_photo(pdf, angle=7, blur=1.2)
    assert Image.open(io.BytesIO(photo)).format == "JPEG"
    assert decode_image(photo) == card.qr_text


def test_qr_png_decodes_back(card):
    assert decode_image(qr_png(card.qr_text)) == card.qr_text


def test_webp_upload_decodes(card):
    out = io.BytesIO()
    Image.open(io.BytesIO(qr_png(card.qr_text, scale=6))).convert("RGB").save(out, "WEBP",
                                                                               quality=90)
    assert decode_image(out.getvalue()) == card.qr_text


def test_our_code_wins_over_another_qr_in_the_photo(card):
    ours = Image.open(io.BytesIO(qr_png(card.qr_text, scale=4)))
    other = Image.open(io.BytesIO(qr_png("upi://pay?pa=shop@bank", scale=8)))
    sheet = Image.new("L", (other.width + ours.width + 40, max(other.height, ours.height)), 255)
    sheet.paste(other, (0, 0))
    sheet.paste(ours, (other.width + 40, 0))
    assert decode_image(png_bytes(sheet)) == card.qr_text


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4 not a photo", b"\x89PNG\r\n\x1a\n broken"])
def test_non_image_upload_is_refused(data):
    with pytest.raises(ScanError) as err:
        decode_image(data)
    assert err.value.code == "not_an_image"
    assert err.value.message == "That file is not a picture we can read."


def test_blank_photo_has_no_qr():
    with pytest.raises(ScanError) as err:
        decode_image(png_bytes(Image.new("RGB", (800, 500), (240, 238, 230))))
    assert err.value.code == "no_qr"
    assert "Hold the card flat" in err.value.message


@pytest.mark.parametrize(("language", "words", "font"), [
    ("pa", "ਤਸਦੀਕ ਲਈ ਸਕੈਨ ਕਰੋ", b"NotoSansGurmukhi"),
    ("ur", "", b"NotoNaskhArabic"),
    ("hi", "सत्यापन हेतु स्कैन करें", b"NotoSansDevanagari"),
])
def test_the_card_speaks_the_residents_language_beside_english_in_its_font(card, language, words, font):
    """English is always printed; the second language is the resident's, shaped by HarfBuzz in its Noto font
    (the screenshots of the Punjabi and Urdu cards were looked at: conjuncts, sihari and Urdu joining right)."""
    printed = card_pdf(CardPrint(**{**card.__dict__, "language": language}))
    doc = pdfium.PdfDocument(printed)
    front, back = (doc[i].get_textpage().get_text_range() for i in range(2))
    assert "Delhi Health Card" in front and pretty(NUMBER) in front and "1800-11-4444" in back
    assert words in front.replace("\r\n", " ")
    assert font in printed
    if language == "ur":  # right-to-left text comes out of the PDF in visual order: look for its letters only
        assert any("\u0600" <= ch <= "\u06ff" for ch in front)
