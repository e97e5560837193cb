"""Tests for reading shelter lists in the municipal standard open-data layout."""

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shelter.shelters.opendata import (
    OpenDataError,
    ParsedList,
    ShelterRow,
    parse_capacity,
    parse_shelter_csv,
)

REFERENCE_CSV = Path(__file__).resolve().parents[3] / "shared/data/nanao-2024/reference_data.csv"
# 113 lines after the header, but one quoted cell (名称_英字 of CC0000000563) spans two lines.
REFERENCE_RECORDS = 112

HEADER = "ID,名称,名称_英字,所在地_連結表記,緯度,経度,想定収容人数"


def reference_bytes() -> bytes:
    if not REFERENCE_CSV.exists():
        pytest.skip(f"reference data not found at {REFERENCE_CSV}")
    return REFERENCE_CSV.read_bytes()


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def by_id(parsed: ParsedList) -> dict[str, ShelterRow]:
    return {row.id: row for row in parsed.rows}


def test_every_reference_row_is_either_parsed_or_skipped() -> None:
    """No row of the real Nanao list is silently lost."""
    parsed = parse_shelter_csv(reference_bytes())
    assert len(parsed.rows) + len(parsed.skipped) == REFERENCE_RECORDS


@pytest.mark.parametrize(
    ("shelter_id", "capacity"),
    [("CC0000000504", 191), ("CC0000000505", 1371), ("CC0000000506", 2736)],
)
def test_reference_rows_get_their_indoor_capacity(shelter_id: str, capacity: int) -> None:
    """Free-text capacities in the real list yield the indoor figure."""
    assert by_id(parse_shelter_csv(reference_bytes()))[shelter_id].capacity == capacity


def test_reference_rows_keep_their_coordinates_and_address() -> None:
    """A real row's position, address and English name come through unchanged."""
    row = by_id(parse_shelter_csv(reference_bytes()))["CC0000000504"]
    assert (row.row, row.lat, row.lon) == (2, 37.04826, 136.96136)
    assert row.name == "御祓地区コミュニティセンター"
    assert row.name_en == "misogichikukomyuniteisenta"
    assert row.address == "石川県七尾市一本杉町１２４"


def test_a_cell_with_a_line_break_counts_as_one_spreadsheet_row() -> None:
    """Row numbers match a spreadsheet even after a multi-line cell, whose break becomes a space."""
    rows = by_id(parse_shelter_csv(reference_bytes()))
    assert rows["CC0000000563"].row == 61
    assert rows["CC0000000563"].name_en == "wakuraonsenundokoen （tamokutekiguraundo、yottohaba）"
    assert rows["CC0000000564"].row == 62


def test_every_skipped_reference_row_has_a_reason() -> None:
    """A clerk is told why each real row was left out."""
    parsed = parse_shelter_csv(reference_bytes())
    assert parsed.skipped
    assert all(skipped.reason.startswith("想定収容人数") for skipped in parsed.skipped)


def test_outdoor_only_reference_rows_are_skipped_as_such() -> None:
    """A real row with 屋内0人 is skipped as an outdoor evacuation area."""
    parsed = parse_shelter_csv(reference_bytes())
    reasons = {skipped.row: skipped.reason for skipped in parsed.skipped}
    assert reasons[6] == (
        "想定収容人数 gives no indoor capacity (outdoor evacuation area only): "
        "'屋内0人／屋外9,700人(面積の1/2)'"
    )


def test_the_reference_list_in_shift_jis_parses_the_same() -> None:
    """A cp932 copy of the real list gives exactly the same result as the UTF-8 original."""
    data = reference_bytes()
    assert parse_shelter_csv(data.decode("utf-8").encode("cp932")) == parse_shelter_csv(data)


def test_the_reference_list_with_a_bom_parses_the_same() -> None:
    """A UTF-8 BOM (as Excel writes) changes nothing."""
    data = reference_bytes()
    assert parse_shelter_csv(b"\xef\xbb\xbf" + data) == parse_shelter_csv(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("屋内191人／屋外0人(面積の1/2)", 191),
        ("屋内1,371人／屋外5,470人（面積の1/2）", 1371),
        ("屋内2,736人屋外11,700人（面積の1/2）", 2736),
        ("屋外3,350人", None),
        ("200", 200),
        ("200人", 200),
        ("１，２００人", 1200),
        ("", None),
        ("約300人", 300),
        ("不明", None),
        ("屋内：５０人", 50),
        ("屋内 1,37人", None),
        ("1,000,001", None),
        ("1,000,000名", 1_000_000),
        ("200人と300人", None),
    ],
)
def test_parse_capacity_reads_the_indoor_figure(text: str, expected: int | None) -> None:
    """parse_capacity takes the indoor figure and returns None when there is none it can trust."""
    assert parse_capacity(text) == expected


