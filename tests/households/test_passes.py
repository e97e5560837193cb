"""Pass codes: their shape and randomness, forgiving reading, and the QR image."""

from __future__ import annotations

import io
import math
import re

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from shelter import passes
from tests.conftest import make_household

CODE_RE = re.compile(r"^[0-9A-Z]{16,40}$")
# A code written with the look-alikes a person might type: O for 0, I and L for 1.
CANONICAL = "10ABCDEFGHJKMNPQRST0"
LOOKALIKE = "IOABCDEFGHJKMNPQRSTO"
# What a Japanese IME types for ASCII in full-width mode (U+FF01..U+FF5E).
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def decode_qr(png: bytes) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(Image.open(io.BytesIO(png))))


def test_new_codes_use_only_digits_and_upper_case_letters() -> None:
    """Every new code fits the contract's ^[0-9A-Z]{16,40}$."""
    for _ in range(200):
        assert CODE_RE.fullmatch(passes.new_code())


def test_codes_carry_at_least_80_bits_of_entropy_by_construction() -> None:
    """The alphabet size and code length give at least the declared bits, which are ≥ 80."""
    alphabet = set(passes.ALPHABET)
    assert len(alphabet) == len(passes.ALPHABET), "alphabet has repeated symbols"
    assert alphabet <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert passes.ENTROPY_BITS >= 80
    assert passes.LENGTH * math.log2(len(alphabet)) >= passes.ENTROPY_BITS
    assert all(len(passes.new_code()) == passes.LENGTH for _ in range(50))


def test_new_codes_draw_only_from_the_declared_alphabet() -> None:
    """Codes never contain a symbol outside ALPHABET, so the entropy figure holds."""
    seen = set("".join(passes.new_code() for _ in range(300)))
    assert seen <= set(passes.ALPHABET)


def test_a_thousand_new_codes_are_all_distinct() -> None:
    """1,000 fresh codes contain no repeat."""
    codes = [passes.new_code() for _ in range(1000)]
    assert len(set(codes)) == 1000


def test_normalize_keeps_a_canonical_code_as_it_is() -> None:
    """A code read back exactly as issued normalizes to itself."""
    code = passes.new_code()
    assert passes.normalize(code) == code


def test_normalize_undoes_lower_case() -> None:
    """A code typed in lower case is found."""
    code = passes.new_code()
    assert passes.normalize(code.lower()) == code


@pytest.mark.parametrize("separator", [" ", "-", "  ", " - ", "\u3000", "ー", "－"])
def test_normalize_removes_spaces_and_hyphens_between_groups(separator: str) -> None:
    """A code split into groups of four by spaces or (full-width) hyphens is found."""
    code = passes.new_code()
    grouped = separator.join(code[i : i + 4] for i in range(0, len(code), 4))
    assert passes.normalize(grouped) == code


def test_normalize_undoes_full_width_characters_as_a_japanese_ime_types_them() -> None:
    """A code typed in full-width letters and digits (e.g. ＡＢ１２) is found."""
    code = passes.new_code()
    typed = code.translate(FULL_WIDTH)
    assert typed != code and all(ord(c) > 0xFF00 for c in typed)
    assert passes.normalize(typed) == code


def test_normalize_undoes_full_width_lower_case_with_full_width_hyphens() -> None:
    """Full-width, lower case and full-width hyphens together still give the code."""
    code = passes.new_code()
    typed = "-".join(code[i : i + 5] for i in range(0, len(code), 5)).lower().translate(FULL_WIDTH)
    assert passes.normalize(typed) == code


@pytest.mark.parametrize("typed", [LOOKALIKE, LOOKALIKE.lower(), "LOABCDEFGHJKMNPQRSTo"])
def test_normalize_reads_o_as_zero_and_i_or_l_as_one(typed: str) -> None:
    """The look-alikes O→0 and I, L→1 are undone, in either case."""
    assert passes.normalize(typed) == CANONICAL


