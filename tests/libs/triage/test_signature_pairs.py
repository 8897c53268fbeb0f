"""The must-sign-same / must-sign-different table (signature_pairs.py), every pair asserted."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.libs.triage.signature_pairs import DIFFERENT, SAME, Pair
from verdict.triage.signature import error_signature, explain_signature


def _sig(side: tuple[str, str]) -> str:
    return error_signature(side[0], side[1])


def test_table_covers_every_language_and_is_large() -> None:
    assert len(SAME) + len(DIFFERENT) >= 60
    languages = {lang for _, lang, _, _ in SAME + DIFFERENT}
    assert {"python", "java", "go", "js", "c++", "rust", "dotnet"} <= languages


@pytest.mark.parametrize("pair", SAME, ids=[p[0] for p in SAME])
def test_must_sign_same(pair: Pair) -> None:
    name, _, left, right = pair
    assert _sig(left) == _sig(right), (name, explain_signature(*left), explain_signature(*right))


@pytest.mark.parametrize("pair", DIFFERENT, ids=[p[0] for p in DIFFERENT])
def test_must_sign_different(pair: Pair) -> None:
    name, _, left, right = pair
    assert _sig(left) != _sig(right), (name, explain_signature(*left))


def test_explanation_names_what_was_kept_and_scrubbed() -> None:
    text = (
        "script returned exit code 143 at 2024-01-17T04:19:11Z "
        "in /var/lib/jenkins/workspace/app@2/run.sh"
    )
    explained = explain_signature(text)
    assert explained.signature == error_signature(text)
    assert "exit code 143" in explained.kept
    assert "143" in explained.message
    assert explained.scrubbed["<ts>"] == 1 and explained.scrubbed["<ws>"] == 1
    assert explained.to_json()["frames"] == []


def test_explanation_lists_normalized_frames() -> None:
    from tests.libs.triage.signature_pairs import _go

    explained = explain_signature("", _go(pkg="crypto", file="sha256"))
    assert any("sha256.go" in frame for frame in explained.frames)
    assert explained.exception_type == "panic"
    assert explained.message.startswith("runtime error: index out of range")


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(1000, 10**7))
@example(0xCA123456, 0x1A2B3C4D, 5000)  # "ca123456": a CA (analyzer) code in lowercase
@example(0xBC654321, 0x00000000, 5000)
def test_random_ids_never_pass_for_cause_codes(a: int, b: int, n: int) -> None:
    # Hex ids that happen to look like "ca123456" or "e5012345" are ids, not codes.
    template = "TimeoutError: payments-{h}.svc took {n}ms for order {h} (cache 0x{h})"
    left = template.format(h=f"{a:08x}", n=n)
    right = template.format(h=f"{b:08x}", n=n + 1)
    assert error_signature(left) == error_signature(right)
