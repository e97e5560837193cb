"""`bench/simulate.py surge | nanao`: drive a running server with realistic traffic (a load
driver, not part of the service: run it with `.venv/bin/python -m bench.simulate`).

Two scenarios, both over the public HTTP API only (so they exercise what kiosks do):
- ``surge``: households register and arrive at the town's shelters over a few minutes,
  the nearest-to-the-river shelters fill first, some go over capacity, a few move or leave.
- ``nanao``: the real Nanao City (Noto 2024) headcounts, replayed in compressed time: each
  snapshot's numbers are reached with walk-in check-ins and check-outs, and shelters open
  and close as they did.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import sys
import time
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

JST = timezone(timedelta(hours=9))
ERA_TIME = re.compile(r"令和(\d+)年(\d+)月(\d+)日(?:(正午)|(午前|午後)(\d+)時(?:(\d+)分)?)")
FAMILY = ["見本", "試験", "仮名", "例示", "避難", "訓練"]  # obviously not real people
GIVEN = ["太郎", "花子", "一郎", "さくら", "健", "美咲", "翔", "陽菜", "勇", "和子"]
NEEDS = ["elderly", "wheelchair", "infant", "pregnant", "chronic_illness", "allergy"]


class SimulationError(RuntimeError):
    """The server could not be driven (unreachable, or the token was refused)."""


def parse_era_time(text: str) -> datetime:
    """令和6年1月9日午後6時 → 2024-01-09T18:00+09:00 (午前0時 is midnight; 午後12時 and
    正午 are noon)."""
    match = ERA_TIME.search(unicodedata.normalize("NFKC", text))
    if not match:
        raise ValueError(f"not a Japanese era time: {text!r}")
    era_year, month, day, noon, half, hour, minute = match.groups()
    hour_24 = 12 if noon else int(hour) % 12 + (12 if half == "午後" else 0)
    return datetime(
        2018 + int(era_year), int(month), int(day), hour_24, int(minute or 0), tzinfo=JST
    )


@dataclass
class Snapshot:
    at: datetime
    people: dict[str, int]
    places: dict[str, tuple[str, float, float]]  # id → (name, lat, lon)


def read_snapshot(path: Path) -> Snapshot:
    """One history file; the first names its count column 人数_<time>時点 instead."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if not rows:
        raise ValueError(f"{path} has no rows")
    count_column = (
        "人数" if "人数" in rows[0] else next(k for k in rows[0] if k.startswith("人数_"))
    )
    when = rows[0].get("時点") or count_column.removeprefix("人数_").removesuffix("時点")
    people, places = {}, {}
    for row in rows:
        digits = unicodedata.normalize("NFKC", row[count_column] or "0").replace(",", "")
        people[row["ID"]] = int(digits) if digits.isdigit() else 0
        places[row["ID"]] = (row["名称"], float(row["緯度"]), float(row["経度"]))
    return Snapshot(parse_era_time(when), people, places)


@dataclass
class Driver:
    """Posts with retries: the same body again after a transport error, 503 or 429."""

    url: str
    token: str
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.token}"}
        )

    def call(self, method: str, path: str, *, attempts: int = 20, **kwargs: Any) -> httpx.Response:
        """Send a request, again with the very same body (so the same event_id) when the
        connection fails or the server says 503 / 429 (after its Retry-After)."""
        last = "no answer"
        for attempt in range(attempts):
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                last = str(exc) or type(exc).__name__
                if attempt + 1 < attempts:
                    time.sleep(min(0.25 * 2**attempt, 2.0))
                continue
            if response.status_code in (503, 429):
                last = f"it kept answering {response.status_code}"
                time.sleep(_retry_after(response))
                continue
            if response.status_code == 401:
                raise SimulationError("the server refused the token (use an hq token)")
            return response
        raise SimulationError(f"cannot reach {self.url}: {last}")

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """`call`, then the JSON answer of a 2xx, or a SimulationError saying what went wrong."""
        response = self.call(method, path, **kwargs)
        if response.status_code == 403:
            raise SimulationError(f"the token may not {method} {path} (use an hq token)")
        if not response.is_success:
            raise SimulationError(
                f"{method} {path} answered {response.status_code}: {response.text[:300]}"
            )
        return response.json()

    def close(self) -> None:
        self.http.close()

    def check(self) -> None:
        """Fail fast, with a clear message, on an unreachable server or a refused token."""
        self.call("GET", "/healthz", attempts=4)
        status = self.call("GET", "/api/v1/needs").status_code
        if status == 403:
            raise SimulationError("the token is not an hq token")
        if status != 200:
            raise SimulationError(f"the server answered {status} to a simple read")


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "1")), 0.1), 30.0)
    except ValueError:
        return 1.0


