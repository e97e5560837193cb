"""The hub and its subscribers, without a network: merging, eager sends and dropping."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from shelter.live.hub import JOIN_LIMIT, Hub, start_eagerly
from shelter.live.router import origin_allowed
from shelter.occupancy import service as occupancy
from shelter.occupancy.schemas import Level, Occupancy, ShelterStatus


def status(shelter_id: str, version: int, occupancy: int = 0) -> ShelterStatus:
    return ShelterStatus(
        id=shelter_id,
        name=shelter_id,
        name_en=None,
        address="",
        lat=32.3,
        lon=130.5,
        capacity=100,
        occupancy=occupancy,
        vacancy=100 - occupancy,
        level=Level.available,
        open=True,
        version=version,
        updated_at=datetime(2026, 11, 22, tzinfo=UTC),
    )


class FakeSocket:
    """Stands in for a websocket: a reader that keeps up, or one whose buffers are full
    until ``gate`` opens (never, when it is stuck for good)."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.gate = asyncio.Event()
        if not stuck:
            self.gate.set()
        self.received: list[dict[str, object]] = []
        self.dropped = False

    async def send_text(self, message: str) -> None:
        await self.gate.wait()  # returns at once, without suspending, when the gate is open
        self.received.append(json.loads(message))

    async def drop(self) -> None:
        self.dropped = True

    def versions(self) -> list[tuple[str, int]]:
        return [(m["shelter"]["id"], m["shelter"]["version"]) for m in self.received]  # type: ignore[index]


async def running(scenario: Callable[[Hub], Awaitable[None]], every: float = 0.0) -> None:
    """Run a scenario against a hub whose fan-out task is running."""
    hub = Hub()
    fanout = asyncio.create_task(hub.fanout_loop(chunk=2, every=every))
    try:
        await scenario(hub)
    finally:
        fanout.cancel()


def connect(hub: Hub, socket: FakeSocket, timeout: float = 0.3) -> None:
    hub.subscribe(socket.send_text, timeout=timeout, on_drop=socket.drop)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_burst_to_one_shelter_reaches_a_client_as_its_newest_state() -> None:
    """Twenty changes between two fan-out passes become one message: the newest version."""
    socket = FakeSocket()

    async def scenario(hub: Hub) -> None:
        connect(hub, socket)
        for version in range(1, 21):
            hub.refresh([status("S01", version, occupancy=version)])
        hub.refresh([status("S02", 1)])
        await settle()

    asyncio.run(running(scenario))
    assert socket.versions() == [("S01", 20), ("S02", 1)]
    assert socket.received[1]["totals"] == {
        "capacity": 200,
        "occupancy": 20,
        "vacancy": 180,
        "over": 0,
        "in_closed": 0,
    }


def test_an_older_version_never_overwrites_a_newer_one() -> None:
    """States arriving out of order: the highest version wins and stale ones are dropped."""
    socket = FakeSocket()
    versions: list[int] = []

    async def scenario(hub: Hub) -> None:
        connect(hub, socket)
        hub.refresh([status("S01", 5, occupancy=5)])
        await settle()
        hub.refresh([status("S01", 3, occupancy=3)])
        await settle()
        versions.append(hub.state()["S01"].version)

    asyncio.run(running(scenario))
    assert versions == [5]
    assert socket.versions() == [("S01", 5)]


def test_every_client_gets_every_change_when_all_keep_up() -> None:
    """The fan-out reaches all clients, over several passes, in order."""
    sockets = [FakeSocket() for _ in range(7)]

    async def scenario(hub: Hub) -> None:
        for socket in sockets:
            connect(hub, socket)
        for version in range(1, 4):
            hub.refresh([status("S01", version)])
            await settle()

    asyncio.run(running(scenario))
    for socket in sockets:
        assert socket.versions() == [("S01", 1), ("S01", 2), ("S01", 3)]


