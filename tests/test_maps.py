"""The map setting (SHELTER_MAP_TILES): what the page is told, and the CSP that follows it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shelter.app import create_app
from shelter.config import Settings
from tests.conftest import ADMIN

GSI = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"


def page_client(**settings: object) -> TestClient:
    """The pages and the map endpoint need no database: no lifespan, no startup."""
    made = Settings(database_url="sqlite:///:memory:", admin_token=ADMIN, **settings)  # type: ignore[arg-type]
    return TestClient(create_app(made))


def img_src(client: TestClient, path: str) -> list[str]:
    csp = client.get(path).headers["Content-Security-Policy"]
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("img-src"))
    return directive.split()[1:]


def test_the_default_map_is_gsi_pale_tiles_with_their_attribution() -> None:
    """地理院タイル 淡色地図, credited with a link to GSI's tile list."""
    client = page_client(map_tiles=GSI)
    body = client.get("/api/v1/map").json()
    assert body["tiles"] == GSI
    assert body["attribution"] == {
        "text": "地理院タイル",
        "url": "https://maps.gsi.go.jp/development/ichiran.html",
    }
    assert Settings.model_fields["map_tiles"].default == GSI


def test_the_public_page_may_load_images_from_the_tile_host_and_no_other() -> None:
    """img-src names the configured tile host; the other pages keep 'self' only."""
    client = page_client(map_tiles=GSI)
    assert img_src(client, "/") == ["'self'", "data:", "blob:", "https://cyberjapandata.gsi.go.jp"]
    for path in ("/dashboard", "/staff", "/register", "/kiosk"):
        assert img_src(client, path) == ["'self'", "data:", "blob:"], path


def test_another_tile_server_moves_the_csp_with_it() -> None:
    """A local tile server (with a port), or {s} subdomains as one wildcard host."""
    client = page_client(map_tiles="http://127.0.0.1:8123/tiles/{z}/{x}/{y}.png")
    assert img_src(client, "/")[-1] == "http://127.0.0.1:8123"
    assert "cyberjapandata" not in client.get("/").headers["Content-Security-Policy"]
    client = page_client(map_tiles="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert img_src(client, "/")[-1] == "https://*.tile.example.org"


@pytest.mark.parametrize("off", ["", "none", "None", " off "])
def test_no_tiles_means_no_tile_host_and_the_page_is_told(off: str) -> None:
    """Empty or "none": the page draws its offline sketch, and the CSP allows no outside image."""
    client = page_client(map_tiles=off)
    assert client.get("/api/v1/map").json() == {"tiles": None, "attribution": None, "max_zoom": 18}
    assert img_src(client, "/") == ["'self'", "data:", "blob:"]


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("https://tiles.example.org/{z}/{x}.png", "{y}"),
        ("ftp://tiles.example.org/{z}/{x}/{y}.png", "http(s)"),
        ("https://{z}.example.org/{x}/{y}.png", "fixed host"),
        ("tiles/{z}/{x}/{y}.png", "http(s)"),
    ],
)
def test_a_bad_tile_template_is_refused_at_start_with_the_reason(template: str, says: str) -> None:
    """A typo would only show as a blank map on residents' phones: refuse it up front."""
    with pytest.raises(ValidationError, match=r"SHELTER_MAP_TILES") as raised:
        Settings(database_url="sqlite:///:memory:", map_tiles=template)
    assert says in str(raised.value)


def test_an_attribution_link_that_is_not_http_is_dropped() -> None:
    """The page only ever links the credit to an http(s) address."""
    client = page_client(map_tiles=GSI, map_attribution_url="javascript:alert(1)")
    assert client.get("/api/v1/map").json()["attribution"]["url"] is None


def test_leaflet_is_served_from_npm_and_nothing_else_from_node_modules() -> None:
    """The map library comes from this service (no CDN); only the listed files."""
    client = page_client(map_tiles=GSI)
    script = client.get("/map/vendor/leaflet.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "1.9.4" in script.text[:200]
    assert client.get("/map/vendor/leaflet.css").headers["content-type"].startswith("text/css")
    assert client.get("/map/vendor/package.json").status_code == 404
