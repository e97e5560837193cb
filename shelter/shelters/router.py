from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from shelter.auth.deps import HqDep
from shelter.deps import SessionDep, SettingsDep, WriterDep
from shelter.errors import Invalid
from shelter.occupancy import service as occupancy
from shelter.occupancy.schemas import ShelterStatus, SpaceKind
from shelter.occupancy.service import Demand
from shelter.shelters import service
from shelter.shelters.schemas import ImportResult, ShelterCreate, ShelterUpdate

router = APIRouter(prefix="/api/v1/shelters", tags=["shelters"])


@router.get("")
def list_shelters(session: SessionDep, settings: SettingsDep) -> list[ShelterStatus]:
    """Every shelter with its occupancy, vacancy and level."""
    return occupancy.list_statuses(session, settings)


@router.post(
    "/import",
    responses={413: {"description": "File over SHELTER_MAX_IMPORT_BYTES (10 MiB)"}},
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_shelters(
    request: Request,
    _: HqDep,
    writer: WriterDep,
    open_new: bool = Query(False, alias="open", description="Open the shelters it creates"),
    replace_demo: bool = Query(
        False, description="Delete the demo shelters the file does not name, if unused"
    ),
) -> ImportResult:
    """Import a municipal standard open-data shelter list (UTF-8 or Shift_JIS CSV)."""
    body = await request.body()  # bounded by SHELTER_MAX_IMPORT_BYTES (bodies.py)
    if not body.strip():
        raise Invalid("The body is empty; send the CSV file as the request body.")
    parsed = await run_in_threadpool(service.read_list, body)
    return await writer.run(
        service.import_csv, parsed=parsed, open_new=open_new, replace_demo=replace_demo
    )


@router.get("/nearest")
def nearest_shelters(
    session: SessionDep,
    settings: SettingsDep,
    lat: float = Query(ge=-90, le=90, description="Where the person is (latitude)"),
    lon: float = Query(ge=-180, le=180, description="Where the person is (longitude)"),
    people: int = Query(1, ge=1, le=1000, description="How many need a place inside"),
    need: list[SpaceKind] = Query(
        [],
        description="A kind of space they need: accessible (a place in the accessible space "
        "for one person) or pets (a place in the pet area for one animal); may repeat",
    ),
    limit: int = Query(10, ge=1, le=100, description="At most this many shelters"),
) -> list[ShelterStatus]:
    """Open shelters with room for that many people (and that need), nearest first."""
    demand = Demand(people=people, required=frozenset(need))
    return occupancy.nearest(
        session.connection(), settings, lat=lat, lon=lon, demand=demand, limit=limit
    )


@router.get("/{shelter_id}", responses={404: {"description": "Unknown shelter"}})
def get_shelter(shelter_id: str, session: SessionDep, settings: SettingsDep) -> ShelterStatus:
    """One shelter's status."""
    return occupancy.status_of(service.get(session, shelter_id), settings)


@router.post("", status_code=201, responses={409: {"description": "The id exists"}})
async def create_shelter(data: ShelterCreate, _: HqDep, writer: WriterDep) -> ShelterStatus:
    """Add a shelter."""
    return await writer.run(service.create, data=data)


@router.patch("/{shelter_id}", responses={404: {"description": "Unknown shelter"}})
async def update_shelter(
    shelter_id: str, data: ShelterUpdate, _: HqDep, writer: WriterDep
) -> ShelterStatus:
    """Change a shelter's capacity, open state, names or position."""
    return await writer.run(service.update, shelter_id=shelter_id, data=data)
