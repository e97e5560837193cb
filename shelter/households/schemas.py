from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shelter.text import Line, RequiredLine


class Need(StrEnum):
    """要配慮者 categories (Cabinet Office shelter guidelines)."""

    elderly = "elderly"
    disability = "disability"
    wheelchair = "wheelchair"
    pregnant = "pregnant"
    infant = "infant"
    chronic_illness = "chronic_illness"
    allergy = "allergy"
    medical_care = "medical_care"
    foreign_language = "foreign_language"
    other = "other"


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: RequiredLine = Field(max_length=100, examples=["芦北 花子"])
    name_kana: Line | None = Field(default=None, max_length=100, examples=["あしきた はなこ"])
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    sex: Line | None = Field(default=None, max_length=20)
    needs: list[Need] = Field(default_factory=list, max_length=len(Need))


class HouseholdCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[MemberIn] = Field(min_length=1, max_length=30)
    pets: int = Field(default=0, ge=0, le=50)
    language: str | None = Field(
        default="ja", pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$", examples=["ja"]
    )
    phone: str | None = Field(
        default=None, pattern=r"^\+?[0-9][0-9 ()-]{3,24}$", examples=["0966-82-2511"]
    )


class HouseholdCreated(BaseModel):
    household_id: str
    pass_code: str
    size: int


class MemberPublic(BaseModel):
    name: str
    name_kana: str | None
    birth_year: int | None
    sex: str | None
    needs: list[str]


class RosterEntry(BaseModel):
    household_id: str
    pass_code: str
    anonymous: bool
    size: int
    present: int = Field(description="How many of the household are inside now")
    since: datetime | None = Field(description="When the current stay began")
    pets: int
    language: str | None
    phone: str | None
    members: list[MemberPublic]


class Roster(BaseModel):
    shelter_id: str
    as_of: datetime
    households: int
    people: int
    entries: list[RosterEntry]


class ShelterNeeds(BaseModel):
    households: int
    people: int
    pets: int
    needs: dict[str, int] = Field(description="People inside with each 要配慮者 need")


class NeedsBreakdown(BaseModel):
    """Who needs special care, counted per shelter (counts only, for HQ)."""

    as_of: datetime
    shelters: dict[str, ShelterNeeds]
