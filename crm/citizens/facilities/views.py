"""The facility finder's pages: the public mobile page /facilities and the operators' API."""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, render_template, request

from crm.citizens.facilities import areas, finder, maps, timings
from crm.citizens.facilities.finder import Found
from crm.citizens.facilities.words import NAMES, PAGE, kind_label, opening_day, phone_display, service_label
from crm.models.base import utcnow
from crm.platform import phones
from crm.platform.errors import Refused
from crm.platform.extensions import limiter
from crm.staff.auth.access import public
from crm.staff.auth.capabilities import allow

bp = Blueprint("facilities", __name__)
api = Blueprint("facilities_api", __name__, url_prefix="/api/v1/facilities")
LANG_COOKIE = "sampark_lang"
MAX_QUERY = 60


def page_language() -> str:
    """?lang= (remembered in a cookie), else the cookie, else the browser's preference between hi and en."""
    asked = request.args.get("lang")
    if asked in PAGE:
        return asked
    if request.cookies.get(LANG_COOKIE) in PAGE:
        return request.cookies[LANG_COOKIE]
    return request.accept_languages.best_match(["hi", "en", "pa", "ur"], default="hi")


def found_json(found: Found, lang: str = "en") -> dict:
    """One result for the API and the pages: what, where, how far, open or when it opens."""
    f, week = found.facility, found.facility.timings or {}
    return {"id": f.id, "code": f.code, "name": f.name, "name_hi": f.name_hi, "kind": f.kind,
            "kind_label": kind_label(f.kind, lang), "ward": f.ward, "pincode": f.pincode, "address": f.address,
            "phone": f.phone, "phone_display": phone_display(f.phone), "phone_international": phones.display(f.phone),
            "landline": bool(f.phone) and not phones.can_receive_sms(f.phone), "lat": f.lat, "lon": f.lon, "km": found.km, "open_now": found.open_now,
            "closes_at": found.closes_at, "always_open": timings.always_open(week),
            "opens": {"day": found.opens.day, "time": found.opens.time, "in_days": found.opens.ahead,
                      "day_label": opening_day(found.opens, lang)} if found.opens else None,
            "services": [{"code": s, "label": service_label(s, lang)} for s in f.services or []],
            "today": [f"{a}-{b}" for a, b in timings.today(week, utcnow())],
            "map_url": maps.map_url(f), "directions_url": maps.directions_url(f)}


def _search(text: str, kind: str, limit: int, near: str = "") -> tuple[areas.Place | None, list[Found]]:
    if len(text) > MAX_QUERY or len(near) > MAX_QUERY:
        raise Refused("too_long", f"Name a pincode or ward in under {MAX_QUERY} characters.", 422)
    if kind not in finder.KIND_CHOICES:
        raise Refused("bad_kind", "kind must be any, clinic or hospital.", 422)
    place = finder.place_at(near) if near and not text else finder.place_for(text) if text else None
    return place, (finder.nearest(place, utcnow(), limit, finder.KIND_CHOICES[kind]) if place else [])


@bp.get("/facilities")
@public
@limiter.limit("120 per minute")
def finder_page():
    """The public finder: nearest open facilities for a pincode or ward, or where the citizen stands (`near`, from
    their browser's geolocation, on our own server only), mobile-first, in Delhi's four languages."""
    lang = page_language()
    text = request.args.get("q", "").strip()[:MAX_QUERY]
    near = request.args.get("near", "").strip()[:MAX_QUERY]
    kind = request.args.get("kind", "any")
    kind = kind if kind in finder.KIND_CHOICES else "any"
    place, found = _search(text, kind, 6, near)  # a typed place wins over the position
    now = utcnow()
    response = make_response(render_template(
        "facilities/index.html", t=PAGE[lang], lang=lang, q=text, near="" if text else near, kind=kind, place=place,
        results=[found_json(f, lang) for f in found], wards=areas.wards(), names=NAMES, now=now))
    if request.args.get("lang") in PAGE:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@api.get("/nearest")
@allow("read_cases")
def nearest():
    """The nearest facilities to `place` (pincode or ward), open now first; `kind` any, clinic or hospital."""
    text = request.args.get("place", "").strip()
    if not text:
        raise Refused("no_place", "Give a pincode or ward (place=).", 422)
    limit = request.args.get("limit", 5, type=int) or 5
    place, found = _search(text, request.args.get("kind", "any"), max(1, min(limit, finder.MAX_RESULTS)))
    if place is None:
        raise Refused("unknown_place", f"No pincode or ward called {text!r} is known.", 404)
    return jsonify(place={"kind": place.kind, "code": place.code, "name": place.name, "name_hi": place.name_hi},
                   facilities=[found_json(f) for f in found])
