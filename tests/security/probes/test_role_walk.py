"""The role walk on PostgreSQL: every route and every OpenAPI operation, as anyone, each role, and a citizen.

A resident with a card and a case (opened by a signed call that typed the card number) is seeded; then every
route of the URL map is called with every method as anonymous, as a signed-in member of each role, and as a
citizen of another household, and every operation of /api/v1/openapi.json with each role's bearer token. Who may
use a route is read
from its `@allow` (crm.staff.auth.capabilities), not listed here. What must hold:

- a citizen gets nothing of another household (its card's PDF and QR included);
- a role the route does not allow gets 401/403/404 (a page may send it to the login) and never the resident;
- anonymous gets the resident nowhere, and only the public routes listed in walk.py (each with its reason) answer;
- the work that needs no patient record (one's own account, administration) never shows the resident, and the
  administrator sees the resident nowhere;
- nobody allowed gets a server error, and a refused request changes no row.
"""

from __future__ import annotations

import pytest

from crm.models import Case
from crm.models.staff import ROLES
from crm.platform.extensions import db
from crm.staff.auth import tokens
from crm.staff.auth.capabilities import CAPABILITIES
from tests import factories
from tests.portal.conftest import sign_in
from tests.security.probes.pg import row_counts
from tests.security.probes.walk import PUBLIC, PUBLIC_PREFIXES, fill, routes
from tests.telephony.test_voice import start, step

pytestmark = pytest.mark.pg
APP_SETTINGS = {"JOBS_HOLD": True, "JOBS_EAGER": False}

NO_PATIENT_WORK = {"own_account", "administer"}  # capabilities whose work needs no patient record
RESIDENT = {"name": "Kamlesh Probewali", "name_hi": "कमलेश प्रोबवाली", "mobile": "+919811122334",
            "address": "Gali Probe 17, Seelampur", "registry_id": "DLPROBE0001"}


def _markers(resident) -> list[str]:
    """Texts that only the seeded resident's record holds."""
    return [RESIDENT["name"], RESIDENT["name_hi"], RESIDENT["mobile"][3:], RESIDENT["address"], RESIDENT["registry_id"]]


@pytest.fixture(scope="module")
def world(probe_app):
    """The resident, their card and case, a signed-in client and a token for each role, anonymous, a citizen."""
    with probe_app.app_context():
        card = factories.make_card(**RESIDENT)
        twilio = probe_app.test_client()
        call_sid, case, _ = start(twilio, RESIDENT["mobile"])
        step(twilio, f"/telephony/voice/menu?case={case.id}", call_sid, Digits="1")
        step(twilio, f"/telephony/voice/card?case={case.id}", call_sid, Digits=card.number)
        case = db.session.get(Case, case.id)
        assert case.patient_id == card.patient_id
        sessions, bearers = {}, {}
        for role in ROLES:
            sessions[role], staff = factories.logged_in(probe_app, role)
            bearers[role] = {"Authorization": f"Bearer {tokens.issue(staff, 'probe')}"}
        stranger = factories.make_patient(name="Other Household", mobile="+919811199999")
        factories.make_card(stranger)
        citizen = probe_app.test_client()
        sign_in(citizen, stranger.mobile)
        # A page the resident is named on, to walk: a lookup by an operator writes an audit row.
        assert sessions["operator"].post("/api/v1/lookup", json={"qr": card.qr_token}).status_code == 200
        values = {"patient_id": card.patient_id, "case_id": case.id, "number": card.number, "rid": card.patient_id,
                  "resource_type": "Patient", "lang": "en", "ward": "Seelampur", "action": "take",
                  "filename": "js/sampark.js"}
        yield {"app": probe_app, "card": card, "values": values, "sessions": sessions, "bearers": bearers,
               "citizen": citizen, "anonymous": probe_app.test_client(), "markers": _markers(card.patient)}


def _call(client, method: str, path: str, qr: str, headers: dict | None = None):
    """The request a probe sends: a body that would find the resident if the route let it through."""
    if method == "GET":
        return client.get(path, headers=headers or {})
    if path.startswith("/api/"):
        return client.open(path, method=method, json={"qr": qr}, headers=headers or {})
    return client.open(path, method=method, data={"qr": qr}, headers=headers or {})


def _shows_resident(response, markers) -> bool:
    text = response.get_data().decode("utf-8", "replace")
    return any(marker in text for marker in markers)


def _refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and response.location.split("?")[0].endswith(("/login", "/portal/sign-in"))


def _allowed(view, role) -> bool:
    if role == "citizen":
        return getattr(view, "citizen", False)
    return role in getattr(view, "allowed_roles", frozenset())


