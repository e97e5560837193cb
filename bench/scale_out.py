"""Scale-out benchmark: PostgreSQL with 1, 2 and 4 workers against SQLite in one process.

Run: .venv/bin/python bench/scale_out.py   (needs wrk and PostgreSQL at 127.0.0.1:5432)

For each setup, on a fresh database: check-ins per second at full speed (wrk, 32
connections, walk-ins and pass-code scans, as bench/write_path.py), as a ratio to the bare
FastAPI app measured in the same run (bench/yardstick.py; target with PostgreSQL and 2
workers: >= 0.25 x bare, issue #15), and the delivery latency of a check-in to 200 websocket clients
(spread over the workers by the kernel). With several workers most clients sit on another
worker than the one that took the POST, so the difference to one worker is what the
PostgreSQL NOTIFY hop adds. Results: docs/bench/scale_out.json.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.write_path import (  # noqa: E402
    LUA,
    TOKEN,
    door_env,
    door_flag,
    machine,
    register,
    walk_in,
    wrk,
)
from bench.yardstick import bare  # noqa: E402
from tests.server import start, stop  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
CLIENTS = 200
CHECKINS = 15


async def delivery(port: int, base: str) -> list[float]:
    from websockets.asyncio.client import connect

    seen: list[dict[int, float]] = [{} for _ in range(CLIENTS)]
    sockets = [await connect(f"ws://127.0.0.1:{port}/ws/occupancy") for _ in range(CLIENTS)]
    for ws in sockets:
        await ws.recv()

    async def listen(index: int, ws: Any) -> None:
        async for raw in ws:
            shelter = json.loads(raw).get("shelter")
            if shelter and shelter["id"] == "S02":
                seen[index].setdefault(shelter["version"], time.time())

    readers = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(sockets)]
    posts = []
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ) as http:
        for _ in range(CHECKINS):
            body = walk_in("S02")
            sent = time.time()
            answer = (await http.post("/api/v1/events", json=body)).json()
            posts.append((answer["shelter"]["version"], sent))
            await asyncio.sleep(0.5)
    await asyncio.sleep(2)
    for task in readers:
        task.cancel()
    for ws in sockets:
        await ws.close()
    latencies = []
    for conn in seen:
        for version, sent in posts:
            got = min((t for v, t in conn.items() if v >= version), default=None)
            if got is not None:
                latencies.append((got - sent) * 1000)
    return sorted(latencies)


def measure(url: str, workers: int, bare_base: str, env: dict[str, str]) -> dict[str, Any]:
    server = start(url, env={"SHELTER_ADMIN_TOKEN": TOKEN, **env}, args=["--workers", str(workers)])
    try:
        passes = register(server.base, 100)
        yardstick = wrk(f"{bare_base}/", seconds=8, connections=32)
        full = wrk(f"{server.base}/", seconds=8, connections=32, script=LUA, passes=passes)
        latencies = asyncio.run(delivery(server.port, server.base))
    finally:
        stop(server)
    return {
        "bare_per_s": yardstick["rps"],
        "checkins_per_s": full["rps"],
        "ratio_to_bare": round(full["rps"] / yardstick["rps"], 3),
        "checkin_p99_ms": full["p99"],
        "delivery_p50_ms": round(statistics.median(latencies), 1),
        "delivery_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "delivered": len(latencies),
        "expected": CLIENTS * CHECKINS,
    }


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    door_flag(parser)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench")
    args = parser.parse_args()
    with bare() as yard:
        return run(args.workers, args.out, yard.base, door_env(args))


def run(worker_counts: list[int], out: Path, bare_base: str, env: dict[str, str]) -> int:
    results: dict[str, Any] = {
        **machine(),
        "clients": CLIENTS,
        "checkins": CHECKINS,
        "door_process": env.get("SHELTER_DOOR_WRITER_PROCESS", "default"),
        "runs": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        results["runs"]["sqlite-1"] = measure(f"sqlite:///{tmp}/s.db", 1, bare_base, env)
        print("sqlite-1", results["runs"]["sqlite-1"], flush=True)
    for workers in worker_counts:
        name = f"shelter_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            results["runs"][f"postgresql-{workers}"] = measure(
                f"{PG}/{name}", workers, bare_base, env
            )
            print(f"postgresql-{workers}", results["runs"][f"postgresql-{workers}"], flush=True)
        finally:
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    one = results["runs"].get("postgresql-1", results["runs"]["sqlite-1"])["delivery_p99_ms"]
    added = {
        k: round(v["delivery_p99_ms"] - one, 1)
        for k, v in results["runs"].items()
        if k.startswith("postgresql-") and k != "postgresql-1"
    }
    results["cross_worker_added_p99_ms"] = added
    results["target_met"] = all(a <= 100 for a in added.values())
    two = results["runs"].get("postgresql-2")
    if two is not None:
        results["pg2_checkins_0.25x_bare"] = two["ratio_to_bare"] >= 0.25
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale_out.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
