"""Every table, in one place. Request and response shapes live in each domain's schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shelter.db import UTCDateTime, utcnow


class Shelter(SQLModel, table=True):
    __tablename__ = "shelters"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    address: str = Field(default="", max_length=300)
    lat: float
    lon: float
    capacity: int = Field(ge=0)
    open: bool = True
    # Live count, changed only in the same transaction as the event that changes it.
    occupancy: int = 0
    # Sub-capacities (None: the shelter has no such space): people in its accessible space
    # (福祉避難スペース), animals in its pet area.
    accessible_capacity: int | None = Field(default=None, ge=0)
    pets_capacity: int | None = Field(default=None, ge=0)
    # Live counts like occupancy (kept even with no such space, so setting one is exact at
    # once): members inside with wheelchair or medical_care needs, pets of households
    # inside, and people staying outside (car, tent, home), who are never in occupancy.
    accessible_occupancy: int = 0
    pets_occupancy: int = 0
    outside: int = 0
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The forecast's window (occupancy/forecast.py): its count changes summed per minute
    # ([[unix_minute, delta], …]), and the last count change folded in. Kept by the write
    # path in the same transaction as the counts, so a status is still one row.
    trend: list[list[int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    trend_seq: int = 0


class Origin(StrEnum):
    """How a household record began (``Household.origin``); events and households read it."""

    self = "self"  # registered by the household (from home)
    staff = "staff"  # registered by staff or hq on its behalf
    walk_in = "walk_in"  # a headcount checked in at the door
    preprinted = "preprinted"  # a pass from a sheet HQ printed


class Household(SQLModel, table=True):
    __tablename__ = "households"

    id: str = Field(primary_key=True, max_length=32)
    pass_code: str = Field(unique=True, max_length=40)
    # No personal details: a walk-in group (a headcount only), a pre-printed pass nobody
    # has attached details to yet, or a household whose personal data was erased.
    anonymous: bool = False
    size: int
    pets: int = 0
    language: str | None = Field(default=None, max_length=35)
    phone: str | None = Field(default=None, max_length=30)
    # Where it will stay: shelter, home, car, relatives (None: not said).
    stay: str | None = Field(default=None, max_length=16)
    # Consent to disclose 安否 (safety) information to people who ask after them.
    consent_safety_info: bool = False
    # How the record began: self (registered from home), staff (at the door, on their
    # behalf), walk_in (a headcount at the door), preprinted (a pass from an HQ sheet).
    origin: str = Field(default=Origin.self.value, max_length=16)
    created_by: str | None = Field(default=None, max_length=32)  # token id, when not self
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Merged into another record of the same household: its pass checks that one in, and
    # its events count in that household's history. Always one hop (never a chain).
    merged_into: str | None = Field(default=None, index=True, max_length=32)
    # How many records were merged into this one (their events are part of its history).
    merged_records: int = 0
    # When its personal data was erased on request; the row and its events stay.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Where it is now, derived from its events in occurred_at order.
    shelter_id: str | None = Field(
        default=None, foreign_key="shelters.id", index=True, max_length=64
    )
    present: int = 0
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Where its present people stay now (shelter, car, tent, home; None when not in).
    present_stay: str | None = Field(default=None, max_length=16)
    # How many members need the accessible space (wheelchair or medical_care): a number
    # the counts follow, kept like size and pets when personal data is erased.
    accessible: int = 0


class Member(SQLModel, table=True):
    __tablename__ = "members"

    id: int | None = Field(default=None, primary_key=True)
    household_id: str = Field(foreign_key="households.id", index=True, max_length=32)
    position: int
    name: str = Field(max_length=100)
    name_kana: str | None = Field(default=None, max_length=100)
    birth_year: int | None = None
    sex: str | None = Field(default=None, max_length=20)
    needs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Event(SQLModel, table=True):
    """The append-only log. Rows are inserted, never updated or deleted."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_household_time", "household_id", "occurred_at"),)

    # Arrival order; breaks ties between events with the same occurred_at.
    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=36)
    request_hash: str = Field(max_length=64)
    shelter_id: str = Field(foreign_key="shelters.id", index=True, max_length=64)
    household_id: str = Field(foreign_key="households.id", max_length=32)
    kind: str = Field(max_length=16)
    headcount: int | None = None
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # What it did when it was applied (the answer a replay gets back).
    effect: str = Field(max_length=16)
    people: int
    moved_from: str | None = Field(default=None, max_length=64)
    over_capacity: bool = False
    # Where its people stay (shelter, car, tent, home): as sent, or the household's plan.
    stay: str = Field(default="shelter", max_length=16)
    token_id: str | None = Field(default=None, max_length=32)


class Token(SQLModel, table=True):
    __tablename__ = "tokens"

    id: str = Field(primary_key=True, max_length=32)
    # sha256 of the secret: a stolen database does not hand out working tokens.
    token_hash: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=16)
    shelter_id: str | None = Field(default=None, foreign_key="shelters.id", max_length=64)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The device holding it (a kiosk): when it last reported, and how many scans then
    # waited in its outbox. Nothing about where it is or who holds it.
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outbox: int | None = None


class Meta(SQLModel, table=True):
    """Facts about this database (when it was first started)."""

    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=500)


class CountChange(SQLModel, table=True):
    """How one event moved one shelter's count: the source of flows and trends.

    Append-only like the log it comes from; the sum of a shelter's deltas is its occupancy,
    and the sums of the other three columns are its other live counts.
    """

    __tablename__ = "count_changes"
    __table_args__ = (
        Index("ix_count_changes_time", "occurred_at"),
        # A shelter's changes since its trend's last fold (occupancy.fold_and_read).
        Index("ix_count_changes_shelter", "shelter_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # None: a correction that changed a household's size (or a merge), refolded at once.
    event_seq: int | None = Field(default=None, foreign_key="events.seq", index=True)
    shelter_id: str = Field(foreign_key="shelters.id", max_length=64)
    delta: int  # occupancy
    accessible_delta: int = 0
    pets_delta: int = 0
    outside_delta: int = 0
    occurred_at: datetime = Field(sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who read or changed personal data, and when. Never the personal data itself."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    token_id: str = Field(max_length=32)
    role: str = Field(max_length=16)
    action: str = Field(max_length=32)
    household_id: str | None = Field(default=None, index=True, max_length=32)
    shelter_id: str | None = Field(default=None, index=True, max_length=64)
    # A few words with no personal data (a CSV export, the other record of a merge).
    detail: str | None = Field(default=None, max_length=200)
