#!/usr/bin/env python3
"""Browser test of the built-in wallboard (docs/wallboard.md): the real ccmond, the real page in a
real headless Chromium, the numbers in the DOM checked against /metrics.

1. Starts ccmond (HTTP on 127.0.0.1 port 0, per-agent series on, two ipc:// subscriptions in a
   temporary directory) and feeds it a finite, deterministic scenario: `ccmon-bridge jsonl` with
   one agent whose name is an HTML/JSON injection attempt, then `ccmon-bridge simulate` with
   tests/e2e/wallboard_profile.yaml (--seed 1 --fast --duration 40m). It waits until the daemon
   has applied exactly the events each bridge says it published, so the event flow has stopped
   and every value is stable.
2. Scrapes /metrics and /api/v1/wallboard and checks that every value of the API equals the
   /metrics sample it is documented to be (docs/http.md).
3. Starts Chromium headless (DevTools protocol over --remote-debugging-port, spoken with a small
   WebSocket client below), loads /, polls the DOM until the page has rendered data, reads every
   tile and the agent grid, and checks each number (the raw value the page keeps and the text it
   shows) against /metrics, scraped again afterwards to prove nothing moved in between. The page
   must load nothing from anywhere but the daemon, log no error, and show the hostile agent name
   as text (no element injected).
4. Saves a 1920x1080 screenshot (--artifact-dir, printed; --docs-screenshot for a second copy).

Exit status 0 when every check passes, 77 (ctest SKIP_RETURN_CODE) when no Chromium is installed
(Debian package `chromium`, scripts/install-deps.sh), 1 otherwise. Every process it started is
stopped and its temporary directory removed (--keep keeps it). Python 3 standard library only.

Usage: wallboard_test.py --bin-dir BUILD/bin --source-dir REPO [--artifact-dir DIR]
                         [--chromium PATH] [--docs-screenshot PATH] [--keep]
"""

import argparse
import base64
import hashlib
import json
import math
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from e2elib import Process, log

SKIP = 77
STARTUP_TIMEOUT_S = 20
FLOW_TIMEOUT_S = 60
RENDER_TIMEOUT_S = 30
WINDOW = "15m"        # WallboardApiOptions::window
AMBER_MARGIN = 0.05   # WallboardApiOptions::amber_margin
STATES = ["logged_out", "available", "reserved", "on_contact", "after_contact_work", "not_ready"]
# Opens a tag, closes an attribute, breaks a JSON string, a backslash, non-ASCII: must stay text.
HOSTILE_AGENT = '<img src=x onerror="document.body.dataset.pwned=1">&amp;"\'\\ Zoë 🎧'


# ---------------------------------------------------------------------------------------------
# HTTP


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, dict(r.headers), r.read()


# ---------------------------------------------------------------------------------------------
# /metrics


SAMPLE_RE = re.compile(r"^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$")
LABEL_RE = re.compile(r'([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"')


