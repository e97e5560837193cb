from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from shelter.events.timeline import Effect
from shelter.occupancy.schemas import ShelterStatus, SpaceKind


class Kind(StrEnum):
    check_in = "check_in"
    check_out = "check_out"


class Stay(StrEnum):
    """Where the people of a check-in stay: inside, or outside (counted, taking no space)."""

    shelter = "shelter"
    car = "car"
    tent = "tent"
    home = "home"


class EventIn(BaseModel):
    event_id: UUID = Field(description="Chosen by the client; a retry sends the same one")
    shelter_id: str = Field(min_length=1, max_length=64, examples=["S01"])
    kind: Kind
    pass_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="The household's pass; null for a walk-in group with no pass",
    )
    headcount: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="How many people; null with a pass means the whole household",
    )
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened at the door, with offset; null means now"
    )
    stay: Stay | None = Field(
        default=None,
        description=(
            "Where they stay: shelter (inside), or car, tent, home (outside: counted in "
            "`outside`, never in occupancy). Null: the household's planned stay, else shelter. "
            "A check-in with another stay for a household already here moves it inside or out."
        ),
    )

    @field_validator("occurred_at")
    @classmethod
    def _representable_in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("occurred_at is out of range; check the kiosk's clock") from None


class EventResult(BaseModel):
    event_id: UUID
    effect: Effect
    people: int = Field(description="How many people this event moved in or out")
    pass_code: str | None = Field(description="The pass of the household (new for a walk-in)")
    household_size: int
    over_capacity: bool = Field(
        description="It stays inside, and this shelter, or the kind of space it needs, is over"
    )
    stay: Stay = Field(description="Where its people stay (as sent, or the household's plan)")
    spaces_full: list[SpaceKind] = Field(
        default=[],
        description="The kinds of space it needs that are full here (accessible, pets)",
    )
    shelter: ShelterStatus
    alternatives: list[ShelterStatus] = Field(
        description=(
            "Nearest open shelters with room for it (and of the kind of space it needs), "
            "when this one, or that space, is full or closed"
        )
    )


class EventBatch(BaseModel):
    events: list[Any] = Field(
        max_length=500,
        description="Up to 500 events shaped like POST /api/v1/events; each stands alone",
    )


class BatchStatus(StrEnum):
    applied = "applied"
    duplicate = "duplicate"
    rejected = "rejected"
    # Not looked at: this upload spent the kiosk's allowance of unknown pass codes. Nothing
    # was stored; send it again after Retry-After (the kiosk keeps it in its outbox).
    deferred = "deferred"


class BatchItem(BaseModel):
    event_id: str | None
    status: BatchStatus
    reason: str | None = None
    code: str | None = Field(default=None, description="Why it was rejected, for programs")
    effect: Effect | None = None
    pass_code: str | None = None


class BatchResult(BaseModel):
    results: list[BatchItem]
