"""enrich_report: copy a JUnit document while adding the analyses, in one stream.

The document is never held whole. Suites and any other wrapper elements are written
as their start and end tags pass by (lxml's incremental xmlfile); a testcase, or a
direct child of a suite such as <properties>, is read whole, changed if needed, and
written at its end. Text between elements is written once the parser has moved past
it, because lxml only guarantees an element's .text/.tail after the next event.
"""

from __future__ import annotations

import codecs
import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from lxml import etree

from verdict.junit.annotations import (
    PROPERTY_PREFIX,
    SEPARATOR,
    analysis_properties,
    analysis_summary,
)
from verdict.junit.parse import FAILED_TAGS, FLAKY_TAGS, _identity
from verdict.junit.source import BinaryStream

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def enrich_report(
    data: bytes | str | BinaryStream,
    analyses: Mapping[tuple[str, str], Mapping[str, Any]],
    *,
    report_url: str | None = None,
    max_output_bytes: int = 65536,
    max_depth: int = 256,
    encoding: str | None = None,
) -> str:
    """Return the report with each analysed failing testcase annotated.

    `analyses` maps an exact (classname, name) to a FailureAnalysis dict. Matching
    testcases that failed (or were flaky) get ai_* properties and an
    "--- AI Analysis ---" section in their system-out; earlier ai_* properties and
    an earlier section are replaced, so enriching twice equals enriching once. With
    `report_url`, every <testsuite> gets a report_url property. Everything else is
    copied unchanged. `max_output_bytes` is accepted for symmetry with parse_report:
    enrichment keeps outputs whole.
    """
    del max_output_bytes
    sink = _TextSink()
    enrich_report_to(
        sink, data, analyses, report_url=report_url, max_depth=max_depth, encoding=encoding
    )
    return sink.value()


class ByteSink(Protocol):
    def write(self, data: bytes) -> object: ...


def enrich_report_to(
    sink: ByteSink,
    data: bytes | str | BinaryStream,
    analyses: Mapping[tuple[str, str], Mapping[str, Any]],
    *,
    report_url: str | None = None,
    max_depth: int = 256,
    encoding: str | None = None,
) -> None:
    """Like enrich_report, but write UTF-8 bytes to `sink` as they are produced, so a
    caller can compress or store the output without ever holding it whole."""
    # Import here: parse imports nothing from enrich, and source owns the safety rules.
    from verdict.junit.source import iter_events

    sink.write(_DECLARATION.encode("utf-8"))
    events = iter_events(
        data,
        ("start", "end", "comment", "pi"),
        max_depth=max_depth,
        strip_cdata=False,
        encoding=encoding,
    )
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        writer = _StreamWriter(xf, analyses, report_url)
        for event, element in events:
            if event == "start":
                writer.start(element)
            elif event == "end":
                writer.end(element)
            else:
                writer.other(element)


