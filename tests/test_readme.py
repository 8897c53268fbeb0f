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


def _analyze_parser():
    from services.cli import build_parser

    return build_parser()


def test_every_analyze_flag_and_exit_code_is_documented() -> None:
    parser = _analyze_parser()
    analyze = parser._subparsers._group_actions[0].choices["analyze"]
    flags = [o for a in analyze._actions for o in a.option_strings if o not in ("-h", "--help")]
    assert [f for f in flags if f"`{f}" not in README] == []
    for code in range(6):
        assert f"\n| {code} | " in README
    for variable in ("VERDICT_URL", "VERDICT_API_KEY", "VERDICT_PROFILE", "VERDICT_CONFIG"):
        assert f"`{variable}`" in README


def test_the_analyze_examples_parse() -> None:
    import shlex

    parser = _analyze_parser()
    lines = README.replace("\\\n", " ").splitlines()
    commands = [line.split("|")[0] for line in lines if line.startswith("verdict analyze ")]
    assert len(commands) >= 4
    for command in commands:
        parser.parse_args(shlex.split(command)[1:])
    assert README.index("verdict analyze") < README.index(
        "curl -X POST localhost:8000/analyze-failures"
    )
