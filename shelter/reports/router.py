from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from shelter.auth.deps import HqDep
from shelter.deps import SessionDep, SettingsDep
from shelter.reports import daily, export
from shelter.reports.schemas import DailyReport

router = APIRouter(prefix="/api/v1", tags=["reports"])

Day = Annotated[date | None, Query(description="The day in Japan time (YYYY-MM-DD); default today")]


@router.get("/reports/daily", responses={422: {"description": "A day that has not begun"}})
def daily_report(
    _: HqDep, session: SessionDep, settings: SettingsDep, date: Day = None
) -> DailyReport:
    """Every shelter's day and the total, from the event log (hq): open, people inside at
    the fixed times and at the peak, outside, arrivals and departures, care needs."""
    return daily.read(session, settings, day=date or daily.today())


@router.get(
    "/reports/daily.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, 422: {"description": "A day not begun"}},
)
def daily_report_csv(
    _: HqDep,
    session: SessionDep,
    settings: SettingsDep,
    date: Day = None,
    lang: Literal["ja", "en"] = "ja",
) -> Response:
    """The daily report for Excel: UTF-8 with BOM, Japanese headers (``lang=en``: English)."""
    report = daily.read(session, settings, day=date or daily.today())
    name = f"daily-report-{report.date.isoformat()}.csv"
    return Response(
        export.to_csv(report, lang).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
