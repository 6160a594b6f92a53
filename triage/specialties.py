"""The specialties of the helpline: one registry for the rules, escalation, referral, schedules and pages.

A rule may only name a specialty listed here (a test checks the rules file), so an operator can
never escalate to a queue that no doctor can be given, or refer to.
"""

from __future__ import annotations

from typing import NamedTuple


class Specialty(NamedTuple):
    """A specialty: its code (queue names use it), English and Hindi names."""

    code: str
    en: str
    hi: str


GENERAL = "general_medicine"
REGISTRY = (
    Specialty(GENERAL, "General medicine", "सामान्य चिकित्सा"),
    Specialty("cardiology", "Cardiology", "हृदय रोग"),
    Specialty("neurology", "Neurology", "तंत्रिका रोग"),
    Specialty("paediatrics", "Paediatrics", "बाल रोग"),
    Specialty("obstetrics", "Obstetrics", "प्रसूति"),
    Specialty("psychiatry", "Psychiatry", "मनोरोग"),
    Specialty("pulmonology", "Pulmonology", "फेफड़े के रोग"),
    Specialty("orthopaedics", "Orthopaedics", "हड्डी रोग"),
    Specialty("dermatology", "Dermatology", "त्वचा रोग"),
    Specialty("ent", "ENT", "नाक, कान, गला"),
    Specialty("ophthalmology", "Ophthalmology", "नेत्र रोग"),
    Specialty("general_surgery", "General surgery", "सामान्य शल्य चिकित्सा"),
    Specialty("burns", "Burns", "जलने का उपचार"),
    Specialty("dentistry", "Dentistry", "दंत चिकित्सा"),
    Specialty("toxicology", "Toxicology (poisoning)", "विष उपचार"),
)
BY_CODE = {s.code: s for s in REGISTRY}
CODES = tuple(BY_CODE)


def is_specialty(code: str | None) -> bool:
    """Whether `code` names a specialty of the registry."""
    return code in BY_CODE


def label(code: str | None, lang: str = "en") -> str:
    """The specialty's name in 'en' or 'hi' (the code itself if unknown)."""
    found = BY_CODE.get(code or "")
    if found is None:
        return (code or "").replace("_", " ").capitalize()
    return found.hi if lang == "hi" else found.en