def _walk_as(world, role: str | None, client, headers: dict | None = None, only=None) -> list[str]:
    """Every route as `role` (None: anonymous; "citizen"): what broke the rules, one line each.

    The allowed reads go first (the walk does not do a role's work: log itself out...), then the refused
    requests, every table's rows counted before and after them; then, the identity checked still signed in (or
    every refusal above could be a logged-out one), the public routes (a sign-in try is audited, a sign-out ends
    a session)."""
    walked = list(only if only is not None else routes(world["app"]))
    allowed = [r for r in walked if _allowed(r[2], role) and r[1] == "GET"]
    guarded = [r for r in walked if not _allowed(r[2], role) and not getattr(r[2], "public", False)]
    public = [r for r in walked if not _allowed(r[2], role) and getattr(r[2], "public", False)]
    wrong: list[str] = []

    def send(rule: str, method: str):
        response = _call(client, method, fill(rule, world["values"]), world["card"].qr_token, headers)
        where = f"{method} {rule} -> {response.status_code}"
        if response.status_code >= 500 and (rule, response.status_code) != ("/readyz", 503):  # "not ready" is an answer
            wrong.append(f"{where}: server error")
        return response, where, _shows_resident(response, world["markers"])

    for rule, method, view in allowed:
        response, where, shows = send(rule, method)
        if shows and (set(getattr(view, "capabilities", ())) <= NO_PATIENT_WORK or role == "admin"):
            wrong.append(f"{where}: shows the resident to work that needs no patient record")
        if role == "citizen" and "<number>" in rule and not _refused(response):
            wrong.append(f"{where}: another household's card answered")  # a PDF or QR image: no text to find
    if role is not None and not _still_signed_in(client, role, headers):
        wrong.append("signed out by the allowed reads: the refusals that follow would prove nothing")
    before = row_counts()
    for rule, method, _view in guarded:
        response, where, shows = send(rule, method)
        if not _refused(response) or shows:
            wrong.append(f"{where}: not refused" + (", shows the resident" if shows else ""))
    after = row_counts()
    if after != before:
        wrong.append(f"refused requests changed rows: { {t: after[t] - before[t] for t in after if after[t] != before[t]} }")
    if role is not None and not _still_signed_in(client, role, headers):
        wrong.append("signed out by the refused requests: their refusals prove nothing")
    for rule, method, _view in public:
        response, where, shows = send(rule, method)
        if shows:
            wrong.append(f"{where}: a public route shows the resident")
        if rule not in PUBLIC and not rule.startswith(tuple(PUBLIC_PREFIXES)):
            wrong.append(f"{where}: public, but not on this probe's list of public routes and why")
    return wrong


def _still_signed_in(client, role: str, headers: dict | None) -> bool:
    if role == "citizen":
        return client.get("/portal/").status_code == 200
    me = client.get("/api/v1/me", headers=headers or {})
    return me.status_code == 200 and me.json["role"] == role


def _no_breach(wrong: list[str]) -> None:
    assert wrong == [], "\n".join(wrong)


def test_the_walk_covers_the_whole_app(world):
    walked = list(routes(world["app"]))
    assert len(walked) > 150, len(walked)
    assert set(CAPABILITIES) <= {c for *_, view in walked for c in getattr(view, "capabilities", ())}


def test_the_resident_is_found_where_the_role_allows(world):
    """The control: the requests the walk sends do find the resident when the role may see them."""
    qr, patient = world["card"].qr_token, world["values"]["patient_id"]
    operator = world["app"].test_client()
    for response in (world["sessions"]["operator"].get(f"/patients/{patient}"),
                     _call(operator, "POST", "/api/v1/lookup", qr, world["bearers"]["operator"]),
                     _call(world["sessions"]["doctor"], "POST", "/lookup/panel", qr)):
        assert response.status_code == 200 and _shows_resident(response, world["markers"])


def test_the_public_list_names_only_routes_that_exist(world):
    rules = {rule for rule, *_ in routes(world["app"])}
    assert set(PUBLIC) <= rules


def test_anonymous_sees_no_resident_and_only_public_routes_answer(world):
    _no_breach(_walk_as(world, None, world["anonymous"]))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signed_in_gets_only_its_own_work(world, role):
    _no_breach(_walk_as(world, role, world["sessions"][role]))


def test_a_citizen_of_another_household_sees_no_resident(world):
    _no_breach(_walk_as(world, "citizen", world["citizen"]))


def _operations(world):
    """(OpenAPI path, method, view of the route that serves it) for every operation in /api/v1/openapi.json."""
    app = world["app"]
    document = world["anonymous"].get("/api/v1/openapi.json").json
    adapter = app.url_map.bind("sampark.test")
    found = []
    for path, operations in document["paths"].items():
        for method in operations:
            if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                continue
            concrete = "/api/v1" + path if not path.startswith("/api/v1") else path
            endpoint, _ = adapter.match(fill(concrete, world["values"]), method=method.upper())
            found.append((concrete, method.upper(), app.view_functions[endpoint]))
    return found


def test_every_openapi_operation_is_walked(world):
    operations = _operations(world)
    assert len(operations) > 100 and all(rule.startswith("/api/v1/") for rule, *_ in operations)


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_bearer_token_gets_only_its_own_work_from_the_api(world, role):
    client = world["app"].test_client()
    _no_breach(_walk_as(world, role, client, world["bearers"][role], only=_operations(world)))
