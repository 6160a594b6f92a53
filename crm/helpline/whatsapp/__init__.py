"""WhatsApp on the helpline: the same cases and threads as SMS, with WhatsApp's 24-hour rule.

Inbound WhatsApp arrives on the SMS webhook with `whatsapp:+91...` addresses (telephony/sms.py parses them for crm.helpline.messages.inbound);
replies go out through the same outbox and the real twilio Client from the WhatsApp sender
(TWILIO_WHATSAPP_NUMBER). Free-form replies only within 24 hours of the citizen's last message
(crm.helpline.whatsapp.window); outside it, approved templates (templates.json: ContentSid per language).
"""
