"""Checks each REST request against Twilio's OpenAPI description of the 2010-04-01 API.

The description is ~2 MB of JSON: it is read once per process and indexed into path regexes and,
per operation, the parameter names, required ones, enums and types the request may use.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# Twilio's published description (MIT, see twilio_oai/LICENSE and SOURCE), shipped gzipped in the
# package so the demo and tests run on a machine that has only this repository.
OPENAPI_PATH = Path(__file__).resolve().parent / "twilio_oai" / "twilio_api_v2010.json.gz"
_ENV_KEY = "TWILIO_OPENAPI_PATH"

# The description documents these enums only in prose; Twilio refuses other values.
PROSE_ENUMS = {
    ("CreateCall", "StatusCallbackEvent"): {"initiated", "ringing", "answered", "completed"},
    ("CreateParticipant", "StatusCallbackEvent"): {"initiated", "ringing", "answered", "completed"},
    ("CreateParticipant", "ConferenceStatusCallbackEvent"): {
        "start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"},
    ("CreateParticipant", "Beep"): {"true", "false", "onEnter", "onExit"},
}
SPACE_SEPARATED = {"StatusCallbackEvent", "ConferenceStatusCallbackEvent"}  # "Separate multiple values with a space"


@dataclass
class Param:
    """One parameter an operation accepts."""

    name: str
    type: str = "string"
    enum: set[str] | None = None
    pattern: re.Pattern | None = None
    is_list: bool = False


@dataclass
class Operation:
    """One method on one path: its id and the parameters it takes."""

    operation_id: str
    method: str
    template: str
    path_params: dict[str, Param] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)  # form fields for POST, query for GET/DELETE
    required: set[str] = field(default_factory=set)


@dataclass
class Match:
    """What a request resolved to and what was wrong with it."""

    operation: Operation | None
    path_params: dict[str, str]
    errors: list[str]
    status: int = 400  # 404 unknown path, 405 wrong method, 400 bad parameters

    @property
    def valid(self) -> bool:
        """True when nothing was wrong."""
        return not self.errors


class OpenApiIndex:
    """The operations of the description, indexed for matching requests."""

    def __init__(self, spec: dict) -> None:
        self.schemas = spec["components"]["schemas"]
        self.paths: list[tuple[re.Pattern, str, dict[str, Operation]]] = []
        for template, item in spec["paths"].items():
            operations = {}
            for method in ("get", "post", "delete"):
                if method in item:
                    operations[method.upper()] = self._operation(template, method, item[method])
            regex = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+?)", re.escape(template)) + "$")
            self.paths.append((regex, template, operations))
        # Literal paths first, so /Queues/{QueueSid}/Members.json never matches a broader template.
        self.paths.sort(key=lambda entry: entry[1].count("{"))

    def _param(self, name: str, schema: dict) -> Param:
        schema = self._deref(schema)
        if schema.get("type") == "array":
            inner = self._deref(schema.get("items", {}))
            return Param(name, inner.get("type", "string"), _enum(inner), None, True)
        pattern = re.compile(schema["pattern"]) if schema.get("pattern") else None
        return Param(name, schema.get("type", "string"), _enum(schema), pattern)

    def _deref(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def _operation(self, template: str, method: str, spec: dict) -> Operation:
        op = Operation(spec.get("operationId", f"{method} {template}"), method.upper(), template)
        for parameter in spec.get("parameters", []):
            param = self._param(parameter["name"], parameter.get("schema", {}))
            if parameter["in"] == "path":
                op.path_params[param.name] = param
            elif parameter["in"] == "query":
                op.params[param.name] = param
                if parameter.get("required"):
                    op.required.add(param.name)
        body = spec.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {})
        schema = body.get("schema", {})
        for name, prop in schema.get("properties", {}).items():
            op.params[name] = self._param(name, prop)
        op.required |= set(schema.get("required", []))
        for (op_id, name), values in PROSE_ENUMS.items():
            if op_id == op.operation_id and name in op.params:
                op.params[name].enum = values
        return op

    def match(self, method: str, path: str, params: dict[str, list[str]]) -> Match:
        """Find the operation for `method path` and check `params` (name -> values) against it."""
        for regex, template, operations in self.paths:
            found = regex.match(path)
            if not found:
                continue
            path_params = found.groupdict()
            op = operations.get(method.upper())
            if op is None:
                allowed = ", ".join(sorted(operations)) or "none"
                return Match(None, path_params, [f"{method} is not allowed on {template} (allowed: {allowed})"], 405)
            return Match(op, path_params, self._check(op, path_params, params))
        return Match(None, {}, [f"no such resource in the 2010-04-01 API: {path}"], 404)

    def _check(self, op: Operation, path_params: dict[str, str], params: dict[str, list[str]]) -> list[str]:
        errors = []
        for name, value in path_params.items():
            spec = op.path_params.get(name)
            if spec and spec.pattern and not spec.pattern.match(value):
                errors.append(f"path parameter {name}={value!r} does not match {spec.pattern.pattern}")
        for name in sorted(op.required - set(params)):
            errors.append(f"missing required parameter {name}")
        for name, values in params.items():
            spec = op.params.get(name)
            if spec is None:
                errors.append(f"unknown parameter {name!r} for {op.operation_id}")
                continue
            if len(values) > 1 and not spec.is_list:
                errors.append(f"parameter {name} given {len(values)} times but takes one value")
            for value in values:
                errors.extend(_check_value(spec, value))
        return errors


def _enum(schema: dict) -> set[str] | None:
    return set(schema["enum"]) if schema.get("enum") else None


def _check_value(spec: Param, value: str) -> list[str]:
    items = value.split() if spec.name in SPACE_SEPARATED else [value]
    errors = []
    for item in items:
        if spec.enum is not None and item not in spec.enum:
            errors.append(f"{spec.name}={item!r} is not one of {sorted(spec.enum)}")
        elif spec.type == "integer" and not re.fullmatch(r"-?\d+", item):
            errors.append(f"{spec.name}={item!r} is not an integer")
        elif spec.type == "boolean" and item.lower() not in ("true", "false"):
            errors.append(f"{spec.name}={item!r} is not true or false")
        elif spec.pattern and not spec.pattern.match(item):
            errors.append(f"{spec.name}={item!r} does not match {spec.pattern.pattern}")
    return errors


@functools.lru_cache(maxsize=4)
def load_index(path: str | None = None) -> OpenApiIndex:
    """The index of the description at `path` (TWILIO_OPENAPI_PATH or the packaged copy), built once."""
    source = Path(path or os.environ.get(_ENV_KEY) or OPENAPI_PATH)
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as handle:
        return OpenApiIndex(json.load(handle))
