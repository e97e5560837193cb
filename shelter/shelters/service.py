"""Creating, changing and importing shelters. Every change bumps the shelter's version."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from shelter.db import utcnow
from shelter.errors import Conflict, Invalid, NotFound
from shelter.occupancy.schemas import ShelterStatus
from shelter.shelters import opendata
from shelter.shelters.schemas import ImportResult, ShelterCreate, ShelterUpdate, SkippedRow
from shelter.tables import CountChange, Event, Household, Shelter, Token
from shelter.writes import locks
from shelter.writes.path import Change, Statuses, done

_EDITABLE = (
    "name",
    "name_en",
    "address",
    "lat",
    "lon",
    "capacity",
    "open",
    "accessible_capacity",
    "pets_capacity",
)


def _flat(changes: dict[str, object]) -> dict[str, object]:
    """``spaces`` as the columns it sets: given, it sets both kinds (one left out: none)."""
    if "spaces" not in changes:
        return changes
    spaces = changes.pop("spaces")
    if spaces is None:
        raise Invalid("spaces cannot be null; give {} to remove every sub-capacity.")
    assert isinstance(spaces, dict)
    changes["accessible_capacity"] = spaces.get("accessible")
    changes["pets_capacity"] = spaces.get("pets")
    return changes


def get(session: Session, shelter_id: str) -> Shelter:
    shelter = session.get(Shelter, shelter_id)
    if shelter is None:
        raise NotFound(f"No shelter with id {shelter_id!r}.")
    return shelter


def count(session: Session) -> int:
    return len(session.exec(select(col(Shelter.id))).all())


def _status(shelter_id: str) -> Callable[[Statuses], ShelterStatus]:
    return lambda statuses: statuses[shelter_id]


def create(session: Session, *, data: ShelterCreate) -> Change[ShelterStatus]:
    """Add a shelter; the answer is its status as the write path read it."""
    if session.get(Shelter, data.id) is not None:
        raise Conflict(f"A shelter with id {data.id!r} exists; change it with PATCH.")
    fields = data.model_dump(exclude={"spaces"})
    if data.spaces is not None:
        fields |= _flat({"spaces": data.spaces.model_dump()})
    shelter = Shelter(**fields)
    session.add(shelter)
    session.flush()
    return Change(answer=_status(shelter.id), touched=frozenset({shelter.id}))


def _apply(shelter: Shelter, changes: dict[str, object]) -> bool:
    changed = False
    for field in _EDITABLE:
        if field in changes and getattr(shelter, field) != changes[field]:
            setattr(shelter, field, changes[field])
            changed = True
    if changed:
        shelter.version += 1
        shelter.updated_at = utcnow()
    return changed


def update(session: Session, *, shelter_id: str, data: ShelterUpdate) -> Change[ShelterStatus]:
    """Change what is given; a change that changes nothing is not published."""
    # Locked before it is read: a check-in on another worker must not bump the version
    # between this read and this write (both would publish the same version).
    locks.take(session, [shelter_id])
    shelter = get(session, shelter_id)
    changes = _flat(data.model_dump(exclude_unset=True))
    if "name" in changes and changes["name"] is None:
        raise Invalid("name cannot be removed; give a new name instead.")
    for field in ("lat", "lon", "capacity", "open", "address"):
        if field in changes and changes[field] is None:
            raise Invalid(f"{field} cannot be null; leave it out to keep it.")
    changed = _apply(shelter, changes)
    if changed:
        session.add(shelter)
        session.flush()
    return Change(
        answer=_status(shelter.id),
        touched=frozenset({shelter.id}) if changed else frozenset(),
        shown=frozenset({shelter.id}),
    )


DEMO_FILE = "ashikita-shelters.csv"


def demo_csv() -> bytes:
    """The five demo shelters a new database is seeded with (shelters/data/README.md)."""
    return resources.files("shelter.shelters").joinpath("data", DEMO_FILE).read_bytes()


def _in_use(session: Session, shelter_id: str) -> bool:
    """Anything points at it: an event, a count change, a token, a household inside."""
    for column in (
        col(Event.shelter_id),
        col(Event.moved_from),
        col(CountChange.shelter_id),
        col(Token.shelter_id),
        col(Household.shelter_id),
    ):
        if session.exec(select(column).where(column == shelter_id).limit(1)).first():
            return True
    return False


def _replace_demo(session: Session, keep: set[str]) -> tuple[list[str], list[str]]:
    """Delete the demo shelters the town's list does not name and nobody has used."""
    removed, kept = [], []
    for row in read_list(demo_csv()).rows:
        shelter = session.get(Shelter, row.id)
        if row.id in keep or shelter is None:
            continue
        if _in_use(session, row.id):
            kept.append(row.id)
            continue
        session.delete(shelter)
        removed.append(row.id)
    session.flush()
    return removed, kept


def read_list(data: bytes) -> opendata.ParsedList:
    """A municipal open-data shelter list, parsed (before any write: a big file must not
    hold up check-ins while it is read)."""
    try:
        return opendata.parse_shelter_csv(data)
    except opendata.OpenDataError as exc:
        raise Invalid(str(exc)) from exc


def import_csv(
    session: Session, *, parsed: opendata.ParsedList, open_new: bool, replace_demo: bool = False
) -> Change[ImportResult]:
    """Upsert every good row by ID; each row is its own savepoint, so a bad one leaves nothing."""
    # Every row the file names, locked in the one order before any is changed: a check-in
    # on another worker then waits, and versions never collide (writes/locks.py).
    locks.take(session, [row.id for row in parsed.rows])
    created = updated = 0
    skipped = [SkippedRow(row=s.row, reason=s.reason) for s in parsed.skipped]
    touched: list[str] = []
    for row in parsed.rows:
        fields: dict[str, object] = {
            "name": row.name,
            "name_en": row.name_en,
            "address": row.address,
            "lat": row.lat,
            "lon": row.lon,
            "capacity": row.capacity,
        }
        try:
            with session.begin_nested():
                shelter = session.get(Shelter, row.id)
                is_new = shelter is None
                if shelter is None:
                    shelter = Shelter(id=row.id, open=open_new, **fields)  # type: ignore[arg-type]
                    session.add(shelter)
                elif not _apply(shelter, fields):
                    continue
                session.flush()
        except OperationalError:
            raise  # the transaction itself is lost (a deadlock): the writer runs it again
        except Exception as exc:  # a database refusal of one row must not sink the file
            skipped.append(SkippedRow(row=row.row, reason=f"could not be stored: {exc}"))
            continue
        created += is_new
        updated += not is_new
        touched.append(row.id)
    skipped.sort(key=lambda s: s.row)
    removed, kept = (
        _replace_demo(session, {r.id for r in parsed.rows}) if replace_demo else ([], [])
    )
    result = ImportResult(
        created=created, updated=updated, skipped=skipped, removed=removed, kept_demo=kept
    )
    return done(result, touched=touched, removed=removed)
