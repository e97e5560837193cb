"""The Noto-scale day benchmark, run tiny, so that the script cannot rot unnoticed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_tiny_noto_day_loses_nothing_and_counts_nothing_twice(tmp_path: Path) -> None:
    """Every part runs (import, kiosks with batches and resends, viewers, residents, the
    probe, the check against a rebuild); the latency targets are for the real run only."""
    run = subprocess.run(
        [sys.executable, "bench/noto_day.py", "--small", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = json.loads((tmp_path / "noto_day.json").read_text())
    assert result["holds"]["nothing_lost_or_twice"], run.stdout[-2000:]
    assert result["holds"]["no_errors"], result["kiosks"]["first_errors"]
    assert result["kiosks"]["events"] == result["plan"]["events"]
    assert result["verify"]["in_log"] >= result["plan"]["events"]
    assert result["viewers"]["delivery_ms"]["n"] > 0
    assert result["residents"]["n"] > 0
    assert (tmp_path / "noto_day.svg").read_text().startswith("<svg")
