"""Turn the caller's bytes or text into a safe stream of lxml parse events.

Safety is decided here, once, for parse and enrich alike:

* Entities are never expanded, DTDs never loaded, the network never touched.
* A DOCTYPE with an internal subset is refused *before* lxml sees the document:
  entity declarations can only live there, and libxml2 expands entities inside
  attribute values even with resolve_entities=False, so "billion laughs" must be
  stopped ahead of the parser. No JUnit producer writes an internal subset.
* huge_tree is on because real reports carry system-out sections above libxml2's
  10 MB text-node limit; the nesting depth it would otherwise cap is counted here.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from typing import IO, Any, Protocol

from lxml import etree

from verdict.junit.errors import JUnitError

# Roots of well-known test formats that look a little like JUnit but are not.
FOREIGN_ROOTS = {
    "test-run": "NUnit 3",
    "test-results": "NUnit 2",
    "assemblies": "xUnit.net",
    "TestRun": "Visual Studio TRX",
}

_POSITION_SUFFIX = re.compile(r",\s*line \d+, column \d+$")

_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": True,
    "remove_comments": False,
}


class _TextReader:
    """Feeds lxml a str as UTF-8 one slice at a time, so a 50 MB `raw_xml` field is
    never copied whole into an encoded twin."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._text) if size is None or size < 0 else self._pos + size
        chunk = self._text[self._pos : end]
        self._pos += len(chunk)
        # surrogatepass: a lone surrogate becomes invalid UTF-8 and lxml reports it
        # with a position, instead of an encode error escaping from inside lxml.
        return chunk.encode("utf-8", "surrogatepass")


def iter_events(
    data: bytes | str | BinaryStream,
    events: tuple[str, ...],
    *,
    max_depth: int,
    strip_cdata: bool = True,
    encoding: str | None = None,
) -> Iterator[tuple[str, Any]]:
    """Yield (event, element) from a streaming parse, raising JUnitError on anything
    unsafe or malformed. "start"/"end" must be among the events: depth is counted.

    `encoding` overrides whatever bytes declare: for text the caller already decoded
    and re-encoded (a JSON `raw_xml` stored as UTF-8), the prolog's claim is stale."""
    source, detected = _open(data)
    encoding = encoding or detected
    parser = etree.iterparse(
        source,
        events=events,
        encoding=encoding,
        strip_cdata=strip_cdata,
        **_PARSER_OPTIONS,
    )
    depth = 0
    try:
        for event, element in parser:
            if event == "start":
                depth += 1
                if depth > max_depth:
                    raise JUnitError(
                        f"The report nests elements deeper than {max_depth} levels "
                        f"(at line {element.sourceline})."
                    )
                if depth == 1:
                    _check_root(element)
            elif event == "end":
                depth -= 1
            yield event, element
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None


def _open(
    data: bytes | str | BinaryStream,
) -> tuple[IO[bytes] | _TextReader | _HeadThenRest, str | None]:
    if isinstance(data, str):
        # Already decoded: whatever encoding the prolog declares is stale now.
        text = data[1:] if data.startswith("\ufeff") else data
        if not text or text.isspace():  # isspace, unlike strip, copies nothing
            raise JUnitError("The report is empty.")
        _refuse_internal_subset(_PrologText.from_text(text))
        return _TextReader(text), "utf-8"
    if not isinstance(data, bytes | bytearray):
        if hasattr(data, "read"):
            return _open_stream(data), None
        raise JUnitError("The report must be bytes or text.")
    if not data or data.isspace():
        raise JUnitError("The report is empty.")
    _refuse_internal_subset(_PrologText.from_bytes(bytes(data)))
    # BytesIO shares the caller's buffer; lxml honours the BOM / declared encoding.
    return io.BytesIO(data), None


