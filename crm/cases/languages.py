"""The caller's language on a case: Delhi's four official languages, in the Act's order.

A case's language is what the caller chose in the IVR (keys 1-4), or what their text or speech was
written in (triage tells the script), or the patient's preferred one; every later reply, reminder and
call-back uses it. Bengali, which triage reads, is answered in Hindi; romanised Hindi is Hindi.
"""

from __future__ import annotations

LANGUAGES = ("hi", "en", "pa", "ur")
_OF_TRIAGE = {"hi": "hi", "hinglish": "hi", "en": "en", "pa": "pa", "ur": "ur", "bn": "hi"}


def of_triage(language: str | None) -> str:
    """The case language for triage's reading of a message ('hi', 'hinglish', 'en', 'pa', 'ur', 'bn')."""
    return _OF_TRIAGE.get(language or "", "hi")


def known(language: str | None) -> str:
    """A stored language if it is one of the four, else Hindi (the default of the helpline)."""
    return language if language in LANGUAGES else "hi"


URGENT = ("P1", "P2")  # never kept waiting for a language, at either tier


def held_for_speaker(priority: str | None, waited_seconds: float, language_wait: int) -> bool:
    """Whether a contact may still wait for someone who speaks its language (the one rule of both tiers): not urgent
    (P1/P2 go to whoever is free at once) and not yet waited `language_wait` seconds."""
    return (priority or "P4") not in URGENT and waited_seconds < language_wait
