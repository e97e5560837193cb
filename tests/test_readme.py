"""The README is the operator's manual: every setting in it, with its variable name."""

from __future__ import annotations

from pathlib import Path

from shelter.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_listed_in_the_readme() -> None:
    """A setting added without a line in the README's table fails here."""
    text = README.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`SHELTER_{name.upper()}`" not in text]
    assert missing == []
