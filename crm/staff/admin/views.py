"""The administrator's pages: staff list, new account, one account (edit, disable, password, tokens, schedule)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.citizens.grievances import desks as grievance_desks
from crm.models import StaffUser
from crm.models.staff import ROLES
from crm.platform.api import bounded_int
from crm.platform.errors import Refused, load
from crm.platform.extensions import db
from crm.platform.security.bounds import optional_id
from crm.staff.admin import skills
from crm.staff.admin import staff as service
from crm.staff.auth.capabilities import allow
from triage import specialties

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/staff/")
@allow("administer")
def staff_list():
    """Every staff account, searchable by name or username, filtered by role and state; 25 a page."""
    query = service.parse_query(request.args)
    page = bounded_int(request.args.get("page", 1), "page", 1, service.MAX_PAGE)
    rows, more = service.search(query, page)
    return render_template("admin/staff_list.html", rows=rows, more=more, page=page, query=query, roles=ROLES,
                           states=service.STATES, state_of=service.state_of, args=request.args)


@bp.route("/staff/new", methods=["GET", "POST"])
@allow("administer")
def staff_new():
    """The new-account form; a created account's generated password is shown on this answer, once."""
    form = request.form
    if request.method == "POST":
        try:
            staff, password = service.create(current_user, form.get("username", ""), form.get("role", ""),
                                             form.get("name"), _specialty(form), form.get("desk_phone"),
                                             form.get("password") or None, desk=form.get("desk"))
        except Refused as exc:
            db.session.rollback()
            return _form_page("admin/staff_new.html", exc, form=form, staff=None)
        db.session.commit()
        return render_template("admin/password_once.html", staff=staff, password=password, created=True)
    return _form_page("admin/staff_new.html", None, form=form, staff=None)


@bp.get("/staff/<int:staff_id>")
@allow("administer")
def staff_page(staff_id: int):
    """One account: details to edit, state, password, API tokens, and a doctor's duty schedule."""
    staff = load(StaffUser, staff_id, "staff member")
    return _staff_page(staff, None)


@bp.post("/staff/<int:staff_id>")
@allow("administer")
def staff_update(staff_id: int):
    """Save name, role, specialty, desk phone and a grievance officer's desk."""
    staff = load(StaffUser, staff_id, "staff member")
    form = request.form
    try:
        changes = service.update(current_user, staff, form.get("name"), form.get("role", ""), _specialty(form),
                                 form.get("desk_phone"), desk=form.get("desk"))
    except Refused as exc:
        db.session.rollback()
        return _staff_page(db.session.get(StaffUser, staff_id), exc, form=form)
    flash(f"Saved: {', '.join(k.replace('_', ' ') for k in changes)}." if changes else "Nothing changed.", "ok")
    return redirect(url_for(".staff_page", staff_id=staff_id), 303)


@bp.post("/staff/<int:staff_id>/skills")
@allow("administer")
def staff_skills(staff_id: int):
    """Save the languages they speak, the interpreter flag and how many texts they take at once."""
    staff = load(StaffUser, staff_id, "staff member")
    form = request.form
    try:
        changes = skills.set_skills(current_user, staff, form.getlist("languages"), form.get("interpreter") == "on",
                                    bounded_int(form.get("text_capacity", 3), "text_capacity", 0, skills.MAX_TEXTS))
    except Refused as exc:
        db.session.rollback()
        return _staff_page(db.session.get(StaffUser, staff_id), exc, form=form)
    flash(f"Saved: {', '.join(k.replace('_', ' ') for k in changes)}." if changes else "Nothing changed.", "ok")
    return redirect(url_for(".staff_page", staff_id=staff_id), 303)


def _specialty(form) -> str | None:
    # The form always sends the specialty list; it means something only for a doctor (a role changed from
    # doctor to operator leaves the old choice selected).
    return form.get("specialty") if form.get("role") == "doctor" else None


def _action(staff_id: int, act, done: str):
    staff = load(StaffUser, staff_id, "staff member")
    try:
        act(staff)
    except Refused as exc:
        db.session.rollback()
        return _staff_page(db.session.get(StaffUser, staff_id), exc)
    flash(done.format(name=staff.name), "ok")
    return redirect(url_for(".staff_page", staff_id=staff_id), 303)


