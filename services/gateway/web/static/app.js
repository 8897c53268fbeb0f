// Verdict's pages work without this file: every action is a plain form. With it, forms
// marked data-fetch are sent with fetch() and the page is updated in place, and the
// keyboard shortcuts work. Text from the server is only ever set with textContent.
"use strict";

(function () {
  const token = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  function say(form, message, isError) {
    let out = form.querySelector(".form-result");
    if (!out) {
      out = document.createElement("span");
      out.className = "form-result";
      out.setAttribute("role", isError ? "alert" : "status");
      form.appendChild(out);
    }
    out.textContent = message;
    out.classList.toggle("errors", !!isError);
  }

  function mentionNodes(text) {
    // @name marked up like the server does, built from text nodes only.
    const frag = document.createDocumentFragment();
    const re = /(^|[^a-zA-Z0-9.])@([a-zA-Z0-9_-]+)/g;  // as jji finds mentions
    let last = 0, m;
    while ((m = re.exec(text)) !== null) {
      const at = m.index + m[1].length;
      frag.appendChild(document.createTextNode(text.slice(last, at)));
      const span = document.createElement("span");
      span.className = "mention";
      span.textContent = "@" + m[2];
      frag.appendChild(span);
      last = at + 1 + m[2].length;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  const updaters = {
    reviewed(form, data) {
      const card = form.closest(".group");
      const button = form.querySelector("button[type=submit]");
      const input = form.querySelector('input[name="reviewed"]');
      const now = !!data.reviewed;
      if (card) card.classList.toggle("reviewed", now);
      if (button) {
        button.setAttribute("aria-pressed", now ? "true" : "false");
        button.textContent = now ? "Reviewed ✓" : "Mark reviewed";
      }
      if (input) input.value = now ? "false" : "true";
      const by = card && card.querySelector(".reviewed-by");
      if (by) by.textContent = now ? "reviewed by " + (data.reviewed_by || "anonymous") : "";
      const toc = card && document.querySelector('.toc a[href="#' + card.id + '"]');
      if (toc) toc.classList.toggle("done", now);
    },
    comment(form, data) {
      const list = form.closest(".group, .comments-box").querySelector(".comments");
      const li = document.createElement("li");
      const who = document.createElement("strong");
      who.textContent = data.username || "anonymous";
      const when = document.createElement("span");
      when.className = "meta";
      when.textContent = " " + (data.created_at || "just now") + " ";
      const body = document.createElement("div");
      body.appendChild(mentionNodes(data.comment || ""));
      li.append(who, when, body);
      list.appendChild(li);
      form.reset();
      say(form, "Comment added.", false);
    },
    override(form, data) {
      const card = form.closest(".group");
      const badge = card && card.querySelector("summary .badge");
      const slug = { "CODE ISSUE": "code", "PRODUCT BUG": "bug", INFRASTRUCTURE: "infra" };
      const shape = { "CODE ISSUE": "◆", "PRODUCT BUG": "▲", INFRASTRUCTURE: "●" };
      if (badge) {
        badge.className = "badge badge-" + (slug[data.classification] || "none");
        badge.textContent = "";
        const icon = document.createElement("span");
        icon.setAttribute("aria-hidden", "true");
        icon.textContent = shape[data.classification] || "○";
        badge.append(icon, " " + data.classification);
      }
      const source = card && card.querySelector(".source");
      if (source) source.textContent = "human" + (data.username ? " (" + data.username + ")" : "");
      say(form, "Classification set to " + data.classification + ".", false);
    },
  };

  async function send(form) {
    const kind = form.dataset.fetch;
    const body = new URLSearchParams(new FormData(form));
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": token() },
      });
    } catch (err) {
      say(form, "Network error: " + err, true);
      return;
    }
    let data = {};
    try { data = await response.json(); } catch (err) { data = {}; }
    if (!response.ok) {
      say(form, data.detail || ("Failed: HTTP " + response.status), true);
      return;
    }
    if (data.location) { window.location.assign(data.location); return; }
    (updaters[kind] || (() => say(form, "Done.", false)))(form, data);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.fetch) return;
    event.preventDefault();
    send(form);
  });

  // Keyboard: j/k next/previous group, r reviewed, o open/close, E/C all, / search.
  const groups = () => Array.from(document.querySelectorAll(".group"));
  let current = -1;
  function focusGroup(index) {
    const all = groups();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((g, i) => g.classList.toggle("current", i === current));
    if (all[current].tagName === "DETAILS") all[current].open = true;
    const summary = all[current].querySelector("summary");
    (summary || all[current]).focus();
    all[current].scrollIntoView({ block: "nearest" });
  }
  function currentGroup() {
    const all = groups();
    const focused = document.activeElement && document.activeElement.closest(".group");
    if (focused) return focused;
    return current >= 0 ? all[current] : null;
  }
  function setAll(open) {
    groups().forEach((g) => { if (g.tagName === "DETAILS") g.open = open; });
  }
  // A link to a group (the list of groups, a shared URL) opens it.
  function openTarget() {
    const id = decodeURIComponent(window.location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-expand-all], [data-collapse-all]");
    if (!target) return;
    setAll(target.hasAttribute("data-expand-all"));
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.target.isContentEditable) return;
    const group = currentGroup();
    const index = group ? groups().indexOf(group) : current;
    switch (event.key) {
      case "j": focusGroup(index + 1); break;
      case "k": focusGroup(index <= 0 ? 0 : index - 1); break;
      case "r": {
        const form = group && group.querySelector("form.review");
        if (form) { if (group.tagName === "DETAILS") group.open = true; form.requestSubmit(); }
        break;
      }
      case "o": if (group && group.tagName === "DETAILS") group.open = !group.open; break;
      case "E": setAll(true); break;
      case "C": setAll(false); break;
      case "/": {
        const search = document.querySelector('input[type="search"]');
        if (search) { search.focus(); } else { return; }
        break;
      }
      default: return;
    }
    event.preventDefault();
  });
})();
