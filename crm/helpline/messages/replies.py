"""What the helpline texts back on its own, in the sender's script.

The texts are registered SMS templates (crm/platform/sms_templates.json: one entry per text and language, with its
DLT ids and SMS parts); this names the ones a citizen's text is answered with.
"""

from __future__ import annotations

from crm.platform import sms_templates

KINDS = ("ack", "emergency", "fallback_callback", "emergency_now", "missed_call")


def reply(kind: str, script: str, **values) -> str:
    """The reply `kind` in `script` ('hi', 'en', 'pa', 'ur' or 'hinglish'; English if the script has none)."""
    return sms_templates.render(kind, script, **values)
