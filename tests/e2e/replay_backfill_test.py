#!/usr/bin/env python3
"""End-to-end test of `ccmon replay`: a simulated day backfilled into a real Prometheus.

1. The real `ccmon-bridge simulate` (config/simulator/demo.yaml with a fixed seed, starting at
   00:00 UTC two days ago, so the data is recent for Prometheus' retention) runs as fast as it can
   for 24 h of simulated time under `ccmon replay --interval 15m`, once with --format csv and once
   with --format openmetrics. The simulator is deterministic for a seed and a start, so both runs
   see the same events; each run's simulator totals (logged per queue) must be equal.
2. The CSV report's per-queue totals must equal the simulator's own (offered, answered, abandoned,
   exited + callbacks), and every row must satisfy the report's documented formulas.
3. The real `promtool tsdb create-blocks-from openmetrics` turns the OpenMetrics output into TSDB
   blocks; a real Prometheus (`--web.listen-address 127.0.0.1:0`, the port read from its log)
   serves them. An instant query at the end of the day must give the CSV totals per queue; a range
   query over the day at the interval step must give, at every step, the running sum of the CSV
   rows up to that interval's end; the per-interval service level computed in PromQL from the
   exported SL counters (value minus value 15 min earlier) must equal the CSV's service_level.

Usage: replay_backfill_test.py --bin-dir BUILD/bin --source-dir REPO [--prometheus PATH]
                               [--promtool PATH] [--keep]
Exit status 0 when every check passes, 1 otherwise. Python 3 standard library only. Hermetic:
temporary directory, port 0, every process stopped at the end.
"""

import argparse
import csv
import datetime
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from e2elib import die_with_parent, log

SEED = 7
INTERVAL_S = 900
STARTUP_TIMEOUT_S = 60


