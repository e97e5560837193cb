"""At the framework's speed: the service's hot paths as ratios to a bare FastAPI app.

Run: .venv/bin/python bench/write_path.py   (needs wrk: apt-get install wrk)

In one run, on the same two cores and the same uvicorn settings (issue #15):
  0. the yardstick: a bare FastAPI app, async ``GET /`` with a small JSON (bench/yardstick.py);
  1. ``/healthz`` (liveness) and ``/readyz`` (touches the database);
  2. the public reads: ``/api/v1/occupancy``, ``/api/v1/shelters``, ``/api/v1/shelters/S01``;
  3. check-ins at full speed (wrk, 32 connections): half walk-ins, half pass-code scans of
     registered households, every one with a fresh event id, on a fresh SQLite file in WAL
     with ``synchronous=FULL``; once with structured access logs on (the default of
     ``shelter serve``) and once on a second server with them off;
  4. check-ins at an offered load of half the target rate (0.25 x bare), for the p99.
Results go to docs/bench/write_path.json and a plot to docs/bench/write_path.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.yardstick import bare  # noqa: E402
from tests.server import start, stop  # noqa: E402

TOKEN = "bench-admin-token-0123456789abcdefghij"
LUA = ROOT / "bench" / "wrk_checkin.lua"
OUT = ROOT / "docs" / "bench"


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    script: Path | None = None,
    delay_ms: float = 0,
    passes: list[str] | None = None,
) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command += ["-s", str(script)]
    env = {
        **os.environ,
        "TOKEN": TOKEN,
        "DELAY_MS": f"{delay_ms:.3f}",
        "PASSES": ",".join(passes or []),
    }
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


def offered_load(
    base: str, rate: float, seconds: int, connections: int, passes: list[str] | None = None
) -> dict[str, float]:
    """Check-ins at about ``rate``/s: wrk waits between requests, calibrated in two steps.

    wrk is closed-loop; a pause after each answer turns it into a steady offered load.
    Each connection's cycle is latency + pause, so the pause is tuned until the measured
    rate is within 5 % of the target (the run reported is the last one).
    """
    pause = max(connections * 1000 / rate - 20, 0)
    result: dict[str, float] = {}
    for _ in range(4):
        result = wrk(
            f"{base}/",
            seconds=seconds,
            connections=connections,
            script=LUA,
            delay_ms=pause,
            passes=passes,
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


def register(base: str, count: int) -> list[str]:
    """``count`` households registered by hq (no registration limit); their pass codes."""
    import httpx

    codes = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        for i in range(count):
            member = {"name": f"避難 {i}", "name_kana": "ひなん", "birth_year": 1960, "needs": []}
            answer = http.post("/api/v1/households", json={"members": [member], "pets": 0})
            answer.raise_for_status()
            codes.append(answer.json()["pass_code"])
    return codes


READS = {
    "healthz": "/healthz",
    "readyz": "/readyz",
    "occupancy": "/api/v1/occupancy",
    "shelters": "/api/v1/shelters",
    "shelter": "/api/v1/shelters/S01",
}
LABELS = {
    "bare": "bare FastAPI\nGET /",
    "healthz": "/healthz",
    "readyz": "/readyz",
    "occupancy": "occupancy",
    "shelters": "shelters",
    "shelter": "shelters/S01",
    "checkin_logs_off": "check-ins\nlogs off",
    "checkin_max": "check-ins\nlogs on",
    "checkin_paced": "check-ins\n0.25 x bare",
}


def plot(result: dict[str, object], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = result["runs"]
    assert isinstance(runs, dict)
    names = [n for n in LABELS if n in runs]
    bare_rps = runs["bare"]["rps"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.bar(
        [LABELS[n] for n in names],
        [runs[n]["rps"] / bare_rps for n in names],
        color=["#888"] + ["#1f6feb"] * (len(names) - 1),
    )
    for target, label in ((0.5, "check-in target 0.5"), (0.7, "read target 0.7")):
        left.axhline(target, linestyle="--", linewidth=1, color="red", label=label)
    left.legend(loc="upper right", fontsize=8)
    left.set_ylabel("x bare FastAPI (same run)")
    left.set_title(f"Throughput (bare = {bare_rps:,.0f} req/s)")
    left.tick_params(axis="x", labelsize=7)
    checkins = [n for n in names if n.startswith("checkin")]
    width = 0.25
    for i, p in enumerate(("p50", "p90", "p99")):
        xs = [x + (i - 1) * width for x in range(len(checkins))]
        right.bar(xs, [runs[n][p] for n in checkins], width, label=p)
    right.axhline(50, color="red", linestyle="--", linewidth=1, label="target p99 50 ms (paced)")
    right.set_xticks(range(len(checkins)), [LABELS[n] for n in checkins])
    right.set_ylabel("latency (ms)")
    right.set_title("Check-in latency")
    right.legend()
    fig.suptitle(f"SQLite (WAL, synchronous=FULL), one process, wrk -c32 — {result['date']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def door_flag(parser: argparse.ArgumentParser) -> None:
    """``--door-process on|off``: for an A/B of the door's writer process."""
    parser.add_argument(
        "--door-process",
        choices=["on", "off"],
        default=None,
        help="check-ins' writer in a process of its own (default: the service's default)",
    )


