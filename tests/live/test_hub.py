"""The hub and the per-client pump, without a network: merging and dropping."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from shelter.live.hub import Hub
from shelter.live.router import _pump, origin_allowed
from shelter.occupancy.schemas import Level, ShelterStatus


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


def test_a_burst_to_one_shelter_reaches_a_client_as_its_newest_state() -> None:
    """Twenty changes before the client reads become one message: the newest version."""

    async def scenario() -> list[str]:
        hub = Hub()
        subscriber = hub.subscribe()
        for version in range(1, 21):
            hub.refresh([status("S01", version, occupancy=version)])
        hub.refresh([status("S02", 1)])
        return await subscriber.take()

    messages = [json.loads(m) for m in asyncio.run(scenario())]
    assert [(m["shelter"]["id"], m["shelter"]["version"]) for m in messages] == [
        ("S01", 20),
        ("S02", 1),
    ]
    assert messages[1]["totals"]["occupancy"] == 20


def test_an_older_version_never_overwrites_a_newer_one() -> None:
    """States arriving out of order: the highest version wins and stale ones are dropped."""

    async def scenario() -> tuple[list[str], int]:
        hub = Hub()
        subscriber = hub.subscribe()
        hub.refresh([status("S01", 5, occupancy=5)])
        hub.refresh([status("S01", 3, occupancy=3)])
        return await subscriber.take(), hub.state()["S01"].version

    messages, version = asyncio.run(scenario())
    assert version == 5
    assert [json.loads(m)["shelter"]["occupancy"] for m in messages] == [5]


def test_snapshot_holds_every_shelter_and_the_totals() -> None:
    """A new client's first message comes from the hub's cache."""
    hub = Hub()
    hub.refresh([status("S02", 1, occupancy=7), status("S01", 2, occupancy=3)])
    snapshot = json.loads(hub.snapshot_message())
    assert snapshot["type"] == "snapshot"
    assert [s["id"] for s in snapshot["shelters"]] == ["S01", "S02"]
    assert snapshot["totals"] == {"capacity": 200, "occupancy": 10, "vacancy": 190}


class FakeSocket:
    """Stands in for a websocket: a fast reader, or one that never takes a message."""

    def __init__(self, *, stuck: bool) -> None:
        self.stuck = stuck
        self.received: list[str] = []
        self.closed_with: int | None = None

    async def send_text(self, message: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()  # the client's buffers are full: blocks forever
        self.received.append(message)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed_with = code


def test_a_client_that_stops_reading_is_dropped_and_never_slows_the_others() -> None:
    """The stuck client is closed after the timeout; the fast one got every update at once."""

    async def scenario() -> tuple[FakeSocket, FakeSocket, float]:
        hub = Hub()
        slow, fast = FakeSocket(stuck=True), FakeSocket(stuck=False)
        slow_sub, fast_sub = hub.subscribe(), hub.subscribe()
        tasks = [
            asyncio.create_task(_pump(slow, slow_sub, 0.3, None)),  # type: ignore[arg-type]
            asyncio.create_task(_pump(fast, fast_sub, 0.3, None)),  # type: ignore[arg-type]
        ]
        loop = asyncio.get_running_loop()
        start = loop.time()
        for version in range(1, 6):
            hub.refresh([status(f"S0{version}", 1)])
            await asyncio.sleep(0.01)
        fast_done = loop.time() - start
        await asyncio.wait_for(tasks[0], timeout=2)  # the slow pump ends by itself
        tasks[1].cancel()
        return slow, fast, fast_done

    slow, fast, fast_done = asyncio.run(scenario())
    assert len(fast.received) == 5
    assert fast_done < 0.3
    assert slow.closed_with == 1008
    assert slow.received == []


def test_origin_must_be_the_service_itself_or_listed() -> None:
    """Cross-site pages cannot open the feed; servers without Origin and listed sites can."""
    assert origin_allowed(None, "shelter.example", [])
    assert origin_allowed("https://shelter.example", "shelter.example", [])
    assert not origin_allowed("https://evil.example", "shelter.example", [])
    assert origin_allowed("https://town.example", "shelter.example", ["https://town.example"])
    assert not origin_allowed("null", "shelter.example", [])