def run(argv, timeout=600):
    log("running: " + " ".join(map(str, argv)))
    started = time.monotonic()
    p = subprocess.run([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=timeout, preexec_fn=die_with_parent)
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited with {p.returncode}:\n{out[-4000:]}")
    return out, time.monotonic() - started


def simulator_totals(bridge_log):
    """Per queue: offered, answered, abandoned, exited + callbacks (as tests/integration/
    replay_test.cc ParseSummary), and the envelope count."""
    queues = {}
    for m in re.finditer(r"queue (\S+): offered=(\d+) answered=(\d+) abandoned=(\d+) "
                         r"exited=(\d+) callbacks=(\d+)", bridge_log):
        queues[m.group(1)] = {"offered": int(m.group(2)), "answered": int(m.group(3)),
                              "abandoned": int(m.group(4)),
                              "exited": int(m.group(5)) + int(m.group(6))}
    m = re.search(r"envelopes=(\d+)", bridge_log)
    envelopes = int(m.group(1)) if m else 0
    return queues, envelopes


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


class Prometheus:
    def __init__(self, binary, tsdb, tmp):
        config = tmp / "prometheus.yml"
        config.write_text("global:\n  evaluation_interval: 1m\n")
        self.log_path = tmp / "prometheus.log"
        self._log = open(self.log_path, "wb")
        argv = [binary, f"--config.file={config}", f"--storage.tsdb.path={tsdb}",
                "--web.listen-address=127.0.0.1:0", "--storage.tsdb.retention.time=3650d",
                "--log.level=info"]
        log("starting: " + " ".join(map(str, argv)))
        self.proc = subprocess.Popen([str(a) for a in argv], stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     preexec_fn=die_with_parent)
        self.base = None

    def output(self):
        return self.log_path.read_text(errors="replace")

    def wait_ready(self):
        # Prometheus logs the address it really listens on (port 0), then when it is ready.
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self.output()
            m = re.search(r'msg="Listening on" address=127\.0\.0\.1:(\d+)', text)
            if m and "Server is ready to receive web requests" in text:
                self.base = f"http://127.0.0.1:{m.group(1)}"
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.proc.returncode}:\n{text[-3000:]}")
            time.sleep(0.05)
        raise RuntimeError(f"prometheus not ready in {STARTUP_TIMEOUT_S} s:\n{self.output()[-3000:]}")

    def query(self, path, params):
        data = urllib.parse.urlencode(params).encode()
        with urllib.request.urlopen(urllib.request.Request(self.base + path, data=data),
                                    timeout=30) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {body}")
        return body["data"]["result"]

    def instant(self, expr, t):
        return {tuple(sorted(s["metric"].items())): float(s["value"][1])
                for s in self.query("/api/v1/query", {"query": expr, "time": t})}

    def range(self, expr, start, end, step):
        return {tuple(sorted(s["metric"].items())): {float(t): float(v) for t, v in s["values"]}
                for s in self.query("/api/v1/query_range",
                                    {"query": expr, "start": start, "end": end, "step": step})}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True, type=Path)
    ap.add_argument("--source-dir", required=True, type=Path)
    ap.add_argument("--prometheus", default=shutil.which("prometheus"))
    ap.add_argument("--promtool", default=shutil.which("promtool"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not args.prometheus or not args.promtool:
        log("FAIL: prometheus and promtool are needed (Debian package prometheus; "
            "scripts/install-deps.sh)")
        return 1

    tmp = Path(tempfile.mkdtemp(prefix="ccmon-replay-backfill-"))
    prometheus = None
    errors = []
    check = lambda ok, msg: ok or errors.append(msg)
    try:
        now = time.time()
        day_start = math.floor(now / 86400) * 86400 - 2 * 86400
        profile = tmp / "demo.yaml"
        text = (args.source_dir / "config/simulator/demo.yaml").read_text()
        text, n = re.subn(r"(?m)^start:.*$", f'start: "{iso(day_start)}"', text)
        assert n == 1, "demo.yaml has no start: line"
        profile.write_text(text)
        simulate = ["simulate", "--profile", profile, "--seed", SEED, "--fast", "--duration", "24h"]
        ccmon = args.bin_dir / "ccmon"

        csv_path, om_path = tmp / "day.csv", tmp / "day.om"
        runs = {}
        for fmt, out in (("csv", csv_path), ("openmetrics", om_path)):
            bridge_log = tmp / f"bridge-{fmt}.log"
            _, seconds = run([ccmon, "replay", "--interval", "15m", "--format", fmt, "--output", out,
                              "--bridge-log", bridge_log, "--"] + simulate)
            runs[fmt] = simulator_totals(bridge_log.read_text(errors="replace"))
            queues, envelopes = runs[fmt]
            log(f"replay --format {fmt}: {envelopes} envelopes in {seconds:.2f} s "
                f"({envelopes / seconds:,.0f} envelopes/s, simulator and process start included)")
            check(queues, f"{fmt}: no simulator summary in the bridge log")
        sim, _ = runs["csv"]
        check(runs["openmetrics"][0] == sim, "the two runs' simulator totals differ: "
              f"{runs['openmetrics'][0]} vs {sim}")

        # The CSV report against the simulator, and its formulas row by row.
        rows = list(csv.DictReader(open(csv_path, newline="")))
        check(rows, "the CSV report is empty")
        totals = {}
        ends = sorted({r["interval_end"] for r in rows})
        check(len(ends) >= 96, f"{len(ends)} intervals; a day of 15 min intervals has 96")
        for r in rows:
            q = totals.setdefault(r["queue"], {"offered": 0, "answered": 0, "abandoned": 0,
                                               "exited": 0})
            for k in q:
                q[k] += int(r[k])
            check(parse_iso(r["interval_end"]) - parse_iso(r["interval_start"]) == INTERVAL_S,
                  f"row {r['interval_start']}..{r['interval_end']}: not 15 min")
            a, b, s, rr = (int(r[k]) for k in ("answered_within", "abandoned_within",
                                                "short_abandoned_within", "breached"))
            den = a + b - s + rr
            if den > 0:
                check(abs(float(r["service_level"]) - a / den) < 1e-12,
                      f"{r['queue']} {r['interval_end']}: service_level {r['service_level']} "
                      f"!= A/(A+B-S+R) = {a / den}")
            else:
                check(r["service_level"] == "", f"{r['queue']} {r['interval_end']}: 0/0 not empty")
        for queue, c in sim.items():
            check(totals.get(queue) == c,
                  f"queue {queue}: CSV totals {totals.get(queue)} != simulator {c}")
        log(f"CSV: {len(rows)} rows over {len(ends)} intervals; totals {totals}")

        # OpenMetrics → promtool → Prometheus.
        tsdb = tmp / "tsdb"
        out, seconds = run([args.promtool, "tsdb", "create-blocks-from", "openmetrics", om_path,
                            tsdb])
        log(f"promtool created blocks in {seconds:.1f} s from {om_path.stat().st_size:,} bytes")
        prometheus = Prometheus(args.prometheus, tsdb, tmp)
        prometheus.wait_ready()
        end = parse_iso(ends[-1])

        metric_of = {"offered": "callcenter_contacts_offered_total",
                     "answered": "callcenter_contacts_answered_total",
                     "abandoned": "callcenter_contacts_abandoned_total",
                     "exited": "callcenter_contacts_exited_total"}
        for key, metric in metric_of.items():
            got = {dict(k)["queue"]: v
                   for k, v in prometheus.instant(f"sum by (queue) ({metric})", end).items()}
            for queue, c in totals.items():
                check(got.get(queue) == c[key],
                      f"instant {metric}{{queue={queue}}} at {iso(end)}: {got.get(queue)} "
                      f"!= CSV {c[key]}")
        log("instant queries at the end of the day equal the CSV totals")

        # Range query: the running sum of the CSV rows at every interval end.
        first = parse_iso(ends[0])
        running = {}
        expected = {}
        for r in sorted(rows, key=lambda r: r["interval_end"]):
            t = parse_iso(r["interval_end"])
            running[r["queue"]] = running.get(r["queue"], 0) + int(r["answered"])
            expected[(r["queue"], t)] = running[r["queue"]]
        got = prometheus.range("sum by (queue) (callcenter_contacts_answered_total)", first, end,
                               INTERVAL_S)
        by_queue = {dict(labels)["queue"]: values for labels, values in got.items()}
        points = 0
        for (queue, t), want in sorted(expected.items()):
            v = by_queue.get(queue, {}).get(t)
            if v is None:
                # A queue's counter series appear when its first contact does (metrics.md: only
                # configured queues start at 0); before that the report's rows are zeros.
                check(want == 0, f"range answered{{queue={queue}}} at {iso(t)}: no sample, "
                      f"CSV running sum {want}")
                continue
            points += 1
            check(v == want, f"range answered{{queue={queue}}} at {iso(t)}: {v} != CSV running "
                  f"sum {want}")
        check(points >= len(expected) - len(totals) * 4,
              f"range query matched only {points} of {len(expected)} (queue, interval end) points")
        log(f"range query: {points} points equal the CSV running sums")

        # Per-interval service level from the exported SL counters, as docs/cli.md defines it.
        part = lambda m: (f"(sum by (queue) ({m}{{threshold=\"20\"}}) - "
                          f"sum by (queue) ({m}{{threshold=\"20\"}} offset 15m))")
        a = part("callcenter_service_level_answered_within_total")
        b = part("callcenter_service_level_abandoned_within_total")
        s = part("callcenter_service_level_short_abandoned_within_total")
        rr = part("callcenter_service_level_breached_total")
        sl = prometheus.range(f"{a} / ({a} + {b} - {s} + {rr})", first + INTERVAL_S, end,
                              INTERVAL_S)
        csv_sl = {(r["queue"], parse_iso(r["interval_end"])): r["service_level"] for r in rows
                  if r["sl_threshold_seconds"] == "20"}
        compared = 0
        for labels, values in sl.items():
            queue = dict(labels)["queue"]
            for t, v in values.items():
                want = csv_sl.get((queue, t))
                if want is None or want == "" or math.isnan(v):
                    continue
                compared += 1
                check(abs(v - float(want)) < 1e-9,
                      f"service level {queue} at {iso(t)}: PromQL {v} != CSV {want}")
        check(compared > 0, "no service level compared")
        log(f"per-interval service level: {compared} values equal the CSV's")
    except Exception as e:  # noqa: BLE001 - report any failure as a test failure
        errors.append(f"{type(e).__name__}: {e}")
    finally:
        if prometheus:
            prometheus.stop()
        if args.keep or (errors and os.environ.get("CCMON_KEEP_TMP") == "1"):
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for e in errors[:50]:
        log("FAIL: " + e)
    if errors:
        log(f"{len(errors)} failures")
        return 1
    log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