class _TextSink:
    """Collects lxml's UTF-8 output as one str that grows in place (CPython appends
    to a str it holds the only reference to), so the result never exists twice."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._text = ""

    def write(self, data: bytes) -> None:
        self.write_text(self._decoder.decode(data))

    def write_text(self, text: str) -> None:
        accumulated, self._text = self._text, ""
        accumulated += text
        self._text = accumulated

    def value(self) -> str:
        self.write_text(self._decoder.decode(b"", final=True))
        accumulated, self._text = self._text, ""
        return accumulated


@dataclass
class _Open:
    element: Any
    context: Any
    depth: int
    is_suite: bool
    has_properties: bool = False


class _StreamWriter:
    def __init__(
        self,
        xf: Any,
        analyses: Mapping[tuple[str, str], Mapping[str, Any]],
        report_url: str | None,
    ) -> None:
        self.xf = xf
        self.analyses = analyses
        self.report_url = report_url
        self.open: list[_Open] = []
        self.depth = 0
        self.held = 0  # depth of the element being read whole, 0 when none
        self.text_of: Any = None  # element whose .text is not written yet
        self.tail_of: Any = None  # element whose .tail is not written yet
        self.last_indent = ""  # whitespace written before the latest element
        # lxml serializes a subtree with every namespace its ancestors declare; when
        # the document declares any, held elements are copied first (a copy declares
        # only what it uses) so output does not gain xmlns attributes on every case.
        self.declares_namespaces = False

    def start(self, element: Any) -> None:
        self.depth += 1
        if self.held:
            return
        self._flush_text()
        tag = element.tag
        suite = self._parent_suite()
        if suite is not None and tag != "testsuite":
            if tag != "properties":
                self._ensure_suite_properties(suite)
            self.held = self.depth
            return
        if tag == "testcase":
            self.held = self.depth
            return
        context = self.xf.element(tag, dict(element.attrib), nsmap=self._new_namespaces(element))
        context.__enter__()
        self.open.append(_Open(element, context, self.depth, is_suite=tag == "testsuite"))
        self.text_of = element

    def end(self, element: Any) -> None:
        if self.held:
            if self.depth != self.held:
                self.depth -= 1
                return
            self.held = 0
            self._write_whole(element)
        else:
            self._flush_text()
            frame = self.open.pop()
            if frame.is_suite:
                self._ensure_suite_properties(frame, before_child=False)
            frame.context.__exit__(None, None, None)
        self.depth -= 1
        self.tail_of = element
        element.clear(keep_tail=True)
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]

    def other(self, node: Any) -> None:
        """A comment or processing instruction outside any element read whole."""
        if self.held:
            return
        self._flush_text()
        self.xf.write(node, with_tail=False)
        self.tail_of = node if self.open else None

    # -- helpers --------------------------------------------------------------
    def _flush_text(self) -> None:
        text = None
        if self.text_of is not None:
            text = self.text_of.text
            self.text_of = None
        elif self.tail_of is not None:
            text = self.tail_of.tail
            self.tail_of = None
        if text:
            self.xf.write(text)
            self.last_indent = text if text.isspace() else ""

    def _parent_suite(self) -> _Open | None:
        if self.open:
            frame = self.open[-1]
            if frame.is_suite and frame.depth == self.depth - 1:
                return frame
        return None

    def _new_namespaces(self, element: Any) -> dict[str | None, str] | None:
        inherited = self.open[-1].element.nsmap if self.open else {}
        if element.nsmap:
            self.declares_namespaces = True
        new = {prefix: uri for prefix, uri in element.nsmap.items() if inherited.get(prefix) != uri}
        return new or None

    def _write_whole(self, element: Any) -> None:
        tag = element.tag
        if tag == "testcase":
            analysis = self.analyses.get(_identity(element))
            if analysis is not None and _has_failure(element):
                _annotate_case(element, analysis)
        elif tag == "properties":
            suite = self._parent_suite_of_held()
            if suite is not None and not suite.has_properties:
                suite.has_properties = True
                if self.report_url is not None:
                    _set_property(element, "report_url", self.report_url)
        if self.declares_namespaces:
            element = copy.deepcopy(element)
        self.xf.write(element, with_tail=False)

    def _parent_suite_of_held(self) -> _Open | None:
        if self.open:
            frame = self.open[-1]
            if frame.is_suite and frame.depth == self.depth - 1:
                return frame
        return None

    def _ensure_suite_properties(self, suite: _Open, *, before_child: bool = True) -> None:
        """Give a suite without <properties> one holding report_url, before its
        first other child (or at its end when it has none)."""
        if suite.has_properties:
            return
        suite.has_properties = True
        if self.report_url is None:
            return
        properties = etree.Element("properties")
        _set_property(properties, "report_url", self.report_url)
        self.xf.write(properties)
        if before_child and self.last_indent:
            self.xf.write(self.last_indent)


def _has_failure(testcase: Any) -> bool:
    return any(child.tag in FAILED_TAGS or child.tag in FLAKY_TAGS for child in testcase)


def _annotate_case(testcase: Any, failure_analysis: Mapping[str, Any]) -> None:
    properties = testcase.find("properties")
    if properties is None:
        properties = etree.Element("properties")
        properties.tail = testcase.text if (testcase.text or "").isspace() else None
        testcase.insert(0, properties)
    for stale in [p for p in properties if str(p.get("name", "")).startswith(PROPERTY_PREFIX)]:
        properties.remove(stale)
    for name, value in analysis_properties(failure_analysis):
        etree.SubElement(properties, "property", name=name, value=value)

    summary = f"{SEPARATOR}\n{analysis_summary(failure_analysis)}\n"
    system_out = testcase.find("system-out")
    if system_out is None:
        system_out = etree.Element("system-out")
        system_err = testcase.find("system-err")
        if system_err is not None:
            system_err.addprevious(system_out)
        else:
            testcase.append(system_out)
        system_out.text = summary
        return
    earlier = system_out.text or ""
    cut = earlier.find(SEPARATOR)
    if cut >= 0:
        earlier = earlier[:cut]
    earlier = earlier.rstrip()
    system_out.text = f"{earlier}\n\n{summary}" if earlier else summary


def _set_property(properties: Any, name: str, value: str) -> None:
    for stale in [p for p in properties if p.get("name") == name]:
        properties.remove(stale)
    etree.SubElement(properties, "property", name=name, value=value)
