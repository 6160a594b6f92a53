"""Clinics and hospitals the helpline refers to, books into, and helps citizens find."""

from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.platform.extensions import db

FACILITY_KINDS = ("mohalla_clinic", "polyclinic", "dispensary", "hospital")


class Facility(db.Model):
    """A health facility of the city system, with where it is and when it is open."""

    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_hi: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    # For the facility finder (crm/citizens/facilities): where it is and when it is open (Delhi wall-clock times).
    ward: Mapped[str | None] = mapped_column(String(80), index=True)
    pincode: Mapped[str | None] = mapped_column(String(6), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    services: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # {"mon": [["08:00", "14:00"]], ..., "sun": []}: opening hours per weekday; {} means not known.
    timings: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
