from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shelter.text import Line, RequiredLine

ID_PATTERN = r"^[0-9A-Za-z_-]{1,64}$"


class Spaces(BaseModel):
    """Sub-capacities; a kind left out is one the shelter does not have."""

    model_config = ConfigDict(extra="forbid")

    accessible: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="People in the accessible space (福祉避難スペース)",
    )
    pets: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Animals in the pet area"
    )


class ShelterBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: RequiredLine = Field(max_length=200, examples=["芦北町民総合センター"])
    name_en: Line | None = Field(default=None, max_length=200)
    address: Line = Field(default="", max_length=300)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    capacity: int = Field(ge=0, le=1_000_000, description="Indoor capacity in people")
    open: bool = True
    spaces: Spaces | None = Field(
        default=None, description='Sub-capacities, e.g. {"accessible": 20, "pets": 10}'
    )


class ShelterCreate(ShelterBase):
    id: str = Field(pattern=ID_PATTERN, examples=["S06"])


class ShelterUpdate(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: RequiredLine | None = Field(default=None, max_length=200)
    name_en: Line | None = Field(default=None, max_length=200)
    address: Line | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    open: bool | None = None
    spaces: Spaces | None = Field(
        default=None,
        description="Replaces every sub-capacity: a kind left out is removed ({} removes all)",
    )


class SkippedRow(BaseModel):
    row: int = Field(description="Spreadsheet row number (the header is row 1)")
    reason: str


class ImportResult(BaseModel):
    created: int
    updated: int
    skipped: list[SkippedRow]
    removed: list[str] = Field(
        default=[], description="Demo shelters deleted (replace_demo): not in the file, unused"
    )
    kept_demo: list[str] = Field(
        default=[], description="Demo shelters not in the file that stay: people used them"
    )
