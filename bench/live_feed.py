"""Live fan-out benchmark: N websocket subscribers on one server process.

Run: .venv/bin/python bench/live_feed.py [--subscribers 1000 5000 10000] [--checkins 20]

For each N: one `shelter serve` (fresh SQLite), N subscribers to /ws/occupancy opened from
two client processes (recording-only clients: see `Subscriber`), then check-ins posted one
second apart. For every (subscriber,
check-in) pair: the time from just before the POST to the moment that subscriber received
an update carrying the check-in's version. Also the server's memory per subscriber (RSS
with N connected minus RSS idle, over N). Clients run on the same 2 cores as the server,
so the latencies include the clients' own scheduling. Results: docs/bench/live_feed.json.
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import resource
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import yardstick  # noqa: E402
from bench.write_path import machine, walk_in  # noqa: E402
from tests.server import start, stop  # noqa: E402

TOKEN = "bench-admin-token-0123456789abcdefghij"
CLIENT_PROCESSES = 2


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


HANDSHAKE = (
    "GET /ws/occupancy HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class Subscriber(asyncio.Protocol):
    """The cheapest client that still is one: it records what arrives, and when.

    The clients share the two cores with the server, so a client that parses frames and
    JSON as they arrive would steal the CPU the server needs and add its own queueing to
    every latency. This one only timestamps each chunk the kernel hands over; frames are
    parsed after the run (server frames are unmasked, with no compression negotiated).
    """

    def __init__(self, host: str, opened: asyncio.Future[None]) -> None:
        self.host, self.opened = host, opened
        self.chunks: list[tuple[float, bytes]] = []
        self.size = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(HANDSHAKE.format(host=self.host, key=key).encode())

    def data_received(self, data: bytes) -> None:
        self.chunks.append((time.time(), data))
        self.size += len(data)
        if not self.opened.done() and snapshot_complete(b"".join(c for _, c in self.chunks)):
            self.opened.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before the snapshot"))


def frames(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(end offset, payload) of each complete server frame after the HTTP head."""
    head = data.find(b"\r\n\r\n")
    if head < 0 or not data.startswith(b"HTTP/1.1 101"):
        return
    at = head + 4
    while at + 2 <= len(data):
        length, start = data[at + 1] & 0x7F, at + 2
        if length == 126:
            length, start = int.from_bytes(data[at + 2 : at + 4], "big"), at + 4
        elif length == 127:
            length, start = int.from_bytes(data[at + 2 : at + 10], "big"), at + 10
        if start + length > len(data):
            return
        yield start + length, data[start : start + length]
        at = start + length


def snapshot_complete(data: bytes) -> bool:
    return next(frames(data), None) is not None


def versions_seen(subscriber: Subscriber) -> dict[int, float]:
    """S01's versions and when each first arrived at this subscriber."""
    data = b"".join(c for _, c in subscriber.chunks)
    ends, total = [], 0
    for moment, chunk in subscriber.chunks:
        total += len(chunk)
        ends.append((total, moment))
    seen: dict[int, float] = {}
    for end, payload in frames(data):
        if not payload.startswith(b'{"type":"update"'):
            continue
        shelter = json.loads(payload)["shelter"]
        if shelter["id"] == "S01":
            arrived = next(moment for total, moment in ends if total >= end)
            seen.setdefault(shelter["version"], arrived)
    return seen


async def _subscribers(port: int, count: int, ready: Any, stop_at: Any) -> list[dict[int, float]]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(200)
    host = f"127.0.0.1:{port}"

    async def one() -> Subscriber:
        async with gate:
            opened: asyncio.Future[None] = loop.create_future()
            _, protocol = await loop.create_connection(
                lambda: Subscriber(host, opened), "127.0.0.1", port
            )
            await asyncio.wait_for(opened, 60)
            return protocol

    subscribers = await asyncio.gather(*(one() for _ in range(count)))
    ready.put(count)
    while not stop_at.is_set():
        await asyncio.sleep(0.2)
    for subscriber in subscribers:
        if subscriber.transport is not None:
            subscriber.transport.close()
    return [versions_seen(s) for s in subscribers]


def client_process(port: int, count: int, ready: Any, stop_at: Any, results: Any) -> None:
    import uvloop

    raise_fd_limit()
    seen = uvloop.run(_subscribers(port, count, ready, stop_at))
    results.put(seen)


class Target(abc.ABC):
    """What the subscribers connect to, and how a change is made there."""

    port: int
    pid: int

    @abc.abstractmethod
    def change(self) -> int:
        """Make one change to S01 and return its version."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop the server."""


