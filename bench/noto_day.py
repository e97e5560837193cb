"""A Noto-scale day: the whole service under a peninsula's evacuation, end to end.

Run: ``make noto-day`` (SQLite, one process) or
``.venv/bin/python bench/noto_day.py --postgres --workers 2``;
``--scale 0.1`` for a tenth of everything, ``--small`` for a smoke run of seconds.

At scale 1, in one run (issue #15):
- 1,300 shelters imported from a municipal open-data CSV (``POST /api/v1/shelters/import``);
- 300 kiosks (each with its own kiosk token and shelter) send 50,000 events within ten
  minutes: walk-in groups checking in, households checking out, households moving (a pass
  scanned at another shelter), some queued while offline and uploaded as one batch, and a
  few resent with the same event id (as a kiosk does when an answer is lost);
- 10,000 websocket viewers on ``/ws/occupancy`` (recording-only clients in two processes);
- 1,000 residents polling ``GET /api/v1/occupancy`` with ``If-None-Match``;
- a probe kiosk checks a walk-in in at one shelter every two seconds; the time from its
  POST to the arrival of that state (or a newer one) at every viewer is the update delivery.

It holds when: no acknowledged event is lost or counted twice (every acknowledged event id
is in the log exactly once, and ``shelter check`` finds the live counts equal to a rebuild
from the log), no request failed, kiosk p99 <= 100 ms, delivery p99 <= 1 s. The servers'
memory (RSS, all processes) is sampled every second. The bare FastAPI app (the yardstick,
``bench/yardstick.py``) is measured in the same run for scale. Results:
docs/bench/noto_day[_postgres].json and .svg.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import base64
import json
import math
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.write_path import TOKEN, door_env, door_flag, machine, wrk  # noqa: E402
from bench.yardstick import bare  # noqa: E402
from tests.server import Server, start, stop  # noqa: E402

OUT = ROOT / "docs" / "bench"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PROBE = "N0000"  # the probe kiosk's shelter
PROBE_EVERY = 2.0
HQ = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Plan:
    shelters: int
    kiosks: int
    events: int
    viewers: int
    residents: int
    seconds: float
    poll_every: float = 10.0

    @classmethod
    def at(cls, scale: float) -> Plan:
        seconds = max(5.0, 600 * scale)
        return cls(
            shelters=max(20, round(1300 * scale)),
            kiosks=max(3, round(300 * scale)),
            events=max(100, round(50_000 * scale)),
            viewers=max(20, round(10_000 * scale)),
            residents=max(10, round(1000 * scale)),
            seconds=seconds,
            poll_every=min(10.0, seconds / 4),
        )

    @classmethod
    def smoke(cls) -> Plan:
        """Every part of the day, tiny: for the test that keeps this script from rotting."""
        return cls(
            shelters=20, kiosks=6, events=120, viewers=40, residents=10, seconds=4, poll_every=1
        )


def raise_open_files() -> int:
    """Ten thousand sockets need ten thousand descriptors (children inherit the limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


def shelter_csv(count: int) -> bytes:
    """The municipal standard layout, as towns publish it: the Noto peninsula, roughly."""
    rows = ["ID,名称,所在地_都道府県,所在地_市区町村,所在地_町字,緯度,経度,想定収容人数"]
    rng = random.Random(2024)
    for i in range(count):
        lat, lon = 37.0 + rng.random() * 0.5, 136.7 + rng.random() * 0.6
        capacity = rng.choice((50, 80, 120, 200, 300, 500))
        rows.append(f"N{i:04d},避難所{i},石川県,輪島市,町{i % 97},{lat:.5f},{lon:.5f},{capacity}")
    return ("\n".join(rows) + "\n").encode()


# -- viewers: recording-only websocket clients -------------------------------------------

HANDSHAKE = (
    "GET /ws/occupancy HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
MARKER = f'"shelter":{{"id":"{PROBE}",'.encode()
VERSION = re.compile(rb'"version":(\d+)')


class Viewer(asyncio.Protocol):
    """Counts what arrives and notes when each state of the probe shelter first did. It
    looks for the probe's marker in each chunk (with an overlap for a split marker) and
    parses nothing else: the viewers share the cores with the server."""

    def __init__(self, host: str, opened: asyncio.Future[None]) -> None:
        self.host, self.opened = host, opened
        self.bytes = 0
        self.tail = b""
        self.seen: dict[int, float] = {}
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(HANDSHAKE.format(host=self.host, key=key).encode())  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.bytes += len(data)
        if not self.opened.done() and b'"type":"snapshot"' in data:
            self.opened.set_result(None)
        window = self.tail + data
        at = window.find(MARKER)
        while at >= 0:
            found = VERSION.search(window, at, at + 2000)
            if found:
                self.seen.setdefault(int(found.group(1)), now)
            at = window.find(MARKER, at + 1)
        self.tail = data[-400:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before the snapshot"))


def viewers_process(port: int, count: int, ready: Any, done: Any, out: Any) -> None:
    raise_open_files()

    async def run() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(100)
        host = f"127.0.0.1:{port}"

        async def one() -> Viewer | None:
            async with gate:
                opened: asyncio.Future[None] = loop.create_future()
                try:
                    _, viewer = await loop.create_connection(
                        lambda: Viewer(host, opened), "127.0.0.1", port
                    )
                    await asyncio.wait_for(opened, 60)
                except (OSError, TimeoutError, ConnectionError):
                    return None
                return viewer

        viewers = await asyncio.gather(*(one() for _ in range(count)))
        ready.set()
        while not done.is_set():
            await asyncio.sleep(0.2)
        alive = [v for v in viewers if v is not None]
        return {
            "connected": len(alive),
            "dropped": sum(v.lost for v in alive),
            "bytes": sum(v.bytes for v in alive),
            "seen": [v.seen for v in alive],
        }

    result = asyncio.run(run())
    out.send(result)


# -- kiosks, the probe and the residents --------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # single events, ms
    answered_at: list[float] = field(default_factory=list)  # when each of those came back
    batch_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    events: int = 0  # events sent (a batch counts its events)
    resent: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def _event(
    shelter: str, kind: str, *, code: str | None = None, headcount: int | None = None
) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "shelter_id": shelter,
        "kind": kind,
        "pass_code": code,
        "headcount": headcount,
    }


class Town:
    """Who is where, as the kiosks know it: households by shelter. A household being
    scanned is taken out of the pool, so no two kiosks scan it at once."""

    def __init__(self) -> None:
        self.inside: dict[str, list[str]] = {}

    def add(self, shelter: str, code: str) -> None:
        self.inside.setdefault(shelter, []).append(code)

    def take(self, shelter: str | None = None) -> tuple[str, str] | None:
        pools = [shelter] if shelter else [s for s, codes in self.inside.items() if codes]
        pools = [s for s in pools if self.inside.get(s)]
        if not pools:
            return None
        where = random.choice(pools)
        codes = self.inside[where]
        return where, codes.pop(random.randrange(len(codes)))


async def kiosk(
    http: httpx.AsyncClient,
    shelter: str,
    token: str,
    town: Town,
    tally: Tally,
    quota: int,
    until: float,
    others: list[str],
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    rate = quota / max(until - time.time(), 1.0)
    sent = 0
    while sent < quota and time.time() < until + 30:
        await asyncio.sleep(random.expovariate(rate) if rate > 0 else 1)
        roll = random.random()
        if roll < 0.06:  # offline for a while: the queue goes up as one batch
            size = min(random.randint(5, 20), quota - sent)
            queued = [
                _event(shelter, "check_in", headcount=random.randint(1, 4)) for _ in range(size)
            ]
            began = time.perf_counter()
            try:
                answer = await http.post(
                    "/api/v1/events/batch", json={"events": queued}, headers=headers
                )
            except httpx.HTTPError as exc:
                tally.errors.append(f"batch: {type(exc).__name__}")
                continue
            tally.batch_latencies.append((time.perf_counter() - began) * 1000)
            sent += size
            tally.events += size
            tally.kinds["batched"] = tally.kinds.get("batched", 0) + size
            if answer.status_code != 200:
                tally.errors.append(f"batch {answer.status_code}: {answer.text[:200]}")
                continue
            for item in answer.json()["results"]:
                if item["status"] in ("applied", "duplicate"):
                    tally.acknowledged.add(item["event_id"])
                    if item.get("pass_code"):
                        town.add(shelter, item["pass_code"])
                else:
                    tally.errors.append(f"batch item {item['status']}: {item.get('reason')}")
            continue
        taken: tuple[str, str] | None = None
        if roll < 0.30:
            taken = town.take(shelter)
            body = _event(shelter, "check_out", code=taken[1]) if taken else None
            kind = "check_out"
        elif roll < 0.42:
            taken = town.take(random.choice(others))
            body = _event(shelter, "check_in", code=taken[1]) if taken else None
            kind = "move"
        else:
            body, kind = None, "walk_in"
        if body is None:
            body, kind = _event(shelter, "check_in", headcount=random.randint(1, 4)), "walk_in"
        tries = 2 if random.random() < 0.01 else 1  # an answer lost: sent again, same id
        for attempt in range(tries):
            began = time.perf_counter()
            try:
                answer = await http.post("/api/v1/events", json=body, headers=headers)
            except httpx.HTTPError as exc:
                tally.errors.append(f"{kind}: {type(exc).__name__}")
                break
            tally.latencies.append((time.perf_counter() - began) * 1000)
            tally.answered_at.append(time.time())
            expected = (201,) if attempt == 0 else (200,)
            if answer.status_code not in expected:
                tally.errors.append(f"{kind} {answer.status_code}: {answer.text[:200]}")
                break
            if attempt:
                tally.resent += 1
            else:
                sent += 1
                tally.events += 1
                tally.kinds[kind] = tally.kinds.get(kind, 0) + 1
                tally.acknowledged.add(body["event_id"])
                result = answer.json()
                if kind != "check_out" and result["effect"] in ("checked_in", "moved"):
                    town.add(shelter, result["pass_code"])
                elif kind == "check_out" and result["effect"] != "checked_out" and taken:
                    town.add(*taken)  # not inside after all (a later event decided)


async def probe(
    http: httpx.AsyncClient, until: float, sends: dict[int, float], tally: Tally
) -> None:
    while time.time() < until:
        body = _event(PROBE, "check_in", headcount=1)
        sent = time.time()
        try:
            answer = await http.post("/api/v1/events", json=body, headers=HQ)
        except httpx.HTTPError as exc:
            tally.errors.append(f"probe: {type(exc).__name__}")
            continue
        if answer.status_code == 201:
            sends[answer.json()["shelter"]["version"]] = sent
            tally.acknowledged.add(body["event_id"])
        else:
            tally.errors.append(f"probe {answer.status_code}: {answer.text[:200]}")
        await asyncio.sleep(PROBE_EVERY)


async def residents(base: str, count: int, every: float, until: float) -> dict[str, Any]:
    got: dict[str, int] = {}
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=min(count, 200))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def one() -> None:
            etag: str | None = None
            await asyncio.sleep(random.random() * min(every, max(until - time.time(), 0)))
            while True:  # at least one poll each, however late this process started
                began = time.perf_counter()
                try:
                    answer = await http.get(
                        "/api/v1/occupancy", headers={"If-None-Match": etag} if etag else {}
                    )
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                else:
                    latencies.append((time.perf_counter() - began) * 1000)
                    got[str(answer.status_code)] = got.get(str(answer.status_code), 0) + 1
                    if answer.status_code in (200, 304):
                        etag = answer.headers["ETag"]
                    else:
                        errors.append(str(answer.status_code))
                if time.time() >= until:
                    break
                await asyncio.sleep(every)

        await asyncio.gather(*(one() for _ in range(count)))
    return {"answers": got, "errors": errors, **percentiles(latencies)}


def residents_process(base: str, count: int, every: float, until: float, out: Any) -> None:
    out.send(asyncio.run(residents(base, count, every, until)))


def slowest(tally: Tally, started: float, share: float = 0.01) -> dict[str, Any]:
    """When the slowest requests (the top ``share``) were answered, in seconds since the load began:
    a tail that comes in bursts points at something periodic on the server."""
    pairs = sorted(zip(tally.latencies, tally.answered_at, strict=True), reverse=True)
    top = pairs[: max(1, int(len(pairs) * share))] if pairs else []
    return {"at_s": sorted(round(at - started, 1) for _, at in top)}


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 1)

    return {"n": len(ordered), "p50": at(0.5), "p99": at(0.99), "max": round(ordered[-1], 1)}


# -- the servers' memory ------------------------------------------------------------------


def family(pid: int) -> list[int]:
    """The server and its worker processes."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                pids.append(int(entry.name))
    return pids


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


# -- the day ------------------------------------------------------------------------------


def fresh_postgres() -> tuple[str, str]:
    import psycopg

    name = f"noto_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(server: Server, plan: Plan) -> tuple[list[str], list[tuple[str, str]]]:
    """Import the shelters (opened), and make one kiosk token per kiosk's shelter."""
    with httpx.Client(base_url=server.base, headers=HQ, timeout=300) as http:
        imported = http.post(
            "/api/v1/shelters/import",
            params={"open": "true", "replace_demo": "true"},
            content=shelter_csv(plan.shelters),
            headers={"Content-Type": "text/csv"},
        )
        imported.raise_for_status()
        ids = sorted(s["id"] for s in http.get("/api/v1/shelters").json())
        if len(ids) < plan.shelters:
            raise SystemExit(f"imported {len(ids)} shelters of {plan.shelters}: {imported.text}")
        # Kiosks stand at every shelter but the probe's, spread over the list.
        stands = [ids[1 + (i * (len(ids) - 1)) // plan.kiosks] for i in range(plan.kiosks)]
        kiosks = []
        for shelter in stands:
            made = http.post(
                "/api/v1/tokens", json={"role": "kiosk", "shelter_id": shelter, "label": "noto"}
            )
            made.raise_for_status()
            kiosks.append((shelter, made.json()["token"]))
    return ids, kiosks


async def load(
    base: str, plan: Plan, kiosks: list[tuple[str, str]], ids: list[str], until: float
) -> tuple[Tally, dict[int, float]]:
    tally, town, sends = Tally(), Town(), {}
    quotas = [
        plan.events // plan.kiosks + (i < plan.events % plan.kiosks) for i in range(plan.kiosks)
    ]
    stands = [shelter for shelter, _ in kiosks]
    limits = httpx.Limits(
        max_connections=plan.kiosks + 1, max_keepalive_connections=plan.kiosks + 1
    )
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        await asyncio.gather(
            probe(http, until, sends, tally),
            *(
                kiosk(http, shelter, token, town, tally, quota, until, stands)
                for (shelter, token), quota in zip(kiosks, quotas, strict=True)
            ),
        )
    return tally, sends


def delivery(seen_lists: list[dict[int, float]], sends: dict[int, float]) -> dict[str, float]:
    """For each probe check-in, when each viewer first had that state or a newer one."""
    latencies: array.array[float] = array.array("d")
    missed = 0
    versions = sorted(sends)
    for seen in seen_lists:
        arrivals = sorted(seen.items())
        for version in versions:
            first = next((t for v, t in arrivals if v >= version), None)
            if first is None:
                missed += 1
            else:
                latencies.append(max(0.0, (first - sends[version]) * 1000))
    return {**percentiles(list(latencies)), "missed": missed}


def verify(database_url: str, acknowledged: set[str]) -> dict[str, Any]:
    """Nothing lost, nothing twice: the log against the answers, the counts against it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        logged = [row[0] for row in conn.execute(text("SELECT event_id FROM events"))]
    engine.dispose()
    in_log = set(logged)
    check = subprocess.run(
        [sys.executable, "-m", "shelter.cli", "check", "--db", database_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return {
        "acknowledged": len(acknowledged),
        "in_log": len(logged),
        "lost": len(acknowledged - in_log),
        "twice": len(logged) - len(in_log),
        "counts_equal_rebuild": check.returncode == 0,
        "check_mismatches": [line for line in check.stdout.splitlines() if "MISMATCH" in line],
    }


def day(
    plan: Plan, *, postgres: bool, workers: int, bare_seconds: int, env: dict[str, str]
) -> dict[str, Any]:
    files = raise_open_files()
    result: dict[str, Any] = {**machine(), "plan": plan.__dict__, "open_files": files}
    pg_name = None
    with tempfile.TemporaryDirectory() as tmp:
        if postgres:
            url, pg_name = fresh_postgres()
        else:
            url = f"sqlite:///{Path(tmp) / 'noto.db'}"
        if shutil.which("wrk") and bare_seconds:
            with bare() as yard:
                result["bare_rps"] = wrk(f"{yard.base}/", seconds=bare_seconds, connections=32)[
                    "rps"
                ]
        logs = (Path(tmp) / "server.log").open("w")
        args = (
            ["--log-level", "info", "--workers", str(workers)]
            if postgres
            else ["--log-level", "info"]
        )
        # The viewers only record; they do not answer websocket pings, so the server must not
        # close them for that during the run (a browser answers; that is not what is measured).
        env = {"SHELTER_ADMIN_TOKEN": TOKEN, "SHELTER_WS_PING_INTERVAL_SECONDS": "3600", **env}
        server = start(url, env=env, args=args, stderr=logs)
        try:
            pids = family(server.process.pid)
            began = time.perf_counter()
            ids, kiosks = prepare(server, plan)
            result["import_seconds"] = round(time.perf_counter() - began, 1)
            result["memory_idle_mb"] = rss_mb(family(server.process.pid))
            # Forked before any event loop or thread of this process starts: quick to start.
            ctx = mp.get_context("fork")
            done = ctx.Event()
            viewer_pipes, procs, flags = [], [], []
            for share in (plan.viewers // 2, plan.viewers - plan.viewers // 2):
                mine, theirs = ctx.Pipe(duplex=False)
                flag = ctx.Event()  # each process says when all its viewers are in
                proc = ctx.Process(
                    target=viewers_process, args=(server.port, share, flag, done, theirs)
                )
                viewer_pipes.append(mine)
                procs.append(proc)
                flags.append(flag)
            for proc in procs:
                proc.start()
            for flag in flags:
                flag.wait(600)
            pids = family(server.process.pid)
            result["memory_viewers_mb"] = rss_mb(pids)
            until = time.time() + plan.seconds
            res_pipe, res_theirs = ctx.Pipe(duplex=False)
            res_proc = ctx.Process(
                target=residents_process,
                args=(server.base, plan.residents, plan.poll_every, until, res_theirs),
            )
            res_proc.start()
            peak = [result["memory_viewers_mb"]]
            sampling = True

            async def sample() -> None:
                while sampling:
                    peak.append(rss_mb(pids))
                    await asyncio.sleep(1)

            async def run() -> tuple[Tally, dict[int, float]]:
                nonlocal sampling
                sampler = asyncio.create_task(sample())
                try:
                    return await load(server.base, plan, kiosks, ids, until)
                finally:
                    sampling = False
                    await sampler

            started = time.time()
            tally, sends = asyncio.run(run())
            result["load_seconds"] = round(time.time() - started, 1)
            time.sleep(2)  # the last updates reach the viewers
            done.set()
            seen_lists: list[dict[int, float]] = []
            connected = dropped = received = 0
            for pipe in viewer_pipes:
                got = pipe.recv()
                connected += got["connected"]
                dropped += got["dropped"]
                received += got["bytes"]
                seen_lists += got["seen"]
            for proc in procs:
                proc.join(30)
            resident = res_pipe.recv()
            res_proc.join(30)
            result["memory_peak_mb"] = max(peak)
        finally:
            stop(server)
            logs.close()
        result["viewers"] = {
            "connected": connected,
            "dropped": dropped,
            "mb_received": round(received / 1e6, 1),
            "delivery_ms": delivery(seen_lists, sends),
        }
        result["residents"] = resident
        result["kiosks"] = {
            "events": tally.events,
            "kinds": tally.kinds,
            "resent_same_id": tally.resent,
            "errors": len(tally.errors),
            "first_errors": tally.errors[:5],
            "request_ms": percentiles(tally.latencies),
            "batch_ms": percentiles(tally.batch_latencies),
            "slowest": slowest(tally, started),
        }
        result["verify"] = verify(url, tally.acknowledged)
        if pg_name:
            drop_postgres(pg_name)
    v, k = result["verify"], result["kiosks"]
    result["holds"] = {
        "nothing_lost_or_twice": v["lost"] == 0 and v["twice"] == 0 and v["counts_equal_rebuild"],
        "no_errors": k["errors"] == 0 and not resident["errors"] and connected == plan.viewers,
        "kiosk_p99_100ms": k["request_ms"].get("p99", 1e9) <= 100,
        "delivery_p99_1s": result["viewers"]["delivery_ms"].get("p99", 1e9) <= 1000,
    }
    return result


def svg(result: dict[str, Any]) -> str:
    """A small chart with no plotting library: p50/p99 of each figure against its target."""
    rows = [
        ("kiosk request", result["kiosks"]["request_ms"], 100),
        ("offline batch", result["kiosks"]["batch_ms"], None),
        ("resident poll", result["residents"], None),
        ("update delivery", result["viewers"]["delivery_ms"], 1000),
    ]
    top = max([r[1].get("p99", 0) for r in rows] + [1000]) * 1.1
    width, bar, left = 640, 22, 130
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{70 + 44 * len(rows)}"'
        ' font-family="sans-serif" font-size="12">',
        f'<text x="10" y="18" font-weight="bold">Noto-scale day ({result["setup"]}), '
        f"{result['date']}: p50 (dark) and p99 (light), ms</text>",
    ]
    scale = (width - left - 60) / top
    for i, (label, stats, target) in enumerate(rows):
        y = 40 + 44 * i
        lines.append(f'<text x="10" y="{y + 15}">{label}</text>')
        p50, p99 = stats.get("p50", 0), stats.get("p99", 0)
        lines.append(
            f'<rect x="{left}" y="{y}" width="{p99 * scale:.1f}" height="{bar}" fill="#9ec5fe"/>'
        )
        lines.append(
            f'<rect x="{left}" y="{y}" width="{p50 * scale:.1f}" height="{bar}" fill="#1f6feb"/>'
        )
        lines.append(f'<text x="{left + p99 * scale + 4:.1f}" y="{y + 15}">{p99:g}</text>')
        if target:
            x = left + target * scale
            lines.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" y2="{y + bar + 3}" stroke="red"'
                ' stroke-dasharray="4 2"/>'
            )
    y = 50 + 44 * len(rows)
    lines.append(
        f'<text x="10" y="{y}">red dashes: target p99. events {result["kiosks"]["events"]:,}, '
        f"viewers {result['viewers']['connected']:,}, peak server memory "
        f"{result['memory_peak_mb']} MB</text>"
    )
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the whole day")
    parser.add_argument("--small", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL at 127.0.0.1:5432")
    parser.add_argument("--workers", type=int, default=2, help="with --postgres")
    door_flag(parser)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    scale = 0.0 if args.small else args.scale
    plan = Plan.smoke() if args.small else Plan.at(scale)
    result = day(
        plan,
        postgres=args.postgres,
        workers=args.workers,
        bare_seconds=0 if args.small else 5,
        env=door_env(args),
    )
    result["door_process"] = args.door_process or "default"
    result["scale"] = scale
    result["setup"] = (
        f"PostgreSQL, {args.workers} workers" if args.postgres else "SQLite, 1 process"
    )
    name = "noto_day_postgres" if args.postgres else "noto_day"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (args.out / f"{name}.svg").write_text(svg(result))
    print(
        json.dumps({k: v for k, v in result.items() if k != "plan"}, indent=2, ensure_ascii=False)
    )
    return 0 if all(result["holds"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
