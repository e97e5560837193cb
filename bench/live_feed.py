"""Live fan-out benchmark: N websocket subscribers on one server process.

Run: .venv/bin/python bench/live_feed.py [--subscribers 1000 5000 10000] [--checkins 20]

For each N: one `shelter serve` (fresh SQLite), N subscribers to /ws/occupancy opened from
two client processes, then check-ins posted one second apart. For every (subscriber,
check-in) pair: the time from just before the POST to the moment that subscriber received
an update carrying the check-in's version. Also the server's memory per subscriber (RSS
with N connected minus RSS idle, over N). Clients run on the same 2 cores as the server,
so the latencies include the clients' own scheduling. Results: docs/bench/live_feed.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.write_path import machine  # noqa: E402
from tests.server import start, stop  # noqa: E402

TOKEN = "bench-admin-token"
CLIENT_PROCESSES = 2


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def _subscribers(url: str, count: int, ready: Any, stop_at: Any) -> list[dict[int, float]]:
    from websockets.asyncio.client import connect

    seen: list[dict[int, float]] = [{} for _ in range(count)]
    gate = asyncio.Semaphore(200)
    opened = asyncio.Event()
    connected = 0

    async def one(index: int) -> None:
        nonlocal connected
        async with gate:
            ws = await connect(url, open_timeout=60, max_queue=None, ping_interval=None)
            await ws.recv()  # the snapshot
        connected += 1
        if connected == count:
            opened.set()
        try:
            async for raw in ws:
                message = json.loads(raw)
                shelter = message.get("shelter")
                if shelter and shelter["id"] == "S01":
                    seen[index].setdefault(shelter["version"], time.time())
        finally:
            await ws.close()

    tasks = [asyncio.create_task(one(i)) for i in range(count)]
    await opened.wait()
    ready.put(count)
    while not stop_at.is_set():
        await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return seen


def client_process(url: str, count: int, ready: Any, stop_at: Any, results: Any) -> None:
    raise_fd_limit()
    seen = asyncio.run(_subscribers(url, count, ready, stop_at))
    results.put(seen)


def run(n: int, checkins: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        server = start(
            Path(tmp) / "live.db",
            env={"SHELTER_ADMIN_TOKEN": TOKEN, "SHELTER_LIVE_RESYNC_SECONDS": "3600"},
        )
        try:
            httpx.get(f"{server.base}/api/v1/occupancy")
            idle = rss_kb(server.process.pid)
            ctx = mp.get_context("spawn")
            ready, results, stop_at = ctx.Queue(), ctx.Queue(), ctx.Event()
            share = [
                n // CLIENT_PROCESSES + (i < n % CLIENT_PROCESSES) for i in range(CLIENT_PROCESSES)
            ]
            url = f"ws://127.0.0.1:{server.port}/ws/occupancy"
            began = time.monotonic()
            clients = [
                ctx.Process(target=client_process, args=(url, k, ready, stop_at, results))
                for k in share
            ]
            for process in clients:
                process.start()
            for _ in clients:
                ready.get(timeout=600)
            connect_s = time.monotonic() - began
            time.sleep(2)
            loaded = rss_kb(server.process.pid)
            posts: list[tuple[int, float]] = []
            with httpx.Client(
                base_url=server.base, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}
            ) as http:
                for _ in range(checkins):
                    body = {
                        "event_id": str(uuid.uuid4()),
                        "shelter_id": "S01",
                        "kind": "check_in",
                        "pass_code": None,
                        "headcount": 1,
                    }
                    sent = time.time()
                    answer = http.post("/api/v1/events", json=body).json()
                    posts.append((answer["shelter"]["version"], sent))
                    time.sleep(1)
            time.sleep(3)
            stop_at.set()
            seen = [conn for _ in clients for conn in results.get(timeout=120)]
            for process in clients:
                process.join(timeout=60)
        finally:
            stop(server)
    latencies: list[float] = []
    missing = 0
    for conn in seen:
        versions = sorted(conn.items())
        for version, sent in posts:
            got = next((t for v, t in versions if v >= version), None)
            if got is None:
                missing += 1
            else:
                latencies.append((got - sent) * 1000)
    latencies.sort()
    pairs = len(seen) * len(posts)
    return {
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
    args = parser.parse_args()
    raise_fd_limit()
    rows = []
    for n in args.subscribers:
        row = run(n, args.checkins)
        print(json.dumps(row), flush=True)
        rows.append(row)
    largest = max(rows, key=lambda r: r["subscribers"])
    result = {
        **machine(),
        "runs": rows,
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
