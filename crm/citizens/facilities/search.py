"""Find a facility by what a resident knows of it: part of its name (English or Hindi), its area, address or pincode."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from crm.models import Facility
from crm.platform.extensions import db

MOST = 10
LONGEST = 60


def search(text: str, limit: int = MOST) -> list[Facility]:
    """Up to `limit` facilities whose name, Hindi name, ward, address, pincode or code contain every word of `text`,
    by name; nothing for fewer than two letters."""
    words = " ".join(str(text or "").split())[:LONGEST].lower().split()
    if not words or len("".join(words)) < 2:
        return []
    query = select(Facility)
    for word in words[:6]:
        like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(func.coalesce(column, "")).like(like, escape="\\") for column in (
            Facility.name, Facility.name_hi, Facility.ward, Facility.address, Facility.pincode, Facility.code,
            Facility.district))))
    return list(db.session.scalars(query.order_by(Facility.name, Facility.id).limit(max(1, min(limit, MOST)))))
