"""The registry's quick checks for plain mobiles and voter ids answer exactly as the general parsers do."""

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.in_ import epic as epic_number

from crm.platform import phones
from crm.residents.registry import rows


def _general_mobile(text):
    try:
        return phones.normalize(text)
    except phones.PhoneError as exc:
        return f"mobile: {exc}"


def _quick_mobile(text):
    try:
        return rows._mobile(text)
    except rows.RowError as exc:
        return str(exc)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_plain_ten_digit_mobiles_match_phonenumbers(digits):
    assert _quick_mobile(digits) == _general_mobile(digits)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789 +-", min_size=1, max_size=15))
def test_other_mobile_shapes_match_phonenumbers(text):
    assert _quick_mobile(text.strip()) == _general_mobile(text.strip())


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(r"[A-Z]{3}[0-9]{7}", fullmatch=True) | st.text(alphabet="ABCXYZabc0123456789 -", max_size=14))
def test_voter_ids_match_python_stdnum(text):
    text = text.strip()
    if text:
        compact = epic_number.compact(text)
        assert rows._epic(text) == (compact[:20], epic_number.is_valid(compact))


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(["", "0", "+91", "+91 ", "91", "+", "0 ", "+910", "-"]),
       st.text(alphabet="0123456789", min_size=10, max_size=10), st.sampled_from(["", " ", "-"]), st.integers(1, 9))
def test_written_out_mobiles_match_phonenumbers(prefix, digits, separator, split):
    text = f"{prefix}{digits[:split]}{separator}{digits[split:]}"
    assert _quick_mobile(text) == _general_mobile(text)