def test_a_slow_client_gets_the_newest_state_not_a_backlog() -> None:
    """While a client's socket is full its changes merge; when it drains, only the newest goes."""
    slow = FakeSocket(stuck=True)

    async def scenario(hub: Hub) -> None:
        connect(hub, slow, timeout=5)
        hub.refresh([status("S01", 1)])
        await settle()  # the first send is now waiting on the full socket
        for version in range(2, 30):
            hub.refresh([status("S01", version), status("S02", version)])
            await settle()
        slow.gate.set()
        await settle()

    asyncio.run(running(scenario))
    assert slow.versions() == [("S01", 1), ("S01", 29), ("S02", 29)]
    assert not slow.dropped


def test_snapshot_holds_every_shelter_and_the_totals() -> None:
    """A new client's first message comes from the hub's cache."""
    hub = Hub()
    hub.refresh([status("S02", 1, occupancy=7), status("S01", 2, occupancy=3)])
    snapshot = json.loads(hub.snapshot_message())
    assert snapshot["type"] == "snapshot"
    assert [s["id"] for s in snapshot["shelters"]] == ["S01", "S02"]
    assert snapshot["totals"] == {
        "capacity": 200,
        "occupancy": 10,
        "vacancy": 190,
        "over": 0,
        "in_closed": 0,
    }


def test_a_client_that_stops_reading_is_dropped_and_never_slows_the_others() -> None:
    """The stuck client is dropped after the timeout; the fast one got every update at once."""
    slow, fast = FakeSocket(stuck=True), FakeSocket()
    timings: list[float] = []

    async def scenario(hub: Hub) -> None:
        connect(hub, slow)
        connect(hub, fast)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for n in range(1, 6):
            hub.refresh([status(f"S0{n}", 1)])
            await settle()
        timings.append(loop.time() - start)
        await asyncio.sleep(0.5)

    asyncio.run(running(scenario))
    assert len(fast.received) == 5
    assert timings[0] < 0.3
    assert slow.dropped
    assert slow.received == []


def test_a_send_that_must_wait_is_finished_later_in_a_task() -> None:
    """start_eagerly finishes a send at once when it can, else resumes it where it stopped."""

    async def scenario() -> list[str]:
        log: list[str] = []
        gate = asyncio.Event()

        async def send(name: str) -> None:
            log.append(f"{name} started")
            await gate.wait()
            log.append(f"{name} done")

        gate.set()
        assert start_eagerly(send("first")) is None  # never suspended: no task needed
        gate.clear()
        waiting = start_eagerly(send("second"))
        assert waiting is not None
        task = asyncio.create_task(_await(waiting))
        await asyncio.sleep(0)
        gate.set()
        await task
        gate.clear()
        third = start_eagerly(send("third"))
        assert third is not None
        cancelled = asyncio.create_task(_await(third))
        await asyncio.sleep(0)
        cancelled.cancel()
        try:
            await cancelled
        except asyncio.CancelledError:
            log.append("third cancelled")
        return log

    assert asyncio.run(scenario()) == [
        "first started",
        "first done",
        "second started",
        "second done",
        "third started",
        "third cancelled",
    ]


async def _await(awaitable: Awaitable[None]) -> None:
    await awaitable


