"""The supplies estimate as CSV for Excel: UTF-8 with BOM, Japanese headers by default,
English with ``lang="en"``; three rows a shelter (inside, outside, both) and the totals."""

from __future__ import annotations

import csv
import io

from shelter.supplies.schemas import Supplies, Supply
from shelter.text import spreadsheet_cell

HEADERS = {
    "ja": (
        "避難所ID", "避難所名", "区分", "人数", "食数（1日）", "うちアレルギー対応食",
        "飲料水（L/日）", "乳幼児", "アレルギー", "高齢者", "医療的ケア", "ペット",
    ),
    "en": (
        "shelter_id", "name", "side", "people", "meals_per_day", "allergy_meals_per_day",
        "water_litres_per_day", "infants", "allergies", "elderly", "medical_care", "pets",
    ),
}  # fmt: skip
SIDES = {
    "ja": {"inside": "屋内", "outside": "屋外（車中・テント・自宅）", "total": "計"},
    "en": {"inside": "inside", "outside": "outside", "total": "total"},
}
TOTAL = {"ja": "合計", "en": "total"}


def _cells(supply: Supply) -> list[object]:
    return [
        supply.people,
        supply.meals,
        supply.allergy_meals,
        supply.water_litres,
        supply.infants,
        supply.allergies,
        supply.elderly,
        supply.medical_care,
        supply.pets,
    ]


def to_csv(data: Supplies, lang: str = "ja") -> str:
    lang = "en" if lang == "en" else "ja"
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS[lang])
    sides = SIDES[lang]
    for shelter in data.shelters:
        for side in ("inside", "outside", "total"):
            supply: Supply = getattr(shelter, side)
            row = [shelter.id, shelter.name, sides[side], *_cells(supply)]
            writer.writerow([spreadsheet_cell(v) for v in row])
    for side in ("inside", "outside", "total"):
        row = [TOTAL[lang], "", sides[side], *_cells(getattr(data.total, side))]
        writer.writerow([spreadsheet_cell(v) for v in row])
    return out.getvalue()