class BinaryStream(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


# A stream's prolog (declaration, comments, DOCTYPE) must end within this many bytes:
# the internal-subset check has to see the whole prolog before lxml does.
PROLOG_LIMIT = 1 << 20


class _HeadThenRest:
    """The head read for the prolog check, then the rest of the stream, to lxml."""

    def __init__(self, head: bytes, rest: BinaryStream) -> None:
        self._head: bytes | None = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head is not None:
            head, self._head = self._head, None
            if head:
                return head
        return self._rest.read(size)


def _open_stream(stream: BinaryStream) -> _HeadThenRest:
    """A file-like source (say, a decompressing reader): memory stays O(chunk)."""
    head = b""
    while len(head) < PROLOG_LIMIT:
        chunk = stream.read(PROLOG_LIMIT - len(head))
        if not chunk:
            break
        head += chunk
    if not head or head.isspace():
        raise JUnitError("The report is empty.")
    prolog = _PrologText.from_bytes(head)
    verdict = _scan_prolog(prolog.text)
    while verdict is None and prolog.grow():
        verdict = _scan_prolog(prolog.text)
    if verdict:
        raise JUnitError(
            "The report declares a DTD internal subset (<!DOCTYPE ... [ ... ]>); "
            "entity declarations are refused for safety."
        )
    if verdict is None and len(head) >= PROLOG_LIMIT:
        raise JUnitError(
            f"The report's prolog (before the root element) is longer than {PROLOG_LIMIT} "
            "bytes; it is refused rather than parsed unchecked."
        )
    return _HeadThenRest(head, stream)


def _check_root(root: Any) -> None:
    tag = root.tag
    if isinstance(tag, str) and tag in FOREIGN_ROOTS:
        raise JUnitError(
            f"The document is a {FOREIGN_ROOTS[tag]} report (root <{tag}>), not JUnit XML."
        )


def _syntax_error(exc: etree.XMLSyntaxError) -> JUnitError:
    line, column = exc.position
    # libxml2 appends its own ", line L, column C"; the sentence says it once.
    message = _POSITION_SUFFIX.sub("", (exc.msg or "").strip()) or "syntax error"
    return JUnitError(
        f"The report is not well-formed XML at line {line}, column {column}: {message}"
    )


class _PrologText:
    """The start of the document as text, decoded just enough to read the prolog
    (XML declaration, comments, PIs, DOCTYPE); grows on demand."""

    def __init__(self, decode: Any, size: int) -> None:
        self._decode = decode
        self._size = size
        self._limit = 4096
        self.text: str = decode(self._limit)

    @classmethod
    def from_text(cls, text: str) -> _PrologText:
        return cls(lambda n: text[:n], len(text))

    @classmethod
    def from_bytes(cls, data: bytes) -> _PrologText:
        codec = _prolog_codec(data)
        return cls(lambda n: data[:n].decode(codec, "ignore"), len(data))

    def grow(self) -> bool:
        if self._limit >= self._size:
            return False
        self._limit *= 4
        self.text = self._decode(self._limit)
        return True


def _prolog_codec(data: bytes) -> str:
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return codec
    if data.startswith(b"<\x00"):
        return "utf-16-le"
    if data.startswith(b"\x00<"):
        return "utf-16-be"
    # Every other encoding a report uses is ASCII-compatible, and markup is ASCII.
    return "latin-1"


def _refuse_internal_subset(prolog: _PrologText) -> None:
    while True:
        verdict = _scan_prolog(prolog.text)
        if verdict is not None:
            if verdict:
                raise JUnitError(
                    "The report declares a DTD internal subset (<!DOCTYPE ... [ ... ]>); "
                    "entity declarations are refused for safety."
                )
            return
        if not prolog.grow():
            return  # a prolog that never ends: let the parser report it


def _scan_prolog(text: str) -> bool | None:
    """True: a DOCTYPE with an internal subset; False: none; None: need more text."""
    pos = 1 if text.startswith("\ufeff") else 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return None
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
            if end < 0:
                return None
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
            if end < 0:
                return None
            pos = end + 3
        elif text.startswith("<!DOCTYPE", pos):
            return _doctype_has_subset(text, pos)
        else:
            return False  # the root element (or garbage the parser will report)


def _doctype_has_subset(text: str, pos: int) -> bool | None:
    quote = ""
    for index in range(pos + len("<!DOCTYPE"), len(text)):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "[":
            return True
        elif char == ">":
            return False
    return None
