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


class Forecast(BaseModel):
    """Where the count is heading, from the net arrivals of a recent window."""

    net_per_hour: float = Field(
        default=0.0,
        examples=[42.0],
        description="Net arrivals per hour (arrivals minus departures) over the last "
        "SHELTER_FORECAST_WINDOW_MINUTES, by when they happened at the door",
    )
    full_at: datetime | None = Field(
        default=None,
        examples=["2026-11-22T10:40:00+09:00"],
        description="When the shelter fills at that rate (Japan time); null when it is not "
        "filling, is closed or already full, or would fill only beyond "
        "SHELTER_FORECAST_HORIZON_HOURS",
    )


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
    forecast: Forecast = Field(default_factory=Forecast)
    # Spaces and outside (#16, #17).
    spaces: list[Space] = Field(
        default=[], description="Sub-capacities the shelter has ([] when none are set)"
    )
    outside: int = Field(
        default=0, description="People staying outside (car, tent, home): not in occupancy"
    )


class Totals(BaseModel):
    """Across shelters; they add up: occupancy = capacity - vacancy + over + in_closed."""

    capacity: int = Field(description="Capacity of the open shelters")
    occupancy: int = Field(description="People inside every shelter, open or closed")
    vacancy: int = Field(description="Places left in the open shelters")
    over: int = Field(default=0, description="People beyond capacity in open shelters")
    in_closed: int = Field(default=0, description="People inside shelters that are closed")


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
