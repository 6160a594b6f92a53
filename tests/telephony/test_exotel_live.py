"""The demo's texts both ways through the Exotel emulator over real HTTP: the citizen's phone texts the ExoPhone in
Hindi and in English, Exotel posts the webhook, the helpline answers with the registered template in the sender's
language, the emulator's DLT scrubber passes it and the phone shows it delivered; nothing is mocked."""

import requests

from tests.live import eventually, served


def test_texts_go_both_ways_through_the_exotel_emulator_in_hindi_and_english(tmp_path):
    with served(tmp_path, SMS_PROVIDER="exotel") as (_app, base):
        phone = f"{base}/exotel-emulator"
        assert "ExoPhone" in requests.get(f"{phone}/", timeout=5).text
        for number, text, reply in (("+919810000301", "मुझे दो दिन से बुखार है", "सलाहकार जल्द जवाब देंगे"),
                                    ("+919810000302", "I need an appointment for my diabetes", "advisor will reply")):
            assert requests.post(f"{phone}/phone/text", json={"from": number, "body": text}, timeout=5).ok

            def answered(number=number):
                texts = requests.get(f"{phone}/phone/texts", params={"number": number}, timeout=5).json()["texts"]
                return [t for t in texts if t["Direction"] != "inbound"]

            [answer] = eventually(answered, timeout=15)
            assert reply in answer["Body"] and answer["Status"] == "delivered"