def test_a_missing_required_header_is_a_file_error_naming_it() -> None:
    """A file without 緯度 and 経度 columns is rejected with both names in the message."""
    data = csv_bytes("ID,名称,想定収容人数", "A1,公民館,100")
    with pytest.raises(OpenDataError, match="緯度, 経度"):
        parse_shelter_csv(data)


def test_a_bad_latitude_skips_only_that_row() -> None:
    """An out-of-range 緯度 skips its row with a reason while its neighbours still parse."""
    parsed = parse_shelter_csv(
        csv_bytes(
            HEADER,
            "A1,第一公民館,,七尾市1,37.0,136.9,100",
            "A2,第二公民館,,七尾市2,137.0,136.9,100",
            "A3,第三公民館,,七尾市3,37.1,136.8,50",
        )
    )
    assert [row.id for row in parsed.rows] == ["A1", "A3"]
    assert [(s.row, s.reason) for s in parsed.skipped] == [
        (3, "緯度 must be between -90 and 90: '137.0'")
    ]


def test_full_width_digits_are_read_in_coordinates_and_capacity() -> None:
    """Full-width digits, points and commas in 緯度, 経度 and 想定収容人数 are understood."""
    parsed = parse_shelter_csv(
        csv_bytes(HEADER, "Ａ１,公民館,,七尾市,３７．０５,１３６．９６,１，２００人")
    )
    assert parsed.rows == [
        ShelterRow(
            row=2,
            id="A1",
            name="公民館",
            name_en=None,
            address="七尾市",
            lat=37.05,
            lon=136.96,
            capacity=1200,
        )
    ]


def test_a_duplicate_id_skips_the_later_row() -> None:
    """The second row using an ID is skipped and told which row used it first."""
    parsed = parse_shelter_csv(
        csv_bytes(HEADER, "A1,第一公民館,,,37.0,136.9,100", "A1,第二公民館,,,37.1,136.8,50")
    )
    assert [row.name for row in parsed.rows] == ["第一公民館"]
    assert [(s.row, s.reason) for s in parsed.skipped] == [(3, "ID A1 is already used by row 2")]


def test_columns_are_found_by_header_name_in_any_order() -> None:
    """Columns in another order, padded headers and split address columns still parse."""
    data = csv_bytes(
        " 想定収容人数 ,経度,所在地_市区町村,緯度,所在地_都道府県,名称,ID",
        "屋内80人,136.9,七尾市,37.0,石川県,公民館,A1",
    )
    row = parse_shelter_csv(data).rows[0]
    assert (row.id, row.name, row.address, row.lat, row.lon, row.capacity) == (
        "A1",
        "公民館",
        "石川県七尾市",
        37.0,
        136.9,
        80,
    )


def test_blank_lines_are_ignored_without_a_report() -> None:
    """Completely empty lines are neither rows nor skipped rows."""
    parsed = parse_shelter_csv(csv_bytes(HEADER, "", ",,,,,,", "A1,公民館,,,37.0,136.9,100"))
    assert [(row.row, row.id) for row in parsed.rows] == [(4, "A1")]
    assert parsed.skipped == []


def test_garbage_bytes_are_a_file_error_asking_for_utf8_or_shift_jis() -> None:
    """Bytes that are neither UTF-8 nor Shift_JIS reject the file with advice on how to save it."""
    with pytest.raises(OpenDataError, match="save it as UTF-8 or Shift_JIS"):
        parse_shelter_csv(b"ID,\x82\xff\x81 garbage\x9f\x00")


def test_an_empty_file_is_a_file_error() -> None:
    """A file with nothing but whitespace is rejected rather than read as zero shelters."""
    with pytest.raises(OpenDataError, match="empty"):
        parse_shelter_csv(b"\xef\xbb\xbf \r\n")


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_arbitrary_bytes_raise_nothing_but_open_data_error(data: bytes) -> None:
    """Whatever bytes arrive, the only possible failure is OpenDataError."""
    with contextlib.suppress(OpenDataError):
        parse_shelter_csv(data)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_rows_under_a_valid_header_are_parsed_or_skipped(body: str) -> None:
    """Any text under a valid header yields rows or skipped rows, or at worst OpenDataError."""
    data = (HEADER + "\n" + body).encode("utf-8", errors="surrogatepass")
    with contextlib.suppress(OpenDataError):
        parse_shelter_csv(data)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_capacity_never_raises(text: str) -> None:
    """parse_capacity returns a bounded count or None for any text."""
    capacity = parse_capacity(text)
    assert capacity is None or 0 <= capacity <= 1_000_000
