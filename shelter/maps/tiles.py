"""Reading the tile setting: a URL template, or none. No I/O, so settings can call it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

NONE_WORDS = {"", "none", "off"}
PLACEHOLDERS = ("{z}", "{x}", "{y}")


@dataclass(frozen=True, slots=True)
class TileSource:
    template: str  # e.g. https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png
    origin: str  # what the CSP's img-src names: scheme://host[:port], {s} as a wildcard


def tile_source(template: str) -> TileSource | None:
    """The tile server a template names, or None for "no tiles"; ValueError says what is wrong."""
    template = template.strip()
    if template.lower() in NONE_WORDS:
        return None
    missing = [p for p in PLACEHOLDERS if p not in template]
    if missing:
        raise ValueError(
            f"SHELTER_MAP_TILES must contain {', '.join(PLACEHOLDERS)} (missing "
            f"{', '.join(missing)}), e.g. https://cyberjapandata.gsi.go.jp/xyz/pale/{{z}}/{{x}}/{{y}}.png,"
            ' or be "none" for no map tiles'
        )
    # Leaflet's {s} picks a subdomain; the CSP allows them all with one wildcard.
    parts = urlsplit(template.replace("{s}", "s-placeholder"))
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or any(c in host for c in "{}*"):
        raise ValueError(
            f"SHELTER_MAP_TILES must be an http(s) address with a fixed host, not {template!r}"
        )
    host = host.replace("s-placeholder", "*")
    port = f":{parts.port}" if parts.port else ""
    return TileSource(template=template, origin=f"{parts.scheme}://{host}{port}")


def safe_link(url: str) -> str | None:
    """An attribution link the page may show: http(s) only, else none."""
    return url if urlsplit(url.strip()).scheme in ("http", "https") else None
