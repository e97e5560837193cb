"""Pass cards (PNG) and sheets of pre-printed passes (A4 PDF), drawn with Pillow.

A card carries the QR, the code in large type grouped in fours (to type by hand when a
scanner fails), 避難所パス / Shelter pass, short instructions and, only on the card staff
print, the household's name. A sheet is a grid of cards to cut apart, each with a line to
write a name on.

Japanese needs a CJK font. In order: the ``card_font`` setting, the Noto Sans CJK JP font
that installs with the package (``noto-cjk-sans-jp-regular``, SIL OFL 1.1), then known
system paths. With none of them, cards still render, in English only, and say so in the log.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from shelter.qr import qr_fitting

log = logging.getLogger("shelter.cards")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

PACKAGED_FONT = ("noto_cjk_sans_jp_regular", "NotoSansCJKjp-Regular.otf")
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/usr/share/fonts/google-noto-sans-cjk-vf-fonts/NotoSansCJK-VF.ttc",  # Fedora
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",  # macOS
    "C:/Windows/Fonts/YuGothM.ttc",
    "C:/Windows/Fonts/msgothic.ttc",
)

TITLE_JA, TITLE_EN = "避難所パス", "Shelter pass"
SHOW_JA = "避難所の入口で、このQRコードを見せてください。"
SHOW_EN = "Show this QR code at the shelter entrance."
TYPE_JA = "読み取れないときは、下の番号を伝えてください。"
TYPE_EN = "If it does not scan, give the number below."
NAME_JA, NAME_EN = "お名前", "Name"
DESK_JA = "受付で名前と人数を登録します"
DESK_EN = "Staff will register you at the door"

# A4 at 300 dpi, cut into 2 x 4 cards of 105 x 74 mm.
DPI = 300
A4 = (2480, 3508)
COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS


def grouped(code: str) -> str:
    """The code in groups of four, as people read it out and type it."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


@functools.lru_cache(maxsize=8)
def font_path(configured: Path | None = None) -> Path | None:
    """The first CJK font that exists: setting, packaged font, system fonts; else None."""
    candidates: list[Path] = []
    if configured is not None:
        if configured.is_file():
            return configured
        log.warning("card_font %s does not exist; looking for another CJK font", configured)
    try:
        packaged = resources.files(PACKAGED_FONT[0]).joinpath(PACKAGED_FONT[1])
        candidates.append(Path(str(packaged)))
    except ModuleNotFoundError:
        pass
    candidates.extend(Path(p) for p in SYSTEM_FONTS)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    log.warning("no CJK font found: pass cards are drawn in English only")
    return None


