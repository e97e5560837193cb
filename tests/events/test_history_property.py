"""Random histories: the live counts always equal a rebuild from the append-only log."""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from shelter.auth.schemas import Role
from shelter.auth.service import Principal
from shelter.bootstrap import bootstrap
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import ShelterError
from shelter.events import apply, batch, rebuild
from shelter.events.schemas import EventIn
from shelter.households import service as households
from shelter.households.schemas import HouseholdCreate, MemberIn
from shelter.shelters import service as shelters
from shelter.shelters.schemas import ShelterCreate
from shelter.tables import Event
from shelter.writes.path import Unheard, WritePath

HQ = Principal(token_id="test", role=Role.hq, shelter_id=None)
T0 = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
SHELTERS = 3


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Settings]]:
    path: Path = tmp_path_factory.mktemp("history") / "h.db"
    config = Settings(
        database_url=f"sqlite:///{path}",
        admin_token="unit-test-admin-token-0123456789abcdef",
        seed=False,
    )
    db = Database(config.database_url)
    bootstrap(db, config)
    yield db, config
    db.dispose()


# One generated event: (kind, household index or None for a walk-in, shelter, headcount, minute)
event_spec = st.tuples(
    st.sampled_from(["check_in", "check_out"]),
    st.one_of(st.none(), st.integers(0, 2), st.integers(0, 2)),
    st.integers(0, SHELTERS - 1),
    st.one_of(st.none(), st.integers(1, 4)),
    st.integers(0, 120),
)


def _setup(db: Database, sizes: list[int]) -> tuple[list[str], list[str]]:
    """Fresh shelters (tiny, so over-capacity happens) and households for one world."""
    with db.write() as session:
        ids = []
        for _ in range(SHELTERS):
            sid = "P" + uuid.uuid4().hex[:10]
            shelters.create(
                session, data=ShelterCreate(id=sid, name=sid, lat=32.3, lon=130.5, capacity=3)
            )
            ids.append(sid)
        codes = [
            households.register(
                session,
                data=HouseholdCreate(members=[MemberIn(name=f"m{i}") for i in range(size)]),
            )
            .answer({})
            .pass_code
            for size in sizes
        ]
    return ids, codes


def _ids(count: int) -> list[str]:
    """Fresh event ids per world that sort in the same relative order in both worlds.

    Ties in occurred_at are broken by event_id, so two worlds compared for equality need
    their ids in the same order (the n-th id of each world sorts n-th).
    """
    prefix = uuid.uuid4().hex[:20]
    return [str(uuid.UUID(hex=f"{prefix}{i:012x}")) for i in range(count)]


def _bodies(
    specs: list[tuple[str, int | None, int, int | None, int]],
    sizes: list[int],
    shelter_ids: list[str],
    codes: list[str],
    event_ids: list[str],
) -> list[EventIn]:
    bodies = []
    for (kind, who, shelter, headcount, minute), event_id in zip(specs, event_ids, strict=True):
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
                }
            )
        )
    return bodies


def _send(db: Database, config: Settings, bodies: list[EventIn], batch_from: int) -> None:
    """The first events one by one (as a kiosk online), the rest as one batch (offline upload)."""
    path = WritePath(db, config, Unheard())
    for body in bodies[:batch_from]:
        # Refused events (a walk-in check-out, say) must change nothing.
        with contextlib.suppress(ShelterError):
            path.run(functools.partial(apply.apply, settings=config, data=body, principal=HQ))
    rest: list[object] = [b.model_dump(mode="json") for b in bodies[batch_from:]]
    if rest:
        path.run(
            functools.partial(
                batch.apply_batch, settings=config, events=batch.parse(rest), principal=HQ
            )
        )


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    specs=st.lists(event_spec, min_size=1, max_size=16),
    data=st.data(),
)
def test_rebuild_from_the_log_equals_live_counts_whatever_the_arrival_order(
    world: tuple[Database, Settings],
    sizes: list[int],
    specs: list[tuple[str, int | None, int, int | None, int]],
    data: st.DataObject,
) -> None:
    """Duplicates, reordering, moves and walk-ins: two arrival orders, one truth, one log."""
    db, config = world
    # Retries: some events are sent again, anywhere later in the stream.
    replays = data.draw(st.lists(st.integers(0, len(specs) - 1), max_size=6))
    order_a = list(range(len(specs))) + replays
    order_b = data.draw(st.permutations(order_a))
    batch_a = data.draw(st.integers(0, len(order_a)))
    batch_b = data.draw(st.integers(0, len(order_b)))

    counts = []
    for order, batch_from in ((order_a, batch_a), (order_b, batch_b)):
        shelter_ids, codes = _setup(db, sizes)
        bodies = _bodies(specs, sizes, shelter_ids, codes, event_ids=_ids(len(specs)))
        _send(db, config, [bodies[i] for i in order], batch_from)
        with db.reader() as session:
            live = rebuild.live_counts(session)
        counts.append([live[sid] for sid in shelter_ids])

    assert counts[0] == counts[1], "arrival order changed the outcome"
    assert all(c >= 0 for c in counts[0])
    with db.reader() as session:
        assert rebuild.rebuild(session) == rebuild.live_counts(session)
        assert rebuild.ledger_counts(session) == rebuild.live_counts(session)
        logged = session.exec(select(func.count()).select_from(Event)).one()
        unique = len(set(session.exec(select(Event.event_id)).all()))
    assert logged == unique, "an event was stored twice"