@given(
    st.text(alphabet=passes.ALPHABET, min_size=20, max_size=20),
    st.lists(st.sampled_from(["", " ", "-", "ー"]), min_size=20, max_size=20),
    st.lists(st.booleans(), min_size=20, max_size=20),
)
def test_normalize_undoes_any_mix_of_case_and_separators(
    code: str, separators: list[str], lower: list[bool]
) -> None:
    """Whatever mix of case and separators a person types, the code comes back."""
    typed = "".join(
        (c.lower() if low else c) + sep for c, sep, low in zip(code, separators, lower, strict=True)
    )
    assert passes.normalize(typed) == code


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "ABC123",  # too short
        "A" * 41,  # too long
        "ABCD#EFGH$JKMN%PQRS",
        "避難所パスコードです避難所パスコードです",
        "ABCDEFGHJKMNPQRS\U0001f600",
        "ABCDEFGH.JKMNPQRST",
        "https://example.org/ABCDEFGHJK",
        "ABCDEFGHJK\x00MNPQRSTV",
    ],
)
def test_normalize_turns_garbage_into_none(garbage: str) -> None:
    """Text that cannot be a pass code normalizes to None."""
    assert passes.normalize(garbage) is None


def test_a_household_with_one_member_giving_only_a_name_registers(client: TestClient) -> None:
    """POST /api/v1/households with just a name answers 201 and size 1."""
    response = client.post("/api/v1/households", json={"members": [{"name": "芦北 花子"}]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["size"] == 1
    assert CODE_RE.fullmatch(body["pass_code"])
    assert body["household_id"]


def test_the_registration_answer_holds_no_personal_data(client: TestClient) -> None:
    """The member's name, kana, birth year and the phone appear nowhere in the answer."""
    response = client.post(
        "/api/v1/households",
        json={
            "members": [
                {"name": "水俣 一郎", "name_kana": "みなまた いちろう", "birth_year": 1937}
            ],
            "phone": "0966-82-2511",
        },
    )
    assert response.status_code == 201, response.text
    text = response.text
    for private in ("水俣", "一郎", "みなまた", "1937", "0966", "82-2511", "09668225"):
        assert private not in text
    assert set(response.json()) == {"household_id", "pass_code", "size"}


def test_pass_codes_from_registration_differ_between_households(client: TestClient) -> None:
    """Two households registered alike still get different pass codes."""
    codes = {make_household(client, size=1)["pass_code"] for _ in range(20)}
    assert len(codes) == 20


def test_the_pass_png_is_served_as_image_png(client: TestClient) -> None:
    """GET /api/v1/passes/{code}.png answers 200 with an image/png PNG body."""
    code = make_household(client)["pass_code"]
    response = client.get(f"/api/v1/passes/{code}.png")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_pass_qr_decodes_to_exactly_the_code(client: TestClient) -> None:
    """An ordinary QR decoder (zxing-cpp) reads one QR code whose text is the pass code."""
    code = make_household(client)["pass_code"]
    found = decode_qr(client.get(f"/api/v1/passes/{code}.png").content)
    assert len(found) == 1
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    assert found[0].text == code


def test_the_pass_qr_carries_nothing_but_the_code(client: TestClient) -> None:
    """The QR text is the code itself: no name or phone hidden in it."""
    response = client.post(
        "/api/v1/households",
        json={"members": [{"name": "田浦 次郎"}], "phone": "090-1234-5678"},
    )
    code = response.json()["pass_code"]
    (barcode,) = decode_qr(client.get(f"/api/v1/passes/{code}.png").content)
    assert barcode.text == code
    assert "田浦" not in barcode.text and "1234" not in barcode.text


def test_the_pass_qr_is_served_for_a_code_asked_in_lower_case(client: TestClient) -> None:
    """A lower-case code in the URL still gets the QR of the canonical code."""
    code = make_household(client)["pass_code"]
    response = client.get(f"/api/v1/passes/{code.lower()}.png")
    assert response.status_code == 200
    (barcode,) = decode_qr(response.content)
    assert barcode.text == code


@pytest.mark.parametrize("code", ["ZZZZZZZZZZZZZZZZZZZZ", "not-a-code", "0"])
def test_the_pass_png_of_an_unknown_code_is_404(client: TestClient, code: str) -> None:
    """A code no household holds (or that cannot be one) answers 404 with JSON."""
    make_household(client)
    response = client.get(f"/api/v1/passes/{code}.png")
    assert response.status_code == 404
    assert response.json()["detail"]
