"""compose.yaml and deploy/Caddyfile stay true to the service (Docker cannot run here;
tests/e2e/test_field.py runs the same Caddyfile with Debian's caddy)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from shelter.cli import parser

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:  # type: ignore[type-arg]
    data: dict = yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[type-arg]
    return data


def test_caddy_is_the_only_published_port() -> None:
    """Tablets reach the service through HTTPS only; the API and PostgreSQL stay inside."""
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"caddy"}
    assert sorted(services["caddy"]["ports"]) == ["443:443", "80:80"]


def test_the_api_command_is_one_shelter_serve_understands() -> None:
    """Every flag compose gives `shelter serve` exists, and only Caddy's address is trusted
    for forwarded headers."""
    services = compose()["services"]
    command = services["api"]["command"]
    args = parser().parse_args(command[1:])
    caddy_ip = services["caddy"]["networks"]["internal"]["ipv4_address"]
    assert args.forwarded_allow_ips == caddy_ip
    assert args.workers > 1 and args.backup_dir


def test_the_caddyfile_is_valid_for_a_domain_and_for_a_lan() -> None:
    """`caddy validate` accepts it with Let's Encrypt (an e-mail) and with tls internal."""
    if shutil.which("caddy") is None:
        message = "caddy is not installed: `sudo apt-get install caddy`"
        if os.environ.get("CI"):
            pytest.fail(message)  # .ci/run installs it: missing there is a real failure
        pytest.skip(message)
    for site, tls in (("shelter.town.example", "it@town.example"), ("shelter.lan", "internal")):
        env = {"SHELTER_SITE": site, "SHELTER_TLS": tls, "SHELTER_UPSTREAM": "api:8000",
               "PATH": "/usr/bin:/bin", "HOME": "/tmp"}  # fmt: skip
        done = subprocess.run(
            ["caddy", "validate", "--config", str(ROOT / "deploy" / "Caddyfile"),
             "--adapter", "caddyfile"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-1000:]
