from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from shelter.deps import SessionDep, SettingsDep
from shelter.occupancy import service
from shelter.occupancy.schemas import Flows, Occupancy

router = APIRouter(prefix="/api/v1", tags=["occupancy"])


async def get_board(request: Request) -> service.Board:
    """What the app wired in as the live state (the live hub)."""
    board: service.Board = request.app.state.hub
    return board


@router.get(
    "/occupancy",
    response_model=Occupancy,
    responses={304: {"description": "Unchanged since the ETag given in If-None-Match"}},
)
async def get_occupancy(
    board: Annotated[service.Board, Depends(get_board)],
    if_none_match: str | None = Header(default=None),
) -> Response:
    """Every shelter and the totals, with an ETag for cheap polling.

    Served from the live feed's state (the same the websocket sends), so thousands of
    residents polling never reach the database.
    """
    etag, body = board.occupancy()
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/occupancy.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row a shelter"}},
)
def get_occupancy_csv(session: SessionDep, settings: SettingsDep) -> Response:
    """Occupancy as open data (CSV, UTF-8), one row a shelter."""
    body = service.to_csv(service.occupancy(session, settings))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="occupancy.csv"'},
    )


@router.get("/occupancy/flows")
def get_flows(
    session: SessionDep, hours: int = Query(24, ge=1, le=24 * 14, description="How many hours")
) -> Flows:
    """Arrivals and departures per hour, and each shelter's occupancy trend."""
    return service.flows(session, hours=hours)
