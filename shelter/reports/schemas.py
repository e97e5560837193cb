from __future__ import annotations

from datetime import date as date_type
from datetime import datetime

from pydantic import BaseModel, Field


class CountAt(BaseModel):
    time: str = Field(description="The time of day, Japan time (a setting), e.g. 06:00")
    at: datetime = Field(description="That moment, with its +09:00 offset")
    inside: int | None = Field(description="People inside then; null when it has not come yet")
    outside: int | None = Field(
        description="People of the shelter staying outside (car, tent, home) then"
    )


class Peak(BaseModel):
    people: int = Field(description="Most people inside at once that day (up to now, today)")
    at: datetime = Field(description="When that was first reached (+09:00)")


class DayFigures(BaseModel):
    """A day's figures for one shelter, or for all of them together."""

    in_use: bool = Field(description="Someone was inside or outside at some moment that day")
    counts: list[CountAt]
    peak: Peak
    arrivals: int = Field(description="People who checked in that day (not from another shelter)")
    departures: int = Field(description="People who checked out that day")
    moved_in: int = Field(description="People who came from another shelter that day")
    moved_out: int = Field(description="People who went to another shelter that day")
    households: int = Field(description="Households present at some moment that day")
    pets: int = Field(description="Their pets")
    care: dict[str, int] = Field(
        description="People present at some moment that day with each 要配慮者 need; "
        "elderly and infant also from the year of birth"
    )


class ShelterDay(DayFigures):
    id: str
    name: str
    capacity: int
    open: bool = Field(
        description="Open now (openings and closings are not logged, so for a past day "
        "this is today's state; in_use says whether it held anyone that day)"
    )


class DailyReport(BaseModel):
    """Every shelter's day, from the event log, for the prefecture's daily report."""

    date: date_type = Field(description="The day, in Japan time")
    timezone: str = "Asia/Tokyo"
    as_of: datetime
    times: list[str] = Field(description="The fixed times of day the counts are taken at")
    shelters: list[ShelterDay]
    total: DayFigures
