"""Read a shelter list in the Japanese municipal standard open-data layout.

The layout is 自治体標準オープンデータセット「指定緊急避難場所一覧」/「指定避難所一覧」.
Real files are messy (Shift_JIS or UTF-8, free-text capacities, full-width digits), so a bad
row is reported with a reason a municipal clerk can act on instead of rejecting the whole file.
No I/O here.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "OpenDataError",
    "ParsedList",
    "ShelterRow",
    "SkippedRow",
    "decode_csv_bytes",
    "parse_capacity",
    "parse_shelter_csv",
]

REQUIRED_COLUMNS = ("ID", "名称", "緯度", "経度", "想定収容人数")
ADDRESS_PART_COLUMNS = ("所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下")
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_CAPACITY = 1_000_000

_ID_RE = re.compile(r"[0-9A-Za-z_-]+")
# Thousands separators only between whole digit groups, so "1,37" or "12.5" is not misread.
_NUMBER = r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?![0-9]|[,.][0-9])"
_INDOOR_RE = re.compile(r"屋内\s*:?\s*(?:約\s*)?" + _NUMBER)
_PLAIN_RE = re.compile(r"\s*(?:約\s*)?" + _NUMBER + r"\s*[人名]?\s*")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# A line break typed inside a spreadsheet cell is layout, not content.
_CELL_BREAKS_RE = re.compile(r"[\r\n\t]+")


@dataclass(frozen=True)
class ShelterRow:
    row: int  # as a spreadsheet counts: header is row 1, first data row is row 2
    id: str
    name: str
    name_en: str | None
    address: str
    lat: float
    lon: float
    capacity: int  # indoor figure


@dataclass(frozen=True)
class SkippedRow:
    row: int
    reason: str


@dataclass(frozen=True)
class ParsedList:
    rows: list[ShelterRow]
    skipped: list[SkippedRow]


class OpenDataError(ValueError):
    """The whole file is unusable; the message says what to fix."""


def decode_csv_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), falling back to Shift_JIS as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # cp932 rather than shift_jis: Windows adds characters such as ① and ㈱ that clerks use.
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise OpenDataError(
            "The file is not readable text in UTF-8 or Shift_JIS; "
            "open it in a spreadsheet and save it as UTF-8 or Shift_JIS"
        ) from None


def parse_capacity(text: str) -> int | None:
    """Return the indoor capacity in free text such as '屋内1,371人／屋外5,470人', or None."""
    normalised = unicodedata.normalize("NFKC", text)
    if "屋内" in normalised:
        match = _INDOOR_RE.search(normalised)
    elif "屋外" in normalised:
        return None
    else:
        match = _PLAIN_RE.fullmatch(normalised)
    if match is None:
        return None
    digits = match.group(1).replace(",", "")
    # Checked before int(): Python refuses to convert very long digit strings.
    if len(digits) > len(str(MAX_CAPACITY)):
        return None
    value = int(digits)
    return value if value <= MAX_CAPACITY else None


def parse_shelter_csv(data: bytes) -> ParsedList:
    """Parse the file; each bad row is skipped with a reason, in file order."""
    text = decode_csv_bytes(data)
    if not text.strip():
        raise OpenDataError("The file is empty; export the shelter list with its header row")
    if "\x00" in text:
        raise OpenDataError(
            "The file contains NUL characters, so it is probably UTF-16 or a spreadsheet file; "
            "save it as CSV in UTF-8 or Shift_JIS"
        )
    records = _records(text)
    _, header = next(records, (1, []))
    columns = _find_columns(header)
    rows: list[ShelterRow] = []
    skipped: list[SkippedRow] = []
    first_row_of_id: dict[str, int] = {}
    for number, record in records:
        if not any(cell.strip() for cell in record):
            continue
        parsed = _parse_row(number, record, columns, first_row_of_id)
        if isinstance(parsed, ShelterRow):
            rows.append(parsed)
        else:
            skipped.append(parsed)
    return ParsedList(rows=rows, skipped=skipped)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    # Numbered by record, not by line, so a cell with a line break still counts as one row.
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 1
    try:
        for record in reader:
            yield number, record
            number += 1
    except csv.Error as exc:
        raise OpenDataError(
            f"Row {number} is not valid CSV ({exc}); check the quoting around that row"
        ) from None


def _find_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault(name.replace("\ufeff", "").strip(), index)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        found = ", ".join(name for name in columns if name)[:200]
        raise OpenDataError(
            f"The header row lacks the required column(s) {', '.join(missing)}; "
            f"the first line must name the columns (found: {found or 'nothing'})"
        )
    return columns


def _parse_row(
    number: int, record: list[str], columns: dict[str, int], first_row_of_id: dict[str, int]
) -> ShelterRow | SkippedRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        if index is None or index >= len(record):
            return ""
        return _CELL_BREAKS_RE.sub(" ", record[index]).strip()

    problems: list[str] = []

    row_id = unicodedata.normalize("NFKC", cell("ID")).strip()
    if not row_id:
        problems.append("ID is empty")
    elif len(row_id) > MAX_ID_LENGTH:
        problems.append(f"ID is longer than {MAX_ID_LENGTH} characters")
    elif not _ID_RE.fullmatch(row_id):
        problems.append(f"ID may only contain letters A-Z, digits, '_' and '-': {_quote(row_id)}")
    elif row_id in first_row_of_id:
        problems.append(f"ID {row_id} is already used by row {first_row_of_id[row_id]}")
    else:
        first_row_of_id[row_id] = number

    name = cell("名称")
    if not name:
        problems.append("名称 is empty")
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(f"名称 is longer than {MAX_NAME_LENGTH} characters")
    _check_text("名称", name, problems)

    name_en = cell("名称_英字")
    _check_text("名称_英字", name_en, problems)

    address = cell("所在地_連結表記") or "".join(cell(part) for part in ADDRESS_PART_COLUMNS)
    _check_text("所在地", address, problems)

    lat = _coordinate("緯度", cell("緯度"), 90, problems)
    lon = _coordinate("経度", cell("経度"), 180, problems)
    capacity = _capacity(cell("想定収容人数"), problems)

    if problems or lat is None or lon is None or capacity is None:
        return SkippedRow(row=number, reason="; ".join(problems))
    return ShelterRow(
        row=number,
        id=row_id,
        name=name,
        name_en=name_en or None,
        address=address,
        lat=lat,
        lon=lon,
        capacity=capacity,
    )


def _check_text(column: str, value: str, problems: list[str]) -> None:
    # Surrogates cannot come from decoding, but the check is cheap and guards the database.
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        problems.append(f"{column} contains a control character; retype it: {_quote(value)}")


def _coordinate(column: str, text: str, limit: int, problems: list[str]) -> float | None:
    normalised = unicodedata.normalize("NFKC", text).strip()
    if not normalised:
        problems.append(f"{column} is empty")
        return None
    if not _DECIMAL_RE.fullmatch(normalised):
        problems.append(f"{column} is not a decimal number of degrees: {_quote(text)}")
        return None
    value = float(normalised)
    if not -limit <= value <= limit:
        problems.append(f"{column} must be between -{limit} and {limit}: {_quote(text)}")
        return None
    return value


def _capacity(text: str, problems: list[str]) -> int | None:
    capacity = parse_capacity(text)
    if not text:
        problems.append("想定収容人数 is empty")
    elif capacity is None and "屋外" in text and "屋内" not in text:
        problems.append(f"想定収容人数 has no indoor figure: {_quote(text)}")
    elif capacity is None:
        problems.append(
            f"想定収容人数 has no number of people we can read (at most {MAX_CAPACITY:,}): "
            f"{_quote(text)}; write it like '屋内191人' or '191'"
        )
    elif capacity == 0:
        problems.append(
            f"想定収容人数 gives no indoor capacity (outdoor evacuation area only): {_quote(text)}"
        )
        return None
    return capacity


def _quote(value: str, limit: int = 60) -> str:
    # repr() makes stray control characters visible; long values are cut to keep reasons readable.
    return repr(value if len(value) <= limit else value[:limit] + "…")
