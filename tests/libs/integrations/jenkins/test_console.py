import random
from collections.abc import Iterator

from verdict.integrations.jenkins.console import ERROR_RE, ConsoleReader

MB = 1024 * 1024


def _console(total: int, chunk: int = MB) -> Iterator[bytes]:
    """`total` bytes of build log with an error block early and errors sprinkled in."""
    head = (
        b"Started by user alice\n"
        b"+ make test\n"
        b"Traceback (most recent call last):\n"
        b'  File "app.py", line 3, in <module>\n'
        b"ValueError: the real cause\n"
    )
    noise = b"".join(
        b"[INFO] compiling module %06d .......................................... ok\n" % i
        for i in range(1000)
    )
    sprinkle = b"ERROR: flaky echo of the cause\n"
    sent = 0
    buf = head
    while sent < total:
        while len(buf) < chunk:
            buf += noise + sprinkle
        piece, buf = buf[: min(chunk, total - sent)], buf[chunk:]
        sent += len(piece)
        yield piece


def test_fifty_megabytes_stay_bounded_and_keep_the_cause() -> None:
    reader = ConsoleReader(tail_lines=100, tail_chars=16_000, max_match_chars=32_000, context=2)
    bound = 16_000 + 32_000 + 2 * 4096 + 500 * 4096 + 4096
    peak = 0
    for chunk in _console(50 * MB):
        reader.feed(chunk)
        peak = max(peak, reader.retained_size)
    reader.feed(b"Finished: FAILURE\n")
    reader.close()
    assert peak <= bound
    assert peak < 100_000  # well under the 50 MB that went through
    summary = reader.summary()
    assert summary.total_bytes == 50 * MB + len(b"Finished: FAILURE\n")
    assert "ValueError: the real cause" in summary.excerpt
    assert "Traceback (most recent call last):" in summary.excerpt
    assert "+ make test" in summary.excerpt  # context before the first match
    assert summary.excerpt.rstrip().endswith("Finished: FAILURE")
    assert summary.omitted_matches > 0
    assert len(summary.excerpt) < 60_000


def test_endless_line_is_cut() -> None:
    reader = ConsoleReader(max_line_chars=1000)
    for _ in range(20):
        reader.feed(b"x" * MB)
    assert reader.retained_size <= 1000 + 50  # plus the truncation marker
    reader.feed(b"\nok\n")
    reader.close()
    summary = reader.summary()
    assert summary.total_lines == 2
    assert "[line truncated]" in summary.excerpt


def test_chunk_boundaries_do_not_matter() -> None:
    data = "a\nb ✓ ERROR: bad ünïcode\nc\r\nd\nlast line without newline".encode()
    whole, bytewise = ConsoleReader(), ConsoleReader()
    whole.feed(data)
    for i in range(len(data)):
        bytewise.feed(data[i : i + 1])
    whole.close()
    bytewise.close()
    assert whole.summary() == bytewise.summary()
    assert "b ✓ ERROR: bad ünïcode" in whole.summary().excerpt
    assert whole.summary().total_lines == 5


def test_context_and_child_lines() -> None:
    reader = ConsoleReader(context=1)
    reader.feed(
        b"one\ntwo\nStarting building: folder \xc2\xbb job #12\nthree\nfour\n"
        b"Build folder \xc2\xbb job #12 completed: FAILURE\nfive\nsix\nseven\n"
    )
    reader.close()
    summary = reader.summary()
    errors = summary.excerpt.split("--- last")[0]
    assert "two" not in errors  # not an error line's neighbour
    assert "      5: four" in errors and "      7: five" in errors
    assert summary.child_lines == (
        "Starting building: folder » job #12",
        "Build folder » job #12 completed: FAILURE",
    )


def test_ansi_colours_are_stripped() -> None:
    reader = ConsoleReader()
    reader.feed(b"\x1b[31mFAILED\x1b[0m tests/test_x.py::test_y\n")
    reader.close()
    assert "FAILED tests/test_x.py::test_y" in reader.summary().excerpt


def _reference(lines: list[str], context: int) -> list[int]:
    """Line numbers a naive line-by-line reader would keep."""
    hits = [i for i, line in enumerate(lines, 1) if ERROR_RE.search(line.encode())]
    kept = {n for i in hits for n in range(i - context, i + context + 1)}
    return sorted(n for n in kept if 1 <= n <= len(lines))


def test_block_scan_matches_a_line_by_line_reader() -> None:
    pool = ["ok", "ERROR: x", "fine", "", "KeyError: k", "errors: 0", "  fatal: no repo", "x" * 30]
    rng = random.Random(7)
    for _ in range(200):
        lines = [rng.choice(pool) for _ in range(rng.randint(1, 40))]
        data = ("\n".join(lines) + "\n").encode()
        context = rng.randint(0, 3)
        reader = ConsoleReader(context=context, tail_lines=5)
        pos = 0
        while pos < len(data):
            step = rng.randint(1, 25)
            reader.feed(data[pos : pos + step])
            pos += step
        reader.close()
        kept = [no for no, _ in reader._matches]
        assert kept == _reference(lines, context), (lines, context)
        assert reader.summary().total_lines == len(lines)
        assert list(reader._tail) == lines[-5:]
