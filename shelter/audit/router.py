from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shelter.audit import service
from shelter.audit.schemas import Action, AuditEntryPublic
from shelter.auth.deps import HqDep
from shelter.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit")
def audit_log(
    _: HqDep,
    session: SessionDep,
    household_id: Annotated[str | None, Query(max_length=32)] = None,
    shelter_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Action | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryPublic]:
    """Who read or changed personal data, and when: newest first (hq)."""
    return service.entries(
        session,
        household_id=household_id,
        shelter_id=shelter_id,
        action=action,
        before_id=before_id,
        limit=limit,
    )
