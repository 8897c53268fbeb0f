"""One `verdict analyze` run: upload the reports, follow the job, report the verdict.

1. `GET /api/capabilities` says how the server takes a report (see `upload_mode`).
2. `POST /analyze-failures?wait=false`, the body streamed, with an `Idempotency-Key`:
   202 and a job id (a server that answers 200 at once gave the result itself).
3. `GET /results/{id}/progress` (Server-Sent Events) until `done`, reconnecting with
   `Last-Event-ID`; a server or proxy that does not stream is polled instead.
4. `GET /results/{id}` for the result, then the summary, the files and the exit code.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import shutil
import sys
import time
import uuid
from typing import Any, TextIO

from verdict.client import body, outcome, reports, sse, summary
from verdict.client.ci import RunIdentity
from verdict.client.progress import Display
from verdict.client.transport import BodyFactory, HTTPError, Transport, TransportError, backoff

STREAM_READ_TIMEOUT_S = 30.0  # the server sends a keep-alive every 2 s
STREAM_RECONNECTS = 5
POLL_MAX_S = 10.0


class Failed(Exception):
    """The run ends with this exit code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclasses.dataclass
class Options:
    paths: list[str]
    identity: RunIdentity
    request: dict[str, Any]  # the other request fields: ai_provider, ai_model, ...
    fail_on: frozenset[str] = frozenset()
    json_out: str | None = None  # "-" is stdout
    junit_out: str | None = None
    markdown_out: str | None = None
    quiet: bool = False
    gzip: bool = True
    timeout: float = 3600.0  # 0: wait as long as it takes
    idempotency_key: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    allow_no_files: bool = False


@dataclasses.dataclass
class UploadMode:
    raw_xml: bool  # the report itself as the body, identity in the query
    gzip: bool


def upload_mode(capabilities: dict[str, Any], want_gzip: bool) -> UploadMode:
    """How to send, from `GET /api/capabilities`'s optional `uploads` object.

    `{"uploads": {"raw_xml": true, "content_encodings": ["gzip"]}}` advertises a
    server that takes the report as the body; without `uploads` the client sends JSON
    with `raw_xml`, gzip-compressed (the gateway decompresses request bodies).
    """
    uploads = capabilities.get("uploads")
    uploads = uploads if isinstance(uploads, dict) else {}
    encodings = uploads.get("content_encodings")
    gzip_ok = "gzip" in encodings if isinstance(encodings, list) else True
    return UploadMode(raw_xml=uploads.get("raw_xml") is True, gzip=want_gzip and gzip_ok)


