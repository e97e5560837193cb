"""The daily report as CSV for Excel: UTF-8 with BOM, Japanese headers by default (like the
roster's), English with ``lang="en"``; one row a shelter and a total row last."""

from __future__ import annotations

import csv
import io

from shelter.households.roster import NEED_NAMES_JA, japan_time
from shelter.households.schemas import Need
from shelter.reports.schemas import DailyReport, DayFigures
from shelter.text import spreadsheet_cell

_YES_NO = {"ja": ("はい", "いいえ"), "en": ("yes", "no")}


def _headers(report: DailyReport, lang: str) -> list[str]:
    if lang == "en":
        timed = [f"{side}_{t}" for t in report.times for side in ("inside", "outside")]
        return [
            "shelter_id", "name", "open", "in_use", "capacity", *timed, "peak_inside",
            "peak_at", "arrivals", "departures", "moved_in", "moved_out", "households",
            "pets", *(need.value for need in Need),
        ]  # fmt: skip
    timed = [f"{t} {side}" for t in report.times for side in ("屋内", "屋外")]
    return [
        "避難所ID", "避難所名", "開設中", "利用あり", "収容人数", *timed, "最大在所者数",
        "最大の時刻", "入所者数", "退所者数", "他の避難所から", "他の避難所へ", "世帯数",
        "ペット", *(NEED_NAMES_JA[need.value] for need in Need),
    ]  # fmt: skip


def _figures(day: DayFigures, lang: str) -> list[object]:
    yes, no = _YES_NO[lang]
    timed: list[object] = []
    for count in day.counts:
        timed += ["" if count.inside is None else count.inside]
        timed += ["" if count.outside is None else count.outside]
    return [
        yes if day.in_use else no,
        *timed,
        day.peak.people,
        japan_time(day.peak.at),
        day.arrivals,
        day.departures,
        day.moved_in,
        day.moved_out,
        day.households,
        day.pets,
        *(day.care.get(need.value, 0) for need in Need),
    ]


def to_csv(report: DailyReport, lang: str = "ja") -> str:
    lang = "en" if lang == "en" else "ja"
    yes, no = _YES_NO[lang]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers(report, lang))
    for shelter in report.shelters:
        first, *rest = _figures(shelter, lang)
        row = [shelter.id, shelter.name, yes if shelter.open else no, first, shelter.capacity]
        writer.writerow([spreadsheet_cell(v) for v in (*row, *rest)])
    first, *rest = _figures(report.total, lang)
    total = "total" if lang == "en" else "合計"
    capacity = sum(s.capacity for s in report.shelters)
    writer.writerow([spreadsheet_cell(v) for v in (total, "", "", first, capacity, *rest)])
    return out.getvalue()
