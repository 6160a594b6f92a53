"""Clinics and hospitals the helpline refers to and books into."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db

FACILITY_KINDS = ("mohalla_clinic", "polyclinic", "dispensary", "hospital")


class Facility(db.Model):
    """A health facility of the city system."""

    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_hi: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
