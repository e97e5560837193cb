from __future__ import annotations

from datetime import date as date_type
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from shelter.households.eras import western_year
from shelter.tables import Origin
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


class Stay(StrEnum):
    """Where the household will stay (避難先)."""

    shelter = "shelter"
    home = "home"
    car = "car"
    relatives = "relatives"


# A request may send a number or the text a person typed (昭和23); what is kept is an int.
BirthYear = Annotated[int | None, BeforeValidator(western_year)]


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: RequiredLine = Field(max_length=100, examples=["芦北 花子"])
    name_kana: Line | None = Field(default=None, max_length=100, examples=["あしきた はなこ"])
    birth_year: BirthYear = Field(
        default=None,
        description="Western (1948) or Japanese era (昭和23, S23, 平成元年); stored as Western",
        examples=[1948, "昭和23"],
    )
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
    stay: Stay | None = Field(default=None, description="Where the household will stay")
    consent_safety_info: bool = Field(
        default=False, description="May 安否 (safety) information be given to those who ask"
    )
    size: int | None = Field(
        default=None,
        ge=1,
        le=30,
        description="Staff and hq only: how many people, when more than the names given (a "
        "family of 5 with two names now). Default, and always from home: the number of members.",
    )

    @model_validator(mode="after")
    def _size_covers_members(self) -> Self:
        if self.size is not None and self.size < len(self.members):
            raise ValueError(
                f"size {self.size} is fewer than the {len(self.members)} members listed"
            )
        return self


class HouseholdUpdate(HouseholdCreate):
    """Every detail of a household, replacing what it had (staff and hq)."""

    size: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="How many people, when more than the members listed (a group where only "
        "some gave names). Default: the number of members; for a record that had no details "
        "(a walk-in or a pre-printed pass), never fewer than the people it already counted.",
    )


class SamePerson(BaseModel):
    """One member of the other record who is the same person as one of the kept record's."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: int = Field(alias="from", ge=0, lt=30, description="Index in the other record")
    into: int = Field(ge=0, lt=30, description="Index in the kept record")


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_household_id: str = Field(
        min_length=1,
        max_length=32,
        description="The other record of the same household; it is merged into this one",
    )
    same: list[SamePerson] = Field(
        default_factory=list,
        max_length=30,
        description="Members of the other record who are the same person as a member of this "
        "one: they are not listed or counted again (the kept member takes the details it lacks)",
    )

    @model_validator(mode="after")
    def _one_to_one(self) -> MergeRequest:
        froms = [pair.from_ for pair in self.same]
        intos = [pair.into for pair in self.same]
        if len(set(froms)) != len(froms) or len(set(intos)) != len(intos):
            raise ValueError("same: each member may be matched with only one other member")
        return self


class PassSheetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=200, description="How many new pre-printed passes")


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
    stay: Stay | None = None
    consent_safety_info: bool = False
    erased: bool = Field(default=False, description="Its personal data was erased")
    members: list[MemberPublic]


class HouseholdRecord(BaseModel):
    """One household as staff of its shelter and hq see it."""

    household_id: str
    pass_code: str
    origin: Origin
    anonymous: bool = Field(description="No personal details (walk-in, blank pass, erased)")
    size: int
    pets: int
    language: str | None
    phone: str | None
    stay: Stay | None
    consent_safety_info: bool
    members: list[MemberPublic]
    shelter_id: str | None = Field(description="The shelter it is in now")
    present: int
    since: datetime | None
    created_at: datetime
    merged_into: str | None = Field(
        description="Set when this record was merged into another: its pass checks that "
        "one in, and its details live there"
    )
    merged_records: int = Field(description="How many other records were merged into this one")
    erased_at: datetime | None = Field(description="When its personal data was erased")


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
    # A person with two needs counts once here (twice in `needs`): what HQ's "sudden jump in
    # people who need care" alert watches.
    with_needs: int = Field(default=0, description="People inside with at least one need")


class NeedsBreakdown(BaseModel):
    """Who needs special care, counted per shelter (counts only, for HQ)."""

    as_of: datetime
    shelters: dict[str, ShelterNeeds]


class Departure(BaseModel):
    """One check-out or move away from a shelter."""

    at: datetime = Field(description="When it happened, in Japan time (+09:00)")
    kind: Literal["checked_out", "moved"]
    to_shelter_id: str | None = Field(description="Where a move went")
    people: int = Field(description="How many of the household left")
    household_id: str
    pass_code: str
    anonymous: bool
    size: int
    erased: bool = Field(description="Its personal data was erased")
    members: list[MemberPublic]


class Departures(BaseModel):
    shelter_id: str
    date: date_type = Field(description="The day, in Japan time")
    households: int
    people: int
    entries: list[Departure]


def _required_year(value: object) -> int:
    year = western_year(value)
    if year is None:
        raise ValueError("give the year of birth, like 1948 or 昭和23")
    return year


class LookupQuery(BaseModel):
    """What the person at the desk says: one member's full name and year of birth."""

    model_config = ConfigDict(extra="forbid")

    name: RequiredLine = Field(
        max_length=100,
        description="One member's full name, in kanji or kana (spaces and width do not matter)",
        examples=["芦北 花子", "あしきた はなこ"],
    )
    birth_year: Annotated[int, BeforeValidator(_required_year)] = Field(
        description="That member's year of birth: Western (1948) or era (昭和23, S23)",
        examples=[1948, "昭和23"],
    )


class LookupCheckIn(LookupQuery):
    """Check in a household the lookup found: the same name and year again, and its id."""

    household_id: str = Field(min_length=1, max_length=32)
    event_id: UUID = Field(description="Chosen by the desk; a retry sends the same one")


class LookupMatch(BaseModel):
    """A household with a member of exactly that name and year: no names, no other data."""

    household_id: str
    size: int = Field(description="How many people the household registered")
    registered_at: datetime
    here: bool = Field(description="It is checked in at this shelter now")


class LookupResult(BaseModel):
    found: bool
    matches: list[LookupMatch] = Field(
        description="Usually one; more when the same person was registered twice"
    )
