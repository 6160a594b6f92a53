"""The floor's figures kept as sums (crm.helpline.supervisor.aggregates): per Delhi day, grouping and queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import JSON, BigInteger, Column, Date, Integer, String, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import UTCDateTime
from crm.platform.extensions import db

__all__ = ["KpiBasis", "KpiBucket", "KpiCase", "KpiEmergency", "KpiPending"]


class KpiPending(db.Model):
    """A case whose figures changed and are not yet counted again: written in the transaction that changed it. No
    key: a case marked twice is counted once, and a mark never waits for another transaction's mark."""

    __table__ = Table("kpi_pending", db.metadata, Column("case_id", Integer, nullable=False))
    __mapper_args__: ClassVar[dict] = {"primary_key": [__table__.c.case_id]}


class KpiCase(db.Model):
    """What one case adds to the buckets now (its parts), so a change can take the old share out exactly."""

    __tablename__ = "kpi_case"
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    parts: Mapped[list] = mapped_column(JSON, default=list)


class KpiBucket(db.Model):
    """The sums of the offers that entered a queue on one Delhi day, for one value of one grouping."""

    __tablename__ = "kpi_bucket"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)  # all, hour, agent, channel, language, ... case
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    queue: Mapped[str] = mapped_column(String(16), primary_key=True)  # '' for a case's figures (FCR, call-backs)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    within: Mapped[int] = mapped_column(Integer, default=0)
    wait_us: Mapped[int] = mapped_column(BigInteger, default=0)
    handle_n: Mapped[int] = mapped_column(Integer, default=0)
    handle_us: Mapped[int] = mapped_column(BigInteger, default=0)
    fcr_given: Mapped[int] = mapped_column(Integer, default=0)
    fcr_resolved: Mapped[int] = mapped_column(Integer, default=0)
    callbacks: Mapped[int] = mapped_column(Integer, default=0)
    fcr_last_created: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KpiEmergency(db.Model):
    """A case's emergency offer: its wait, for the time to doctor's median and 90th percentile of any group."""

    __tablename__ = "kpi_emergency"
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, index=True)
    wait_us: Mapped[int | None] = mapped_column(BigInteger)  # answered offers only
    groups: Mapped[dict] = mapped_column(JSONB, default=dict)  # a report reads one value of each row: binary


class KpiBasis(db.Model):
    """The thresholds the sums were counted under; other settings in force mean the sums must be rebuilt."""

    __tablename__ = "kpi_basis"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    settings: Mapped[dict] = mapped_column(JSON)