class _Fonts:
    """Fonts by size from one file (or Pillow's own Latin font when there is none)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @property
    def japanese(self) -> bool:
        return self.path is not None

    @functools.lru_cache(maxsize=32)  # noqa: B019 - one _Fonts per font file, kept for good
    def get(self, size: int) -> Font:
        if self.path is None:
            return ImageFont.load_default(size=size)
        return ImageFont.truetype(str(self.path), size=size)


@functools.lru_cache(maxsize=8)
def _fonts(path: Path | None) -> _Fonts:
    return _Fonts(path)


def _fit(draw: ImageDraw.ImageDraw, text: str, fonts: _Fonts, size: int, width: int) -> Font:
    """The font at ``size``, or smaller until ``text`` fits in ``width``."""
    while size > 12:
        font = fonts.get(size)
        if draw.textlength(text, font=font) <= width:
            return font
        size = int(size * 0.9)
    return fonts.get(size)


def _clip(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _lines(fonts: _Fonts, ja: str, en: str) -> list[str]:
    return [ja, en] if fonts.japanese else [en]


def draw_card(code: str, *, name: str | None, font: Path | None = None) -> Image.Image:
    """One pass card, 1200 x 800 px: title, QR, name (if given), instructions, the code."""
    fonts = _fonts(font_path(font))
    width, height, margin = 1200, 800, 40
    card = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle((4, 4, width - 5, height - 5), radius=28, outline=0, width=4)
    title = f"{TITLE_JA}  {TITLE_EN}" if fonts.japanese else TITLE_EN
    draw.text((margin + 8, margin), title, font=fonts.get(52), fill=0)
    code_image = qr_fitting(code, 540)
    qr_top = 120
    card.paste(code_image, (margin - 10, qr_top))
    x = margin + code_image.width + 10
    column = width - x - margin
    y = qr_top + 40
    if name:
        name_font = _fit(draw, name, fonts, 64, column)
        draw.text((x, y), _clip(draw, name, name_font, column), font=name_font, fill=0)
        y += 110
    for line in [*_lines(fonts, SHOW_JA, SHOW_EN), *_lines(fonts, TYPE_JA, TYPE_EN)]:
        small = _fit(draw, line, fonts, 30, column)
        draw.text((x, y), line, font=small, fill=60)
        y += 52
    text = grouped(code)
    big = _fit(draw, text, fonts, 84, width - 2 * margin)
    left, _, right, bottom = draw.textbbox((0, 0), text, font=big)
    draw.text(
        ((width - (right - left)) / 2 - left, height - margin - 20 - bottom),
        text,
        font=big,
        fill=0,
    )
    return card


def card_png(code: str, *, name: str | None = None, font: Path | None = None) -> bytes:
    out = io.BytesIO()
    draw_card(code, name=name, font=font).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _sheet_cell(code: str, fonts: _Fonts, size: tuple[int, int]) -> Image.Image:
    """One pre-printed pass: QR, title, a line to write a name on, the code in large type."""
    width, height = size
    margin = 60
    cell = Image.new("L", size, 255)
    draw = ImageDraw.Draw(cell)
    code_image = qr_fitting(code, 480)
    cell.paste(code_image, (margin - 20, 40))
    x = margin + code_image.width
    column = width - x - margin
    y = 80
    if fonts.japanese:
        draw.text((x, y), TITLE_JA, font=_fit(draw, TITLE_JA, fonts, 64, column), fill=0)
        y += 90
    draw.text((x, y), TITLE_EN, font=_fit(draw, TITLE_EN, fonts, 44, column), fill=0)
    y += 90
    note = _lines(fonts, DESK_JA, DESK_EN)[0]
    draw.text((x, y), note, font=_fit(draw, note, fonts, 28, column), fill=0)
    # The name is written by hand across the cell, under the QR, where there is room.
    y = 40 + code_image.width + 110
    label = f"{NAME_JA} / {NAME_EN}" if fonts.japanese else NAME_EN
    draw.text((margin, y - 60), label, font=fonts.get(32), fill=0)
    draw.line((margin, y, width - margin, y), fill=0, width=3)
    text = grouped(code)
    big = _fit(draw, text, fonts, 76, width - 2 * margin)
    left, _, right, bottom = draw.textbbox((0, 0), text, font=big)
    draw.text(((width - (right - left)) / 2 - left, height - 50 - bottom), text, font=big, fill=0)
    return cell


def draw_sheet(codes: Sequence[str], *, font: Path | None = None) -> list[Image.Image]:
    """A4 pages (300 dpi) of 2 x 4 pre-printed passes with cut lines between them."""
    fonts = _fonts(font_path(font))
    cell_w, cell_h = A4[0] // COLUMNS, A4[1] // ROWS
    pages = []
    for start in range(0, len(codes), PER_PAGE):
        page = Image.new("L", A4, 255)
        draw = ImageDraw.Draw(page)
        for index, code in enumerate(codes[start : start + PER_PAGE]):
            column, row = index % COLUMNS, index // COLUMNS
            page.paste(_sheet_cell(code, fonts, (cell_w, cell_h)), (column * cell_w, row * cell_h))
        # Dashed cut lines, on top of the cells.
        for x in range(cell_w, A4[0], cell_w):
            for y in range(0, A4[1], 40):
                draw.line((x, y, x, y + 20), fill=0, width=2)
        for y in range(cell_h, A4[1] - 1, cell_h):
            for x in range(0, A4[0], 40):
                draw.line((x, y, x + 20, y), fill=0, width=2)
        pages.append(page.convert("1", dither=Image.Dither.NONE))
    return pages


def sheet_pdf(codes: Sequence[str], *, font: Path | None = None) -> bytes:
    """The sheet as one PDF, one A4 page per 8 passes."""
    pages = draw_sheet(codes, font=font)
    out = io.BytesIO()
    pages[0].save(
        out,
        format="PDF",
        resolution=DPI,
        save_all=True,
        append_images=pages[1:],
        title="避難所パス / Shelter passes",
    )
    return out.getvalue()
