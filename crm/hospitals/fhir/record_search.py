"""Search parameters of the resources hospitals sent, answered from the stored JSON (PostgreSQL jsonb containment).

Tokens are FHIR's: `code`, `system|code`, `|code` (a coding with no system) and `system|` (any code of that
system). code, category, clinical-status, verification-status, status and identifier as the R4 specification
declares them for Condition, Observation, AllergyIntolerance and the rest; date against when it happened.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, cast, literal, or_
from sqlalchemy.dialects.postgresql import JSONB

from crm.hospitals.fhir import dates
from crm.models import HospitalRecord


def _json(value) -> object:
    return cast(literal(value, type_=JSONB), JSONB)


def _contains(shape: dict):
    return cast(HospitalRecord.resource, JSONB).op("@>")(_json(shape))


def _coding(value: str) -> list[dict]:
    """The codings a token may match: system|code, |code, system| or a bare code."""
    if "|" not in value:
        return [{"code": value}]
    system, _, code = value.partition("|")
    if not system:
        return [{"code": code}]  # FHIR: no system; stored codings without one match, and so may any (lenient)
    return [{"system": system, "code": code}] if code else [{"system": system}]


def _concept(*path: str, many: bool = False) -> Callable[[Select, str], Select]:
    """A token parameter on the CodeableConcept at `path` (a list of them when `many`)."""
    def where(stmt: Select, value: str) -> Select:
        shapes = []
        for coding in _coding(value):
            shape: object = {"coding": [coding]}
            shape = [shape] if many else shape
            for key in reversed(path):
                shape = {key: shape}
            shapes.append(_contains(shape))
        if "|" not in value:  # a bare word also finds the concept's text, as hospitals write it
            text = {"text": value}
            for key in reversed(path):
                text = {key: [text] if many and key == path[-1] else text}
            shapes.append(_contains(text))
        return stmt.where(or_(*shapes))
    return where


def _status(stmt: Select, value: str) -> Select:
    return stmt.where(_contains({"status": value}))


def _identifier(stmt: Select, value: str) -> Select:
    system, _, code = value.rpartition("|")
    shape = {"value": code, **({"system": system} if system else {})}
    return stmt.where(or_(_contains({"identifier": [shape]}), HospitalRecord.source_key == f"{system}|{code}"))


def _date(stmt: Select, value: str) -> Select:
    return stmt.where(dates.condition(HospitalRecord.recorded_for, value))


PARAMS: dict[str, Callable[[Select, str], Select]] = {
    "code": _concept("code"),
    "category": _concept("category", many=True),
    "clinical-status": _concept("clinicalStatus"),
    "verification-status": _concept("verificationStatus"),
    "status": _status,
    "identifier": _identifier,
    "date": _date,
}