def door_env(args: argparse.Namespace) -> dict[str, str]:
    """The server's environment for ``--door-process`` (nothing: the service's default)."""
    if args.door_process is None:
        return {}
    return {"SHELTER_DOOR_WRITER_PROCESS": "true" if args.door_process == "on" else "false"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--passes", type=int, default=200, help="households to scan")
    parser.add_argument(
        "--pairs", type=int, default=2, help="logs on/off runs, alternated, for the logs' cost"
    )
    door_flag(parser)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    n, secs = args.connections, args.seconds
    runs: dict[str, dict[str, float]] = {}
    env = {"SHELTER_ADMIN_TOKEN": TOKEN, **door_env(args)}
    with tempfile.TemporaryDirectory() as tmp, bare() as yard:
        logs = (Path(tmp) / "access.log").open("w")
        loud = start(Path(tmp) / "loud.db", env=env, args=["--log-level", "info"], stderr=logs)
        quiet = start(Path(tmp) / "quiet.db", env=env)  # --log-level warning: no access log
        try:
            passes = {s.base: register(s.base, args.passes) for s in (loud, quiet)}
            for url in (f"{yard.base}/", f"{loud.base}/healthz", f"{quiet.base}/healthz"):
                wrk(url, seconds=2, connections=n)  # warm up
            runs["bare"] = wrk(f"{yard.base}/", seconds=secs, connections=n)
            # Logs on and off alternate (``--pairs`` times, the first of each pair swapping
            # sides), and each side keeps the better of its runs: the machine's speed moves
            # within a minute, and a ratio must not ride on that.
            on, off = [], []
            for pair in range(args.pairs):
                sides = [(loud, on), (quiet, off)]
                for server, results in sides if pair % 2 == 0 else sides[::-1]:
                    results.append(
                        wrk(
                            f"{server.base}/",
                            seconds=secs,
                            connections=n,
                            script=LUA,
                            passes=passes[server.base],
                        )
                    )
            runs["checkin_max"] = max(on, key=lambda r: r["rps"])
            runs["checkin_logs_off"] = max(off, key=lambda r: r["rps"])
            runs["checkin_paced"] = offered_load(
                loud.base, 0.25 * runs["bare"]["rps"], secs, n, passes[loud.base]
            )
            # The reads last: thousands of requests a second leave the log thread a backlog
            # that would still be written while the check-ins were measured.
            for name, path in READS.items():
                runs[name] = wrk(f"{loud.base}{path}", seconds=secs, connections=n)
        finally:
            stop(loud)
            stop(quiet)
            logs.close()
    bare_rps = runs["bare"]["rps"]
    ratios = {name: round(run["rps"] / bare_rps, 3) for name, run in runs.items()}
    result: dict[str, object] = {
        **machine(),
        "connections": n,
        "seconds": secs,
        "runs": runs,
        "ratios_to_bare": ratios,
        "logs_cost": round(1 - runs["checkin_max"]["rps"] / runs["checkin_logs_off"]["rps"], 3),
        # Each pair ran back to back, so its ratio rides least on the machine's drift; the
        # median of the pairs is the figure to trust on a noisy host.
        "logs_cost_pairs": [
            round(1 - a["rps"] / b["rps"], 3) for a, b in zip(on, off, strict=True)
        ],
        "logs_cost_median": round(
            statistics.median(1 - a["rps"] / b["rps"] for a, b in zip(on, off, strict=True)), 3
        ),
        "targets": {
            "checkins_0.5x_bare": ratios["checkin_max"] >= 0.5,
            "paced_p99_50ms": runs["checkin_paced"]["p99"] <= 50,
            "reads_0.7x_bare": all(ratios[k] >= 0.7 for k in ("occupancy", "shelters", "shelter")),
            "healthz_0.8x_bare": ratios["healthz"] >= 0.8,
            "logs_cost_10pct": runs["checkin_max"]["rps"] >= 0.9 * runs["checkin_logs_off"]["rps"],
            "logs_cost_median_10pct": statistics.median(
                1 - a["rps"] / b["rps"] for a, b in zip(on, off, strict=True)
            )
            <= 0.1,
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "write_path.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(result, args.out / "write_path.png")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
