"""Run `shelter serve` as a real process for tests that need real sockets."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[str]
    stderr: str = ""


def start(
    database: Path | str,
    *,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
    port: int | None = None,
    scheme: str = "http",
    verify: ssl.SSLContext | bool = True,
) -> Server:
    """Start the service and wait for /healthz (the caller stops it)."""
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SHELTER_")}
    # Tests never reach the internet: no map tiles unless a test brings its own tile server.
    environment["SHELTER_MAP_TILES"] = "none"
    environment.update(env or {})
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    command = [
        sys.executable,
        "-m",
        "shelter.cli",
        "serve",
        "--port",
        str(port),
        "--db",
        url,
        "--log-level",
        "warning",
        *(args or []),
    ]
    process = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)
    server = Server(base=f"{scheme}://127.0.0.1:{port}", port=port, process=process)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{server.base}/healthz", timeout=1, verify=verify).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start: {process.communicate()[1]}")
        time.sleep(0.1)


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.stderr = server.process.communicate(timeout=15)[1]
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.stderr = server.process.communicate()[1]


@contextmanager
def serve(
    database: Path | str,
    *,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
    scheme: str = "http",
    verify: ssl.SSLContext | bool = True,
    port: int | None = None,
) -> Iterator[Server]:
    """Start the service (on a free port unless given) and wait for /healthz; stop it after."""
    server = start(database, env=env, args=args, scheme=scheme, verify=verify, port=port)
    try:
        yield server
    finally:
        stop(server)
