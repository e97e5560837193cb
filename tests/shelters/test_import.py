"""POST /api/v1/shelters/import and `shelter import`: the municipal open-data layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from shelter.cli import main
from shelter.config import Settings
from shelter.db import Database
from shelter.tables import Shelter
from tests.conftest import HQ, NANAO_CSV, event, make_token

CSV = {"Content-Type": "text/csv"}
HEADER = "ID,名称,名称_英字,所在地_連結表記,緯度,経度,想定収容人数\n"


def nanao() -> bytes:
    if not NANAO_CSV.exists():
        pytest.skip(f"{NANAO_CSV} is missing (the shared data folder sits beside the repo)")
    return NANAO_CSV.read_bytes()


def post_csv(client: TestClient, body: bytes, query: str = "") -> dict:  # type: ignore[type-arg]
    response = client.post(f"/api/v1/shelters/import{query}", content=body, headers={**HQ, **CSV})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_nanao_shelter_list_imports_with_indoor_capacities(client: TestClient) -> None:
    """Nanao's 2024 list: shelters with an indoor figure are created, the rest say why not."""
    result = post_csv(client, nanao())
    assert result["created"] == 79
    assert result["updated"] == 0
    assert len(result["skipped"]) == 33
    assert all(s["reason"] and s["row"] > 1 for s in result["skipped"])
    shelter = client.get("/api/v1/shelters/CC0000000505").json()
    assert shelter["name"] == "七尾中学校"
    assert shelter["capacity"] == 1371  # 屋内1,371人／屋外5,470人
    assert shelter["open"] is False  # designated is not opened; HQ opens them
    assert len(client.get("/api/v1/shelters").json()) == 5 + 79


def test_importing_again_updates_instead_of_duplicating(client: TestClient) -> None:
    """A second import of the same file creates and changes nothing."""
    post_csv(client, nanao())
    versions = {s["id"]: s["version"] for s in client.get("/api/v1/shelters").json()}
    again = post_csv(client, nanao())
    assert (again["created"], again["updated"]) == (0, 0)
    assert {s["id"]: s["version"] for s in client.get("/api/v1/shelters").json()} == versions


def test_a_changed_capacity_updates_the_shelter_and_its_version(client: TestClient) -> None:
    """Re-importing with a new figure updates that shelter only, keeping its counts."""
    post_csv(client, (HEADER + "X1,体育館,,町1,32.3,130.5,屋内100人\n").encode())
    before = client.get("/api/v1/shelters/X1").json()
    result = post_csv(client, (HEADER + "X1,体育館,,町1,32.3,130.5,屋内150人\n").encode())
    after = client.get("/api/v1/shelters/X1").json()
    assert (result["created"], result["updated"]) == (0, 1)
    assert after["capacity"] == 150
    assert after["version"] > before["version"]


def test_shift_jis_files_import_like_utf8(client: TestClient) -> None:
    """The same list saved as Shift_JIS (CP932) gives the same shelters."""
    result = post_csv(client, nanao().decode("utf-8").encode("cp932"))
    assert result["created"] == 79
    assert (
        client.get("/api/v1/shelters/CC0000000504").json()["name"] == "御祓地区コミュニティセンター"
    )


def test_utf8_with_bom_and_full_width_digits_import(client: TestClient) -> None:
    """A BOM and full-width digits and separators, as Excel and IMEs write them, are read."""
    body = "\ufeff" + HEADER + "Z1,公民館,,町２,３２．３,１３０．５,屋内１，２００人\n"
    result = post_csv(client, body.encode("utf-8"))
    assert result["created"] == 1
    assert client.get("/api/v1/shelters/Z1").json()["capacity"] == 1200


def test_a_bad_row_is_skipped_with_its_reason_and_the_rest_import(client: TestClient) -> None:
    """One broken row never aborts the file nor leaves a half-written shelter."""
    body = HEADER + (
        "G1,良い,,町,32.3,130.5,屋内10人\n"
        "B1,悪い,,町,北緯,130.5,屋内10人\n"
        "B2,悪い,,町,32.3,130.5,屋外500人\n"
        "G2,良い,,町,32.4,130.6,20\n"
    )
    result = post_csv(client, body.encode())
    assert result["created"] == 2
    assert [s["row"] for s in result["skipped"]] == [3, 4]
    assert "緯度" in result["skipped"][0]["reason"]
    assert client.get("/api/v1/shelters/B1").status_code == 404
    assert client.get("/api/v1/shelters/B2").status_code == 404


