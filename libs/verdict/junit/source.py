"""Turn the caller's bytes or text into a safe stream of lxml parse events.

Safety is decided here, once, for parse and enrich alike:

* Entities are never expanded, DTDs never loaded, the network never touched.
* Any DOCTYPE is refused, by the parser itself: the prolog is first fed to a small
  lxml parser whose target stops at its `doctype` callback (libxml2's internalSubset
  event, raised before a single declaration inside `[...]` is read) or at the root
  element. Only then does the streaming parse begin. libxml2 expands entities inside
  attribute values even with resolve_entities=False, so entity declarations must
  never be accepted at all; no JUnit producer writes a DOCTYPE. Because libxml2
  decodes the bytes itself, no byte-order mark, encoding or comment can hide one.
  The streaming parse checks the root's doctype again, so both parsers must agree.
* huge_tree is on because real reports carry system-out sections above libxml2's
  10 MB text-node limit; the nesting depth it would otherwise cap is counted here.
"""

from __future__ import annotations

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


class BinaryStream(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


# The prolog (declaration, comments, PIs, DOCTYPE) must end within this many bytes:
# it is held in memory until the root element is seen.
PROLOG_LIMIT = 1 << 20
# The prolog is fed to the watching parser in small steps, so it stops soon after
# the DOCTYPE or the root start tag, whatever the caller's read size.
_PROLOG_STEP = 1024

_DOCTYPE_REFUSED = (
    "The report declares a DOCTYPE (<!DOCTYPE ...>); DTDs and entity declarations "
    "are refused for safety."
)


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
    head = _read_prolog(source, encoding)
    parser = etree.iterparse(
        _HeadThenRest(head, source),
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


def _open(data: bytes | str | BinaryStream) -> tuple[IO[bytes] | BinaryStream, str | None]:
    if isinstance(data, str):
        # Already decoded: whatever encoding the prolog declares is stale now.
        text = data[1:] if data.startswith("\ufeff") else data
        if not text or text.isspace():  # isspace, unlike strip, copies nothing
            raise JUnitError("The report is empty.")
        return _TextReader(text), "utf-8"
    if isinstance(data, bytes | bytearray):
        if not data or data.isspace():
            raise JUnitError("The report is empty.")
        # BytesIO shares the caller's buffer; lxml honours the BOM / declared encoding.
        return io.BytesIO(data), None
    if hasattr(data, "read"):
        return data, None
    raise JUnitError("The report must be bytes or text.")


class _Stop(Exception):
    """Raised from the watcher's callbacks: the prolog has been seen."""


class _PrologWatch:
    """An lxml parser target that only notes how the prolog ends."""

    def __init__(self) -> None:
        self.doctype_seen = False
        self.root_seen = False

    def doctype(self, name: Any, public_id: Any, system_url: Any) -> None:
        self.doctype_seen = True
        raise _Stop

    def start(self, tag: Any, attrib: Any, nsmap: Any = None) -> None:
        self.root_seen = True
        raise _Stop

    # The rest of lxml's target protocol: nothing before the root matters here.
    def end(self, tag: Any) -> None:
        return None

    def data(self, data: Any) -> None:
        return None

    def comment(self, text: Any) -> None:
        return None

    def close(self) -> None:
        return None


def _read_prolog(source: IO[bytes] | BinaryStream, encoding: str | None) -> bytes:
    """Read the document up to its root start tag and return those bytes, refusing a
    DOCTYPE (seen by the parser, not by a text scan) or a prolog that never ends."""
    watch = _PrologWatch()
    parser = etree.XMLParser(target=watch, encoding=encoding, **_PARSER_OPTIONS)
    head = bytearray()
    ended = False
    while not (watch.root_seen or watch.doctype_seen):
        if len(head) >= PROLOG_LIMIT:
            raise JUnitError(
                f"The report's prolog (before the root element) is longer than "
                f"{PROLOG_LIMIT} bytes; it is refused rather than parsed unchecked."
            )
        chunk = source.read(_PROLOG_STEP)
        if not chunk:
            ended = True
            break
        head += chunk
        try:
            parser.feed(bytes(chunk))
        except _Stop:
            break
        except etree.XMLSyntaxError:
            break  # the streaming parse reports it, with its line and column
    if watch.doctype_seen:
        raise JUnitError(_DOCTYPE_REFUSED)
    if ended and (not head or head.isspace()):
        raise JUnitError("The report is empty.")
    return bytes(head)


class _HeadThenRest:
    """The prolog already read, then the rest of the source, to lxml."""

    def __init__(self, head: bytes, rest: IO[bytes] | BinaryStream) -> None:
        self._head: bytes | None = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head is not None:
            head, self._head = self._head, None
            if head:
                return head
        return self._rest.read(size)


def _check_root(root: Any) -> None:
    if root.getroottree().docinfo.doctype:
        raise JUnitError(_DOCTYPE_REFUSED)
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