def _query(fields: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    flat = {k: json.dumps(v) if isinstance(v, dict | list | bool) else v for k, v in fields.items()}
    return urlencode({"wait": "false", **flat})


class Run:
    def __init__(self, options: Options, transport: Transport, display: Display, stdout: TextIO):
        self.options, self.transport, self.display, self.stdout = (
            options,
            transport,
            display,
            stdout,
        )

    # -- 1 and 2: upload ---------------------------------------------------------------
    def capabilities(self) -> dict[str, Any]:
        try:
            _status, data = self.transport.request("GET", "/api/capabilities")
        except HTTPError as exc:
            if exc.status in (401, 403):
                raise _auth_failed(exc) from None
            return {}  # an older or stricter server: the defaults
        return data if isinstance(data, dict) else {}

    def _body(self, found: list[reports.Report], mode: UploadMode) -> BodyFactory:
        fields = {**self.options.request, **self.options.identity.fields()}
        total = sum(r.size for r in found)

        def produce() -> Any:
            xml = reports.document(found)
            chunks = body.raw_body(xml) if mode.raw_xml else body.json_body(fields, xml)
            chunks = body.gzipped(chunks) if mode.gzip else body.buffered(chunks)
            return body.counted(chunks, lambda sent: self.display.uploading(sent, total))

        return produce

    def submit(self, found: list[reports.Report], mode: UploadMode) -> tuple[int, dict[str, Any]]:
        fields = {**self.options.request, **self.options.identity.fields()}
        headers = {
            "Idempotency-Key": self.options.idempotency_key,
            "Content-Type": "application/xml" if mode.raw_xml else "application/json",
        }
        if mode.gzip:
            headers["Content-Encoding"] = "gzip"
        path = "/analyze-failures?" + (_query(fields) if mode.raw_xml else "wait=false")
        try:
            return self.transport.request(
                "POST", path, body=self._body(found, mode), headers=headers, ok=(200, 202)
            )
        except HTTPError as exc:
            fallback = self._fallback(exc, mode)
            if fallback is None:
                raise
            self.display.note(f"server answered {exc.status}; sending again as {fallback}")
            return self.submit(found, fallback)

    def _fallback(self, exc: HTTPError, mode: UploadMode) -> UploadMode | None:
        """The next way to send after the server refused this one's format, if any."""
        if exc.status == 415 and mode.raw_xml:
            return UploadMode(raw_xml=False, gzip=mode.gzip)
        refused_encoding = exc.status == 415 or exc.error_code == "INVALID_JSON"
        if mode.gzip and refused_encoding:
            return UploadMode(raw_xml=mode.raw_xml, gzip=False)
        return None

    # -- 3: follow -----------------------------------------------------------------------
    def follow(self, job_id: str, deadline: float | None) -> None:
        """Show the job's progress until its `done` event; polls when there is no stream."""
        parser = sse.Parser()
        drops = 0
        while drops <= STREAM_RECONNECTS:
            headers = {"Accept": "text/event-stream"}
            if parser.last_id:
                headers["Last-Event-ID"] = parser.last_id
            try:
                response = self.transport.open(
                    "GET",
                    f"/results/{job_id}/progress",
                    headers=headers,
                    timeout=STREAM_READ_TIMEOUT_S,
                )
            except TransportError:
                return  # the result read will tell
            with response:
                if response.status != 200 or "event-stream" not in (
                    response.headers.get("Content-Type") or ""
                ):
                    return self._poll(job_id, deadline)
                try:
                    if self._read_stream(response, parser, deadline):
                        return
                except (OSError, http.client.HTTPException):
                    pass  # dropped: reconnect after the last event seen
            drops += 1
            time.sleep(backoff(drops))
        self._poll(job_id, deadline)

    def _read_stream(
        self, response: http.client.HTTPResponse, parser: sse.Parser, deadline: float | None
    ) -> bool:
        """True once `done` (or an error event) was read; False when the stream ended."""
        while True:
            _check_deadline(deadline)
            line = response.readline()
            if not line:
                return False
            event = parser.feed(line.decode("utf-8", "replace"))
            if event is None:
                if line.startswith(b":"):
                    self.display.waiting()
                continue
            self.display.event(event.event, event.json())
            if event.event == "done":
                return True
            if event.event == "error":
                return False

    def _poll(self, job_id: str, deadline: float | None) -> None:
        delay = 1.0
        while True:
            status, envelope = self.transport.request("GET", f"/results/{job_id}", ok=(200, 202))
            if status == 200:
                return
            phase = (envelope.get("result") or {}).get("progress_phase") or envelope.get("status")
            if phase and phase != self.display.phase:
                self.display.event("phase", {"phase": phase})
            self.display.waiting()
            _check_deadline(deadline)
            time.sleep(delay)
            delay = min(delay * 1.5, POLL_MAX_S)

    # -- 4: the result -------------------------------------------------------------------
    def result(self, job_id: str, deadline: float | None) -> dict[str, Any]:
        delay = 0.5
        while True:
            status, envelope = self.transport.request("GET", f"/results/{job_id}", ok=(200, 202))
            if status == 200:
                return envelope if isinstance(envelope, dict) else {}
            _check_deadline(deadline)
            time.sleep(delay)
            delay = min(delay * 1.5, POLL_MAX_S)

    def report_url(self, where: str, job_id: str) -> str:
        where = where or f"/results/{job_id}"
        return where if where.startswith(("http://", "https://")) else self.transport.url(where)

    def execute(self) -> int:
        options = self.options
        paths = reports.find(options.paths)
        if not paths:
            if options.allow_no_files:
                self.display.note("no report files matched; nothing to analyse")
                return outcome.OK
            raise Failed(outcome.USAGE, f"no report files match {' '.join(options.paths)}")
        found = reports.open_all(paths)
        size = sum(r.size for r in found)
        mode = upload_mode(self.capabilities(), options.gzip)
        self.display.note(
            f"uploading {len(found)} file{'s' if len(found) != 1 else ''} "
            f"({size:,} bytes) to {self.transport.base_url}"
        )
        deadline = time.monotonic() + options.timeout if options.timeout > 0 else None
        status, answer = self.submit(found, mode)
        if status == 200 and "failures" in answer:  # a server that answered synchronously
            envelope = {
                "job_id": answer.get("job_id"),
                "status": answer.get("status"),
                "result": answer,
            }
        else:
            job_id = str(answer.get("job_id", ""))
            if not job_id:
                raise Failed(outcome.UNAVAILABLE, f"the server answered without a job id: {answer}")
            url = self.report_url(str(answer.get("result_url", "")), job_id)
            self.display.note(f"job {job_id} queued: {url}")
            self.follow(job_id, deadline)
            envelope = self.result(job_id, deadline)
        self.display.close()
        return self.finish(envelope, found)

    def finish(self, envelope: dict[str, Any], found: list[reports.Report]) -> int:
        options = self.options
        result = envelope.get("result") if isinstance(envelope.get("result"), dict) else {}
        assert isinstance(result, dict)
        job_id = str(envelope.get("job_id") or result.get("job_id") or "")
        url = self.report_url(str(envelope.get("result_url", "")), job_id)
        failed = (envelope.get("status") or result.get("status")) == "failed"
        classes = [g.classification for g in summary.groups(result)]
        hit = outcome.matched(options.fail_on, classes)
        code = (
            outcome.ANALYSIS_FAILED if failed else outcome.FAILURES_MATCHED if hit else outcome.OK
        )

        files = [str(r.path) for r in found]
        if options.json_out:
            data = summary.as_json(
                envelope,
                result,
                url,
                exit_code=code,
                fail_on=options.fail_on,
                matched=hit,
                files=files,
            )
            _write(options.json_out, json.dumps(data, indent=2) + "\n", self.stdout)
        if options.markdown_out:
            _write(options.markdown_out, summary.markdown(result, url), self.stdout)
        if options.junit_out:
            enriched = result.get("enriched_xml")
            if isinstance(enriched, str):
                _write(options.junit_out, enriched, self.stdout)
            else:
                self.display.note("the server sent no enriched XML; --junit-out not written")
        if failed:
            error = result.get("error") or envelope.get("error") or "no reason given"
            self.display.error(f"the analysis failed: {error}")
        elif not options.quiet and options.json_out != "-":
            width = shutil.get_terminal_size((160, 24)).columns if self.stdout.isatty() else 160
            self.stdout.write(summary.text(result, url, width=width))
        if hit:
            self.display.note(f"--fail-on matched: {', '.join(c or 'unclassified' for c in hit)}")
        return code


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise Failed(outcome.UNAVAILABLE, "the analysis did not finish within --timeout")


def _auth_failed(exc: HTTPError) -> Failed:
    hint = "check --api-key / VERDICT_API_KEY" if exc.status == 401 else "the key lacks the scope"
    return Failed(outcome.AUTH, f"{exc.detail} ({hint})")


def _write(where: str, text: str, stdout: TextIO) -> None:
    if where == "-":
        stdout.write(text)
        return
    with open(where, "w", encoding="utf-8") as handle:
        handle.write(text)


def run(
    options: Options, transport: Transport, display: Display, stdout: TextIO = sys.stdout
) -> int:
    """The exit code of one run; every failure is a message on stderr, never a traceback."""
    try:
        return Run(options, transport, display, stdout).execute()
    except Failed as exc:
        display.close()
        display.error(str(exc))
        return exc.code
    except reports.ReportError as exc:
        display.close()
        display.error(str(exc))
        return outcome.USAGE
    except HTTPError as exc:
        display.close()
        if exc.status in (401, 403):
            failure = _auth_failed(exc)
            display.error(str(failure))
            return failure.code
        display.error(f"the server refused: HTTP {exc.status}: {exc.detail}")
        return (
            outcome.ANALYSIS_FAILED if exc.status in (400, 413, 415, 422) else outcome.UNAVAILABLE
        )
    except TransportError as exc:
        display.close()
        display.error(f"cannot reach the server: {exc}")
        return outcome.UNAVAILABLE
