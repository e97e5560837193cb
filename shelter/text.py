"""Text rules shared by every request model: what a stored string may contain.

Lengths are set per field with ``Field(max_length=…)``; these types add what every field
needs: no control characters, NFC, trimmed, and (for ``RequiredLine``) not blank.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# Control characters and lone surrogates break CSV exports, terminals and PostgreSQL text.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError("contains control characters or line breaks; remove them")
    return unicodedata.normalize("NFC", value).strip()


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


Line = Annotated[str, AfterValidator(clean_text)]
RequiredLine = Annotated[str, AfterValidator(clean_text), AfterValidator(_not_blank)]


def spreadsheet_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: one starting with = + - @ would run as
    a formula in Excel (a shelter named "=HYPERLINK(…)"), so it gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
