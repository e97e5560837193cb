"""`python -m bench.forecast_eval`: judge the fill forecast (ShelterStatus.forecast) on the
Nanao replay, for several windows and two methods, with the service's own functions.

The Nanao history (../shared/data/nanao-2024) is headcounts at snapshot times (every 12 h
to several days, from 9 January 2024, eight days after the earthquake), not arrival
times, and it records a population that is mostly *leaving*: only two shelters ever cross
their capacity in it, at one snapshot each. So two replays are measured:

- ``night``: the first evening. Each shelter's first-snapshot headcount (real sizes, real
  spread between shelters) arrives after the 16:10 earthquake in household groups of 1-4,
  at times drawn from a triangular curve over 4-8 hours (the rate rises, peaks, falls;
  the same shape as ``bench.simulate``'s surge), and a few leave again. Capacity is taken
  as 80 % of that headcount, so each shelter fills mid-surge and runs over, as Suzu's did.
  Timing is modelled, sizes are real; every shelter with 10+ people is one fill to predict.
- ``months``: all 118 snapshots, each change spread in groups at uniformly random times
  between one snapshot and the next (the replay in ``bench.simulate`` posts it at the
  snapshot time instead, a step no window can see coming). Slow drifts over days: it
  measures false alarms ("full within the hour" when the shelter is not full two hours
  later), the cost of a short, jumpy window.

For each fill, the forecast is evaluated every 5 minutes from the first arrival until the
shelter is full: *lead* is how long before the fill ``full_at`` first came within the
tolerance (15 minutes or 20 % of the time left, whichever is larger), *error* the median
|full_at - real fill time| over the last two hours (points where it gave no time count in
*given*, not in the error).
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench.simulate import JST, default_data, read_snapshot
from shelter.occupancy import forecast as fc
from shelter.shelters.opendata import parse_shelter_csv

QUAKE = datetime(2024, 1, 1, 16, 10, tzinfo=JST)
STEP = timedelta(minutes=5)
HORIZON_HOURS = 24.0

Rate = Callable[[list[list[int]], datetime], float]


@dataclass
class Stream:
    shelter: str
    capacity: int
    changes: list[tuple[datetime, int]]  # sorted by time


def _groups(rng: random.Random, people: int) -> list[int]:
    sizes = []
    while people > 0:
        size = min(people, rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))
        sizes.append(size)
        people -= size
    return sizes


def night_streams(data: Path, rng: random.Random) -> list[Stream]:
    files = sorted((data / "history").glob("open_shelter_Nanao-shi_*.csv"))
    first = min((read_snapshot(f) for f in files), key=lambda s: s.at)
    streams = []
    for sid, people in sorted(first.people.items()):
        if people < 10:
            continue
        start = QUAKE + timedelta(minutes=rng.uniform(5, 45))
        length = timedelta(hours=rng.uniform(4, 8))
        changes = []
        for size in _groups(rng, people):
            at = start + length * rng.triangular(0, 1, 0.4)
            changes.append((at, size))
            if rng.random() < 0.05:  # went on to relatives, or home to fetch things
                changes.append((at + timedelta(hours=rng.uniform(0.5, 3)), -size))
        changes.sort()
        streams.append(Stream(sid, math.ceil(0.8 * people), changes))
    return streams


def month_streams(data: Path, rng: random.Random) -> list[Stream]:
    snaps = sorted((read_snapshot(f) for f in (data / "history").glob("*.csv")), key=lambda s: s.at)
    reference = {
        row.id: row.capacity
        for row in parse_shelter_csv((data / "reference_data.csv").read_bytes()).rows
    }
    peaks: dict[str, int] = {}
    for snap in snaps:
        for sid, n in snap.people.items():
            peaks[sid] = max(peaks.get(sid, 0), n)
    changes: dict[str, list[tuple[datetime, int]]] = {sid: [] for sid in peaks}
    inside = dict.fromkeys(peaks, 0)
    for before, after in itertools.pairwise(snaps):
        span = (after.at - before.at).total_seconds()
        for sid in peaks:
            if before is snaps[0]:
                inside[sid] = before.people.get(sid, 0)
            diff = after.people.get(sid, 0) - inside[sid]
            sign = 1 if diff > 0 else -1
            for size in _groups(rng, abs(diff)):
                at = before.at + timedelta(seconds=rng.uniform(0, span))
                changes[sid].append((at, sign * size))
            inside[sid] = after.people.get(sid, 0)
    start = [(snaps[0].at, snaps[0].people.get(sid, 0)) for sid in peaks]
    return [
        Stream(
            sid,
            reference.get(sid) or max(peaks[sid], 1),
            sorted([(at, n) for at, n in [start[i]] if n] + changes[sid]),
        )
        for i, sid in enumerate(peaks)
    ]


def plain(window: int) -> Rate:
    return lambda trend, now: fc.net_per_hour(trend, now=now, window_minutes=window)


def ewma(window: int) -> Rate:
    # Half the window as the time constant: the same mean age of the changes counted.
    return lambda trend, now: fc.ewma_per_hour(trend, now=now, tau_minutes=window / 2)


@dataclass
class Point:
    at: datetime
    occupancy: int
    full_at: datetime | None


def replay(stream: Stream, rate: Rate, window: int, *, step: timedelta) -> list[Point]:
    """The forecast as the service would give it, every ``step``, from the first change."""
    points: list[Point] = []
    if not stream.changes:
        return points
    memory = window * 4  # the EWMA's tail; the plain rate ignores older minutes anyway
    at, last = stream.changes[0][0], stream.changes[-1][0] + timedelta(hours=2)
    index, occupancy = 0, 0
    buckets: list[list[int]] = []
    while at <= last:
        fresh = []
        while index < len(stream.changes) and stream.changes[index][0] <= at:
            fresh.append(stream.changes[index])
            occupancy += stream.changes[index][1]
            index += 1
        buckets = fc.fold(buckets, fresh, now=at, window_minutes=memory)
        points.append(
            Point(
                at,
                occupancy,
                fc.full_at(
                    capacity=stream.capacity,
                    occupancy=occupancy,
                    is_open=True,
                    rate=round(rate(buckets, at), 1),
                    now=at,
                    horizon_hours=HORIZON_HOURS,
                ),
            )
        )
        at += step
    return points


@dataclass
class Score:
    fills: int = 0
    predicted: int = 0
    leads: list[float] = field(default_factory=list)
    held: list[float] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    given: list[bool] = field(default_factory=list)
    alarms: int = 0
    alarm_points: int = 0


def fill_time(stream: Stream) -> datetime | None:
    occupancy = 0
    for at, delta in stream.changes:
        occupancy += delta
        if occupancy >= stream.capacity:
            return at
    return None


def score(streams: Sequence[Stream], rate: Rate, window: int, *, step: timedelta) -> Score:
    result = Score()
    for stream in streams:
        points = replay(stream, rate, window, step=step)
        filled = fill_time(stream)
        full_times = [p.at for p in points if p.occupancy >= stream.capacity]
        for p in points:
            if p.full_at is None or p.occupancy >= stream.capacity:
                continue
            if p.full_at <= p.at + timedelta(hours=1):
                result.alarm_points += 1
                # Full within the hour, said; not full within two hours, in fact.
                if not any(p.at <= t <= p.at + timedelta(hours=2) for t in full_times):
                    result.alarms += 1
        if filled is None or filled <= stream.changes[0][0]:
            continue
        result.fills += 1
        lead = held = 0.0
        for p in points:
            if p.at >= filled:
                break
            left = (filled - p.at).total_seconds() / 60
            hit = p.full_at is not None and abs((p.full_at - filled).total_seconds()) / 60 <= max(
                15.0, 0.2 * left
            )
            if hit:
                lead = lead or left  # the first time it was right
                held = held or left  # right from here on, until it filled
            else:
                held = 0.0
            if left <= 120:
                result.given.append(p.full_at is not None)
                if p.full_at is not None:
                    result.errors.append(abs((p.full_at - filled).total_seconds()) / 60)
        if lead:
            result.predicted += 1
        result.leads.append(lead)
        result.held.append(held)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--seeds", type=int, default=5, help="replays with other random times")
    parser.add_argument("--windows", default="15,30,60,120,240")
    args = parser.parse_args(argv)
    if args.data is None:
        parser.error("no Nanao data found; pass --data")
    windows = [int(w) for w in args.windows.split(",")]
    print(
        "| method | window | fills predicted | median first lead (min) | median held lead "
        "(min) | median error, last 2 h (min) | given, last 2 h | false 'full within 1 h': "
        "night | months |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, make in (("plain", plain), ("ewma", ewma)):
        for window in windows:
            total = [Score() for _ in range(2)]
            for seed in range(args.seeds):
                rng = random.Random(seed)
                for slot, streams, step in (
                    (0, night_streams(args.data, rng), STEP),
                    (1, month_streams(args.data, rng), timedelta(minutes=30)),
                ):
                    got = score(streams, make(window), window, step=step)
                    acc = total[slot]
                    acc.fills += got.fills
                    acc.predicted += got.predicted
                    acc.alarms += got.alarms
                    acc.alarm_points += got.alarm_points
                    acc.leads += got.leads
                    acc.held += got.held
                    acc.errors += got.errors
                    acc.given += got.given
            night, months = total
            print(
                f"| {name} | {window} | {night.predicted}/{night.fills} | "
                f"{statistics.median(night.leads or [0.0]):.0f} | "
                f"{statistics.median(night.held or [0.0]):.0f} | "
                f"{statistics.median(night.errors or [0.0]):.0f} | "
                f"{100 * sum(night.given) / max(len(night.given), 1):.0f} % | "
                f"{night.alarms}/{night.alarm_points} | {months.alarms} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
