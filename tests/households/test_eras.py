"""Years of birth as people write them in Japan, kept as the Western year."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shelter.households.eras import western_year


@pytest.mark.parametrize(
    ("typed", "year"),
    [
        (1948, 1948),
        ("1948", 1948),
        ("１９４８", 1948),
        ("昭和23", 1948),
        ("昭和23年", 1948),
        ("昭和23年生まれ", 1948),
        ("S23", 1948),
        ("s.23", 1948),
        ("Ｓ２３", 1948),
        ("しょうわ23", 1948),
        ("平成元年", 1989),
        ("H5", 1993),
        ("令和2", 2020),
        ("大正12", 1923),
        ("", None),
        (None, None),
    ],
)
def test_every_form_people_write_is_the_same_western_year(typed: object, year: int | None) -> None:
    """Era, letter, kana, full width, 元年: one Western year."""
    assert western_year(typed) == year


@pytest.mark.parametrize(
    "typed",
    [
        2099,
        "2099",
        f"令和{datetime.now(UTC).year - 2018 + 1}",
        "昭和65",
        "平成32",
        1850,
        "abc",
        True,
    ],
)
def test_years_that_cannot_be_a_birth_year_are_refused_in_words(typed: object) -> None:
    """The future, an era year that never was, before 1900, or not a year at all."""
    with pytest.raises(ValueError, match="year of birth") as refused:
        western_year(typed)
    assert "abc" not in str(refused.value)  # never echoes what was typed


def test_a_registration_with_a_future_year_is_a_422_and_stores_nothing(client) -> None:  # type: ignore[no-untyped-def]
    """The API refuses it like any bad field; an era year is stored as Western."""
    bad = client.post("/api/v1/households", json={"members": [{"name": "a", "birth_year": "2099"}]})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "birth_year"
    good = client.post(
        "/api/v1/households", json={"members": [{"name": "a", "birth_year": "昭和23"}]}
    )
    assert good.status_code == 201
