"""Kiosk: from a scan to its confirmation on screen, online and offline.

Run: .venv/bin/python bench/kiosk_latency.py [--scans 200]

One `shelter serve` on SQLite and the real kiosk page in Debian's chromium (Playwright).
Each scan is a handheld-scanner burst (the pass code typed, then Enter). The page records,
per scan, the time from the moment it has the code to the first animation frame after the
result panel shows the outcome (``window.kioskTimings``), i.e. the frame a person sees.

* online: the server's answer (household size) is shown; the target is p99 <= 300 ms;
* offline (the browser's network cut): the event goes to the IndexedDB outbox and is
  confirmed from there; the target is p99 <= 50 ms.

For scale, the same run also times the bare API round trip (httpx, no browser) for as many
check-ins. With ``--via-caddy`` the same run then scans again with the kiosk page loaded
from https://shelter.test through Caddy (`tls internal`, deploy/Caddyfile; the tablet
trusts Caddy's CA), so the cost of TLS and the proxy is read off one run.
Results: docs/bench/kiosk_latency.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import yardstick  # noqa: E402
from bench.write_path import machine  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.edge import HOST, caddy_in_front, trusting_home  # noqa: E402
from tests.server import free_port, start, stop  # noqa: E402

TOKEN = "bench-admin-token-0123456789abcdefghij"
HQ = {"Authorization": f"Bearer {TOKEN}"}


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def register(http: httpx.Client, count: int) -> list[str]:
    codes = []
    for i in range(count):
        body = {"members": [{"name": f"計測 {i}"}] * (1 + i % 4)}
        response = http.post("/api/v1/households", json=body, headers=HQ)
        response.raise_for_status()
        codes.append(response.json()["pass_code"])
    return codes


def scan_all(page: Any, codes: list[str], outcome: str) -> list[float]:
    """Scan each code, waiting for its confirmation before the next (a queue at a door)."""
    page.evaluate("window.kioskTimings = []")
    for n, code in enumerate(codes, start=1):
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        while page.evaluate("(window.kioskTimings || []).length") < n:
            time.sleep(0.002)
    timings: list[dict[str, Any]] = page.evaluate("window.kioskTimings")
    wrong = [t for t in timings if t["outcome"] != outcome]
    if wrong:
        raise SystemExit(f"expected every scan to be {outcome!r}, got {wrong[:3]}")
    return [float(t["ms"]) for t in timings]


def api_round_trips(http: httpx.Client, codes: list[str], token: str) -> list[float]:
    latencies = []
    for code in codes:
        body = {
            "event_id": str(uuid.uuid4()),
            "shelter_id": "S01",
            "kind": "check_in",
            "pass_code": code,
        }
        started = time.perf_counter()
        response = http.post("/api/v1/events", json=body, headers={"Authorization": token})
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return latencies


def open_kiosk(browser: Any, enrol_url: str, warm_up: str) -> Any:
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.goto(enrol_url)
    page.wait_for_selector('.status[data-state="live"]')
    page.keyboard.type(warm_up)  # warm up: first fetch, first render
    page.keyboard.press("Enter")
    time.sleep(1)
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--via-caddy", action="store_true", help="also scan through Caddy/TLS")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    via_caddy: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = {"SHELTER_ADMIN_TOKEN": TOKEN}
        server = start(Path(folder) / "bench.db", env=env)
        try:
            with httpx.Client(base_url=server.base, timeout=10) as http:
                codes = register(http, 4 * args.scans)
                card = http.post(
                    "/api/v1/tokens/enrolment",
                    json={"role": "kiosk", "shelter_id": "S01", "label": "bench"},
                    headers=HQ,
                ).json()
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                    )
                    page = open_kiosk(browser, card["enrol_url"], codes[-1])
                    online = scan_all(page, codes[: args.scans], "answered")
                    page.context.set_offline(True)
                    offline = scan_all(page, codes[args.scans : 2 * args.scans], "queued")
                    page.context.set_offline(False)
                    browser.close()
                    if args.via_caddy:
                        with caddy_in_front(server, Path(folder), port) as edge:
                            home = trusting_home(Path(folder), edge.root_ca)
                            browser = playwright.chromium.launch(
                                executable_path=CHROMIUM,
                                headless=True,
                                env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
                                args=[
                                    *CHROMIUM_ARGS,
                                    f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
                                ],
                            )
                            enrol = f"{edge.base}/kiosk#enrol={card['token']}"
                            page = open_kiosk(browser, enrol, codes[-2])
                            via_caddy = scan_all(
                                page, codes[3 * args.scans : 4 * args.scans - 2], "answered"
                            )
                            browser.close()
                api = api_round_trips(
                    http, codes[2 * args.scans : 3 * args.scans - 1], f"Bearer {card['token']}"
                )
        finally:
            stop(server)
    result: dict[str, object] = {
        "machine": machine(),
        # The yardstick of the same run (bench/yardstick.py): how fast this machine is now.
        "bare_fastapi_rps": yardstick.measure(),
        "scans": args.scans,
        "online": summary(online),
        "offline": summary(offline),
        "api_round_trip_without_browser": summary(api),
        "targets": {"online_p99_ms": 300, "offline_p99_ms": 50},
    }
    if via_caddy:
        result["online_via_caddy_https"] = summary(via_caddy)
    out = ROOT / "docs" / "bench" / "kiosk_latency.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    for name in ("online", "online_via_caddy_https", "offline", "api_round_trip_without_browser"):
        if name not in result:
            continue
        row = result[name]
        assert isinstance(row, dict)
        p50, p99, top = row["p50_ms"], row["p99_ms"], row["max_ms"]
        print(f"{name:32} p50 {p50:7.1f}  p99 {p99:7.1f}  max {top:7.1f} ms")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
