from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from shelter.households.eras import western_year
from shelter.text import RequiredLine

# A number, or the text a person typed (昭和23, S23, １９４８): always a Western year here.
RequiredBirthYear = Annotated[int, BeforeValidator(western_year)]


class InquiryIn(BaseModel):
    """Who is being looked for: the name as written, and the year of birth."""

    model_config = ConfigDict(extra="forbid")

    name: RequiredLine = Field(
        max_length=100,
        description="Full name in kanji or kana; spaces, full/half width, katakana or "
        "hiragana do not matter",
        examples=["芦北 花子", "あしきた はなこ"],
    )
    birth_year: RequiredBirthYear = Field(
        description="Western (1948) or Japanese era (昭和23, S23); must match exactly",
        examples=[1948, "昭和23"],
    )


class ShelterRef(BaseModel):
    id: str
    name: str


class InquiryAnswer(BaseModel):
    """``{"found": false}`` is the one answer for unknown, not in a shelter, or no consent."""

    found: bool
    shelter: ShelterRef | None = Field(
        default=None, description="Only with found: the shelter the person is in now"
    )

    def body(self) -> bytes:
        # Byte-for-byte the same "no" every time: no null shelter, no spacing differences.
        return self.model_dump_json(exclude_none=True).encode()
