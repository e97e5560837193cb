"""GET /api/v1/map: what the public page's map loads (public; no personal data)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from shelter.deps import SettingsDep
from shelter.maps.tiles import safe_link, tile_source

router = APIRouter(prefix="/api/v1", tags=["occupancy"])


class Attribution(BaseModel):
    text: str = Field(examples=["地理院タイル"])
    url: str | None = Field(examples=["https://maps.gsi.go.jp/development/ichiran.html"])


class MapSettings(BaseModel):
    """The tile layer a map of the shelters should use, or none (draw without tiles)."""

    tiles: str | None = Field(
        description="Tile URL template with {z}/{x}/{y}; null: no tiles are configured",
        examples=["https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"],
    )
    attribution: Attribution | None
    max_zoom: int


@router.get("/map")
def get_map(settings: SettingsDep, response: Response) -> MapSettings:
    """The map tiles and attribution the public page shows (SHELTER_MAP_TILES)."""
    response.headers["Cache-Control"] = "no-cache"
    source = tile_source(settings.map_tiles)
    if source is None:
        return MapSettings(tiles=None, attribution=None, max_zoom=settings.map_max_zoom)
    return MapSettings(
        tiles=source.template,
        attribution=Attribution(
            text=settings.map_attribution, url=safe_link(settings.map_attribution_url)
        ),
        max_zoom=settings.map_max_zoom,
    )
