"""README.md is the user's manual: every setting is in it, with the two commands."""

from __future__ import annotations

from pathlib import Path

from verdict.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def test_every_setting_is_documented() -> None:
    missing = [f for f in Settings.model_fields if f"`VERDICT_{f.upper()}`" not in README]
    assert missing == []


def test_the_two_commands_are_shown() -> None:
    assert "make run" in README and "make test" in README
