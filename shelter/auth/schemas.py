from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shelter.text import Line


class Role(StrEnum):
    kiosk = "kiosk"
    staff = "staff"
    hq = "hq"


class ScopedRole(StrEnum):
    """The roles a token can be made for; hq comes from the admin token."""

    kiosk = "kiosk"
    staff = "staff"


class TokenCreate(BaseModel):
    role: ScopedRole
    shelter_id: str = Field(min_length=1, max_length=64)
    label: Line = Field(default="", max_length=200, description="Who or what holds it")


class TokenCreated(BaseModel):
    id: str
    token: str = Field(description="The secret; shown only in this answer")
    role: Role
    shelter_id: str | None
    label: str


class TokenPublic(BaseModel):
    id: str
    role: Role
    shelter_id: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None = Field(
        default=None, description="When the device holding it last reported (kiosks)"
    )
    outbox: int | None = Field(
        default=None, description="Scans waiting on that device when it last reported"
    )
    online: bool = Field(default=False, description="It reported within the last three heartbeats")


class Heartbeat(BaseModel):
    """What a kiosk says of itself every minute and after every upload."""

    outbox: int = Field(ge=0, le=1_000_000, description="Scans waiting in its outbox")


class Whoami(BaseModel):
    """What a token may do: a kiosk checks its enrolment with this."""

    id: str
    role: Role
    shelter_id: str | None
    label: str


class Enrolment(TokenCreated):
    """A new token with the card that enrols a device by scanning it."""

    enrol_url: str = Field(
        description="Opens the kiosk enrolled; the token rides in the #fragment, which "
        "browsers never send to a server"
    )
    qr_png: str = Field(description="The QR code of enrol_url, as a data: URI (PNG)")
