// Review UI: pairs side by side, keyboard shortcuts, undo, the weight chart, live estimate.
// Record values are written with textContent only, never parsed as HTML; a link is made only
// for an http(s) address the server marked safe, checked here again.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const M = JSON.parse(document.getElementById("messages").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  let pairs = [];
  let idx = 0;
  let busy = false;
  const done = [];  // decisions made on this page, newest last: {idx, id}

  function text(el, value) { el.textContent = value === null || value === undefined ? "" : String(value); }
  function $(id) { return document.getElementById(id); }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (m, k) => (k in values ? String(values[k]) : m));
  }
  function word(decision) { return M[decision] || decision; }
  function num(x) { return (x === null || x === undefined) ? "—" : Math.round(x).toLocaleString(M.lang === "ru" ? "ru-RU" : "en"); }

  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.status === 401) { window.location = "/login?next=/review"; throw new Error("signed out"); }
    return r.json();
  }

  async function postJSON(url, body, key) {
    const headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" };
    if (key) headers["Idempotency-Key"] = key;
    const r = await fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(body) });
    if (r.status === 401) { window.location = "/login?next=/review"; throw new Error("signed out"); }
    return [r, await r.json()];
  }

  function safeHref(href) {
    if (!href) return null;
    try {
      const u = new URL(href);
      return (u.protocol === "http:" || u.protocol === "https:") ? u.href : null;
    } catch (e) { return null; }
  }

  function cell(value, raw, href) {
    const td = document.createElement("td");
    const safe = safeHref(href);
    if (safe) {
      const a = document.createElement("a");
      a.href = safe; a.target = "_blank"; a.rel = "noopener noreferrer";
      text(a, value);
      td.appendChild(a);
    } else { text(td, value); }
    if (raw && raw !== value) {
      const small = document.createElement("span");
      small.className = "raw"; text(small, raw);
      td.appendChild(small);
    }
    return td;
  }

  function renderFields(p) {
    const body = $("pair-body");
    body.replaceChildren();
    for (const f of p.fields) {
      const tr = document.createElement("tr");
      tr.className = "state-" + f.state;
      tr.dataset.key = f.key;
      const th = document.createElement("td");
      text(th, f.field);
      if (f.why) { const why = document.createElement("span"); why.className = "why"; text(why, f.why); th.appendChild(why); }
      tr.appendChild(th);
      tr.appendChild(cell(f.left, f.left_raw, f.left_href));
      tr.appendChild(cell(f.right, f.right_raw, f.right_href));
      body.appendChild(tr);
    }
  }

  function bar(svg, y, label, detail, w, scale, mid, cls) {
    const g = document.createElementNS(SVG, "g");
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", "4"); t.setAttribute("y", String(y + 13)); t.setAttribute("class", "lbl");
    text(t, label + (detail ? " — " + detail : ""));
    const r = document.createElementNS(SVG, "rect");
    const len = Math.max(Math.abs(w) * scale, 1);
    r.setAttribute("x", String(w >= 0 ? mid : mid - len)); r.setAttribute("y", String(y + 2));
    r.setAttribute("width", String(len)); r.setAttribute("height", "14");
    r.setAttribute("class", cls || (w >= 0 ? "pos" : "neg"));
    const v = document.createElementNS(SVG, "text");
    v.setAttribute("x", String(w >= 0 ? mid + len + 4 : mid - len - 4)); v.setAttribute("y", String(y + 13));
    v.setAttribute("text-anchor", w >= 0 ? "start" : "end"); v.setAttribute("class", "val");
    text(v, (w >= 0 ? "+" : "") + w.toFixed(2));
    const title = document.createElementNS(SVG, "title");
    text(title, label + ": " + w.toFixed(3) + (detail ? " (" + detail + ")" : ""));
    g.append(title, t, r, v);
    svg.appendChild(g);
  }

  function renderChart(c) {
    const box = $("chart");
    box.replaceChildren();
    if (!c) { const p = document.createElement("p"); p.className = "hint"; text(p, M.no_chart); box.appendChild(p); return; }
    const rows = [];
    if (c.prior !== null) rows.push([M.prior, "", c.prior, "prior"]);
    for (const b of c.bars) rows.push([b.label, b.level, b.weight, null]);
    if (c.other !== null && Math.abs(c.other) >= 0.01) rows.push([M.other, "", c.other, "other"]);
    if (c.total !== null) rows.push([M.total, "", c.total, "total"]);
    const width = 760, mid = 520, h = 20;
    const maxAbs = Math.max(1, ...rows.map((r) => Math.abs(r[2])));
    const scale = Math.min(200, width - mid - 50) / maxAbs;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + (rows.length * h + 6));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", M.total + ": " + (c.total === null ? "—" : c.total.toFixed(2)));
    const axis = document.createElementNS(SVG, "line");
    axis.setAttribute("x1", String(mid)); axis.setAttribute("x2", String(mid));
    axis.setAttribute("y1", "0"); axis.setAttribute("y2", String(rows.length * h + 6)); axis.setAttribute("class", "axis");
    svg.appendChild(axis);
    rows.forEach((r, i) => bar(svg, i * h, r[0], r[1], r[2], scale, mid, r[3]));
    box.appendChild(svg);
  }

  function render() {
    if (!pairs.length) {
      text($("position"), M.empty); text($("pair-meta"), ""); $("pair-body").replaceChildren();
      $("reasons").replaceChildren(); renderChart(null); return;
    }
    const p = pairs[idx];
    text($("position"), fill(M.position, { i: idx + 1, n: pairs.length }));
    text($("left-head"), p.uid_l);
    text($("right-head"), p.uid_r);
    renderFields(p);
    const ul = $("reasons");
    ul.replaceChildren();
    for (const r of p.reasons || []) { const li = document.createElement("li"); text(li, r); ul.appendChild(li); }
    let meta = fill(M.probability, { p: Number(p.match_probability).toFixed(3),
                                     w: p.match_weight === null ? "—" : Number(p.match_weight).toFixed(2) });
    if (p.decision) meta += " · " + fill(M.decided, { decision: word(p.decision), reviewer: p.reviewer });
    if (p.conflict) meta += " · " + M.conflict;
    text($("pair-meta"), meta);
    renderChart(p.chart);
    $("pair").dataset.pair = p.uid_l + "|" + p.uid_r;
    $("pair").dataset.decision = p.decision || "";
    $("pair").dataset.decisionId = p.decision_id === null || p.decision_id === undefined ? "" : String(p.decision_id);
    $("undo").disabled = !done.length && !p.decision_id;
  }

  async function refreshEstimate() {
    const e = await getJSON("/api/estimate");
    text($("est-observed"), num(e.observed));
    text($("est-estimate"), e.estimable ? num(e.estimate) : fill(M.not_estimable, { reason: e.reason }));
    text($("est-interval"), e.estimable ? num(e.lower) + " – " + num(e.upper) + " (" + Math.round(100 * e.level) + "%)" : "—");
    text($("est-method"), e.method + (e.model ? " " + e.model : ""));
    text($("est-decisions"), e.decisions);
    $("estimate-panel").dataset.decisions = String(e.decisions);
    $("estimate-panel").dataset.observed = String(e.observed);
  }

  function randomKey() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function decide(decision) {
    if (busy || !pairs.length) return;
    busy = true;
    const p = pairs[idx];
    try {
      // one key per decision: if the answer is lost and the request is sent again, it is stored once
      const [r, out] = await postJSON("/api/decisions", { uid_l: p.uid_l, uid_r: p.uid_r, decision: decision,
        based_on_decision: p.decision_id, note: $("note").value || null }, randomKey());
      if (!r.ok) { text($("status"), fill(M.not_saved, { detail: out.detail })); return; }
      done.push({ idx: idx, id: out.decision_id, before: [p.decision_id, p.decision, p.reviewer] });
      p.decision_id = out.decision_id; p.decision = decision; p.reviewer = $("whoami").textContent;
      p.conflict = out.conflict;
      $("note").value = "";
      const values = { id: out.decision_id, reviewer: out.previous_reviewer, previous: word(out.previous_decision), decision: word(decision) };
      text($("status"), out.stale ? fill(out.conflict ? M.stale_conflict : M.stale, values) : fill(M.saved, values));
      if (idx < pairs.length - 1) idx += 1;
      render();
      await refreshEstimate();
    } finally { busy = false; }
  }

  async function undo() {
    if (busy) return;
    // the last decision made on this page, else the decision in force on the pair shown
    const cur = pairs[idx];
    const last = done.length ? done[done.length - 1]
      : (cur && cur.decision_id ? { idx: idx, id: cur.decision_id, own: false } : null);
    if (!last) { text($("status"), M.nothing_to_undo); return; }
    busy = true;
    try {
      const [r, out] = await postJSON("/api/undo", { decision_id: last.id });
      if (!r.ok) { text($("status"), fill(M.not_saved, { detail: out.detail })); return; }
      if (last.own !== false) done.pop();
      idx = last.idx;
      const p = pairs[idx];
      p.decision_id = out.decision_id; p.decision = out.decision; p.reviewer = $("whoami").textContent;
      p.conflict = out.conflict;
      text($("status"), fill(M.undone, { id: last.id, new: out.decision_id, decision: word(out.decision) }));
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
    else if (ev.key === "z") { ev.preventDefault(); undo(); }
    else if (ev.key === "ArrowRight" || ev.key === "j") { if (idx < pairs.length - 1) { idx += 1; render(); } ev.preventDefault(); }
    else if (ev.key === "ArrowLeft" || ev.key === "k") { if (idx > 0) { idx -= 1; render(); } ev.preventDefault(); }
  });
  for (const b of document.querySelectorAll("button[data-decision]")) {
    b.addEventListener("click", () => decide(b.dataset.decision));
  }
  $("undo").addEventListener("click", () => undo());

  (async function start() {
    const q = await getJSON("/api/queue?limit=500");
    pairs = q.pairs;
    render();
    await refreshEstimate();
    document.body.dataset.ready = "1";
  })();
})();
