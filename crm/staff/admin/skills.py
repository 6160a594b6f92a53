"""What an operator or doctor can take: the languages they speak, whether they interpret, how many texts at once.

Routing reads these (crm.helpline.distribution): a caller is offered first to someone who speaks their language.
"""

from __future__ import annotations

from crm.models import StaffUser
from crm.models.staff import LANGUAGES
from crm.platform import audit
from crm.platform.errors import Refused
from crm.platform.extensions import db

LANGUAGE_NAMES = {"hi": "Hindi हिंदी", "en": "English", "pa": "Punjabi ਪੰਜਾਬੀ", "ur": "Urdu اردو"}
MAX_TEXTS = 10


def set_skills(actor: StaffUser | None, staff: StaffUser, languages: list[str], interpreter: bool,
               text_capacity: int) -> dict:
    """Set the languages (at least one of hi, en, pa, ur), the interpreter flag and the text capacity (0-10);
    flushed and audited. Returns what changed as {field: [old, new]}."""
    wanted_languages = [code for code in LANGUAGES if code in set(languages)]  # Delhi's order, no repeats
    if not wanted_languages or len(set(languages) - set(LANGUAGES)):
        raise Refused("bad_skills", f"Choose the languages they speak from {', '.join(LANGUAGES)}.", 422)
    if not 0 <= text_capacity <= MAX_TEXTS:
        raise Refused("bad_skills", f"Texts at once must be between 0 and {MAX_TEXTS}.", 422)
    wanted = {"languages": wanted_languages, "interpreter": bool(interpreter), "text_capacity": text_capacity}
    changes = {k: [getattr(staff, k), v] for k, v in wanted.items() if getattr(staff, k) != v}
    for field, (_, new) in changes.items():
        setattr(staff, field, new)
    if changes:
        audit.record("staff_skills", staff_id=actor.id if actor else None, target_staff_id=staff.id, changes=changes)
    db.session.flush()
    return changes
