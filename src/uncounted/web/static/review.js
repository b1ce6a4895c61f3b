// Review UI: pairs side by side, keyboard shortcuts, live estimate. Record values are written with
// textContent only, never parsed as HTML.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let pairs = [];
  let idx = 0;
  let busy = false;

  function text(el, value) { el.textContent = value === null || value === undefined ? "" : String(value); }
  function $(id) { return document.getElementById(id); }

  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.status === 401) { window.location = "/login?next=/review"; throw new Error("signed out"); }
    return r.json();
  }

  function render() {
    const body = $("pair-body");
    body.replaceChildren();
    if (!pairs.length) { text($("position"), "Nothing to review: the queue is empty."); text($("pair-meta"), ""); return; }
    const p = pairs[idx];
    text($("position"), "Pair " + (idx + 1) + " of " + pairs.length);
    text($("left-head"), p.uid_l);
    text($("right-head"), p.uid_r);
    for (const f of p.fields) {
      const tr = document.createElement("tr");
      if (f.differs) tr.className = "differs";
      for (const v of [f.field, f.left, f.right]) { const td = document.createElement("td"); text(td, v); tr.appendChild(td); }
      body.appendChild(tr);
    }
    let meta = "match probability " + Number(p.match_probability).toFixed(3);
    if (p.decision) meta += " · decided: " + p.decision + " by " + p.reviewer;
    if (p.conflict) meta += " · CONFLICT: reviewers disagree, please decide again";
    text($("pair-meta"), meta);
    $("pair").dataset.pair = p.uid_l + "|" + p.uid_r;
    $("pair").dataset.decision = p.decision || "";
  }

  async function refreshEstimate() {
    const e = await getJSON("/api/estimate");
    const fmt = (x) => (x === null || x === undefined) ? "—" : Math.round(x).toLocaleString("en");
    text($("est-observed"), fmt(e.observed));
    text($("est-estimate"), e.estimable ? fmt(e.estimate) : "not estimable: " + e.reason);
    text($("est-interval"), e.estimable ? fmt(e.lower) + " – " + fmt(e.upper) + " (" + Math.round(100 * e.level) + "%)" : "—");
    text($("est-method"), e.method + (e.model ? " " + e.model : ""));
    text($("est-decisions"), e.decisions);
    $("estimate-panel").dataset.decisions = String(e.decisions);
    $("estimate-panel").dataset.observed = String(e.observed);
  }

  async function decide(decision) {
    if (busy || !pairs.length) return;
    busy = true;
    const p = pairs[idx];
    // one key per decision: if the answer is lost and the request is sent again, it is stored once
    const key = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    try {
      const r = await fetch("/api/decisions", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json",
                   "Idempotency-Key": key },
        body: JSON.stringify({ uid_l: p.uid_l, uid_r: p.uid_r, decision: decision,
                               based_on_decision: p.decision_id, note: $("note").value || null }),
      });
      const out = await r.json();
      if (r.status === 401) { window.location = "/login?next=/review"; return; }
      if (!r.ok) { text($("status"), "Not saved: " + out.detail); return; }
      p.decision_id = out.decision_id; p.decision = decision; p.reviewer = $("whoami").textContent;
      p.conflict = out.conflict;
      $("note").value = "";
      text($("status"), out.stale
        ? "Saved as decision " + out.decision_id + ", but " + out.previous_reviewer + " had decided '" + out.previous_decision + "' meanwhile" + (out.conflict ? ": flagged as a conflict." : ".")
        : "Saved: " + decision + " (decision " + out.decision_id + ").");
      if (idx < pairs.length - 1) idx += 1;
      render();
      await refreshEstimate();
    } finally { busy = false; }
  }

  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const keys = { m: "match", n: "non-match", u: "unsure" };
    if (keys[ev.key]) { ev.preventDefault(); decide(keys[ev.key]); }
    else if (ev.key === "ArrowRight" || ev.key === "j") { if (idx < pairs.length - 1) { idx += 1; render(); } ev.preventDefault(); }
    else if (ev.key === "ArrowLeft" || ev.key === "k") { if (idx > 0) { idx -= 1; render(); } ev.preventDefault(); }
  });
  for (const b of document.querySelectorAll("button[data-decision]")) {
    b.addEventListener("click", () => decide(b.dataset.decision));
  }

  (async function start() {
    const q = await getJSON("/api/queue?limit=500");
    pairs = q.pairs;
    render();
    await refreshEstimate();
    document.body.dataset.ready = "1";
  })();
})();
