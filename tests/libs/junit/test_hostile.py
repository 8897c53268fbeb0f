"""Hostile and broken inputs: each is a clear JUnitError (HTTP 400), never a fetch."""

# XML fixtures read best on one line each.
# ruff: noqa: E501

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from verdict.junit import JUnitError, enrich_report, parse_report
from verdict.junit.parse import MAX_ATTRIBUTE_CHARS

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<testsuite name="&lol3;"><testcase name="&lol3;"/></testsuite>"""


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server that records any request the parser might make."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "pwned">')

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("function", [parse_report, lambda d: enrich_report(d, {})])
def test_billion_laughs_is_refused(function: object) -> None:
    with pytest.raises(JUnitError, match="DOCTYPE"):
        function(BILLION_LAUGHS)  # type: ignore[operator]


# Issue 15 #10: a UTF-8 byte-order mark in front of the DOCTYPE hid it from the text
# scan that used to run before lxml; the entity was declared and expanded.
_ENTITY_BOMB = (
    '<!DOCTYPE r [<!ENTITY e "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">'
    '<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
    '<testsuite><testcase classname="c" name="&f;"><failure message="&f;&f;">x</failure>'
    "</testcase></testsuite>"
)


class _Chunks:
    """A file-like source handing out a few bytes per read, as a decompressing reader does."""

    def __init__(self, data: bytes, size: int = 5) -> None:
        self._data, self._size, self._pos = data, size, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._data[self._pos : self._pos + self._size]
        self._pos += len(chunk)
        return chunk


_BOM_BOMB = ("\ufeff" + _ENTITY_BOMB).encode()
_HIDDEN_DOCTYPES: dict[str, Callable[[], object]] = {
    "bom-bytes": lambda: _BOM_BOMB,
    "bom-stream": lambda: _Chunks(_BOM_BOMB),
    "bom-stream-big-reads": lambda: _Chunks(_BOM_BOMB, size=1 << 16),
    "bom-text": lambda: "\ufeff" + _ENTITY_BOMB,
    "two-boms": lambda: "\ufeff\ufeff" + _ENTITY_BOMB,
    "utf16": lambda: ('<?xml version="1.0" encoding="UTF-16"?>' + _ENTITY_BOMB).encode("utf-16"),
    "after-comment": lambda: ("\ufeff<!-- a comment -->\n<?pi x?>" + _ENTITY_BOMB).encode(),
}


@pytest.mark.parametrize("make", _HIDDEN_DOCTYPES.values(), ids=_HIDDEN_DOCTYPES.keys())
@pytest.mark.parametrize("function", [parse_report, lambda d: enrich_report(d, {})])
def test_a_doctype_behind_a_byte_order_mark_is_refused(
    function: Callable[[object], object], make: Callable[[], object]
) -> None:
    with pytest.raises(JUnitError, match="DOCTYPE"):
        function(make())


def test_the_analyzer_path_refuses_a_bom_doctype() -> None:
    """The analyzer reads a stored `raw_xml` as UTF-8 through a decompressing stream."""
    from verdict.analysis.inputs import StoredXml

    stored = StoredXml(zlib.compress(("\ufeff" + _ENTITY_BOMB).encode()))
    with pytest.raises(JUnitError, match="DOCTYPE"):
        parse_report(stored.open(), encoding="utf-8")


def test_xxe_is_refused_without_a_fetch(listener: tuple[str, list[str]]) -> None:
    url, hits = listener
    xml = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{url}/secret">]><testsuite name="&xxe;"/>'
    with pytest.raises(JUnitError):
        parse_report(xml)
    assert hits == []


def test_external_dtd_is_refused_and_never_loaded(listener: tuple[str, list[str]]) -> None:
    url, hits = listener
    xml = f'<!DOCTYPE testsuite SYSTEM "{url}/junit.dtd"><testsuite><testcase name="t"><failure/></testcase></testsuite>'
    for data in (xml, xml.encode()):
        with pytest.raises(JUnitError, match="DOCTYPE"):
            parse_report(data)
        with pytest.raises(JUnitError, match="DOCTYPE"):
            enrich_report(data, {})
    assert hits == []


def test_a_bare_doctype_is_refused() -> None:
    with pytest.raises(JUnitError, match="DOCTYPE"):
        parse_report("<!DOCTYPE testsuite><testsuite/>")


def test_a_long_prolog_is_refused() -> None:
    from verdict.junit.source import PROLOG_LIMIT

    xml = "<!--" + "x" * PROLOG_LIMIT + "--><testsuite/>"
    with pytest.raises(JUnitError, match="prolog"):
        parse_report(xml.encode())


def test_doctype_text_inside_the_report_is_data() -> None:
    """Only a real DOCTYPE is refused: the words inside a message or CDATA are text."""
    xml = (
        '<?xml version="1.0"?><!-- <!DOCTYPE x [ ]> --><testsuite><testcase classname="c" '
        'name="t"><failure message="&lt;!DOCTYPE r [&lt;!ENTITY e &quot;x&quot;&gt;]&gt;">'
        "<![CDATA[<!DOCTYPE r [<!ENTITY e 'x'>]>]]></failure></testcase></testsuite>"
    )
    report = parse_report(xml)
    assert report.failures[0].message.startswith("<!DOCTYPE r [")
    assert "<!DOCTYPE r" in enrich_report(xml, {})


def test_deep_nesting_is_refused() -> None:
    xml = "<testsuites>" + "<x>" * 300 + "</x>" * 300 + "</testsuites>"
    with pytest.raises(JUnitError, match="deeper than 256"):
        parse_report(xml)
    with pytest.raises(JUnitError, match="deeper than 5"):
        parse_report("<testsuite>" + "<a>" * 5 + "</a>" * 5 + "</testsuite>", max_depth=5)


def test_giant_attribute_is_refused() -> None:
    xml = f'<testsuite><testcase name="{"a" * (MAX_ATTRIBUTE_CHARS + 1)}"><failure/></testcase></testsuite>'
    with pytest.raises(JUnitError, match="larger than"):
        parse_report(xml)


def test_malformed_xml_reports_line_and_column() -> None:
    with pytest.raises(JUnitError) as caught:
        parse_report("<testsuite>\n  <testcase name='a'>\n</testsuite>")
    assert "line 3, column" in caught.value.detail
    assert caught.value.body()["error"] == "invalid_input"


@pytest.mark.parametrize("data", [b"", "", "   \n", b"\xef\xbb\xbf"])
def test_empty_input_is_refused(data: bytes | str) -> None:
    with pytest.raises(JUnitError):
        parse_report(data)


@pytest.mark.parametrize("data", [b'{"failures": []}', "plain text", b"\x00\x01\x02binary"])
def test_non_xml_is_refused(data: bytes | str) -> None:
    with pytest.raises(JUnitError, match="not well-formed"):
        parse_report(data)


def test_nunit3_is_refused(corpus: object) -> None:
    from pathlib import Path

    data = (Path(str(corpus)) / "dt_nunit3-NOT-JUNIT.xml").read_bytes()
    for function in (parse_report, lambda d: enrich_report(d, {})):
        with pytest.raises(JUnitError, match="NUnit 3"):
            function(data)
