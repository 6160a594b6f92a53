"""The portal says which number takes texts: WhatsApp first (two-way, where the citizen has it), then the SMS number,
which in India is the SMS gateway's ExoPhone (Twilio carries no two-way SMS there)."""

import pytest

from tests.conftest import app_with_schema


@pytest.mark.parametrize(("provider", "sms_number"), [("twilio", "+911800112233"), ("exotel", "+911140000000")])
def test_the_portal_names_the_whatsapp_number_first_then_the_sms_number(tmp_path, provider, sms_number):
    with app_with_schema(tmp_path, SMS_PROVIDER=provider, TWILIO_WHATSAPP_NUMBER="+14155238886") as app:
        page = app.test_client().get("/portal/sign-in").get_data(as_text=True)
    line = page[page.index('id="texts-to"'):]
    line = line[:line.index("</p>")]
    assert line.index("+14155238886") < line.index(sms_number)