class Service(Target):
    """`shelter serve` on a fresh SQLite file; a change is a real check-in POST."""

    def __init__(self, tmp: Path) -> None:
        self.server = start(
            tmp / "live.db",
            # No pings during the run: the recording clients never answer them (the ping
            # path has its own test), and no resync pass to mix with the check-ins.
            env={
                "SHELTER_ADMIN_TOKEN": TOKEN,
                "SHELTER_LIVE_RESYNC_SECONDS": "3600",
                "SHELTER_WS_PING_INTERVAL_SECONDS": "3600",
            },
        )
        self.port, self.pid = self.server.port, self.server.process.pid
        self.http = httpx.Client(
            base_url=self.server.base, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        self.http.get("/api/v1/occupancy")

    def change(self) -> int:
        body = walk_in("S01")
        version: int = self.http.post("/api/v1/events", json=body).json()["shelter"]["version"]
        return version

    def close(self) -> None:
        self.http.close()
        stop(self.server)


def bare_broadcaster(ports: Any) -> None:
    """The floor: a uvloop server that writes one pre-framed message to every socket.

    Same clients, same kernel, same message size, and nothing else: no ASGI, no protocol
    objects, no database. What the service costs above this is what our code costs.
    """
    import uvloop

    raise_fd_limit()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        sockets: list[asyncio.Transport] = []
        shelter = json.loads(SNAPSHOT_SHELTER)

        def frame(text: str) -> bytes:
            data = text.encode()
            head = bytes([0x81, 126]) + len(data).to_bytes(2, "big")
            return head + data if len(data) >= 126 else bytes([0x81, len(data)]) + data

        class Peer(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = cast(asyncio.Transport, transport)
                self.head = b""

            def data_received(self, data: bytes) -> None:
                self.head += data
                if b"\r\n\r\n" in self.head and self not in peers:
                    peers.add(self)
                    self.transport.write(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
                    self.transport.write(frame('{"type":"snapshot","shelters":[]}'))
                    sockets.append(self.transport)

        class Control(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = cast(asyncio.Transport, transport)

            def data_received(self, data: bytes) -> None:
                for line in data.split():
                    shelter["version"] = int(line)
                    message = frame(f'{{"type":"update","shelter":{json.dumps(shelter)}}}')
                    for transport in sockets:
                        transport.write(message)
                    self.transport.write(b"ok\n")

        peers: set[Peer] = set()
        feed = await loop.create_server(Peer, "127.0.0.1", 0)
        control = await loop.create_server(Control, "127.0.0.1", 0)
        ports.put((feed.sockets[0].getsockname()[1], control.sockets[0].getsockname()[1]))
        await asyncio.Event().wait()

    uvloop.run(main())


# An update the size of the service's (one shelter's status), so the bytes match.
SNAPSHOT_SHELTER = json.dumps(
    {
        "id": "S01",
        "name": "芦北町民総合センター",
        "name_en": "Ashikita Community Center",
        "address": "熊本県葦北郡芦北町大字芦北2015",
        "lat": 32.2987,
        "lon": 130.4937,
        "capacity": 300,
        "occupancy": 1,
        "vacancy": 299,
        "level": "available",
        "open": True,
        "version": 0,
        "updated_at": "2026-11-23T00:00:00Z",
    },
    ensure_ascii=False,
)


class Bare(Target):
    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        ports = ctx.Queue()
        self.process = ctx.Process(target=bare_broadcaster, args=(ports,), daemon=True)
        self.process.start()
        self.port, control = ports.get(timeout=30)
        self.pid = self.process.pid or 0
        self.control = socket.create_connection(("127.0.0.1", control))
        self.version = 0

    def change(self) -> int:
        self.version += 1
        self.control.sendall(f"{self.version}\n".encode())
        self.control.recv(16)
        return self.version

    def close(self) -> None:
        self.control.close()
        self.process.kill()


def run(n: int, checkins: int, bare: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        target: Target = Bare() if bare else Service(Path(tmp))
        try:
            idle = rss_kb(target.pid)
            ctx = mp.get_context("spawn")
            ready, results, stop_at = ctx.Queue(), ctx.Queue(), ctx.Event()
            share = [
                n // CLIENT_PROCESSES + (i < n % CLIENT_PROCESSES) for i in range(CLIENT_PROCESSES)
            ]
            began = time.monotonic()
            clients = [
                ctx.Process(target=client_process, args=(target.port, k, ready, stop_at, results))
                for k in share
            ]
            for process in clients:
                process.start()
            for _ in clients:
                ready.get(timeout=600)
            connect_s = time.monotonic() - began
            time.sleep(2)
            loaded = rss_kb(target.pid)
            posts: list[tuple[int, float]] = []
            for _ in range(checkins):
                sent = time.time()
                posts.append((target.change(), sent))
                time.sleep(1)
            time.sleep(3)
            stop_at.set()
            seen = [conn for _ in clients for conn in results.get(timeout=120)]
            for process in clients:
                process.join(timeout=60)
        finally:
            target.close()
    latencies: list[float] = []
    for conn in seen:
        versions = sorted(conn.items())
        for version, sent in posts:
            got = next((t for v, t in versions if v >= version), None)
            if got is not None:
                latencies.append((got - sent) * 1000)
    latencies.sort()
    pairs = len(seen) * len(posts)
    return {
        "server": "bare uvloop broadcast (floor)" if bare else "shelter serve",
        "subscribers": n,
        "connected": len(seen),
        "connect_seconds": round(connect_s, 1),
        "checkins": len(posts),
        "delivered_fraction": round(len(latencies) / pairs, 4) if pairs else 0,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 1),
        "max_ms": round(latencies[-1], 1),
        "rss_idle_mb": round(idle / 1024, 1),
        "rss_loaded_mb": round(loaded / 1024, 1),
        "kb_per_subscriber": round((loaded - idle) / n, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--checkins", type=int, default=20)
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the bare broadcaster run at each N"
    )
    args = parser.parse_args()
    raise_fd_limit()
    rows, floors = [], []
    for n in args.subscribers:
        row = run(n, args.checkins, bare=False)
        print(json.dumps(row), flush=True)
        rows.append(row)
        if not args.no_floor:
            floor = run(n, args.checkins, bare=True)
            print(json.dumps(floor), flush=True)
            floors.append(floor)
    largest = max(rows, key=lambda r: r["subscribers"])
    result = {
        **machine(),
        # The yardstick of the same run (bench/yardstick.py): how fast this machine is now.
        "bare_fastapi_rps": yardstick.measure(),
        "runs": rows,
        "floor": floors,
        "target_10k_on_one_process": largest["subscribers"] >= 10000
        and largest["connected"] == largest["subscribers"],
        "target_p99_250ms": all(r["p99_ms"] <= 250 for r in rows),
        "target_20kb_per_subscriber": all(r["kb_per_subscriber"] <= 20 for r in rows),
    }
    out = ROOT / "docs" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "live_feed.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
