from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from shelter.auth.deps import HqDep
from shelter.deps import SessionDep, SettingsDep
from shelter.supplies import export, service
from shelter.supplies.schemas import Supplies

router = APIRouter(prefix="/api/v1", tags=["supplies"])


@router.get("/supplies")
def supplies(_: HqDep, session: SessionDep, settings: SettingsDep) -> Supplies:
    """What each shelter needs per day for the people inside and outside it now (hq):
    meals, drinking water, and the counts that change what is sent."""
    return service.estimate(session, settings)


@router.get(
    "/supplies.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def supplies_csv(
    _: HqDep, session: SessionDep, settings: SettingsDep, lang: Literal["ja", "en"] = "ja"
) -> Response:
    """The supplies estimate for Excel: UTF-8 with BOM, Japanese headers (``lang=en``)."""
    data = service.estimate(session, settings)
    return Response(
        export.to_csv(data, lang).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="supplies.csv"'},
    )
