// ccmon wallboard: polls the JSON API (api/v1/wallboard, docs/http.md) and renders one tile per
// queue and, when per-agent series are enabled, an agent grid. Every value is set with
// textContent (never as HTML), so hostile queue or agent names stay text. Each rendered number
// also keeps the API's raw value in a data-value attribute (what tests/e2e compares).
"use strict";

(function () {
  const API = "api/v1/wallboard";  // Relative: works behind a proxy that adds a path prefix.
  const STATES = [
    ["available", "ready"], ["reserved", "ringing"], ["on_contact", "on contact"],
    ["after_contact_work", "wrap-up"], ["not_ready", "not ready"], ["logged_out", "logged out"],
  ];
  const STATE_LABEL = Object.fromEntries(STATES);
  const tiles = new Map();  // queue name -> {root, fields}
  let refreshMs = 2000;
  let updates = 0;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  // Whole seconds (floor) as m:ss, or h:mm:ss from one hour on.
  function fmtDuration(v) {
    if (!isNum(v)) return "–";
    const s = Math.max(0, Math.floor(v));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h > 0 ? h + ":" + pad(m) + ":" + pad(sec) : m + ":" + pad(sec);
  }
  function fmtCount(v) { return isNum(v) ? String(Math.round(v)) : "–"; }
  function fmtPercent(v) { return isNum(v) ? (v * 100).toFixed(1) + "%" : "–"; }
  function fmtTarget(v) { return Math.round(v * 1000) / 10 + "%"; }
  function fmtThreshold(t) { return t === null || t === undefined ? "" : t + " s"; }

  function setValue(span, raw, text, cls) {
    span.textContent = text;
    span.dataset.value = isNum(raw) ? String(raw) : "";
    span.className = "value" + (cls ? " " + cls : "");
  }

  function kpi(parent, field, label, small) {
    const box = el("div", "kpi" + (small ? " small" : ""));
    const value = el("span", "value", "–");
    value.dataset.field = field;
    const lab = el("span", "label", label);
    box.append(value, lab);
    parent.append(box);
    return {value, label: lab};
  }

  function makeTile(name) {
    const root = el("section", "tile");
    root.dataset.queue = name;
    root.append(el("h2", "name", name));
    const kpis = el("div", "kpis");
    const f = {};
    f.waiting = kpi(kpis, "waiting", "waiting");
    f.oldest = kpi(kpis, "oldest_wait_seconds", "oldest wait");
    f.sl = kpi(kpis, "service_level.ratio", "service level");
    f.abandon = kpi(kpis, "abandon_ratio", "abandoned", true);
    f.asa = kpi(kpis, "asa_seconds", "ASA", true);
    f.ewt = kpi(kpis, "expected_wait_seconds", "expected wait", true);
    f.staffed = kpi(kpis, "agents_staffed", "agents staffed", true);
    f.required = kpi(kpis, "agents_required.erlang_a", "agents required", true);
    f.slToday = kpi(kpis, "service_level.today_ratio", "SL today", true);
    root.append(kpis);
    const states = el("div", "states");
    f.states = {};
    for (const [state, label] of STATES) {
      const chip = el("span", "chip st-" + state);
      const b = el("b", "", "–");
      b.dataset.field = "agents." + state;
      chip.append(b, document.createTextNode(label));
      states.append(chip);
      f.states[state] = b;
    }
    root.append(states);
    return {root, f};
  }

  function renderTile(t, q, windowName) {
    const f = t.f;
    const sl = q.service_level || {};
    t.root.className = "tile sl-" + (sl.status || "none");
    setValue(f.waiting.value, q.waiting, fmtCount(q.waiting));
    setValue(f.oldest.value, q.oldest_wait_seconds, fmtDuration(q.oldest_wait_seconds));
    setValue(f.sl.value, sl.ratio, fmtPercent(sl.ratio), sl.status);
    f.sl.label.textContent = "service level " + windowName +
        (sl.threshold !== null && sl.threshold !== undefined ? " ≤ " + fmtThreshold(sl.threshold) : "") +
        (isNum(sl.target_ratio) ? ", target " + fmtTarget(sl.target_ratio) : "");
    setValue(f.abandon.value, q.abandon_ratio, fmtPercent(q.abandon_ratio));
    f.abandon.label.textContent = "abandoned " + windowName;
    setValue(f.asa.value, q.asa_seconds, fmtDuration(q.asa_seconds));
    f.asa.label.textContent = "ASA " + windowName;
    setValue(f.ewt.value, q.expected_wait_seconds, fmtDuration(q.expected_wait_seconds));
    const required = (q.agents_required || {}).erlang_a;
    const short = isNum(required) && isNum(q.agents_staffed) && q.agents_staffed < required;
    setValue(f.staffed.value, q.agents_staffed, fmtCount(q.agents_staffed), short ? "alert" : "");
    setValue(f.required.value, required, fmtCount(required));
    setValue(f.slToday.value, sl.today_ratio, fmtPercent(sl.today_ratio));
    const agents = q.agents || {};
    for (const [state] of STATES) {
      const b = f.states[state];
      b.textContent = fmtCount(agents[state]);
      b.dataset.value = isNum(agents[state]) ? String(agents[state]) : "";
    }
  }

  function renderAgents(agents, eventTime) {
    const section = document.getElementById("agents-section");
    if (!agents) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    const grid = document.getElementById("agents");
    const cards = [];
    for (const a of agents.list || []) {
      const card = el("div", "agent st-" + (a.state || "logged_out"));
      card.dataset.agent = a.agent;
      card.dataset.source = a.source;
      card.dataset.state = a.state || "";
      const who = el("span", "who", a.agent);
      who.title = a.source + " / " + a.agent + " — " + (STATE_LABEL[a.state] || "unknown");
      const since = isNum(a.state_since_seconds) && isNum(eventTime) ?
          " " + fmtDuration(eventTime - a.state_since_seconds) : "";
      card.append(who, el("span", "since", (STATE_LABEL[a.state] || "") + since));
      cards.push(card);
    }
    grid.replaceChildren(...cards);
    const hidden = (agents.total - (agents.list || []).length) + (agents.omitted || 0);
    document.getElementById("agents-note").textContent =
        hidden > 0 ? "(" + hidden + " not shown)" : "";
  }

  function render(board) {
    const windowName = board.window || "";
    document.getElementById("window-note").textContent =
        "service level, abandoned and ASA: last " + windowName + " · SL today: since local midnight";
    const clock = document.getElementById("event-time");
    clock.textContent = isNum(board.event_time_seconds) ?
        new Date(board.event_time_seconds * 1000).toLocaleTimeString([], {hour12: false}) :
        "--:--:--";
    clock.dataset.value = isNum(board.event_time_seconds) ? String(board.event_time_seconds) : "";
    const container = document.getElementById("queues");
    const seen = new Set();
    for (const q of board.queues || []) {
      seen.add(q.queue);
      let t = tiles.get(q.queue);
      if (!t) {
        t = makeTile(q.queue);
        tiles.set(q.queue, t);
      }
      renderTile(t, q, windowName);
      container.append(t.root);  // Moves an existing tile into API order.
    }
    for (const [name, t] of tiles) {
      if (!seen.has(name)) {
        t.root.remove();
        tiles.delete(name);
      }
    }
    renderAgents(board.agents, board.event_time_seconds);
    if (isNum(board.refresh_seconds) && board.refresh_seconds > 0) {
      refreshMs = board.refresh_seconds * 1000;
    }
  }

  function setStatus(live, text) {
    const s = document.getElementById("status");
    s.textContent = text;
    s.className = "status " + (live ? "live" : "stale");
  }

  async function poll() {
    try {
      const r = await fetch(API, {cache: "no-store", headers: {Accept: "application/json"}});
      if (!r.ok) throw new Error("HTTP " + r.status);
      render(await r.json());
      updates += 1;
      document.body.dataset.updates = String(updates);
      document.body.dataset.state = "ready";
      setStatus(true, "live");
    } catch (e) {
      setStatus(false, "connection lost");
    }
    setTimeout(poll, refreshMs);
  }

  poll();
})();
