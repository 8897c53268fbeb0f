"""Hostile and broken inputs: each is a clear JUnitError (HTTP 400), never a fetch."""

# XML fixtures read best on one line each.
# ruff: noqa: E501

from __future__ import annotations

import threading
from collections.abc import Iterator
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
    with pytest.raises(JUnitError, match="internal subset"):
        function(BILLION_LAUGHS)  # type: ignore[operator]


def test_xxe_is_refused_without_a_fetch(listener: tuple[str, list[str]]) -> None:
    url, hits = listener
    xml = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{url}/secret">]><testsuite name="&xxe;"/>'
    with pytest.raises(JUnitError):
        parse_report(xml)
    assert hits == []


def test_external_dtd_is_never_loaded(listener: tuple[str, list[str]]) -> None:
    url, hits = listener
    xml = f'<!DOCTYPE testsuite SYSTEM "{url}/junit.dtd"><testsuite><testcase name="t"><failure/></testcase></testsuite>'
    assert len(parse_report(xml).failures) == 1
    assert len(parse_report(xml.encode()).failures) == 1
    enrich_report(xml, {})
    assert hits == []


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
