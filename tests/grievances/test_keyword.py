"""The SMS keyword in Delhi's four languages (Hindi also in Latin letters), and the category its words point to."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.citizens.grievances.keyword import KEYWORDS, category_of, parse


@pytest.mark.parametrize(("body", "language", "category"), [
    ("SHIKAYAT mohalla clinic band tha subah", "hl", "facility"),
    ("shikayat: card abhi tak nahi mila", "hl", "card_delivery"),
    ("शिकायत डॉक्टर ने बात नहीं सुनी", "hi", "staff"),
    ("शिकायत अस्पताल में दवा नहीं मिली", "hi", "facility"),
    ("COMPLAINT nobody answered my call for an hour", "en", "helpline"),
    ("Complaint - the nurse was rude", "en", "staff"),
    ("complaint", "en", "helpline"),
    ("ਸ਼ਿਕਾਇਤ ਮੁਹੱਲਾ ਕਲੀਨਿਕ ਸਵੇਰੇ ਬੰਦ ਸੀ", "pa", "facility"),
    ("ਸ\u0a3cਿਕਾਇਤ: ਕਾਰਡ ਅਜੇ ਤੱਕ ਨਹੀਂ ਮਿਲਿਆ", "pa", "card_delivery"),  # ਸ਼ typed as ਸ and its dot
    ("شکایت ڈاکٹر نے بات نہیں سنی", "ur", "staff"),
    ("شکایت: ہیلپ لائن پر کوئی فون نہیں اٹھاتا", "ur", "helpline"),
])
def test_each_way_of_writing(body, language, category):
    found = parse(body)
    assert (found.language, found.category) == (language, category)


@pytest.mark.parametrize("body", ["bukhar hai", "mujhe shikayat hai ki clinic band tha", "सीने में दर्द", "", "   ",
                                  "STOP", "complaints box"])
def test_a_message_that_does_not_start_with_the_keyword_is_not_a_grievance(body):
    assert parse(body) is None


@given(st.sampled_from(sorted(KEYWORDS)), st.text(max_size=200))
def test_property_any_text_after_a_keyword_is_kept_and_categorised(keyword, rest):
    found = parse(f"{keyword.upper()} {rest}")
    assert found is not None and found.language == KEYWORDS[keyword]
    assert found.text == rest.strip().lstrip(":,.-! \t\n\r\x0b\x0c").strip() or found.text in rest
    assert found.category in ("facility", "staff", "card_delivery", "helpline")


@given(st.text(max_size=200))
def test_property_categorising_never_fails(text):
    assert category_of(text) in ("facility", "staff", "card_delivery", "helpline")