class DirectSocket:
    """A client written to straight, pre-framed (``live/fastpath.py``): what each write held."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, frames: bytes) -> bool:
        self.writes.append(frames)
        return True

    async def send_text(self, message: str) -> None:
        raise AssertionError("a client that keeps up is written to directly")

    def messages(self, write: bytes) -> list[dict[str, object]]:
        """The text frames in one write, decoded by hand (server frames are unmasked)."""
        found, at = [], 0
        while at < len(write):
            assert write[at] == 0x81  # FIN, text
            length, at = write[at + 1], at + 2
            if length == 126:
                length, at = int.from_bytes(write[at : at + 2], "big"), at + 2
            elif length == 127:
                length, at = int.from_bytes(write[at : at + 8], "big"), at + 8
            found.append(json.loads(write[at : at + length]))
            at += length
        return found


def ids(messages: list[dict[str, object]]) -> list[str]:
    return [m["shelter"]["id"] for m in messages]  # type: ignore[index]


def test_a_pass_reaches_a_client_that_keeps_up_in_one_write() -> None:
    """Three shelters changed in one commit: one write holding the three updates."""
    direct = DirectSocket()

    async def scenario(hub: Hub) -> None:
        hub.subscribe(direct.send_text, timeout=1, write=direct.write)
        hub.refresh([status("S01", 1), status("S02", 4), status("S03", 2)])
        await settle()

    asyncio.run(running(scenario))
    assert len(direct.writes) == 1
    messages = direct.messages(direct.writes[0])
    assert [m["type"] for m in messages] == ["update"] * 3
    assert ids(messages) == ["S01", "S02", "S03"]


def test_passes_start_at_most_once_per_interval_and_gather_what_came_meanwhile() -> None:
    """A lone change goes out at once; the changes that follow within the interval wait
    for the next pass and go out together."""
    direct = DirectSocket()
    seen: list[int] = []

    async def scenario(hub: Hub) -> None:
        hub.subscribe(direct.send_text, timeout=1, write=direct.write)
        hub.refresh([status("S01", 1)])
        await settle()
        seen.append(len(direct.writes))  # the first pass: at once
        hub.refresh([status("S02", 1)])
        await settle()
        hub.refresh([status("S03", 1, occupancy=3)])
        hub.refresh([status("S02", 2, occupancy=5)])
        await settle()
        seen.append(len(direct.writes))  # the next pass waits out the interval
        await asyncio.sleep(0.8)  # due at 0.3 s: a wide margin for a loaded machine
        seen.append(len(direct.writes))

    asyncio.run(running(scenario, every=0.3))
    assert seen == [1, 1, 2]
    second = direct.messages(direct.writes[1])
    assert ids(second) == ["S03", "S02"]  # in order of their latest change
    assert second[-1]["shelter"]["version"] == 2  # the newest state of S02 only
    # Every message of the pass carries the totals of when it went: the client, which
    # keeps the totals of the last message it read, is left with the newest.
    assert [m["totals"]["occupancy"] for m in second] == [8, 8]  # type: ignore[index]


def test_a_pass_too_large_for_one_write_goes_frame_by_frame() -> None:
    """Every shelter at once (a resync in a surge) is more than a socket's buffer: it is
    written a frame at a time, so a client that falls behind stops at its high-water mark
    and the rest merges as for any slow client, instead of a copy of it all per client."""
    direct = DirectSocket()

    async def scenario(hub: Hub) -> None:
        hub.subscribe(direct.send_text, timeout=1, write=direct.write)
        hub.refresh([status(f"S{n:03}", 1) for n in range(300)])
        await settle()

    asyncio.run(running(scenario))
    assert sum(len(w) for w in direct.writes) > JOIN_LIMIT
    assert len(direct.writes) == 300
    assert ids([m for w in direct.writes for m in direct.messages(w)])[:2] == ["S000", "S001"]


def test_origin_must_be_the_service_itself_or_listed() -> None:
    """Cross-site pages cannot open the feed; servers without Origin and listed sites can."""
    assert origin_allowed(None, "shelter.example", [])
    assert origin_allowed("https://shelter.example", "shelter.example", [])
    assert not origin_allowed("https://evil.example", "shelter.example", [])
    assert origin_allowed("https://town.example", "shelter.example", ["https://town.example"])
    assert not origin_allowed("null", "shelter.example", [])


def test_a_resync_forgets_a_removed_shelter_but_not_one_newer_than_the_read() -> None:
    """A removal whose signal was missed goes at the next resync, as a fresh snapshot;
    a shelter created after the read began (so absent from it) is kept."""

    async def scenario(hub: Hub) -> None:
        socket = FakeSocket()
        hub.subscribe(socket.send_text, timeout=1)
        hub.refresh([status("S01", 1), status("S02", 1)])
        await asyncio.sleep(0.01)
        read_from = datetime.now(UTC)  # the resync's read begins; S03 is created meanwhile
        await asyncio.sleep(0.01)
        hub.refresh([status("S03", 1)])
        hub.resync([status("S01", 1)], read_from=read_from)
        await asyncio.sleep(0.01)
        assert sorted(hub.state()) == ["S01", "S03"]
        snapshots = [m for m in socket.received if m["type"] == "snapshot"]
        assert [s["id"] for s in snapshots[-1]["shelters"]] == ["S01", "S03"]  # type: ignore[index]

    asyncio.run(running(scenario))


def test_bodies_built_from_each_shelters_json_are_what_the_schemas_make() -> None:
    """GET /api/v1/occupancy and the snapshot are put together from each shelter's JSON as
    kept at its change: the same bytes the schema would make, and the same ETag as
    ``etag_of``; a change makes a new one."""
    hub = Hub()
    hub.refresh([status("S02", 3, occupancy=40), status("S01", 7, occupancy=10)])
    etag, body = hub.occupancy()
    shelters = sorted(hub.state().values(), key=lambda s: s.id)
    made = json.loads(body)
    expected = Occupancy(
        as_of=datetime.fromisoformat(made["as_of"]),
        totals=occupancy.totals_of(shelters),
        shelters=shelters,
    )
    assert body == expected.model_dump_json()
    assert etag == occupancy.etag_of(shelters)
    snapshot = json.loads(hub.snapshot_message())
    assert snapshot["type"] == "snapshot"
    assert snapshot["shelters"] == made["shelters"] and snapshot["totals"] == made["totals"]
    hub.refresh([status("S01", 8, occupancy=11)])
    changed_etag, changed = hub.occupancy()
    assert changed_etag != etag
    assert [s["occupancy"] for s in json.loads(changed)["shelters"]] == [11, 40]


def test_after_a_long_pass_the_next_waits_as_long_as_it_took() -> None:
    """Fanning out never takes more than half the event loop: a pass that took 0.3 s
    (a slow write stands in for ten thousand clients) is followed by 0.3 s of rest."""
    slow = DirectSocket()
    first_write = slow.write

    def write(frames: bytes) -> bool:
        time.sleep(0.3 if len(slow.writes) == 0 else 0)
        return first_write(frames)

    seen: list[int] = []

    async def scenario(hub: Hub) -> None:
        hub.subscribe(slow.send_text, timeout=5, write=write)
        hub.refresh([status("S01", 1)])
        await settle()  # the first pass: 0.3 s in the write
        hub.refresh([status("S02", 1)])
        await asyncio.sleep(0.15)
        seen.append(len(slow.writes))  # resting: half of the 0.3 s gone
        await asyncio.sleep(0.75)  # due 0.15 s from here: a wide margin
        seen.append(len(slow.writes))

    asyncio.run(running(scenario, every=0.05))
    assert seen == [1, 2]


def test_a_client_that_joins_while_changes_wait_for_a_pass_is_not_sent_them_again() -> None:
    """Its snapshot already shows them: the pass skips them for it (the same version twice
    would read as a change), while a client there before gets them, and a change made
    after the new one joined reaches it."""
    before, newcomer = FakeSocket(), FakeSocket()

    async def scenario(hub: Hub) -> None:
        connect(hub, before)
        hub.refresh([status("S01", 1, occupancy=1)])
        await settle()  # the first pass goes at once; the next waits its turn (every)
        hub.refresh([status("S01", 2, occupancy=2), status("S02", 1, occupancy=1)])
        connect(hub, newcomer)  # its snapshot, made now, shows S01 v2 and S02 v1
        shown = json.loads(hub.snapshot_message())["shelters"]
        assert [(s["id"], s["version"]) for s in shown] == [("S01", 2), ("S02", 1)]
        hub.refresh([status("S02", 2, occupancy=2)])  # after it joined
        await asyncio.sleep(0.3)
        hub.refresh([status("S01", 3, occupancy=3)])
        await asyncio.sleep(0.3)

    asyncio.run(running(scenario, every=0.1))
    assert before.versions() == [("S01", 1), ("S01", 2), ("S02", 2), ("S01", 3)]
    assert newcomer.versions() == [("S02", 2), ("S01", 3)]
