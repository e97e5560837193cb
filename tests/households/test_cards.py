"""Pass cards and sheets: drawn, then read back as a scanner would (zxing-cpp, PDFium)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image, ImageChops

from shelter import passes
from shelter.households import cards
from tests.conftest import HQ, event, make_household, make_token

CODE = "10ABCDEFGHJKMNPQRST0"


def decoded(image: Image.Image) -> list[str]:
    return sorted(barcode.text for barcode in zxingcpp.read_barcodes(image))


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def pdf_pages(data: bytes, dpi: int = 150) -> list[Image.Image]:
    """Each page of a PDF rendered back to an image by PDFium (what Chrome prints with)."""
    document = pypdfium2.PdfDocument(data)
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in document]
    finally:
        document.close()


def test_a_card_decodes_to_exactly_its_code() -> None:
    """The card's QR reads back as the pass code and nothing else."""
    assert decoded(png(cards.card_png(CODE, name="芦北 花子"))) == [CODE]


def test_the_code_is_printed_in_groups_of_four() -> None:
    """People type what they read: 20 symbols in five groups of four."""
    assert cards.grouped(CODE) == "10AB CDEF GHJK MNPQ RST0"


def test_a_card_with_a_name_differs_from_one_without_only_beside_the_qr() -> None:
    """The name is drawn in the right-hand column; the QR and the code are the same."""
    named = png(cards.card_png(CODE, name="芦北 花子")).convert("L")
    plain = png(cards.card_png(CODE)).convert("L")
    box = ImageChops.difference(named, plain).getbbox()
    assert box is not None
    left, top, _right, bottom = box
    assert left > 560 and bottom < 700 and top > 100


def test_a_long_name_is_shrunk_to_fit_and_the_card_still_decodes() -> None:
    """Forty characters of name never push into the QR or past the card."""
    image = png(cards.card_png(CODE, name="長" * 40))
    assert image.size == (1200, 800)
    assert decoded(image) == [CODE]


def test_the_japanese_font_is_found_without_any_setting() -> None:
    """With no setting, the packaged or a system Noto Sans CJK font is used."""
    cards.font_path.cache_clear()
    path = cards.font_path(None)
    assert path is not None and path.is_file()


def test_the_card_font_setting_wins(tmp_path: Path) -> None:
    """A configured font file is used before any other."""
    found = cards.font_path(None)
    assert found is not None
    configured = tmp_path / "chosen.otf"
    configured.symlink_to(found)
    assert cards.font_path(configured) == configured


def test_without_any_cjk_font_cards_still_render_in_english(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No packaged or system font: the card is drawn in English and still decodes."""
    monkeypatch.setattr(cards, "PACKAGED_FONT", ("no_such_font_package", "x.otf"))
    monkeypatch.setattr(cards, "SYSTEM_FONTS", ())
    cards.font_path.cache_clear()
    try:
        assert cards.font_path(tmp_path / "missing.ttf") is None
        assert decoded(png(cards.card_png(CODE, font=tmp_path / "missing.ttf"))) == [CODE]
        pages = cards.draw_sheet([CODE], font=tmp_path / "missing.ttf")
        assert decoded(pages[0]) == [CODE]
    finally:
        cards.font_path.cache_clear()


def test_a_sheet_of_eleven_is_two_a4_pages_whose_qrs_all_decode() -> None:
    """Eleven codes: two A4 pages (8 + 3), every QR read back from the rendered PDF."""
    codes = [passes.new_code() for _ in range(11)]
    data = cards.sheet_pdf(codes)
    assert data.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(data)
    sizes = [document[i].get_size() for i in range(len(document))]
    document.close()
    assert len(sizes) == 2
    for width, height in sizes:  # A4 is 595 x 842 points
        assert abs(width - 595.3) < 1 and abs(height - 841.9) < 1
    pages = pdf_pages(data)
    assert decoded(pages[0]) == sorted(codes[:8])
    assert decoded(pages[1]) == sorted(codes[8:])


# -- the HTTP side ---------------------------------------------------------------------------


def test_the_public_card_has_the_pass_and_no_name(client: TestClient) -> None:
    """GET /passes/{code}/card.png is the card without a name, for anyone with the code."""
    household = make_household(client, size=1)
    response = client.get(f"/api/v1/passes/{household['pass_code']}/card.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = png(response.content)
    assert decoded(image) == [household["pass_code"]]
    expected = png(cards.card_png(household["pass_code"]))
    assert ImageChops.difference(image.convert("L"), expected.convert("L")).getbbox() is None


def test_the_public_card_of_an_unknown_pass_is_404(client: TestClient) -> None:
    """An unknown code has no card."""
    assert client.get(f"/api/v1/passes/{CODE}/card.png").status_code == 404


def test_the_staff_card_carries_the_household_name(client: TestClient) -> None:
    """The card staff print is the name-bearing layout, and decodes to the household's pass."""
    household = make_household(client, size=2)
    response = client.get(f"/api/v1/households/{household['household_id']}/card.png", headers=HQ)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    image = png(response.content)
    assert decoded(image) == [household["pass_code"]]
    expected = png(cards.card_png(household["pass_code"], name="避難 太郎0 ほか1名"))
    assert ImageChops.difference(image.convert("L"), expected.convert("L")).getbbox() is None


def test_a_sheet_from_hq_is_an_a4_pdf_of_new_passes_that_check_in(client: TestClient) -> None:
    """POST /passes/sheet: a PDF with X-Pass-Count; each QR read back is a working pass."""
    response = client.post("/api/v1/passes/sheet", json={"count": 10}, headers=HQ)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-pass-count"] == "10"
    codes = [code for page in pdf_pages(response.content) for code in decoded(page)]
    assert len(codes) == len(set(codes)) == 10
    kiosk = make_token(client, role="kiosk", shelter_id="S01")
    for code in codes[:3]:
        scanned = client.post("/api/v1/events", json=event("S01", pass_code=code), headers=kiosk)
        assert scanned.status_code == 201
        assert scanned.json()["people"] == 1


@pytest.mark.parametrize("count", [0, 201, "ten", None])
def test_a_sheet_of_a_bad_size_is_422_and_makes_no_passes(
    client: TestClient, count: object
) -> None:
    """count outside 1..200 is refused with 422 and creates nothing."""
    response = client.post("/api/v1/passes/sheet", json={"count": count}, headers=HQ)
    assert response.status_code == 422
    assert client.get("/api/v1/audit", headers=HQ).json() == []


@pytest.mark.parametrize("role", ["kiosk", "staff"])
def test_only_hq_prints_sheets(client: TestClient, role: str) -> None:
    """A kiosk or staff token may not make pre-printed passes: 403; no token: 401."""
    headers = make_token(client, role=role, shelter_id="S01")
    assert (
        client.post("/api/v1/passes/sheet", json={"count": 1}, headers=headers).status_code == 403
    )
    assert client.post("/api/v1/passes/sheet", json={"count": 1}).status_code == 401
