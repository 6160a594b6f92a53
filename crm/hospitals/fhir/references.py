"""References inside a hospital's Bundle, pointed at Sampark's ids; one that points at nothing is named and refused.

Resolved, in this order: the Bundle's own entries (their fullUrl, urn:uuid or an absolute URL, and the `Type/id`
an absolute fullUrl or a PUT entry's url stands for); the patient (by fullUrl, `Patient?identifier=`, or Sampark's
`Patient/<id>`); what this hospital sent before (`Type/id` of a PUT, `Type?identifier=system|value`).
Kept as sent: contained (`#id`) references and absolute URLs of other servers. Anything else (an unknown
urn:uuid, a relative `Type/id` nobody sent) cannot be resolved and the Bundle is refused naming it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from crm.models import HospitalRecord
from crm.platform.errors import Refused
from crm.platform.extensions import db

MAX_NAMED = 5


def alias(full_url: str | None) -> str | None:
    """The relative `Type/id` an absolute fullUrl (http://his.example/fhir/Condition/12) stands for."""
    if not full_url or not full_url.startswith(("http://", "https://")):
        return None
    parts = full_url.rstrip("/").split("/")
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 and parts[-2][:1].isupper() else None


def resolver(local: dict[str, str], client_id: int, is_patient: Callable[[str], bool], patient_id: int):
    """A function turning one reference text into Sampark's, or None when it cannot be resolved."""
    def resolve(text: str) -> str | None:
        if text in local:
            return local[text]
        if text.startswith("#") or (text.startswith(("http://", "https://")) and alias(text) not in local):
            return text
        if text.startswith(("http://", "https://")):
            return local[alias(text)]
        if is_patient(text):
            return f"Patient/{patient_id}"
        kind, sep, rest = text.partition("?identifier=") if "?identifier=" in text else (*text.partition("/"),)
        if not kind[:1].isupper() or not rest:
            return None
        key = f"id:{kind}/{rest}" if sep == "/" else rest
        found = db.session.scalar(select(HospitalRecord.id).where(
            HospitalRecord.client_id == client_id, HospitalRecord.resource_type == kind,
            HospitalRecord.source_key == key[:300]))
        return f"{kind}/h{found}" if found else None
    return resolve


def rewrite(value, resolve, missing: list[str]):
    """`value` with every Reference.reference resolved; what could not be is appended to `missing`."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                found = resolve(item)
                if found is None:
                    missing.append(item)
                out[key] = found or item
            else:
                out[key] = rewrite(item, resolve, missing)
        return out
    if isinstance(value, list):
        return [rewrite(item, resolve, missing) for item in value]
    return value


def refuse_missing(missing: list[tuple[int, str, str]]) -> None:
    """Refuse (422) the Bundle when any reference could not be resolved, naming the first few."""
    if missing:
        shown = "; ".join(f"entry {n} ({kind}) refers to {text[:100]}" for n, kind, text in missing[:MAX_NAMED])
        raise Refused("unresolved_reference", f"These references point at nothing in the Bundle or sent before: {shown}"
                      f"{' ...' if len(missing) > MAX_NAMED else ''}. Nothing was stored.", 422)
