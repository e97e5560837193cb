"""The command line: mistakes anyone can make get one clear line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelter.cli import main


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


def test_importing_a_file_that_is_not_there_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No traceback: the file name and what is wrong with it."""
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert main(["import", str(tmp_path / "missing.csv"), "--db", db]) == 2
    assert "missing.csv" in one_line(capsys)


def test_a_token_for_an_unknown_shelter_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The service's own refusal, as one line."""
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert main(["token", "--role", "kiosk", "--shelter", "S99", "--db", db]) == 2
    assert "S99" in one_line(capsys)


def test_a_database_that_is_not_there_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """A PostgreSQL server nobody runs: one line that names the problem."""
    db = "postgresql://postgres@127.0.0.1:1/none"
    assert main(["check", "--db", db]) == 2
    assert "cannot reach the database" in one_line(capsys)


def test_a_weak_admin_token_is_refused_at_start_with_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`shelter serve` with SHELTER_ADMIN_TOKEN=admin stops before serving, in one line."""
    monkeypatch.setenv("SHELTER_ADMIN_TOKEN", "admin")
    assert main(["serve", "--db", f"sqlite:///{tmp_path / 'w.db'}"]) == 2
    err = one_line(capsys)
    assert "SHELTER_ADMIN_TOKEN is too weak" in err and "secrets.token_urlsafe" in err
