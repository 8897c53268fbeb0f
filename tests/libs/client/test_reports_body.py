"""Report files become one document, streamed as a JSON body chunk by chunk."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
from lxml import etree

from verdict.client import body, reports

SUITE = (
    '<testsuite name="{name}" tests="1" failures="1"><testcase classname="c" name="{name}">'
    '<failure message="boom">trace "quoted" \\ back</failure></testcase></testsuite>'
)


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_find_globs_directories_and_files_in_order_without_duplicates(tmp_path):
    (tmp_path / "reports" / "unit").mkdir(parents=True)
    a = write(tmp_path / "reports" / "unit" / "a.xml", SUITE.format(name="a"))
    b = write(tmp_path / "reports" / "b.xml", SUITE.format(name="b"))
    write(tmp_path / "reports" / "notes.txt", "not a report")
    found = reports.find([str(tmp_path / "reports/**/*.xml"), str(b)])
    assert [p.name for p in found] == ["b.xml", "a.xml"]  # glob sorted; b named again: once
    assert [p.name for p in reports.find([str(tmp_path / "reports")])] == ["b.xml", "a.xml"]
    assert reports.find([str(tmp_path / "none-*.xml")]) == []
    with pytest.raises(reports.ReportError, match="no such file"):
        reports.find([str(tmp_path / "missing.xml")])
    assert a.exists()


def test_one_file_is_sent_from_its_root_without_its_prolog(tmp_path):
    path = write(
        tmp_path / "r.xml",
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!-- made by mvn -->\n'
        '<!DOCTYPE testsuite [<!ELEMENT testsuite ANY>]>\n<testsuite name="é"/>\n',
        "iso-8859-1",
    )
    [report] = reports.open_all([path])
    assert (report.encoding, report.root) == ("ISO-8859-1", "testsuite")
    # Decoded by its declared encoding; sent without a declaration that would now lie.
    assert "".join(reports.document([report])) == '<testsuite name="é"/>\n'


def test_bom_and_utf16(tmp_path):
    path = tmp_path / "r.xml"
    path.write_bytes('<?xml version="1.0" encoding="UTF-16"?><testsuites/>'.encode("utf-16"))
    assert "".join(reports.document(reports.open_all([path]))) == "<testsuites/>"
    path.write_bytes(b"\xef\xbb\xbf<testsuite/>")
    assert "".join(reports.document(reports.open_all([path]))) == "<testsuite/>"


def test_several_files_merge_into_one_testsuites_document(tmp_path):
    paths = [
        write(tmp_path / "a.xml", '<?xml version="1.0"?>\n' + SUITE.format(name="a")),
        write(tmp_path / "b.xml", "<testsuites>" + SUITE.format(name="b") + "</testsuites>"),
    ]
    text = "".join(reports.document(reports.open_all(paths)))
    root = etree.fromstring(text.encode())
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.iter("testsuite")] == ["a", "b"]


def test_merging_refuses_a_file_that_is_not_junit(tmp_path):
    paths = [
        write(tmp_path / "a.xml", SUITE.format(name="a")),
        write(tmp_path / "nunit.xml", '<test-run id="2"><test-suite/></test-run>'),
    ]
    with pytest.raises(reports.ReportError, match=r"nunit.xml: root <test-run> is not JUnit"):
        reports.open_all(paths)


def test_not_xml_is_refused_before_upload(tmp_path):
    with pytest.raises(reports.ReportError, match="not an XML document"):
        reports.open_all([write(tmp_path / "a.xml", "PASSED 3 tests")])


def test_json_body_is_exactly_json_dumps_of_the_whole_request(tmp_path):
    text = SUITE.format(name="ü\u2028\t€") * 5
    [report] = reports.open_all([write(tmp_path / "r.xml", text)])
    fields = {"job_name": "shop-e2e", "build_number": 3, "labels": {"k": "v"}}
    # Read 7 bytes at a time, so that escapes, quotes and multi-byte characters land on
    # the edges of chunks.
    chunks = list(body.json_body(fields, reports.document([report], chunk_bytes=7)))
    assert len(chunks) > 20
    sent = json.loads(b"".join(chunks))
    assert sent == {**fields, "raw_xml": text}


def test_json_body_without_fields():
    assert json.loads(b"".join(body.json_body({}, iter(["<a/>"])))) == {"raw_xml": "<a/>"}


def test_a_large_report_streams_in_bounded_chunks(tmp_path):
    case = (
        '<testcase classname="c" name="t"><failure message="m">'
        + "x" * 200
        + "</failure></testcase>"
    )
    text = "<testsuite>" + case * 25_000 + "</testsuite>"  # ~6 MB
    [report] = reports.open_all([write(tmp_path / "big.xml", text)])
    raw = list(body.buffered(body.json_body({}, reports.document([report]))))
    assert len(raw) >= 5 and max(len(c) for c in raw) < 2 * reports.CHUNK_BYTES
    packed = list(body.gzipped(body.json_body({}, reports.document([report]))))
    assert len(packed) > 1 and max(len(c) for c in packed) < reports.CHUNK_BYTES
    assert json.loads(gzip.decompress(b"".join(packed)))["raw_xml"] == text
    # The same input gives the same bytes: a retried upload matches its Idempotency-Key.
    again = b"".join(body.gzipped(body.json_body({}, reports.document([report]))))
    assert again == b"".join(packed)


def test_raw_body_is_utf8_and_counted():
    seen = []
    out = b"".join(body.counted(body.raw_body(iter(["<a>", "é</a>"])), seen.append))
    assert out == "<a>é</a>".encode()
    assert seen == [3, len(out)]
    assert zlib.decompress(b"".join(body.gzipped(iter([out]))), 31) == out