def unescape_label(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


class Scrape:
    """The samples of one /metrics text: (name, frozenset of labels) -> value."""

    def __init__(self, text):
        self.samples = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = SAMPLE_RE.match(line)
            if not m:
                raise RuntimeError(f"cannot parse /metrics line {line!r}")
            labels = frozenset((k, unescape_label(v)) for k, v in LABEL_RE.findall(m.group(2) or ""))
            self.samples[(m.group(1), labels)] = float(m.group(3))

    def get(self, name, **labels):
        return self.samples.get((name, frozenset(labels.items())))

    def series(self, name):
        return [(dict(lab), v) for (n, lab), v in self.samples.items() if n == name]


def scrape(base):
    _, _, body = http_get(f"{base}/metrics")
    return Scrape(body.decode())


def expected_board(s):
    """What /api/v1/wallboard must say, computed from /metrics as docs/http.md defines it."""
    queues = []
    for labels, _ in s.series("callcenter_queue_contacts_waiting"):
        queues.append(labels["queue"])
    board = {}
    for q in queues:
        target = [(lab["threshold"], v) for lab, v in s.series("callcenter_service_level_target_ratio")
                  if lab["queue"] == q]
        threshold, target_ratio = target[0] if target else (None, None)
        ratio = (s.get("callcenter_service_level_ratio", queue=q, threshold=threshold, window=WINDOW)
                 if threshold else None)
        if ratio is None or target_ratio is None:
            status = "none"
        elif ratio >= target_ratio:
            status = "green"
        elif ratio >= target_ratio - AMBER_MARGIN:
            status = "amber"
        else:
            status = "red"
        counts = {w: {o: s.get("callcenter_queue_window_contacts", queue=q, window=w, outcome=o)
                      for o in ("offered", "answered", "abandoned")} for w in (WINDOW, "today")}
        offered, abandoned = counts[WINDOW]["offered"], counts[WINDOW]["abandoned"]
        board[q] = {
            "queue": q,
            "waiting": s.get("callcenter_queue_contacts_waiting", queue=q),
            "oldest_wait_seconds": s.get("callcenter_queue_oldest_contact_wait_seconds", queue=q),
            "service_level": {
                "threshold": threshold, "target_ratio": target_ratio, "ratio": ratio,
                "status": status,
                "today_ratio": (s.get("callcenter_queue_window_service_level_ratio", queue=q,
                                      window="today", threshold=threshold) if threshold else None),
            },
            "contacts": counts[WINDOW],
            "abandon_ratio": abandoned / offered if offered else None,
            "asa_seconds": s.get("callcenter_queue_window_asa_seconds", queue=q, window=WINDOW),
            "expected_wait_seconds": s.get("callcenter_queue_expected_wait_seconds", queue=q),
            "agents": {st: s.get("callcenter_queue_agents", queue=q, state=st) for st in STATES},
            "agents_staffed": s.get("callcenter_queue_agents_staffed", queue=q),
            "agents_required": {m: s.get("callcenter_queue_agents_required", queue=q, model=m)
                                for m in ("erlang_a", "erlang_c")},
            "today": counts["today"],
        }
    agents = {(lab["source"], lab["agent"]): lab["state"]
              for lab, v in s.series("callcenter_agent_state") if v == 1}
    return queues, board, agents


def check_api(api, s, errors):
    queues, board, agents = expected_board(s)
    if api.get("event_time_seconds") != s.get("ccmond_event_clock_timestamp_seconds"):
        errors.append(f"API event_time_seconds {api.get('event_time_seconds')} != "
                      f"ccmond_event_clock_timestamp_seconds")
    if api.get("window") != WINDOW:
        errors.append(f"API window {api.get('window')!r}, expected {WINDOW!r}")
    got_queues = [q["queue"] for q in api["queues"]]
    if got_queues != queues:
        errors.append(f"API queues {got_queues} != /metrics queues {queues}")
    for q in api["queues"]:
        want = board.get(q["queue"])
        if want is not None and q != want:
            diff = {k: (q.get(k), want.get(k)) for k in set(q) | set(want) if q.get(k) != want.get(k)}
            errors.append(f"API queue {q['queue']}: (API, /metrics) differ: {diff}")
    got_agents = {(a["source"], a["agent"]): a["state"] for a in (api.get("agents") or {}).get("list", [])}
    if got_agents != agents:
        errors.append(f"API agents differ from callcenter_agent_state: "
                      f"{sorted(set(got_agents.items()) ^ set(agents.items()))[:10]}")
    return queues, board, agents


# ---------------------------------------------------------------------------------------------
# Chromium over the DevTools protocol, with a minimal WebSocket client (RFC 6455: client frames
# masked, text frames, fragmentation, ping; nothing else is needed).


class DevTools:
    def __init__(self, ws_url, timeout_s=30):
        u = urllib.parse.urlparse(ws_url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout_s)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket handshake")
            buf += chunk
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if b" 101 " not in head.split(b"\r\n")[0] or accept.encode() not in head:
            raise RuntimeError(f"DevTools refused the WebSocket: {head.decode(errors='replace')}")
        self.next_id = 0
        self.events = []

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _message(self):
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode in (0x0, 0x1, 0x2):
                parts.append(payload)
                if b0 & 0x80:
                    return json.loads(b"".join(parts))

    def call(self, method, **params):
        self.next_id += 1
        self._send_frame(0x1, json.dumps({"id": self.next_id, "method": method,
                                          "params": params}).encode())
        while True:
            msg = self._message()
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"DevTools {method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def find_chromium(given):
    for candidate in (given, os.environ.get("CCMON_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate:
            path = shutil.which(candidate)
            if path:
                return path
    return None


def start_chromium(chromium, tmp, procs):
    profile = tmp / "chromium-profile"
    argv = [chromium, "--headless", "--remote-debugging-port=0", f"--user-data-dir={profile}",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--disable-default-apps", "--disable-dev-shm-usage",
            "--mute-audio", "--hide-scrollbars", "--window-size=1920,1080",
            "--force-device-scale-factor=1", "about:blank"]
    if os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root.
    p = Process("chromium", argv, tmp)
    procs.append(p)
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if port_file.exists():
            lines = port_file.read_text().split("\n")
            if len(lines) >= 2 and lines[0].strip():
                port = int(lines[0])
                break
        if p.proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {p.proc.returncode}:\n{p.output()[-3000:]}")
        time.sleep(0.05)
    else:
        raise RuntimeError(f"chromium: no DevToolsActivePort within {STARTUP_TIMEOUT_S} s:\n"
                           f"{p.output()[-3000:]}")
    _, _, body = http_get(f"http://127.0.0.1:{port}/json/list")
    pages = [t for t in json.loads(body) if t.get("type") == "page"]
    if not pages:
        raise RuntimeError(f"chromium has no page target: {body[:500]!r}")
    return DevTools(pages[0]["webSocketDebuggerUrl"])


# Reads what the page shows: every tile's fields (raw value and text), the agent grid, the clock.
READ_DOM = r"""
(() => {
  const tiles = [...document.querySelectorAll("section.tile")].map(t => ({
    queue: t.dataset.queue,
    cls: t.className,
    name: t.querySelector("h2").textContent,
    fields: Object.fromEntries([...t.querySelectorAll("[data-field]")].map(
        e => [e.dataset.field, {value: e.dataset.value, text: e.textContent}])),
  }));
  const agents = [...document.querySelectorAll("#agents .agent")].map(a => ({
    source: a.dataset.source, agent: a.dataset.agent, state: a.dataset.state,
    who: a.querySelector(".who").textContent,
  }));
  const section = document.getElementById("agents-section");
  return JSON.stringify({
    tiles, agents, agentsHidden: section.hidden,
    clock: document.getElementById("event-time").dataset.value,
    status: document.getElementById("status").textContent,
    images: document.querySelectorAll("img").length,
    pwned: document.body.dataset.pwned || null,
  });
})()
"""


def fmt_count(v):
    return "–" if v is None else str(int(math.floor(v + 0.5)))


def fmt_duration(v):
    if v is None:
        return "–"
    s = max(0, int(math.floor(v)))
    h, m, sec = s // 3600, (s % 3600) // 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def percent_matches(text, v):
    if v is None:
        return text == "–"
    m = re.fullmatch(r"(-?\d+\.\d)%", text)
    return bool(m) and abs(float(m.group(1)) - v * 100) <= 0.05 + 1e-9


def check_dom(dom, board, agents, queues, s, errors):
    if dom["status"] != "live":
        errors.append(f"page status is {dom['status']!r}, not live")
    if dom["clock"] == "" or float(dom["clock"]) != s.get("ccmond_event_clock_timestamp_seconds"):
        errors.append(f"page clock {dom['clock']!r} != ccmond_event_clock_timestamp_seconds")
    shown = [t["queue"] for t in dom["tiles"]]
    if shown != queues:
        errors.append(f"page tiles {shown} != /metrics queues {queues}")
    checked = 0
    for t in dom["tiles"]:
        q = board.get(t["queue"])
        if q is None:
            continue
        if t["name"] != t["queue"]:
            errors.append(f"tile {t['queue']}: heading {t['name']!r}")
        if f"sl-{q['service_level']['status']}" not in t["cls"].split():
            errors.append(f"tile {t['queue']}: class {t['cls']!r}, service level status is "
                          f"{q['service_level']['status']}")
        sl = q["service_level"]
        fields = {
            "waiting": (q["waiting"], fmt_count),
            "oldest_wait_seconds": (q["oldest_wait_seconds"], fmt_duration),
            "service_level.ratio": (sl["ratio"], None),
            "service_level.today_ratio": (sl["today_ratio"], None),
            "abandon_ratio": (q["abandon_ratio"], None),
            "asa_seconds": (q["asa_seconds"], fmt_duration),
            "expected_wait_seconds": (q["expected_wait_seconds"], fmt_duration),
            "agents_staffed": (q["agents_staffed"], fmt_count),
            "agents_required.erlang_a": (q["agents_required"]["erlang_a"], fmt_count),
        }
        for st in STATES:
            fields[f"agents.{st}"] = (q["agents"][st], fmt_count)
        for field, (want, fmt) in fields.items():
            got = t["fields"].get(field)
            if got is None:
                errors.append(f"tile {t['queue']}: no element for {field}")
                continue
            raw = None if got["value"] == "" else float(got["value"])
            if raw != want:
                errors.append(f"tile {t['queue']} {field}: page value {got['value']!r}, "
                              f"/metrics {want!r}")
            text_ok = percent_matches(got["text"], want) if fmt is None else got["text"] == fmt(want)
            if not text_ok:
                errors.append(f"tile {t['queue']} {field}: page shows {got['text']!r} for {want!r}")
            checked += 1
    if dom["agentsHidden"]:
        errors.append("the agent grid is hidden although per-agent series are on")
    shown_agents = {(a["source"], a["agent"]): a["state"] for a in dom["agents"]}
    if shown_agents != agents:
        errors.append(f"agent grid differs from callcenter_agent_state: "
                      f"{sorted(set(shown_agents.items()) ^ set(agents.items()))[:10]}")
    hostile = [a for a in dom["agents"] if a["agent"] == HOSTILE_AGENT]
    if len(hostile) != 1 or hostile[0]["who"] != HOSTILE_AGENT:
        errors.append(f"the hostile agent name is not shown verbatim: {hostile}")
    if dom["images"] or dom["pwned"]:
        errors.append(f"markup from an agent name was injected: {dom['images']} img, "
                      f"pwned={dom['pwned']}")
    return checked


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin-dir", required=True, type=Path)
    ap.add_argument("--source-dir", required=True, type=Path)
    ap.add_argument("--artifact-dir", type=Path, help="where wallboard.png goes")
    ap.add_argument("--chromium", help="the browser (default: chromium on PATH)")
    ap.add_argument("--docs-screenshot", type=Path, help="also save the screenshot here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    t0 = time.monotonic()
    src = args.source_dir.resolve()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    chromium = find_chromium(args.chromium)
    if not chromium:
        log("SKIP: no chromium on PATH (install the Debian package chromium: "
            "scripts/install-deps.sh); the wallboard's browser test did not run")
        return SKIP
    for tool in (args.bin_dir / "ccmond", args.bin_dir / "ccmon-bridge"):
        if not os.access(tool, os.X_OK):
            log(f"FAIL: {tool} is missing (build ccmond and ccmon_bridge)")
            return 1

    tmp = Path(tempfile.mkdtemp(prefix="ccmon-wallboard-e2e-"))
    procs = []
    errors = []
    devtools = None
    try:
        config = tmp / "ccmond.yaml"
        config.write_text(
            "service_level:\n  thresholds: [20s, 60s]\n  target: 0.8\n  target_threshold: 20s\n"
            "queues:\n  - name: orders\n  - name: help\n    target: 0.9\n"
            "agents:\n  per_agent: true\n")
        sim_ep, jsonl_ep = f"ipc://{tmp}/sim", f"ipc://{tmp}/jsonl"
        daemon = Process("ccmond", [
            args.bin_dir / "ccmond", "--config.file", config, "--subscribe", sim_ep,
            "--subscribe", jsonl_ep, "--web.listen-address", "127.0.0.1:0"], tmp)
        procs.append(daemon)
        port = daemon.wait_for(r"listening on http://127\.0\.0\.1:(\d+)/metrics",
                               STARTUP_TIMEOUT_S).group(1)
        base = f"http://127.0.0.1:{port}"

        # The hostile agent logs in at 09:30 of the simulated day (before its end, so the event
        # clock stays the simulator's); the jsonl bridge's heartbeats carry that time too.
        events = tmp / "hostile.jsonl"
        events.write_text(json.dumps({
            "timeUnixMs": "1741080600000",
            "agentStateChanged": {"agentId": HOSTILE_AGENT, "state": "AGENT_STATE_AVAILABLE",
                                  "queues": ["help"]}}) + "\n")
        jsonl = Process("ccmon-bridge-jsonl", [
            args.bin_dir / "ccmon-bridge", "jsonl", "--input", events, "--source", "e2e-jsonl",
            "--publish", f"bind:{jsonl_ep}", "--wait-for-subscriber", "30s"], tmp)
        procs.append(jsonl)
        jsonl_count = int(jsonl.wait_for(r"jsonl: published (\d+) events", FLOW_TIMEOUT_S).group(1))
        jsonl.wait_exit(FLOW_TIMEOUT_S)

        sim = Process("ccmon-bridge-simulate", [
            args.bin_dir / "ccmon-bridge", "simulate", "--profile",
            src / "tests/e2e/wallboard_profile.yaml", "--seed", "1", "--speed", "1200", "--duration", "40m",
            "--publish", f"bind:{sim_ep}", "--source", "e2e-sim", "--wait-for-subscriber", "30s"],
            tmp)
        procs.append(sim)
        # Its summary counts heartbeats among the envelopes; the daemon's per-source count does not.
        m = sim.wait_for(r"envelopes=(\d+) heartbeats=(\d+)", FLOW_TIMEOUT_S)
        sim_count = int(m.group(1)) - int(m.group(2))
        sim.wait_exit(FLOW_TIMEOUT_S)

        # The flow has stopped once the daemon applied every event each bridge published.
        want = {"e2e-sim": sim_count, "e2e-jsonl": jsonl_count}
        deadline = time.monotonic() + FLOW_TIMEOUT_S
        while True:
            s = scrape(base)
            got = {src_: s.get("ccmond_source_events_applied_total", source=src_) for src_ in want}
            if got == want:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"ccmond applied {got} events, the bridges published {want}")
            time.sleep(0.1)
        log(f"event flow stopped: {want} events applied")

        status, headers, body = http_get(f"{base}/api/v1/wallboard")
        if headers.get("Content-Type") != "application/json; charset=utf-8":
            errors.append(f"API Content-Type {headers.get('Content-Type')!r}")
        api = json.loads(body)
        queues, board, agents = check_api(api, s, errors)
        waiting = board.get("orders", {}).get("waiting")
        log(f"API checked against /metrics: {len(queues)} queues, {len(agents)} agents, "
            f"orders waiting={waiting}")
        if not waiting:
            errors.append("the scenario should leave callers waiting in orders (profile changed?)")

        devtools = start_chromium(chromium, tmp, procs)
        devtools.call("Runtime.enable")
        devtools.call("Log.enable")
        devtools.call("Network.enable")
        devtools.call("Page.enable")
        devtools.call("Emulation.setDeviceMetricsOverride", width=1920, height=1080,
                      deviceScaleFactor=1, mobile=False)
        devtools.call("Page.navigate", url=f"{base}/")
        deadline = time.monotonic() + RENDER_TIMEOUT_S
        while devtools.evaluate("document.body && document.body.dataset.state") != "ready":
            if time.monotonic() > deadline:
                raise RuntimeError(f"the page did not render data within {RENDER_TIMEOUT_S} s")
            time.sleep(0.1)
        dom = json.loads(devtools.evaluate(READ_DOM))
        after = scrape(base)
        if after.get("ccmond_event_clock_timestamp_seconds") != s.get(
                "ccmond_event_clock_timestamp_seconds") or expected_board(after) != (
                queues, board, agents):
            errors.append("/metrics moved while the page was read (the event flow had not stopped)")
        checked = check_dom(dom, board, agents, queues, s, errors)
        log(f"page checked against /metrics: {len(dom['tiles'])} tiles, {checked} values, "
            f"{len(dom['agents'])} agents")

        for e in devtools.events:
            method, p = e["method"], e.get("params", {})
            if method == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(base + "/"):
                    errors.append(f"the page fetched {url} (only {base} is allowed)")
            elif method == "Runtime.exceptionThrown":
                errors.append(f"page exception: {p.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                errors.append(f"browser error: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif method == "Runtime.consoleAPICalled" and p.get("type") == "error":
                errors.append(f"console error: {p.get('args')}")

        shot = base64.b64decode(devtools.call("Page.captureScreenshot", format="png")["data"])
        out_dir = args.artifact_dir or tmp
        out_dir.mkdir(parents=True, exist_ok=True)
        for path in [out_dir / "wallboard.png"] + ([args.docs_screenshot] if args.docs_screenshot
                                                   else []):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(shot)
            log(f"screenshot: {path.resolve()} ({len(shot)} bytes)")
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        errors.append(f"{type(e).__name__}: {e}")
    finally:
        if devtools:
            devtools.close()
        for p in reversed(procs):
            p.stop()
        if args.keep or (errors and os.environ.get("CCMON_KEEP_TMP")):
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    elapsed = time.monotonic() - t0
    if errors:
        log(f"FAIL after {elapsed:.1f} s: {len(errors)} problem(s)\n  " + "\n  ".join(errors))
        return 1
    log(f"PASS in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
