"""`bench/simulate.py surge | nanao` against a real server over HTTP."""

from __future__ import annotations

import ast
import csv
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bench.simulate import JST, main, parse_era_time, read_snapshot
from tests.conftest import ADMIN, NANAO_CSV
from tests.server import free_port, serve

pytestmark = pytest.mark.slow  # drives real servers: seconds per test

NANAO = NANAO_CSV.parent
ENV = {"SHELTER_ADMIN_TOKEN": ADMIN}
needs_nanao = pytest.mark.skipif(not NANAO.is_dir(), reason="the shared Nanao data is missing")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和6年1月9日午後6時", datetime(2024, 1, 9, 18, tzinfo=JST)),
        ("令和6年3月1日午前6時30分", datetime(2024, 3, 1, 6, 30, tzinfo=JST)),
        ("令和6年1月1日午前0時", datetime(2024, 1, 1, 0, tzinfo=JST)),
        ("令和6年1月1日午後12時", datetime(2024, 1, 1, 12, tzinfo=JST)),
        ("令和6年5月29日正午", datetime(2024, 5, 29, 12, tzinfo=JST)),
    ],
)
def test_an_era_time_becomes_a_japan_time(text: str, expected: datetime) -> None:
    """令和6年 is 2024, 午前0時 is midnight, 午後12時 is noon, with +09:00."""
    parsed = parse_era_time(text)
    assert parsed == expected
    assert parsed.isoformat().endswith("+09:00")


@needs_nanao
def test_the_first_history_file_is_read_from_its_odd_count_column() -> None:
    """人数_令和6年1月9日午後6時時点 gives both the counts and the time."""
    snap = read_snapshot(NANAO / "history" / "open_shelter_Nanao-shi_2024-01-09-1800.csv")
    assert snap.at == datetime(2024, 1, 9, 18, tzinfo=JST)
    assert snap.people["CC0000000518"] == 180
    assert len(snap.people) > 10


def test_a_surge_leaves_the_server_with_the_simulators_tally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """30 households over 3 s: the occupancy totals equal what the simulator counted."""
    with serve(tmp_path / "surge.db", env=ENV) as server:
        argv = ["surge", "--url", server.base, "--token", ADMIN]
        assert main([*argv, "--households", "30", "--seconds", "3", "--seed", "7"]) == 0
        occupancy = httpx.get(f"{server.base}/api/v1/occupancy").json()
    out = capsys.readouterr().out
    tally: dict[str, int] = ast.literal_eval(out.split("inside by shelter:")[-1].strip())
    assert sum(tally.values()) == occupancy["totals"]["occupancy"] > 0
    by_id = {s["id"]: s["occupancy"] for s in occupancy["shelters"]}
    assert all(by_id[sid] == people for sid, people in tally.items())


@needs_nanao
def test_the_nanao_replay_reaches_the_fourth_snapshots_headcounts(tmp_path: Path) -> None:
    """After four snapshots each shelter holds its 人数 and the absent ones are closed."""
    with serve(tmp_path / "nanao.db", env=ENV) as server:
        argv = ["nanao", "--url", server.base, "--token", ADMIN, "--data", str(NANAO)]
        assert main([*argv, "--limit-snapshots", "4", "--speed", "1e9"]) == 0
        shelters = {s["id"]: s for s in httpx.get(f"{server.base}/api/v1/shelters").json()}
    files = sorted((NANAO / "history").glob("open_shelter_Nanao-shi_*.csv"))
    fourth = sorted((read_snapshot(f) for f in files), key=lambda s: s.at)[3]
    for sid, people in fourth.people.items():
        assert shelters[sid]["occupancy"] == people, sid
        assert shelters[sid]["open"], sid
    with NANAO_CSV.open(encoding="utf-8-sig") as f:
        town = {row["ID"] for row in csv.DictReader(f)} | {s for s in shelters if "NEW" in s}
    absent = (town & set(shelters)) - set(fourth.people)
    assert absent
    for sid in absent:
        assert shelters[sid]["level"] == "closed", sid
        assert shelters[sid]["occupancy"] == 0, sid


def test_a_refused_token_stops_the_simulation_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token the server does not know ends the run with exit code 1 and says why."""
    with serve(tmp_path / "refused.db", env=ENV) as server:
        assert main(["surge", "--url", server.base, "--token", "wrong"]) == 1
    assert "token" in capsys.readouterr().err


def test_an_unreachable_server_stops_the_simulation_with_a_clear_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nobody listening on the port: exit code 1 and a message that names the address."""
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["surge", "--url", url, "--token", ADMIN]) == 1
    assert url in capsys.readouterr().err
