"""Mixed load: the Nanao replay, 1,000 public viewers polling, and a kiosk — kiosk p99.

Run: .venv/bin/python bench/mixed_load.py [--seconds 60] [--viewers 1000]

One `shelter serve` on SQLite. For ``--seconds``, at once:
  * `bench/simulate.py nanao` replays the real Nanao 2024 headcounts, compressed
    (``--speed``: real seconds per wall second), as batches of walk-ins and check-outs;
  * ``--viewers`` residents poll GET /api/v1/occupancy every 2 s with If-None-Match
    (most answers are 304 until a count changes);
  * one kiosk checks walk-in groups in at 20 per second and records each latency.
The target is kiosk p99 <= 50 ms. Results: docs/bench/mixed_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import yardstick  # noqa: E402
from bench.write_path import machine, walk_in  # noqa: E402
from tests.server import start, stop  # noqa: E402

TOKEN = "bench-admin-token-0123456789abcdefghij"
HQ = {"Authorization": f"Bearer {TOKEN}"}


async def viewer(base: str, until: float, counts: dict[str, int]) -> None:
    etag = None
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        while time.monotonic() < until:
            headers = {"If-None-Match": etag} if etag else {}
            try:
                response = await http.get("/api/v1/occupancy", headers=headers)
            except httpx.HTTPError:
                counts["errors"] += 1
            else:
                counts[str(response.status_code)] = counts.get(str(response.status_code), 0) + 1
                etag = response.headers.get("etag", etag)
            await asyncio.sleep(2)


def kiosk(base: str, seconds: float, rate: float) -> list[float]:
    """The door: walk-in groups at a steady rate, each latency measured on its own."""
    latencies: list[float] = []
    until = time.monotonic() + seconds
    next_at = time.monotonic()
    with httpx.Client(base_url=base, headers=HQ, timeout=30) as http:
        n = 0
        while time.monotonic() < until:
            body = walk_in(f"S0{n % 5 + 1}")
            began = time.perf_counter()
            response = http.post("/api/v1/events", json=body)
            latencies.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 201, response.text
            n += 1
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.monotonic()))
    return latencies


def viewers(base: str, seconds: float, count: int, out: Any) -> None:
    """The residents, in a process of their own so their load never slows the kiosk's clock."""
    until = time.monotonic() + seconds
    counts: dict[str, int] = {"errors": 0}

    async def everyone() -> None:
        await asyncio.gather(*(viewer(base, until, counts) for _ in range(count)))

    asyncio.run(everyone())
    out.put(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument(
        "--speed", type=float, default=20000, help="replay speed: real seconds per wall second"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start(Path(tmp) / "mixed.db", env={"SHELTER_ADMIN_TOKEN": TOKEN})
        replay = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.simulate",
                "nanao",
                "--url",
                server.base,
                "--token",
                TOKEN,
                "--speed",
                str(args.speed),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ},
        )
        time.sleep(3)  # let the import land before measuring
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        crowd = ctx.Process(target=viewers, args=(server.base, args.seconds, args.viewers, out))
        try:
            crowd.start()
            latencies = kiosk(server.base, args.seconds, rate=20)
            counts = out.get(timeout=120)
            crowd.join(timeout=30)
        finally:
            replay.terminate()
            replay_out = replay.communicate(timeout=10)[0]
            stop(server)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    result = {
        **machine(),
        # The yardstick of the same run (bench/yardstick.py): how fast this machine is now.
        "bare_fastapi_rps": yardstick.measure(),
        "seconds": args.seconds,
        "viewers": args.viewers,
        "replay_speed": args.speed,
        "replay_snapshots": sum(1 for line in replay_out.splitlines() if "people" in line),
        "kiosk_checkins": len(latencies),
        "kiosk_p50_ms": round(statistics.median(latencies), 1),
        "kiosk_p99_ms": round(p99, 1),
        "kiosk_max_ms": round(latencies[-1], 1),
        "viewer_answers": counts,
        "target_met": p99 <= 50,
    }
    out = ROOT / "docs" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "mixed_load.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(replay_out[-2000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
