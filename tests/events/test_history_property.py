"""Random histories: the live counts always equal a rebuild from the append-only log.

Every count is checked: occupancy, the accessible space, the pet area and outside. The
households have random needs and pets, the events random stays (inside or out), and after
the events come corrections of needs, pets and size, merges and erasures, with more
events between them. The events sent online go in groups, as the writer groups them, so
the held writes and the reads made once a group (``events/pending.py``) are in the test.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from shelter.auth.schemas import Role
from shelter.auth.service import Principal
from shelter.bootstrap import bootstrap
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import ShelterError
from shelter.events import apply, rebuild, service
from shelter.events.schemas import EventIn
from shelter.households import service as households
from shelter.households.schemas import HouseholdCreate, HouseholdUpdate, MemberIn, Need
from shelter.shelters import service as shelters
from shelter.shelters.schemas import ShelterCreate, Spaces
from shelter.tables import Event
from shelter.writes.path import Change, Job, Unheard, WritePath
from tests.conftest import POSTGRES, _pg

HQ = Principal(token_id="test", role=Role.hq, shelter_id=None)
T0 = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
SHELTERS = 3


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Settings]]:
    """One database for every example (SQLite, or PostgreSQL with SHELTER_TEST_POSTGRES)."""
    path: Path = tmp_path_factory.mktemp("history") / "h.db"
    name = f"shelter_history_{uuid.uuid4().hex[:8]}"
    if POSTGRES:
        with _pg("postgres") as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    config = Settings(
        database_url=f"{POSTGRES}/{name}" if POSTGRES else f"sqlite:///{path}",
        admin_token="unit-test-admin-token-0123456789abcdef",
        seed=False,
    )
    db = Database(config.database_url)
    bootstrap(db, config)
    yield db, config
    db.dispose()
    if POSTGRES:
        with _pg("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


STAYS = [None, None, "shelter", "car", "tent", "home"]
# One generated event: (kind, household index or None for a walk-in, shelter, headcount,
# minute, stay: None for the household's plan)
event_spec = st.tuples(
    st.sampled_from(["check_in", "check_out"]),
    st.one_of(st.none(), st.integers(0, 2), st.integers(0, 2)),
    st.integers(0, SHELTERS - 1),
    st.one_of(st.none(), st.integers(1, 4)),
    st.integers(0, 120),
    st.sampled_from(STAYS),
)
# One household: (size, members needing the accessible space, pets, planned stay)
household_spec = st.tuples(
    st.integers(1, 4),
    st.integers(0, 4),
    st.integers(0, 2),
    st.sampled_from([None, "shelter", "car", "home", "relatives"]),
)
# Tiny spaces (or none), so full spaces happen.
spaces_spec = st.one_of(
    st.none(),
    st.builds(
        Spaces,
        accessible=st.one_of(st.none(), st.integers(0, 2)),
        pets=st.one_of(st.none(), st.integers(0, 2)),
    ),
)
# What an operator does after the events: correct a household's details (size, needs,
# pets), merge one record into another, erase one, or send one more event.
later_spec = st.one_of(
    st.tuples(st.just("correct"), st.integers(0, 2), household_spec),
    st.tuples(st.just("merge"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("erase"), st.integers(0, 2)),
    st.tuples(st.just("event"), event_spec),
)

Spec = tuple[str, int | None, int, int | None, int, str | None]
HouseholdSpec = tuple[int, int, int, str | None]


def _members(size: int, accessible: int) -> list[MemberIn]:
    needs = [Need.wheelchair, Need.medical_care]
    return [
        MemberIn(name=f"m{i}", needs=[needs[i % 2]] if i < accessible else [Need.elderly])
        for i in range(size)
    ]


def _details(spec: HouseholdSpec) -> dict[str, object]:
    size, accessible, pets, stay = spec
    return {"members": _members(size, accessible), "pets": pets, "stay": stay}


def _setup(
    db: Database, people: list[HouseholdSpec], spaces: list[Spaces | None]
) -> tuple[list[str], list[str], list[str]]:
    """Fresh shelters (tiny, so over-capacity happens) and households for one world."""
    with db.write() as session:
        ids = []
        for space in spaces:
            sid = "P" + uuid.uuid4().hex[:10]
            shelters.create(
                session,
                data=ShelterCreate(id=sid, name=sid, lat=32.3, lon=130.5, capacity=3, spaces=space),
            )
            ids.append(sid)
        made = [
            households.register(
                session, data=HouseholdCreate.model_validate(_details(spec))
            ).answer({})
            for spec in people
        ]
    return ids, [m.pass_code for m in made], [m.household_id for m in made]


def _ids(count: int) -> list[str]:
    """Fresh event ids per world that sort in the same relative order in both worlds.

    Ties in occurred_at are broken by event_id, so two worlds compared for equality need
    their ids in the same order (the n-th id of each world sorts n-th).
    """
    prefix = uuid.uuid4().hex[:20]
    return [str(uuid.UUID(hex=f"{prefix}{i:012x}")) for i in range(count)]


def _bodies(
    specs: list[Spec],
    sizes: list[int],
    shelter_ids: list[str],
    codes: list[str],
    event_ids: list[str],
) -> list[EventIn]:
    bodies = []
    for (kind, who, shelter, headcount, minute, stay), event_id in zip(
        specs, event_ids, strict=True
    ):
        code = codes[who % len(codes)] if who is not None else None
        if code is not None and headcount is not None:
            # Mostly valid events: a headcount above the household's size is refused outright.
            headcount = min(headcount, sizes[who % len(codes)]) if who is not None else headcount
        bodies.append(
            EventIn.model_validate(
                {
                    "event_id": event_id,
                    "shelter_id": shelter_ids[shelter],
                    "kind": kind,
                    "pass_code": code,
                    "headcount": headcount,
                    "occurred_at": (T0 + timedelta(minutes=minute)).isoformat(),
                    "stay": stay,
                }
            )
        )
    return bodies


def _send(
    db: Database,
    config: Settings,
    bodies: list[EventIn],
    batch_from: int,
    group: int,
    upload_at: int,
) -> None:
    """The first events as kiosks online send them, the rest as one offline upload that
    arrives after ``upload_at`` of them; ``group`` requests at a time go into one commit,
    as the writer groups them (so check-ins hold their writes and read ahead, and the
    upload among them runs in a savepoint, ``writes/path.py``, ``events/pending.py``)."""
    path = WritePath(db, config, Unheard())
    token = config.admin_token
    jobs: list[Job[Any]] = [
        service.check_in(config, data=body, token=token) for body in bodies[:batch_from]
    ]
    rest: list[object] = [b.model_dump(mode="json") for b in bodies[batch_from:]]
    if rest:
        jobs.insert(min(upload_at, len(jobs)), service.upload(config, raw=rest, token=token))
    for start in range(0, len(jobs), group):
        # Refused events (a walk-in check-out, say) must change nothing: their results say
        # why, and the others commit.
        for result in path.commit(jobs[start : start + group]):
            assert result.error is None or isinstance(result.error, ShelterError), result.error


def _later(
    db: Database,
    config: Settings,
    steps: list[tuple[object, ...]],
    shelter_ids: list[str],
    codes: list[str],
    household_ids: list[str],
) -> None:
    """Corrections, merges, erasures and more events, one by one as an operator does them."""
    path = WritePath(db, config, Unheard())
    for step in steps:
        what, *args = step
        work: Callable[[Session], Change[Any]]
        if what == "correct":
            index, spec = args
            assert isinstance(index, int) and isinstance(spec, tuple)
            work = functools.partial(
                households.correct,
                principal=HQ,
                household_id=household_ids[index % len(codes)],
                data=HouseholdUpdate.model_validate(_details(spec)),
            )
        elif what == "merge":
            into, other = (household_ids[i % len(codes)] for i in args if isinstance(i, int))
            work = functools.partial(
                households.merge, principal=HQ, household_id=into, from_household_id=other
            )
        elif what == "erase":
            index = args[0]
            assert isinstance(index, int)
            work = functools.partial(
                households.erase, principal=HQ, household_id=household_ids[index % len(codes)]
            )
        else:
            spec = args[0]
            assert isinstance(spec, tuple)
            (body,) = _bodies([spec], [1] * len(codes), shelter_ids, codes, [str(uuid.uuid4())])
            work = functools.partial(apply.apply, settings=config, data=body, principal=HQ)
        # Refused (merging a record already merged away, say): it must change nothing.
        with contextlib.suppress(ShelterError):
            path.run(work)


def _assert_counts_rebuild(db: Database) -> None:
    with db.reader() as session:
        live = rebuild.live_counts(session)
        assert rebuild.rebuild(session) == live, "live counts differ from a rebuild"
        assert rebuild.ledger_counts(session) == live, "live counts differ from the ledger"
        assert all(min(c.occupancy, c.accessible, c.pets, c.outside) >= 0 for c in live.values())


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(household_spec, min_size=1, max_size=3),
    spaces=st.lists(spaces_spec, min_size=SHELTERS, max_size=SHELTERS),
    specs=st.lists(event_spec, min_size=1, max_size=16),
    later=st.lists(later_spec, max_size=6),
    data=st.data(),
)
def test_rebuild_from_the_log_equals_live_counts_whatever_the_arrival_order(
    world: tuple[Database, Settings],
    people: list[HouseholdSpec],
    spaces: list[Spaces | None],
    specs: list[Spec],
    later: list[tuple[object, ...]],
    data: st.DataObject,
) -> None:
    """Duplicates, reordering, moves, stays, walk-ins, then corrections, merges and erasures:
    two arrival orders, one truth, one log, for every count."""
    db, config = world
    sizes = [spec[0] for spec in people]
    # Retries: some events are sent again, anywhere later in the stream.
    replays = data.draw(st.lists(st.integers(0, len(specs) - 1), max_size=6))
    order_a = list(range(len(specs))) + replays
    order_b = data.draw(st.permutations(order_a))
    batch_a = data.draw(st.integers(0, len(order_a)))
    batch_b = data.draw(st.integers(0, len(order_b)))
    group_a, group_b = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    upload_a, upload_b = data.draw(st.integers(0, batch_a)), data.draw(st.integers(0, batch_b))

    counts = []
    worlds = ((order_a, batch_a, group_a, upload_a), (order_b, batch_b, group_b, upload_b))
    for order, batch_from, group, upload_at in worlds:
        shelter_ids, codes, household_ids = _setup(db, people, spaces)
        bodies = _bodies(specs, sizes, shelter_ids, codes, event_ids=_ids(len(specs)))
        _send(db, config, [bodies[i] for i in order], batch_from, group, upload_at)
        with db.reader() as session:
            live = rebuild.live_counts(session)
        counts.append([live[sid] for sid in shelter_ids])
        _later(db, config, later, shelter_ids, codes, household_ids)
        _assert_counts_rebuild(db)

    assert counts[0] == counts[1], "arrival order changed the outcome"
    with db.reader() as session:
        logged = session.exec(select(func.count()).select_from(Event)).one()
        unique = len(set(session.exec(select(Event.event_id)).all()))
    assert logged == unique, "an event was stored twice"
