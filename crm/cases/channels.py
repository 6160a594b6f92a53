"""What a reply channel requires before a free-form text goes out: a port the channel's feature installs at start.

The case domain answers on the channel the case came in by. WhatsApp allows free-form text only within 24 hours of
the citizen's last message (crm.helpline.whatsapp installs that check here when the helpline is registered), so
the domain never imports the feature.
"""

from __future__ import annotations

from collections.abc import Callable

from crm.models import Case

_free_form_checks: dict[str, Callable[[Case], object]] = {}


def install_free_form_check(channel: str, check: Callable[[Case], object]) -> None:
    """Refuse a free-form reply on `channel` by raising Refused from `check(case)`."""
    _free_form_checks[channel] = check


def reply_channel(case: Case) -> str:
    """The channel a reply on this case goes by: WhatsApp for a WhatsApp case, otherwise SMS."""
    return "whatsapp" if case.channel == "whatsapp" else "sms"


def ensure_free_form_allowed(case: Case, channel: str) -> None:
    """Refuse (Refused) a free-form text on `channel` that its rules do not allow now."""
    check = _free_form_checks.get(channel)
    if check is not None:
        check(case)
