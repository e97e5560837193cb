"""Caddy with `tls internal` in front of a running `shelter serve`, as compose.yaml does,
with Debian's caddy and the same deploy/Caddyfile; and a browser home that trusts its CA.
Used by tests/e2e/test_field.py and bench/kiosk_latency.py --via-caddy."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.server import Server, free_port

HOST = "shelter.test"
CADDYFILE = Path(__file__).resolve().parents[1] / "deploy" / "Caddyfile"


class Missing(RuntimeError):
    """A tool this needs is not installed; the message says how to install it."""


def need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        raise Missing(f"{tool} is not installed: `sudo apt-get install {package}` to run this")


@dataclass
class Edge:
    """Caddy in front of the service: where a tablet reaches it, and the CA it trusts."""

    base: str
    port: int
    root_ca: Path
    server: Server


def answers_over_tls(port: int, root_ca: Path) -> bool:
    """A TLS handshake for shelter.test that verifies against Caddy's root, then /healthz."""
    context = ssl.create_default_context(cafile=str(root_ca))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
            context.wrap_socket(raw, server_hostname=HOST) as tls,
        ):
            request = f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
            tls.sendall(request.encode())
            return tls.recv(64).startswith(b"HTTP/1.1 200")
    except (OSError, ssl.SSLError):
        return False


@contextmanager
def caddy_in_front(server: Server, folder: Path, port: int) -> Iterator[Edge]:
    """Caddy on https://shelter.test:<port> proxying to ``server``, until the block ends."""
    need("caddy", "caddy")
    home = folder / "caddy"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "SHELTER_SITE": f"{HOST}:{port}",
        "SHELTER_TLS": "internal",
        "SHELTER_UPSTREAM": f"127.0.0.1:{server.port}",
        "CADDY_HTTP_PORT": str(free_port()),
        "CADDY_ADMIN": f"127.0.0.1:{free_port()}",
    }
    log = folder / "caddy.log"
    errors = log.open("w")
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    root_ca = home / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    try:
        deadline = time.monotonic() + 30
        while not (root_ca.exists() and answers_over_tls(port, root_ca)):
            if caddy.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"caddy did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield Edge(base=f"https://{HOST}:{port}", port=port, root_ca=root_ca, server=server)
    finally:
        caddy.terminate()
        try:
            caddy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            caddy.kill()
            caddy.wait()
        errors.close()


def trusting_home(folder: Path, root_ca: Path) -> Path:
    """A home folder whose NSS database trusts Caddy's root, as a tablet that installed it
    (Chromium on Linux reads ~/.pki/nssdb; nothing else is trusted or ignored)."""
    need("certutil", "libnss3-tools")
    home = folder / "tablet"
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "caddy-local", "-i",
         str(root_ca)],
        check=True,
    )  # fmt: skip
    return home
