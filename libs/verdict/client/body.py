"""Request bodies, produced one chunk at a time: a 50 MB report never sits in memory whole.

`json_body` writes `{...fields, "raw_xml": "<escaped XML>"}`, escaping the XML chunk by
chunk exactly as `json.dumps` escapes the whole string. `raw_body` is the XML itself,
UTF-8, for servers that take a report as the request body. `gzipped` compresses either
on the way (the gateway decompresses `Content-Encoding: gzip` bodies before reading).
Every generator is deterministic, so a retried upload sends the same bytes and its
`Idempotency-Key` matches the first attempt's request.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

GZIP_LEVEL = 6
# Small pieces are joined before they are sent: one write per ~256 kB, not per line.
_FLUSH_BYTES = 256 * 1024


def json_body(fields: dict[str, Any], xml: Iterable[str]) -> Iterator[bytes]:
    head = json.dumps(fields, ensure_ascii=False)[:-1]  # '{"job_name": "x"' or '{'
    yield (head + (", " if fields else "") + '"raw_xml": "').encode("utf-8")
    for chunk in xml:
        # json.dumps of a piece escapes it as it would inside the whole string; the
        # quotes it adds are cut off. No escape sequence spans two pieces.
        yield json.dumps(chunk, ensure_ascii=False)[1:-1].encode("utf-8")
    yield b'"}'


def raw_body(xml: Iterable[str]) -> Iterator[bytes]:
    for chunk in xml:
        yield chunk.encode("utf-8")


def gzipped(chunks: Iterable[bytes], level: int = GZIP_LEVEL) -> Iterator[bytes]:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def buffered(chunks: Iterable[bytes]) -> Iterator[bytes]:
    held: list[bytes] = []
    size = 0
    for chunk in chunks:
        held.append(chunk)
        size += len(chunk)
        if size >= _FLUSH_BYTES:
            yield b"".join(held)
            held, size = [], 0
    if held:
        yield b"".join(held)


def counted(chunks: Iterable[bytes], on_bytes: Callable[[int], None]) -> Iterator[bytes]:
    """The chunks unchanged, telling `on_bytes` how many bytes went out so far."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        on_bytes(total)
        yield chunk
