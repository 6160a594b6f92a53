"""Staff administration as JSON under /api/v1/admin: every action of the admin pages is also an API call."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from crm.models import StaffUser
from crm.models.base import iso
from crm.platform.api import body, bounded_int
from crm.platform.api import bp as api_bp
from crm.platform.errors import load
from crm.staff.admin import staff as service
from crm.staff.auth.capabilities import allow


def shown(staff: StaffUser) -> dict:
    """An account as administrators see it (no password hash, no token)."""
    return {"id": staff.id, "username": staff.username, "name": staff.name, "role": staff.role,
            "specialty": staff.specialty, "desk_phone": staff.desk_phone, "desk": staff.section,
            "state": service.state_of(staff),
            "languages": list(staff.languages or []), "interpreter": staff.interpreter,
            "text_capacity": staff.text_capacity, "offers_missed": staff.offers_missed,
            "identity": f"staff-{staff.id}", "last_login_at": iso(staff.last_login_at), "created_at": iso(staff.created_at)}


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


@api_bp.get("/admin/staff")
@allow("administer")
def api_staff_list():
    """Staff matching q (name or username), role and state; 25 a page."""
    page = bounded_int(request.args.get("page", 1), "page", 1, service.MAX_PAGE)
    rows, more = service.search(service.parse_query(request.args), page)
    return jsonify(staff=[shown(s) for s in rows], more=more)


@api_bp.post("/admin/staff")
@allow("administer")
def api_staff_create():
    """Create an account; a generated password comes back once as `password`."""
    data = body()
    staff, password = service.create(current_user, _text(data, "username") or "", _text(data, "role") or "",
                                     _text(data, "name"), _text(data, "specialty"), _text(data, "desk_phone"),
                                     _text(data, "password"), desk=_text(data, "desk"))
    return jsonify(staff=shown(staff), password=password), 201


@api_bp.get("/admin/staff/<int:staff_id>")
@allow("administer")
def api_staff_get(staff_id: int):
    """One account."""
    return jsonify(shown(load(StaffUser, staff_id, "staff member")))


@api_bp.patch("/admin/staff/<int:staff_id>")
@allow("administer")
def api_staff_update(staff_id: int):
    """Change name, role, specialty or desk phone (fields left out keep their value)."""
    staff, data = load(StaffUser, staff_id, "staff member"), body()
    keep = {"name": staff.name, "role": staff.role, "specialty": staff.specialty, "desk_phone": staff.desk_phone,
            "desk": staff.section}
    values = {k: (_text(data, k) if k in data else v) for k, v in keep.items()}
    changes = service.update(current_user, staff, **values)
    return jsonify(staff=shown(staff), changed=sorted(changes))


@api_bp.post("/admin/staff/<int:staff_id>/disable")
@allow("administer")
def api_staff_disable(staff_id: int):
    """Disable: no login, sessions ended and tokens revoked at once."""
    staff = load(StaffUser, staff_id, "staff member")
    service.disable(current_user, staff)
    return jsonify(shown(staff))


@api_bp.post("/admin/staff/<int:staff_id>/enable")
@allow("administer")
def api_staff_enable(staff_id: int):
    """Let a disabled account log in again."""
    staff = load(StaffUser, staff_id, "staff member")
    service.enable(current_user, staff)
    return jsonify(shown(staff))


@api_bp.post("/admin/staff/<int:staff_id>/logout-everywhere")
@allow("administer")
def api_staff_logout_everywhere(staff_id: int):
    """End every session of the account (a lost or shared device)."""
    return jsonify(sessions_ended=service.log_out_everywhere(current_user, load(StaffUser, staff_id, "staff member")))


@api_bp.post("/admin/staff/<int:staff_id>/unlock")
@allow("administer")
def api_staff_unlock(staff_id: int):
    """Clear a lock after repeated wrong passwords."""
    staff = load(StaffUser, staff_id, "staff member")
    return jsonify(staff=shown(staff), was_locked=service.unlock(current_user, staff))


@api_bp.post("/admin/staff/<int:staff_id>/password")
@allow("administer")
def api_staff_password(staff_id: int):
    """Reset the password: `password` given, or generated and returned once; every session ends."""
    staff = load(StaffUser, staff_id, "staff member")
    password, ended = service.reset_password(current_user, staff, _text(body(), "password"))
    return jsonify(password=password, sessions_ended=ended)


@api_bp.get("/admin/staff/<int:staff_id>/tokens")
@allow("administer")
def api_staff_tokens(staff_id: int):
    """The account's API tokens (never the tokens themselves)."""
    rows = service.tokens_of(load(StaffUser, staff_id, "staff member"))
    return jsonify(tokens=[{k: v for k, v in row.items() if k != "delhi"} for row in rows])


@api_bp.post("/admin/staff/<int:staff_id>/tokens/<int:token_id>/revoke")
@allow("administer")
def api_staff_revoke_token(staff_id: int, token_id: int):
    """Revoke one of the account's tokens at once."""
    service.revoke_token(current_user, load(StaffUser, staff_id, "staff member"), token_id)
    return jsonify(revoked=token_id)