def test_open_query_opens_the_shelters_it_creates(client: TestClient) -> None:
    """?open=true makes imported shelters open at once."""
    post_csv(client, (HEADER + "O1,開設,,町,32.3,130.5,50\n").encode(), "?open=true")
    assert client.get("/api/v1/shelters/O1").json()["level"] == "available"


def test_a_file_without_the_required_columns_is_422(client: TestClient) -> None:
    """A CSV that is not a shelter list is refused whole, with the missing columns named."""
    response = client.post("/api/v1/shelters/import", content=b"a,b\n1,2\n", headers={**HQ, **CSV})
    assert response.status_code == 422
    assert "名称" in response.json()["detail"]


def test_an_empty_body_is_422(client: TestClient) -> None:
    """Nothing to import is a clear 422."""
    response = client.post("/api/v1/shelters/import", content=b"", headers={**HQ, **CSV})
    assert response.status_code == 422


def test_only_hq_may_import(client: TestClient) -> None:
    """Import changes the registry: a staff token gets 403, no token 401."""
    staff = make_token(client, role="staff", shelter_id="S01")
    assert (
        client.post(
            "/api/v1/shelters/import", content=nanao(), headers={**staff, **CSV}
        ).status_code
        == 403
    )
    assert client.post("/api/v1/shelters/import", content=nanao(), headers=CSV).status_code == 401


def test_the_import_command_reads_a_file_into_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`shelter import FILE --db URL` imports, and running it twice duplicates nothing."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    nanao()
    assert main(["import", str(NANAO_CSV), "--db", url]) == 0
    assert "created 79, updated 0, skipped 33" in capsys.readouterr().out
    assert main(["import", str(NANAO_CSV), "--db", url]) == 0
    assert "created 0, updated 0" in capsys.readouterr().out
    db = Database(Settings(database_url=url).database_url)
    with db.reader() as session:
        assert len(session.exec(select(Shelter)).all()) == 79
    db.dispose()


TOWN = (
    "ID,名称,緯度,経度,想定収容人数\n"
    "T01,芦北町総合体育館,32.30,130.49,屋内500人\n"
    "T02,湯浦小学校,32.28,130.52,屋内250人\n"
).encode()


def test_importing_the_towns_list_can_replace_the_demo_shelters(client: TestClient) -> None:
    """replace_demo deletes the five demo shelters the town's list does not name, except
    one people already used (it keeps its history), and the live feed drops them."""
    client.post("/api/v1/events", json=event("S02", headcount=2), headers=HQ)
    with client.websocket_connect("/ws/occupancy") as ws:
        assert len(json.loads(ws.receive_text())["shelters"]) == 5
        result = post_csv(client, TOWN, "?open=true&replace_demo=true")
        assert result["created"] == 2
        assert result["removed"] == ["S01", "S03", "S04", "S05"]
        assert result["kept_demo"] == ["S02"]
        # Seen as a page sees it (feed.js): a snapshot is the whole list, an update adds or
        # changes one. The removal comes as a snapshot; the new shelters are in it or come
        # as updates after it (on PostgreSQL the removal's own signal may be heard first).
        view: set[str] = set()
        removal_seen = False
        for _ in range(50):
            message = json.loads(ws.receive_text())
            if message["type"] == "snapshot":
                removal_seen, view = True, {s["id"] for s in message["shelters"]}
            elif message["type"] == "update":
                view.add(message["shelter"]["id"])
            if removal_seen and view == {"S02", "T01", "T02"}:
                break
    assert removal_seen
    assert view == {"S02", "T01", "T02"}
    listed = [s["id"] for s in client.get("/api/v1/shelters").json()]
    assert listed == ["S02", "T01", "T02"]
    assert client.get("/api/v1/occupancy").json()["totals"]["occupancy"] == 2


def test_the_import_command_replaces_the_demo_of_a_new_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`shelter migrate` seeds the demo; `shelter import --replace-demo` leaves the town's."""
    db = f"sqlite:///{tmp_path / 'town.db'}"
    town = tmp_path / "town.csv"
    town.write_bytes(TOWN)
    assert main(["migrate", "--db", db]) == 0
    assert main(["import", str(town), "--db", db, "--open", "--replace-demo"]) == 0
    assert "removed the demo shelters S01, S02, S03, S04, S05" in capsys.readouterr().out
    database = Database(Settings(database_url=db).database_url)
    with database.reader() as session:
        assert sorted(session.exec(select(Shelter.id)).all()) == ["T01", "T02"]
    database.dispose()
