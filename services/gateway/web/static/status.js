// The status page, live: phase, log lines and elapsed time from the job's Server-Sent
// Events (GET /results/{id}/progress), then the report once the job is done. Without
// JavaScript the page refreshes itself every few seconds instead (a <noscript> meta).
"use strict";

(function () {
  const root = document.getElementById("live");
  if (!root) return;
  const jobId = root.dataset.jobId;
  const started = Date.parse(root.dataset.startedAt || "") || Date.now();
  const phase = document.getElementById("phase");
  const log = document.getElementById("log");
  const elapsed = document.getElementById("elapsed");
  const state = document.getElementById("state");

  function line(text) {
    const li = document.createElement("li");
    li.textContent = new Date().toISOString().slice(11, 19) + "  " + text;
    log.appendChild(li);
  }
  setInterval(() => {
    const s = Math.max(0, Math.round((Date.now() - started) / 1000));
    elapsed.textContent = (s >= 60 ? Math.floor(s / 60) + " min " : "") + (s % 60) + " s";
  }, 1000);

  const source = new EventSource("/results/" + encodeURIComponent(jobId) + "/progress");
  const parse = (event) => { try { return JSON.parse(event.data); } catch (e) { return {}; } };
  source.addEventListener("phase", (event) => {
    const data = parse(event);
    if (data.phase) phase.textContent = data.phase.replace(/_/g, " ");
    if (data.status) state.textContent = data.status;
    line("phase: " + (data.phase || "?"));
  });
  source.addEventListener("groups", (event) => {
    const data = parse(event);
    line("analysed " + (data.done !== undefined ? data.done : "?") + " of " +
         (data.total !== undefined ? data.total : "?") + " groups");
  });
  source.addEventListener("collected", (event) => {
    const data = parse(event);
    line("collected " + (data.failures !== undefined ? data.failures + " failures" : "input"));
  });
  source.addEventListener("child", (event) => {
    const data = parse(event);
    line("child job " + (data.job_name || "") + " #" + (data.build_number || ""));
  });
  source.addEventListener("error", (event) => {
    if (event.data) line("progress unavailable; retrying");
  });
  source.addEventListener("done", (event) => {
    const data = parse(event);
    source.close();
    state.textContent = data.status || "done";
    if (data.status === "completed") {
      line("done: " + (data.summary || "completed") + " — opening the report");
      window.location.replace("/results/" + encodeURIComponent(jobId));
    } else {
      phase.textContent = "failed";
      const box = document.getElementById("failure");
      box.hidden = false;
      box.querySelector("pre").textContent = data.error || data.summary || "the analysis failed";
      line("failed");
    }
  });
})();
