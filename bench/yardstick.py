"""The yardstick every benchmark measures itself against: a bare FastAPI app.

One async ``GET /`` answering a small JSON, served by the same uvicorn with the same
settings as ``shelter serve`` (the same event loop, HTTP parser and websockets protocol,
access log off). Whatever the service costs above it is the service's own. Each benchmark
starts it in the same run as the service, so a ratio to it holds still while the shared
machine's speed moves (issue #15).

Run alone: ``.venv/bin/python -m bench.yardstick --port 8001``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"status": "ok"}


@dataclass
class Bare:
    base: str
    process: subprocess.Popen[bytes]


def run(port: int) -> None:
    import uvicorn

    from shelter.live.fastpath import WS_PROTOCOL

    # The settings `shelter serve` passes (cli.py), minus what has no bearing on `GET /`.
    uvicorn.run(
        "bench.yardstick:app",
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws=WS_PROTOCOL,
        proxy_headers=True,
    )


@contextmanager
def bare() -> Iterator[Bare]:
    """The bare app on a free port, for the length of the block."""
    from tests.server import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.yardstick", "--port", str(port)], cwd=ROOT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # a loaded machine imports slowly
    try:
        while True:
            try:
                if httpx.get(f"{base}/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare FastAPI app did not start")
            time.sleep(0.1)
        yield Bare(base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def measure(seconds: int = 5, connections: int = 32) -> float | None:
    """The bare app's requests per second (wrk), for a benchmark's record; None without wrk."""
    import shutil

    if shutil.which("wrk") is None:
        return None
    from bench.write_path import wrk

    with bare() as yard:
        return wrk(f"{yard.base}/", seconds=seconds, connections=connections)["rps"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8001)
    run(parser.parse_args().port)
