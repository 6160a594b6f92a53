"""Triage tags accumulate over a case's messages: every rule any message matched, once, first seen first."""

from hypothesis import given
from hypothesis import strategies as st

from crm.cases.timeline import triage_tags
from crm.models import Case, CaseEvent

RULES = st.sampled_from(["child_fever_convulsion", "high_fever", "child", "emergency_plea", "chest_pain"])
MESSAGES = st.lists(st.tuples(st.sampled_from(["sms_in", "sms_out", "note"]), st.lists(RULES, max_size=4)), max_size=8)


@given(MESSAGES)
def test_tags_are_the_ordered_union_of_every_inbound_message(messages):
    case = Case(events=[CaseEvent(kind=kind, detail={"rules": rules}) for kind, rules in messages])
    tags = triage_tags(case)
    inbound = [rule for kind, rules in messages if kind == "sms_in" for rule in rules]
    assert len(tags) == len(set(tags))
    assert set(tags) == set(inbound)
    assert tags == sorted(set(inbound), key=inbound.index)


def test_a_later_plea_does_not_replace_the_first_messages_tags():
    case = Case(events=[CaseEvent(kind="sms_in", detail={"rules": ["child_fever_convulsion", "high_fever", "child"]}),
                        CaseEvent(kind="sms_in", detail={"rules": ["emergency_plea", "child"]})])
    assert triage_tags(case) == ["child_fever_convulsion", "high_fever", "child", "emergency_plea"]
