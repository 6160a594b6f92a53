"""What the server says about itself: the CapabilityStatement and SMART's discovery document."""

from __future__ import annotations

from crm.hospitals.fhir import clients, search

SOFTWARE_VERSION = "2026.11"


def statement(base: str) -> dict:
    """The CapabilityStatement served at /fhir/metadata."""
    resources = []
    for resource_type, searcher in search.SEARCHERS.items():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        names = dict.fromkeys([*searcher.params, *(search.SENT_TOO[resource_type].params if resource_type == "Encounter" else ())])
        entry = {"type": resource_type, "interaction": interactions,
                 "searchParam": [{"name": "_id", "type": "token"}] + [
                     {"name": name, "type": _param_type(name)} for name in names]}
        if resource_type == "Patient":
            entry["operation"] = [{"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]
        if resource_type in clients.HISTORY_TYPES:
            entry["documentation"] = "Hospitals add these in a transaction Bundle for a patient identified by card number or ABHA."
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": "2026-11-29", "kind": "instance",
        "publisher": "Sampark, Delhi health helpline",
        "software": {"name": "Sampark", "version": SOFTWARE_VERSION},
        "implementation": {"description": "Sampark helpline FHIR server", "url": base},
        "fhirVersion": "4.0.1", "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Read and search need system/<Type>.read (or .rs); a transaction Bundle needs "
                             "system/Bundle.write and the write scope of each resource in it.",
            "security": {
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "SMART-on-FHIR"}]}],
                "description": "OAuth 2.0 client credentials with a signed JWT assertion (SMART Backend Services).",
                "extension": [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                               "extension": [{"url": "token", "valueUri": f"{base}/auth/token"}]}],
            },
            "resource": resources,
            "interaction": [{"code": "transaction"}],
        }],
    }


def _param_type(name: str) -> str:
    if name in ("birthdate", "date"):
        return "date"
    if name in ("name",):
        return "string"
    if name in ("patient", "subject", "member", "organization", "practitioner", "actor", "encounter", "entity"):
        return "reference"
    return "token"


def smart_configuration(base: str) -> dict:
    """/.well-known/smart-configuration for backend services."""
    return {"token_endpoint": f"{base}/auth/token", "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(clients.ALGORITHMS),
            "scopes_supported": ["system/*.read", "system/*.rs", "system/Bundle.write", "system/Bundle.c"]
            + [f"system/{t}.{p}" for t in search.SEARCHERS for p in ("read", "rs")],
            "code_challenge_methods_supported": ["S256"],
            "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"]}
