"""What the helpline texts back on its own, in the sender's script (Hindi, romanised Hindi, English, Punjabi, Urdu).

The texts are registered SMS templates (crm/platform/sms_templates.json: one entry per text and language, with its
DLT ids and SMS parts); this names the ones a citizen's contact is answered with.
"""

from __future__ import annotations

from crm.cases import languages
from crm.platform import sms_templates

KINDS = ("ack", "emergency", "fallback_callback", "emergency_now", "missed_call", "callback_at", "unstored")
WRITTEN = (*sms_templates.LANGUAGES, "hinglish")  # the scripts every reply is written in


def reply(kind: str, script: str, **values) -> str:
    """The reply `kind` in `script` ('hi', 'hinglish', 'en', 'pa', 'ur'; Bengali is answered in Hindi)."""
    return sms_templates.render(kind, script if script in WRITTEN else languages.of_triage(script), **values)
