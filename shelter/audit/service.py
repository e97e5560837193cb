"""Writing and reading the audit log.

An entry is written in the same transaction as the read or change it records, so data is
never handed out (or changed) without its trace, and a refused request leaves none.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from shelter.audit.schemas import Action, AuditEntryPublic
from shelter.auth import service as auth
from shelter.db import utcnow
from shelter.tables import AuditEntry


def record(
    session: Session,
    *,
    principal: auth.Principal,
    action: Action,
    household_id: str | None = None,
    shelter_id: str | None = None,
    detail: str | None = None,
) -> None:
    who, role = principal.token_id, principal.role.value
    _add(session, who, role, action, household_id, shelter_id, detail)


# Who a request without a token is, in the audit log (a public 安否 inquiry).
PUBLIC = "public"


def record_public(
    session: Session,
    *,
    action: Action,
    household_id: str | None = None,
    shelter_id: str | None = None,
    detail: str | None = None,
) -> None:
    """An entry for something done without a token (a public 安否 inquiry)."""
    _add(session, PUBLIC, PUBLIC, action, household_id, shelter_id, detail)


def _add(
    session: Session,
    token_id: str,
    role: str,
    action: Action,
    household_id: str | None,
    shelter_id: str | None,
    detail: str | None,
) -> None:
    """The one audit line: who (a token and its role), what, about whom and where; added
    to the caller's transaction, so it is stored exactly when what it records is."""
    session.add(
        AuditEntry(
            at=utcnow(),
            token_id=token_id,
            role=role,
            action=action.value,
            household_id=household_id,
            shelter_id=shelter_id,
            detail=detail,
        )
    )


def entries(
    session: Session,
    *,
    household_id: str | None = None,
    shelter_id: str | None = None,
    action: Action | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntryPublic]:
    """Newest first, filtered; ``before_id`` pages back from an entry already seen."""
    query = select(AuditEntry)
    if household_id is not None:
        query = query.where(AuditEntry.household_id == household_id)
    if shelter_id is not None:
        query = query.where(AuditEntry.shelter_id == shelter_id)
    if action is not None:
        query = query.where(AuditEntry.action == action.value)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    rows = session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all()
    return [AuditEntryPublic.model_validate(row, from_attributes=True) for row in rows]
