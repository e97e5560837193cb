"""What the kiosk needs from the server: its page and decoder, enrolment, and whoami."""

from __future__ import annotations

import base64
import io

import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from shelter.app import create_app
from shelter.config import Settings
from tests.conftest import ADMIN, HQ, make_token


def enrol(client: TestClient, **fields: str) -> dict[str, str]:
    body = {"role": "kiosk", "shelter_id": "S02", "label": "湯浦 正面入口", **fields}
    response = client.post("/api/v1/tokens/enrolment", json=body, headers=HQ)
    assert response.status_code == 201, response.text
    card: dict[str, str] = response.json()
    return card


def test_kiosk_page_is_served_with_a_csp_that_allows_only_its_own_wasm(
    client: TestClient,
) -> None:
    """The page may compile WebAssembly and use the camera, and nothing from elsewhere."""
    response = client.get("/kiosk")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval'" not in csp.replace("wasm-unsafe", "")
    assert "camera=(self)" in response.headers["permissions-policy"]
    assert client.get("/kiosk/", follow_redirects=False).headers["location"] == "/kiosk"


def test_service_worker_may_control_the_kiosk_page(client: TestClient) -> None:
    """The worker lives in /kiosk/ but is allowed to control /kiosk itself."""
    response = client.get("/kiosk/sw.js")
    assert response.status_code == 200
    assert response.headers["service-worker-allowed"] == "/kiosk"
    assert "javascript" in response.headers["content-type"]


def test_qr_decoder_and_its_wasm_come_from_this_server(client: TestClient) -> None:
    """The polyfill and zxing's WebAssembly are served from node_modules (npm ci)."""
    script = client.get("/kiosk/vendor/barcode-detector.js")
    assert script.status_code == 200
    assert "BarcodeDetectionAPI" in script.text
    wasm = client.get("/kiosk/vendor/zxing_reader.wasm")
    assert wasm.status_code == 200
    assert wasm.headers["content-type"] == "application/wasm"
    assert wasm.content[:4] == b"\0asm"


def test_only_the_listed_vendor_files_are_served(client: TestClient) -> None:
    """Nothing else in node_modules can be fetched, whatever the name."""
    for name in ("axe.min.js", "..%2F..%2Fpyproject.toml", "package.json"):
        response = client.get(f"/kiosk/vendor/{name}")
        assert response.status_code == 404, name


def test_enrolment_card_holds_a_working_kiosk_token_in_a_qr(client: TestClient) -> None:
    """The card's QR decodes to the kiosk URL with the token in the fragment."""
    card = enrol(client)
    assert card["role"] == "kiosk" and card["shelter_id"] == "S02"
    assert card["enrol_url"].endswith(f"/kiosk#enrol={card['token']}")
    png = base64.b64decode(card["qr_png"].removeprefix("data:image/png;base64,"))
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert decoded == [card["enrol_url"]]
    me = client.get("/api/v1/tokens/me", headers={"Authorization": f"Bearer {card['token']}"})
    assert me.json() == {
        "id": card["id"],
        "role": "kiosk",
        "shelter_id": "S02",
        "label": "湯浦 正面入口",
    }


def test_only_hq_makes_enrolment_cards(client: TestClient) -> None:
    """No token: 401; a staff token: 403; an unknown shelter: 404; a bad role: 422."""
    body = {"role": "kiosk", "shelter_id": "S01"}
    assert client.post("/api/v1/tokens/enrolment", json=body).status_code == 401
    staff = make_token(client, role="staff", shelter_id="S01")
    assert client.post("/api/v1/tokens/enrolment", json=body, headers=staff).status_code == 403
    unknown = {"role": "kiosk", "shelter_id": "S99"}
    assert client.post("/api/v1/tokens/enrolment", json=unknown, headers=HQ).status_code == 404
    bad = {"role": "hq", "shelter_id": "S01"}
    assert client.post("/api/v1/tokens/enrolment", json=bad, headers=HQ).status_code == 422


def test_whoami_refuses_revoked_and_missing_tokens(client: TestClient) -> None:
    """A revoked kiosk learns at once that its enrolment no longer works."""
    card = enrol(client)
    headers = {"Authorization": f"Bearer {card['token']}"}
    assert client.get("/api/v1/tokens/me", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{card['id']}", headers=HQ).status_code == 204
    assert client.get("/api/v1/tokens/me", headers=headers).status_code == 401
    assert client.get("/api/v1/tokens/me").status_code == 401
    assert client.get("/api/v1/tokens/me", headers=HQ).json()["role"] == "hq"


def test_enrolment_cards_point_at_the_public_address_tablets_use(database_url: str) -> None:
    """Made on HQ's own machine (127.0.0.1), the card still sends the tablet to the
    address set in SHELTER_PUBLIC_URL, and its QR says so."""
    settings = Settings(
        database_url=database_url, admin_token=ADMIN, public_url="https://shelter.town.example/"
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        card = enrol(client)
    assert card["enrol_url"] == f"https://shelter.town.example/kiosk#enrol={card['token']}"
    png = base64.b64decode(card["qr_png"].removeprefix("data:image/png;base64,"))
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [
        card["enrol_url"]
    ]
