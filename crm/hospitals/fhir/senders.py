"""Who, at a hospital, stands behind each fact it sent: the doctor and the organization, for the panel to show.

In order: a Provenance the hospital sent about the resource (its agents), else the resource's own author fields
(recorder, asserter, requester, performer, author, participant, serviceProvider ...), else the Composition of the
document Bundle it came in (author, custodian). References were resolved to the hospital's stored Practitioner,
PractitionerRole and Organization records at ingest (crm.hospitals.fhir.references); their names are read from
there, or from the reference's display when the hospital gave one.
"""

from __future__ import annotations

from sqlalchemy import select

from crm.models import HospitalRecord
from crm.platform.extensions import db

FIELDS = ("recorder", "asserter", "requester", "performer", "author", "participant", "serviceProvider", "custodian",
          "resultsInterpreter", "informationSource", "attester")
PEOPLE = ("Practitioner", "PractitionerRole")
MAX_PROVENANCE = 500


def for_records(records: list[HospitalRecord]) -> dict[int, str]:
    """{record id: "Dr. Meera Rao · GTB Hospital"} for the records whose hospital said who stands behind them."""
    if not records:
        return {}
    by_target = _provenance({r.client_id for r in records})
    composition = {r.bundle_id: _references(r.resource) for r in records
                   if r.resource_type == "Composition" and r.bundle_id}
    wanted = {r.id: by_target.get(f"{r.resource_type}/h{r.id}") or _references(r.resource)
              or composition.get(r.bundle_id) or [] for r in records}
    names = _names({ref for refs in wanted.values() for ref in refs})
    shown = {}
    for rid, refs in wanted.items():
        people = [names[r] for r in refs if names.get(r) and r[0] in PEOPLE]
        places = [names[r] for r in refs if names.get(r) and r[0] not in PEOPLE]
        if said := " · ".join(list(dict.fromkeys(people))[:2] + list(dict.fromkeys(places))[:1]):
            shown[rid] = said[:160]
    return shown


def _references(resource: dict) -> list[tuple[str, str, str]]:
    """(type, reference, display) of the Practitioners and Organizations in a resource's author fields."""
    found = []

    def take(value) -> None:
        if isinstance(value, list):
            for item in value:
                take(item)
        elif isinstance(value, dict):
            text = str(value.get("reference") or "")
            kind = text.split("/")[0] if "/" in text else str(value.get("type") or "")
            if kind in (*PEOPLE, "Organization"):
                found.append((kind, text, str(value.get("display") or "")))
            for key in ("actor", "individual", "who", "onBehalfOf", "party"):
                take(value.get(key))

    for field in FIELDS:
        take(resource.get(field))
    return found


def _provenance(client_ids: set[int]) -> dict[str, list[tuple[str, str, str]]]:
    """{"Condition/h12": agents} from the Provenance records these hospitals sent."""
    rows = db.session.scalars(select(HospitalRecord).where(HospitalRecord.client_id.in_(client_ids),
                                                           HospitalRecord.resource_type == "Provenance")
                              .order_by(HospitalRecord.id.desc()).limit(MAX_PROVENANCE))
    agents: dict[str, list] = {}
    for row in rows:
        said = [ref for agent in row.resource.get("agent") or [] if isinstance(agent, dict)
                for ref in _references({"author": [agent.get("who"), agent.get("onBehalfOf")]})]
        for target in row.resource.get("target") or []:
            if isinstance(target, dict) and target.get("reference") and said:
                agents.setdefault(target["reference"], said)
    return agents


def _names(refs: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    """A name for each reference: its display, else the stored resource's name."""
    ids = {int(r[1].split("/h", 1)[1]) for r in refs if "/h" in r[1] and r[1].split("/h", 1)[1].isdigit()}
    stored = {f"{r.resource_type}/h{r.id}": r.resource for r in db.session.scalars(
        select(HospitalRecord).where(HospitalRecord.id.in_(ids)))} if ids else {}
    roles = {str((r.get("practitioner") or {}).get("reference") or "") for r in stored.values()
             if r.get("resourceType") == "PractitionerRole"}
    role_ids = {int(t.split("/h", 1)[1]) for t in roles if "/h" in t and t.split("/h", 1)[1].isdigit()}
    if role_ids:  # a PractitionerRole is named by its Practitioner
        stored.update({f"{r.resource_type}/h{r.id}": r.resource for r in db.session.scalars(
            select(HospitalRecord).where(HospitalRecord.id.in_(role_ids)))})
    names = {}
    for ref in refs:
        resource = stored.get(ref[1]) or {}
        if resource.get("resourceType") == "PractitionerRole":
            resource = stored.get((resource.get("practitioner") or {}).get("reference")) or resource
        names[ref] = ref[2] or _name(resource)
    return names


def _name(resource: dict) -> str:
    name = resource.get("name")
    if isinstance(name, str):
        return name
    for n in name or []:
        if isinstance(n, dict):
            return n.get("text") or " ".join([*n.get("prefix", []), *n.get("given", []), n.get("family", "")]).strip()
    return ""