def _event(
    shelter_id: str,
    kind: str,
    *,
    code: str | None = None,
    headcount: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "shelter_id": shelter_id,
        "kind": kind,
        "pass_code": code,
        "headcount": headcount,
        "occurred_at": at.isoformat() if at else None,
    }


def _arrival(n: int, total: int) -> float:
    """When the n-th of ``total`` arrives, as a fraction of the surge: the rate rises to a
    peak halfway, then falls (the inverse of a triangular distribution)."""
    u = n / total
    return float((u / 2) ** 0.5 if u < 0.5 else 1 - ((1 - u) / 2) ** 0.5)


def _members(rng: random.Random, size: int) -> list[dict[str, Any]]:
    family = rng.choice(FAMILY)
    members = []
    for _ in range(size):
        born = rng.randint(1935, 2024)
        needs = ["elderly"] if born < 1950 and rng.random() < 0.6 else []
        if born >= 2023:
            needs.append("infant")
        if rng.random() < 0.12:
            needs.append(rng.choice(NEEDS))
        members.append(
            {
                "name": f"{family} {rng.choice(GIVEN)}",
                "name_kana": "ひなん てすと",
                "birth_year": born,
                "needs": sorted(set(needs)),
            }
        )
    return members


def surge(driver: Driver, *, households: int, seconds: float, seed: int) -> dict[str, int]:
    """Arrivals rise then fall over ``seconds``; returns people inside by shelter (the
    simulator's own tally, from the server's answers)."""
    rng = random.Random(seed)
    driver.check()
    shelters = sorted(
        (s for s in driver.ok("GET", "/api/v1/shelters") if s["open"]), key=lambda s: s["id"]
    )
    if not shelters:
        raise SimulationError("the server has no open shelter to check people into")
    names = {s["id"]: s["name"] for s in shelters}
    kiosks = {}
    for s in shelters:
        made = driver.ok(
            "POST",
            "/api/v1/tokens",
            json={"role": "kiosk", "shelter_id": s["id"], "label": "shelter simulate surge"},
        )
        kiosks[s["id"]] = {"Authorization": f"Bearer {made['token']}"}
    # The first shelters draw most people, so they fill first and go over capacity, and later
    # arrivals there are offered alternatives.
    weights = [3.0 / (i + 1) for i in range(len(shelters))]
    inside: dict[str, int] = defaultdict(int)
    where: dict[str, tuple[str, int]] = {}  # pass code → (shelter, people)
    over = 0
    start = time.monotonic()
    arrivals_end = seconds * 0.9  # the last tenth: a few leave or move
    for n in range(households):
        shelter = rng.choices(shelters, weights)[0]["id"]
        walk_in = rng.random() < 0.15
        size = rng.choices(range(1, 7), [34, 28, 16, 12, 6, 4])[0]
        code = None
        if not walk_in:
            # hq's Authorization header (the driver's default) lifts registration limits.
            code = driver.ok(
                "POST",
                "/api/v1/households",
                json={
                    "members": _members(rng, size),
                    "pets": int(rng.random() < 0.2),
                    "language": "ja",
                },
            )["pass_code"]
        body = _event(shelter, "check_in", code=code, headcount=size if walk_in else None)
        answer = driver.ok("POST", "/api/v1/events", json=body, headers=kiosks[shelter])
        inside[shelter] += answer["people"]
        held: str = answer["pass_code"] or code or ""
        if held:
            where[held] = (shelter, answer["people"])
        if answer["over_capacity"]:
            over += 1
            status = answer["shelter"]
            alternatives = answer["alternatives"]
            offered = (
                f"{alternatives[0]['id']} {alternatives[0]['name']} "
                f"({alternatives[0]['vacancy']} free)"
                if alternatives
                else "none with room"
            )
            print(
                f"over capacity: {shelter} {status['occupancy']}/{status['capacity']}; "
                f"first alternative: {offered}"
            )
        wait = start + arrivals_end * _arrival(n + 1, households) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    # Near the end some leave and some move to another shelter.
    leaving = rng.sample(sorted(where), k=min(len(where), max(1, households // 10)))
    for i, code in enumerate(leaving):
        shelter, people = where[code]
        target = rng.choice(shelters)["id"]
        if rng.random() < 0.5 or target == shelter:
            body = _event(shelter, "check_out", code=code)
            answer = driver.ok("POST", "/api/v1/events", json=body, headers=kiosks[shelter])
        else:
            body = _event(target, "check_in", code=code)
            answer = driver.ok("POST", "/api/v1/events", json=body, headers=kiosks[target])
        if answer["effect"] == "checked_out":
            inside[shelter] -= answer["people"]
            del where[code]
        elif answer["effect"] == "moved":
            inside[shelter] -= people
            inside[target] += answer["people"]
            where[code] = (target, answer["people"])
        wait = start + arrivals_end + (seconds - arrivals_end) * (i + 1) / len(leaving)
        if wait - time.monotonic() > 0:
            time.sleep(wait - time.monotonic())
    tally = {sid: inside[sid] for sid in sorted(inside)}
    print(
        f"surge done: {households} households, {sum(tally.values())} people inside, "
        f"{over} check-ins over capacity"
    )
    for sid, people in tally.items():
        print(f"  {sid}  {people:5d}  {names[sid]}")
    print("inside by shelter:", tally)
    return tally


def _reference_ids(path: Path) -> set[str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")
    return {row["ID"].strip() for row in csv.DictReader(io.StringIO(text)) if row.get("ID")}


def nanao(driver: Driver, *, data: Path, speed: float, limit: int | None) -> dict[str, int]:
    """Replay the Nanao headcounts; returns the last snapshot's people by shelter."""
    reference, history = data / "reference_data.csv", data / "history"
    files = sorted(history.glob("open_shelter_Nanao-shi_*.csv"))
    if not reference.is_file() or not files:
        raise SimulationError(f"{data} needs reference_data.csv and history/*.csv")
    if speed <= 0:
        raise SimulationError("--speed must be above 0")
    driver.check()
    every = sorted((read_snapshot(f) for f in files), key=lambda s: s.at)
    snapshots = every[:limit] if limit is not None else every
    result = driver.ok(
        "POST",
        "/api/v1/shelters/import?open=true",
        content=reference.read_bytes(),
        headers={"Content-Type": "text/csv"},
    )
    print(
        f"imported {reference.name}: created {result['created']}, "
        f"updated {result['updated']}, skipped {len(result['skipped'])}"
    )
    known = {s["id"] for s in driver.ok("GET", "/api/v1/shelters")}
    peaks: dict[str, int] = defaultdict(int)
    places: dict[str, tuple[str, float, float]] = {}
    for snap in every:
        for sid, people in snap.people.items():
            peaks[sid] = max(peaks[sid], people)
        places.update(snap.places)
    for sid in sorted(set(peaks) - known):
        # Opened ad hoc (NEW…) or a designated row the import skipped (no capacity given):
        # the history has no capacity for it, so its peak headcount is the best figure known.
        name, lat, lon = places[sid]
        driver.ok(
            "POST",
            "/api/v1/shelters",
            json={
                "id": sid,
                "name": name,
                "lat": lat,
                "lon": lon,
                "capacity": max(peaks[sid], 1),
                "open": True,
            },
        )
        print(f"created {sid} {name} (capacity {max(peaks[sid], 1)}: its peak in the history)")
    status = {s["id"]: s for s in driver.ok("GET", "/api/v1/shelters")}
    town = (_reference_ids(reference) | set(peaks)) & set(status)
    opened = {sid for sid in town if status[sid]["open"]}
    already = sum(status[sid]["occupancy"] for sid in town)
    if already:
        print(f"note: Nanao shelters already hold {already} people; the replay adds to them")
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)  # shelter → walk-in passes
    inside: dict[str, int] = defaultdict(int)
    previous: datetime | None = None
    for snap in snapshots:
        if previous is not None:
            time.sleep(max(0.0, (snap.at - previous).total_seconds() / speed))
        previous = snap.at
        for sid in sorted(set(snap.people) - opened):
            driver.ok("PATCH", f"/api/v1/shelters/{sid}", json={"open": True})
            opened.add(sid)
        events = []
        for sid in sorted(set(inside) | set(snap.people)):
            change = snap.people.get(sid, 0) - inside[sid]
            if change > 0:
                events.append(_event(sid, "check_in", headcount=change, at=snap.at))
            while change < 0:
                code, size = groups[sid].pop()
                leaving = min(size, -change)
                events.append(_event(sid, "check_out", code=code, headcount=leaving, at=snap.at))
                if leaving < size:
                    groups[sid].append((code, size - leaving))
                change += leaving
            inside[sid] = snap.people.get(sid, 0)
        for first in range(0, len(events), 500):
            chunk = events[first : first + 500]
            answer = driver.ok("POST", "/api/v1/events/batch", json={"events": chunk})
            for sent, item in zip(chunk, answer["results"], strict=True):
                if item["status"] == "rejected":
                    raise SimulationError(f"event refused: {item.get('reason')}")
                if sent["kind"] == "check_in":
                    if not item.get("pass_code"):
                        raise SimulationError("a walk-in check-in came back without a pass code")
                    groups[sent["shelter_id"]].append((item["pass_code"], sent["headcount"]))
        # Emptied above; now closed until they reappear in a later snapshot.
        for sid in sorted(opened - set(snap.people)):
            driver.ok("PATCH", f"/api/v1/shelters/{sid}", json={"open": False})
            opened.discard(sid)
        total = sum(snap.people.values())
        print(f"{snap.at:%Y-%m-%d %H:%M}  {total:5d} people  {len(opened):3d} shelters open")
    final = {sid: n for sid, n in sorted(inside.items()) if n}
    if snapshots:
        print(
            f"nanao done: {len(snapshots)} snapshots, {snapshots[0].at:%Y-%m-%d} to "
            f"{snapshots[-1].at:%Y-%m-%d}; {sum(final.values())} people in {len(final)} "
            f"shelters. Data: R06-Noto-Peninsula-EQ-open-shelter-Nanao by raokiey (CC BY 4.0)"
        )
    return final


def default_data() -> Path | None:
    candidate = Path(__file__).resolve().parents[2] / "shared" / "data" / "nanao-2024"
    return candidate if candidate.is_dir() else None


def _run(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get("SHELTER_ADMIN_TOKEN")
    if not token:
        print("give an hq token with --token or SHELTER_ADMIN_TOKEN", file=sys.stderr)
        return 2
    driver = Driver(args.url, token)
    try:
        if args.scenario == "surge":
            surge(driver, households=args.households, seconds=args.seconds, seed=args.seed)
        else:
            data = Path(args.data) if args.data else default_data()
            if data is None:
                print("where is the Nanao data? give --data DIR", file=sys.stderr)
                return 2
            nanao(driver, data=data, speed=args.speed, limit=args.limit_snapshots)
    except SimulationError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 1
    finally:
        driver.close()
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="bench/simulate.py", description="Drive a running server with realistic traffic."
    )
    scenarios = top.add_subparsers(dest="scenario", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
    common.add_argument("--token", help="an hq token (default: env SHELTER_ADMIN_TOKEN)")
    s = scenarios.add_parser("surge", parents=[common], help="households arrive, rise and fall")
    s.add_argument("--households", type=int, default=300, help="households arriving")
    s.add_argument("--seconds", type=float, default=120, help="over how long")
    s.add_argument("--seed", type=int, default=1)
    s = scenarios.add_parser("nanao", parents=[common], help="replay Nanao City, Noto 2024")
    s.add_argument("--speed", type=float, default=100000, help="history seconds per real second")
    s.add_argument("--data", help="the nanao-2024 folder (default: shared/data/nanao-2024)")
    s.add_argument("--limit-snapshots", type=int, help="stop after this many snapshots")
    return top


def main(argv: list[str] | None = None) -> int:
    return _run(parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
