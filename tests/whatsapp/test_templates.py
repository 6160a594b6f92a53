"""The approved templates file is whole: every template in Hindi and English, sids and placeholders right."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.helpline.whatsapp import approved
from crm.platform.errors import Refused


def test_every_template_exists_in_the_four_languages_with_its_own_content_sid():
    templates = approved.all_templates()
    names = {t.name for t in templates}
    assert {(n, lang) for n in names for lang in ("hi", "en", "pa", "ur")} == {(t.name, t.language) for t in templates}
    assert all(re.fullmatch(r"HX[0-9a-f]{32}", t.sid) for t in templates)
    assert len({t.sid for t in templates}) == len(templates)


@pytest.mark.parametrize("template", approved.all_templates(), ids=lambda t: f"{t.name}-{t.language}")
def test_placeholders_are_one_per_variable(template):
    found = sorted({int(n) for n in approved.PLACEHOLDER.findall(template.body)})
    assert found == list(range(1, len(template.variables) + 1))


@given(st.lists(st.text(min_size=1, max_size=40).filter(lambda s: s.strip()), min_size=1, max_size=1))
def test_filled_values_are_rendered_and_never_leave_a_placeholder(values):
    template = approved.find("case_followup", "en")
    filled = approved.fill(template, values)
    assert filled == {"1": " ".join(values[0].split())}
    assert "{{1}}" not in template.render(filled) or "{{1}}" in values[0]


def test_wrong_values_are_refused():
    template = approved.find("appointment_reminder", "hi")
    with pytest.raises(Refused):
        approved.fill(template, ["1 Dec"])
    with pytest.raises(Refused):
        approved.fill(template, ["1 Dec", "10:30", "x" * 121])
    with pytest.raises(Refused):
        approved.find("marketing_blast", "en")


def test_whatsapp_is_its_own_channel_in_the_supervisors_reports(client, login):
    from crm.models.base import local, utcnow
    from tests.telephony.test_sms import text

    text(client, "khansi hai", sender="+919810000031")
    text(client, "bukhar hai", sender="whatsapp:+919810000032", To="whatsapp:+911800112233")
    login("supervisor")
    day = local(utcnow()).date().isoformat()
    rows = client.get(f"/api/v1/supervisor/reports?from={day}&to={day}&by=channel").get_json()["rows"]
    assert {r["group"] for r in rows} == {"sms", "whatsapp"}


def test_a_voice_note_alone_reaches_the_desk_as_a_plain_note(client):
    from crm.models import Message
    from tests.telephony.test_sms import text

    text(client, "", sender="whatsapp:+919810000033", To="whatsapp:+911800112233", NumMedia="1",
         MediaContentType0="audio/ogg", MediaUrl0="https://api.twilio.com/media/ME1")
    inbound = Message.query.filter_by(direction="inbound").one()
    assert inbound.channel == "whatsapp" and inbound.body.startswith("[A photo, voice note")
    assert inbound.case.channel == "whatsapp"