@bp.post("/staff/<int:staff_id>/disable")
@allow("administer")
def staff_disable(staff_id: int):
    """Disable the account: its sessions and API tokens stop working at once."""
    return _action(staff_id, lambda s: service.disable(current_user, s),
                   "{name} is disabled: logged out everywhere, API tokens revoked.")


@bp.post("/staff/<int:staff_id>/enable")
@allow("administer")
def staff_enable(staff_id: int):
    """Let a disabled account log in again."""
    return _action(staff_id, lambda s: service.enable(current_user, s), "{name} can log in again.")


@bp.post("/staff/<int:staff_id>/logout-everywhere")
@allow("administer")
def staff_logout_everywhere(staff_id: int):
    """End every session of this staff member (a lost or shared device); the account stays usable."""
    return _action(staff_id, lambda s: service.log_out_everywhere(current_user, s),
                   "Every session of {name} has ended.")


@bp.post("/staff/<int:staff_id>/unlock")
@allow("administer")
def staff_unlock(staff_id: int):
    """Clear a lock after repeated wrong passwords."""
    return _action(staff_id, lambda s: service.unlock(current_user, s), "{name} is unlocked.")


@bp.post("/staff/<int:staff_id>/password")
@allow("administer")
def staff_password(staff_id: int):
    """Reset the password: a generated one shown once on this answer (or the one typed); sessions end."""
    staff = load(StaffUser, staff_id, "staff member")
    try:
        password, ended = service.reset_password(current_user, staff, request.form.get("password") or None)
    except Refused as exc:
        db.session.rollback()
        return _staff_page(db.session.get(StaffUser, staff_id), exc)
    db.session.commit()
    return render_template("admin/password_once.html", staff=staff, password=password, ended=ended, created=False)


@bp.post("/staff/<int:staff_id>/tokens/<int:token_id>/revoke")
@allow("administer")
def staff_revoke_token(staff_id: int, token_id: int):
    """Revoke one API token of this staff member at once."""
    return _action(staff_id, lambda s: service.revoke_token(current_user, s, token_id),
                   f"Token {token_id} of {{name}} is revoked: it no longer works anywhere.")


@bp.post("/staff/<int:staff_id>/schedule")
@allow("administer")
def staff_schedule(staff_id: int):
    """Open a doctor's appointment slots at a facility on one day."""
    form = request.form
    staff = load(StaffUser, staff_id, "staff member")
    try:
        minutes = bounded_int(form.get("minutes", "15"), "minutes", 5, 120)
        made = service.add_schedule(current_user, staff, optional_id(form.get("facility")), form.get("day", ""),
                                    form.get("start", ""), form.get("end", ""), minutes)
    except Refused as exc:
        db.session.rollback()
        return _staff_page(db.session.get(StaffUser, staff_id), exc, form=form)
    flash(f"{made} new slot{'s' if made != 1 else ''} for {staff.name} on {form.get('day')}." if made else
          "Those slots were already open: nothing new.", "ok")
    return redirect(url_for(".staff_page", staff_id=staff_id) + "#schedule", 303)


def _staff_page(staff: StaffUser, error: Refused | None, form=None):
    schedule = service.schedule_of(staff) if staff.role == "doctor" else []
    return _form_page("admin/staff_page.html", error, staff=staff, form=form or {}, state=service.state_of(staff),
                      tokens=service.tokens_of(staff), schedule=schedule, languages=skills.LANGUAGE_NAMES,
                      facilities=service.facilities() if staff.role == "doctor" else [])


def _form_page(template: str, error: Refused | None, **context):
    current = getattr(context.get("staff"), "role", None)
    roles = [r for r in ROLES if r not in service.APPOINTED_ON_SERVER or r == current]  # the others: command line only
    return render_template(template, error=error, roles=roles, specialties=specialties.REGISTRY,
                           desks=grievance_desks.choices(), **context), \
        (error.status if error else 200)
