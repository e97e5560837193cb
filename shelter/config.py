"""Settings, read from the environment (prefix ``SHELTER_``) or passed in by tests."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shelter.maps.tiles import tile_source


class Settings(BaseSettings):
    """Everything an operator may tune; defaults run a town's five shelters on SQLite."""

    model_config = SettingsConfigDict(env_prefix="SHELTER_", extra="ignore")

    database_url: str = "sqlite:///./shelter.db"
    admin_token: str | None = Field(default=None, repr=False)
    # The door's writes (check-ins, offline uploads) committed by a writer in a process of
    # its own, so they do not share the event loop's interpreter lock (writes/remote.py).
    door_writer_process: bool = False
    # The address tablets and phones use to reach the service (https://shelter.town.example),
    # for enrolment cards and printed links. Unset: the address the request came in on.
    public_url: str | None = None
    # Scheduled backups while serving (shelter serve --backup-dir …): where, how often (in
    # seconds), and how many to keep. Unset dir: no scheduled backups.
    backup_dir: Path | None = None
    backup_every_seconds: float = 600.0
    backup_keep: int = 24
    # Seed the town's five main shelters when the database is new.
    seed: bool = True
    # Level bands as fractions of capacity (VACAN-style: 空いています / やや混雑 / ほぼ満員 / 満員).
    level_available_below: float = 0.5
    level_crowded_below: float = 0.8
    level_nearly_full_below: float = 1.0
    # How many alternatives a check-in into a full shelter is offered.
    alternatives: int = 3
    # A kiosk clock may run a little fast; more than this in the future is a mistake.
    max_clock_skew_seconds: int = 900
    # Browser origins (scheme://host[:port]) allowed to open the live feed besides the
    # service's own; clients that send no Origin (servers, bots) are always allowed.
    allowed_origins: list[str] = Field(default_factory=list)
    # A live client that cannot take a message within this long is dropped.
    live_send_timeout_seconds: float = 5.0
    # Websocket pings find dead peers (uvicorn sends them; no answer in time closes).
    ws_ping_interval_seconds: float = 20.0
    ws_ping_timeout_seconds: float = 20.0
    # Off: each update is a few hundred bytes, and permessage-deflate would compress the
    # same message once per client and keep a zlib state (tens of KB) per connection.
    ws_per_message_deflate: bool = False
    # Clients only ever send a small auth message; anything larger is refused.
    ws_max_message_bytes: int = 16 * 1024
    # A fan-out pass to the live clients starts at most this often: in a surge, the
    # changes of this long go to each client together, in one write (live/hub.py).
    live_fanout_every_seconds: float = Field(default=0.1, ge=0, le=5)
    # Safety net: re-read every shelter this often and publish what the feed missed.
    live_resync_seconds: float = 15.0
    # HQ's needs breakdown is recounted at most this often while check-ins stream in.
    live_needs_interval_seconds: float = 2.0
    # The forecast (ShelterStatus.forecast): net arrivals per hour over this many recent
    # minutes, by when they happened. 60 was chosen on the Nanao replay (docs/forecast.md).
    forecast_window_minutes: int = Field(default=60, ge=5, le=24 * 60)
    # A fill time further ahead than this is not given (full_at null): a recent rate says
    # nothing about the day after tomorrow.
    forecast_horizon_hours: float = Field(default=24.0, gt=0)

    # Abuse limits ("N/second|minute|hour", the limits package's notation), per worker.
    # Unknown pass codes, per token and per client address: guessing gets 429. Only misses
    # count, so a kiosk scanning real passes at full speed is never slowed.
    rate_unknown_pass: str = "30/minute"  # noqa: S105 - a rate, not a secret
    # Failed sign-ins (wrong bearer tokens, the live feed's auth message) per address; a
    # token that already worked in this process is never held back by them.
    rate_failed_auth: str = "20/minute"
    # Registrations per client address (a shelter's Wi-Fi puts many families behind one).
    rate_register: str = "60/minute"
    # 安否 inquiries per client address, found or not (guessing birth years is slow).
    rate_safety_inquiry: str = "30/hour"
    # The daily report counts the people inside at these times of day (Japan time), e.g.
    # SHELTER_REPORT_TIMES='["06:00","12:00","18:00"]'.
    report_times: list[time] = Field(
        default_factory=lambda: [time(6), time(12), time(18)], min_length=1, max_length=24
    )
    # Supplies per person per day (Cabinet Office shelter guidance: three meals, and 3 L of
    # drinking water a person a day), for everyone of a shelter, inside or outside.
    supply_meals_per_day: float = Field(default=3.0, ge=0)
    supply_water_litres_per_day: float = Field(default=3.0, ge=0)
    # Ages (from the year of birth) that count as elderly and as an infant, whatever needs
    # were ticked: 65 and over (高齢者), under 3 (formula, nappies, baby food).
    elderly_age: int = Field(default=65, ge=0, le=130)
    infant_age_below: int = Field(default=3, ge=0, le=18)
    # Desk look-ups by name and year of birth, per token: enough for a busy door, too few
    # to go through a town's names one guess at a time.
    rate_lookup: str = "60/hour"
    # Request bodies over this many bytes get 413 before they are read; the open-data
    # import (a file) has its own bound.
    max_body_bytes: int = 1024 * 1024
    max_import_bytes: int = 10 * 1024 * 1024
    # A font with Japanese glyphs for pass cards and sheets (.ttf, .otf or .ttc). Unset: the
    # Noto Sans CJK JP that installs with the package, else a system CJK font.
    card_font: Path | None = None
    # The public page's map: a tile URL template ({z}/{x}/{y}, optionally {s}) and its
    # attribution. Default: 地理院タイル 淡色地図, the map Japanese public bodies use. Empty or
    # "none": no tiles (the page draws its offline sketch). The pages' CSP allows images from
    # this host only.
    map_tiles: str = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"
    map_attribution: str = "地理院タイル"
    map_attribution_url: str = "https://maps.gsi.go.jp/development/ichiran.html"
    map_max_zoom: int = Field(default=18, ge=1, le=22)
    # Where kiosk/ and dashboard/ live: the checkout holding this package, else the cwd.
    pages_root: Path = Field(default_factory=lambda: _default_pages_root())

    @model_validator(mode="after")
    def _admin_token_is_strong(self) -> Settings:
        # The admin token opens every household's personal data: a guessable one is refused
        # at start rather than discovered after a breach.
        token = self.admin_token
        if token is not None and (len(token) < 32 or len(set(token)) < 10):
            raise ValueError(
                "SHELTER_ADMIN_TOKEN is too weak: use at least 32 random characters, e.g. "
                "the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return self

    @model_validator(mode="after")
    def _map_tiles_are_a_template(self) -> Settings:
        # A typo here would only show up as a blank map on residents' phones: refuse it at
        # start, with the reason.
        tile_source(self.map_tiles)
        return self

    @model_validator(mode="after")
    def _bands_ascend(self) -> Settings:
        bands = (self.level_available_below, self.level_crowded_below, self.level_nearly_full_below)
        if not 0 < bands[0] < bands[1] < bands[2]:
            raise ValueError("level thresholds must ascend: available < crowded < nearly_full")
        return self


def _default_pages_root() -> Path:
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "dashboard").is_dir() else Path.cwd()
