"""Write-path benchmark: check-ins per second against the same server's /healthz.

Run: .venv/bin/python bench/write_path.py   (needs wrk: apt-get install wrk)

One `shelter serve` process on a fresh SQLite file (WAL, synchronous=FULL). wrk measures,
in one run and against the same server software:
  1. /healthz at full speed (a request that also touches the database);
  2. check-ins (walk-in groups, fresh event_ids) at full speed;
  3. check-ins at a fixed offered load of 0.5 x the /healthz rate, for the p99 target.
Results go to docs/bench/write_path.json and a plot to docs/bench/write_path.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server import start, stop  # noqa: E402

TOKEN = "bench-admin-token-0123456789abcdefghij"
LUA = ROOT / "bench" / "wrk_checkin.lua"
OUT = ROOT / "docs" / "bench"


def wrk(
    url: str, *, seconds: int, connections: int, script: Path | None = None, delay_ms: float = 0
) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command += ["-s", str(script)]
    env = {**os.environ, "TOKEN": TOKEN, "DELAY_MS": f"{delay_ms:.3f}"}
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    if "unexpected status" in out.stderr:
        raise SystemExit(f"the server refused requests:\n{out.stderr[:500]}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1)),  # type: ignore[union-attr]
        **{
            f"p{p}": _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out.stdout).group(1))  # type: ignore[union-attr]
            for p in (50, 90, 99)
        },
    }


def offered_load(base: str, rate: float, seconds: int, connections: int) -> dict[str, float]:
    """Check-ins at about ``rate``/s: wrk waits between requests, calibrated in two steps.

    wrk is closed-loop; a pause after each answer turns it into a steady offered load.
    Each connection's cycle is latency + pause, so the pause is tuned until the measured
    rate is within 5 % of the target (the run reported is the last one).
    """
    pause = max(connections * 1000 / rate - 20, 0)
    result: dict[str, float] = {}
    for _ in range(4):
        result = wrk(
            f"{base}/", seconds=seconds, connections=connections, script=LUA, delay_ms=pause
        )
        if abs(result["rps"] - rate) <= 0.05 * rate:
            break
        cycle, latency = connections * 1000 / result["rps"], 0.0
        latency = max(cycle - pause, 0.0)
        pause = max(connections * 1000 / rate - latency, 0.0)
    return {**result, "target_rps": round(rate, 1)}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def walk_in(shelter_id: str) -> dict[str, object]:
    """One walk-in check-in with a fresh event id: the benchmarks' unit of change."""
    return {
        "event_id": str(uuid.uuid4()),
        "shelter_id": shelter_id,
        "kind": "check_in",
        "pass_code": None,
        "headcount": 1,
    }


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def plot(result: dict[str, object], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = result["runs"]
    assert isinstance(runs, dict)
    names = ["healthz", "checkin_max", "checkin_paced"]
    labels = ["/healthz\n(full speed)", "check-in\n(full speed)", "check-in\n(0.5 x healthz)"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.bar(labels, [runs[n]["rps"] for n in names], color=["#888", "#1f6feb", "#2da44e"])
    left.axhline(
        0.5 * runs["healthz"]["rps"],
        color="red",
        linestyle="--",
        linewidth=1,
        label="target: 0.5 x /healthz",
    )
    left.legend(loc="upper right")
    left.set_ylabel("requests / s")
    left.set_title("Throughput")
    width = 0.25
    for i, p in enumerate(("p50", "p90", "p99")):
        left_x = [x + (i - 1) * width for x in range(3)]
        right.bar(left_x, [runs[n][p] for n in names], width, label=p)
    right.axhline(50, color="red", linestyle="--", linewidth=1, label="target p99 50 ms")
    right.set_xticks(range(3), labels)
    right.set_ylabel("latency (ms)")
    right.set_title("Latency")
    right.legend()
    fig.suptitle(f"Write path, SQLite (WAL, synchronous=FULL), one process — {result['date']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start(Path(tmp) / "bench.db", env={"SHELTER_ADMIN_TOKEN": TOKEN})
        try:
            base = server.base
            wrk(f"{base}/healthz", seconds=2, connections=args.connections)  # warm up
            healthz = wrk(f"{base}/healthz", seconds=args.seconds, connections=args.connections)
            full = wrk(f"{base}/", seconds=args.seconds, connections=args.connections, script=LUA)
            paced = offered_load(base, 0.5 * healthz["rps"], args.seconds, args.connections)
        finally:
            stop(server)
    result: dict[str, object] = {
        **machine(),
        "connections": args.connections,
        "seconds": args.seconds,
        "runs": {"healthz": healthz, "checkin_max": full, "checkin_paced": paced},
        "ratio_max": round(full["rps"] / healthz["rps"], 3),
        "target_throughput_met": full["rps"] >= 0.5 * healthz["rps"],
        "target_p99_met": paced["p99"] <= 50 and paced["rps"] >= 0.45 * healthz["rps"],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "write_path.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(result, OUT / "write_path.png")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
