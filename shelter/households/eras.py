"""Years of birth as people write them in Japan: 1948, 昭和23, S23, 昭和23年, 平成元年, and
any of these in full-width characters. Stored as the Western year, the one rule for both
pages and the API. A year in the future, or before 1900, is refused with words."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

# Era, its first Western year, and how many years it lasted (None: the present era).
ERAS: dict[str, tuple[int, int | None]] = {
    "明治": (1868, 45),
    "大正": (1912, 15),
    "昭和": (1926, 64),
    "平成": (1989, 31),
    "令和": (2019, None),
}
# Letters (S23) and kana (しょうわ23, as やさしい日本語 writes it) for the same eras.
_OTHER_NAMES = {
    "M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和",
    "めいじ": "明治", "たいしょう": "大正", "しょうわ": "昭和", "へいせい": "平成",
    "れいわ": "令和", "メイジ": "明治", "タイショウ": "大正", "ショウワ": "昭和",
    "ヘイセイ": "平成", "レイワ": "令和",
}  # fmt: skip
_ERA_YEAR = re.compile(
    r"^("
    + "|".join([*ERAS, *_OTHER_NAMES])
    + r")\.?(元|がん|\d{1,2})(年|ねん)?(生まれ|うまれ|生)?$"
)
_WESTERN = re.compile(r"^(\d{4})(年|ねん)?(生まれ|うまれ|生)?$")
EARLIEST = 1900


def western_year(value: object) -> int | None:
    """The Western year for what was typed, or None for nothing; ValueError says why not."""
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise ValueError("the year of birth must be a number like 1948 or 昭和23")
    if isinstance(value, int):
        year = value
    elif isinstance(value, str):
        text = re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).upper()
        if not text:
            return None
        year = _parse(text)
    else:
        raise ValueError("the year of birth must be a number like 1948 or 昭和23")
    this_year = datetime.now(UTC).year
    if year > this_year:
        raise ValueError("the year of birth is in the future; check it")
    if year < EARLIEST:
        raise ValueError(f"the year of birth is before {EARLIEST}; check it")
    return year


def _parse(text: str) -> int:
    if western := _WESTERN.fullmatch(text):
        return int(western.group(1))
    if era_year := _ERA_YEAR.fullmatch(text):
        era = _OTHER_NAMES.get(era_year.group(1), era_year.group(1))
        number = 1 if era_year.group(2) in ("元", "がん") else int(era_year.group(2))
        first, length = ERAS[era]
        if number < 1 or (length is not None and number > length):
            raise ValueError(f"{era} has no such year; check the year of birth")
        return first + number - 1
    # Never echo what was typed: an error body must not carry personal data.
    raise ValueError("not a year of birth; write it like 1948 or 昭和23")
