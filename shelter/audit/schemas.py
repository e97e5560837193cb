from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Action(StrEnum):
    """What was done to personal data."""

    roster = "roster"  # a shelter's roster read (JSON or CSV)
    read = "read"  # one household's record read
    card = "card"  # a pass card printed with the household's name
    register = "register"  # a household registered by staff or hq on its behalf
    correct = "correct"  # a record's details replaced
    merge = "merge"  # another record merged into this one
    merged_away = "merged_away"  # this record merged into another
    erase = "erase"  # a household's personal data erased
    sheet = "sheet"  # a sheet of pre-printed passes made
    safety_inquiry = "safety_inquiry"  # a public 安否 inquiry answered (never the name asked)
    lookup = "lookup"  # the desk looked a household up by a name and year of birth
    lookup_check_in = "lookup_check_in"  # a household found so was checked in at the desk


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    token_id: str = Field(description="The token that did it ('admin' for SHELTER_ADMIN_TOKEN)")
    role: str
    action: Action
    household_id: str | None
    shelter_id: str | None
    detail: str | None = Field(description="A few words with no personal data")
