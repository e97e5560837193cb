from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Level(StrEnum):
    available = "available"
    crowded = "crowded"
    nearly_full = "nearly_full"
    full = "full"
    closed = "closed"


class SpaceKind(StrEnum):
    """Sub-capacities: people in the accessible space (福祉避難スペース), animals in pet areas."""

    accessible = "accessible"
    pets = "pets"


class Space(BaseModel):
    kind: SpaceKind
    capacity: int
    occupancy: int
    vacancy: int = Field(description="max(capacity - occupancy, 0)")


class ShelterStatus(BaseModel):
    """A shelter as everyone may see it: counts and state, never a person."""

    id: str = Field(examples=["S01"])
    name: str
    name_en: str | None
    address: str
    lat: float
    lon: float
    capacity: int
    occupancy: int
    vacancy: int
    level: Level
    open: bool
    version: int
    updated_at: datetime
    # Spaces and outside (#16, #17).
    spaces: list[Space] = Field(
        default=[], description="Sub-capacities the shelter has ([] when none are set)"
    )
    outside: int = Field(
        default=0, description="People staying outside (car, tent, home): not in occupancy"
    )


class Totals(BaseModel):
    capacity: int
    occupancy: int
    vacancy: int


class Occupancy(BaseModel):
    as_of: datetime
    totals: Totals
    shelters: list[ShelterStatus]


class ShelterFlow(BaseModel):
    arrivals: list[int] = Field(description="People who arrived in each hour")
    departures: list[int] = Field(description="People who left in each hour")
    occupancy: list[int] = Field(description="People inside at the end of each hour")


class Flows(BaseModel):
    """Arrivals, departures and the occupancy trend, hour by hour (no personal data)."""

    as_of: datetime
    hours: list[datetime] = Field(description="The start of each hour, oldest first")
    shelters: dict[str, ShelterFlow]
