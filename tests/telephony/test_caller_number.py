"""The caller id: an E.164 string is taken as Twilio gave it, which is what parsing it would have given; a caller
id that is no phone number (withheld, a browser client, a SIP user) is an unknown caller."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crm.models import Case
from crm.platform import phones
from crm.platform.security.bounds import PHONE
from telephony import calls, webhook_fields


def parsed(raw: str) -> str:
    """caller_number by the slow road: always through phonenumbers."""
    try:
        return phones.normalize(raw)
    except phones.PhoneError:
        return "unknown"


E164_LIKE = st.one_of(
    st.from_regex(r"\+91[0-9]{10}", fullmatch=True),  # Indian mobiles and landlines, valid or not
    st.from_regex(r"\+91[6-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True),  # anywhere
)


@example("+919810000001")
@example("+911123456789")  # a Delhi landline
@example("+14155550100")
@example("+390612345678")  # Italy keeps its leading zero
@given(E164_LIKE)
def test_an_e164_caller_id_comes_back_as_parsing_it_gives(raw):
    # A number in E.164's shape that is not valid anywhere is kept as Twilio gave it (it still fits PHONE).
    assert calls.caller_number(raw) == raw and parsed(raw) in (raw, "unknown")


@example("")
@example("anonymous")
@example("client:staff-4")
@example("09810000001")
@example("+91 98100 00001")
@example("+0919810000001")
@given(st.text(alphabet="+0123456789 -()abc:", max_size=20))
def test_anything_else_is_parsed_as_before(raw):
    assert calls.caller_number(raw) == parsed(raw)


@pytest.mark.parametrize("raw, number", [
    ("sip:alice.kumar@pbx.example.in", "unknown"),
    ("client:agent42", "unknown"),
    ("client:9810000001", "unknown"),  # a browser leg is no phone, whatever its identity looks like
    ("anonymous", "unknown"),
    ("sip:+919810000001@trunk.example.in", "+919810000001"),
    ("sip:9810000001@pbx.example.in;user=phone", "+919810000001"),
    ("client:" + "a" * 121, "unknown"),
])
def test_a_caller_id_that_is_no_phone_number_is_an_unknown_caller(raw, number):
    assert calls.caller_number(raw) == number
    assert len(calls.caller_number(raw)) <= PHONE


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+:._@-", max_size=200))
def test_any_caller_id_the_edge_lets_in_is_kept_within_the_case_column(raw):
    pattern, longest = webhook_fields.RULES["From"]
    if len(raw) <= longest and pattern.fullmatch(raw):
        assert len(calls.caller_number(raw)) <= Case.__table__.c.caller_phone.type.length
