"""When a shelter will be full: net arrivals per hour over a recent window, extrapolated.

Pure functions, no I/O (the I/O is ``service.fold_and_read``, run by the write path).

Where the window lives, and why there: every shelter row carries its own *trend*, the
count changes of its last ``forecast_window_minutes`` summed per minute
(``[[unix_minute, delta], …]``), plus ``trend_seq``, the last count change folded in. The
write path folds the count changes a transaction made into the rows it touched, in the
same transaction (``service.fold_and_read``). So a status is still one row: every reader
(the live hub, the workers that re-read a shelter after a NOTIFY, the REST reads, the
alternatives a check-in is offered, the command line) gets the forecast from the columns
it already reads, with no query per status and no in-process cache to keep in step
across workers. The rows fold incrementally and exactly because a shelter's count changes
are written only while its row is locked (``writes/locks.py``; SQLite has one writer), so
per shelter their ids rise in commit order: ``id > trend_seq`` is exactly what is new.

Time: changes are bucketed by ``occurred_at`` (when it happened at the door), so an
offline kiosk's batch that arrives late lands in the minutes it happened, and one older
than the window changes the count but not the rate. A status's forecast is computed when
the status is built, with the time then: the window slides without events because the
live hub re-reads every shelter each ``live_resync_seconds`` and passes on a status whose
forecast moved (same version: the counts did not change).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shelter.occupancy.schemas import Forecast

JAPAN = ZoneInfo("Asia/Tokyo")

# One minute of count changes: (minutes since the Unix epoch, net change in that minute).
Bucket = tuple[int, int]


def minute_of(moment: datetime) -> int:
    return math.floor(moment.timestamp() / 60)


def fold(
    trend: Iterable[Sequence[int]],
    changes: Iterable[tuple[datetime, int]],
    *,
    now: datetime,
    window_minutes: int,
) -> list[list[int]]:
    """Add count changes to a trend, and drop the minutes that have left the window."""
    buckets: dict[int, int] = {int(m): int(d) for m, d in trend}
    for at, delta in changes:
        minute = minute_of(at)
        buckets[minute] = buckets.get(minute, 0) + delta
    oldest = minute_of(now) - window_minutes
    return [[m, d] for m, d in sorted(buckets.items()) if m >= oldest and d != 0]


def net_per_hour(trend: Iterable[Sequence[int]], *, now: datetime, window_minutes: int) -> float:
    """Net arrivals per hour over the last ``window_minutes`` (the minute now is in counts
    as part of the window; changes stamped a little in the future, from a kiosk whose clock
    runs fast, count as now)."""
    oldest = minute_of(now) - window_minutes + 1
    net = sum(int(d) for m, d in trend if int(m) >= oldest)
    return net * 60 / window_minutes


def full_at(
    *,
    capacity: int,
    occupancy: int,
    is_open: bool,
    rate: float,
    now: datetime,
    horizon_hours: float,
) -> datetime | None:
    """When the shelter reaches capacity at ``rate`` people an hour; None when it is not
    filling (rate ≤ 0), is closed, is already full, or would fill only beyond the horizon
    (a rate over the last hour says nothing about the day after tomorrow).

    Rounded up to the minute: that is all the precision a forecast has, and it keeps the
    live feed from re-sending a status whose prediction moved by seconds.
    """
    if not is_open or capacity <= 0 or occupancy >= capacity or rate <= 0:
        return None
    hours = (capacity - occupancy) / rate
    if hours > horizon_hours:
        return None
    moment = now + timedelta(hours=hours)
    rounded = moment.replace(second=0, microsecond=0)
    if rounded < moment:
        rounded += timedelta(minutes=1)
    return rounded.astimezone(JAPAN)


def forecast(
    trend: Iterable[Sequence[int]] | None,
    *,
    capacity: int,
    occupancy: int,
    is_open: bool,
    now: datetime,
    window_minutes: int,
    horizon_hours: float,
) -> Forecast:
    rate = round(net_per_hour(trend or (), now=now, window_minutes=window_minutes), 1)
    return Forecast(
        net_per_hour=rate,
        full_at=full_at(
            capacity=capacity,
            occupancy=occupancy,
            is_open=is_open,
            rate=rate,
            now=now,
            horizon_hours=horizon_hours,
        ),
    )


def ewma_per_hour(trend: Iterable[Sequence[int]], *, now: datetime, tau_minutes: float) -> float:
    """The variant the evaluation compares with: each change weighs exp(-age / tau), so
    recent arrivals count most (an exponentially weighted rate, in people an hour)."""
    current = minute_of(now)
    weighted = sum(int(d) * math.exp(-max(current - int(m), 0) / tau_minutes) for m, d in trend)
    return weighted * 60 / tau_minutes
