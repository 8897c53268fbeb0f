from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "data" / "junit"


def corpus_files() -> list[Path]:
    # Fail loudly at collection: a missing corpus must never look like a green run.
    if not CORPUS.is_dir():
        raise RuntimeError(f"JUnit corpus directory is missing: {CORPUS}")
    files = sorted(CORPUS.glob("*.xml"))
    if not files:
        raise RuntimeError(f"JUnit corpus directory is empty: {CORPUS}")
    return files


@pytest.fixture
def corpus() -> Path:
    return CORPUS
