#!/usr/bin/env python3
"""End-to-end test of the Grafana dashboards in deploy/grafana/dashboards (docs/dashboards.md).

1. Structure: every dashboard parses, has a unique uid, a `datasource` variable of type
   datasource (prometheus), uses `${datasource}` on every panel, target and query variable, has
   unique panel ids, a gridPos on every panel inside the 24-column grid without overlaps, defines
   every variable its queries use, and repeats rows only by a multi-value variable.
2. Live: starts the real ccmond (config/ccmond-demo.yaml, HTTP on 127.0.0.1 port 0) fed by the
   real `ccmon-bridge simulate` (config/simulator/demo.yaml at --speed, over an ipc:// endpoint in
   a temporary directory), and a real Prometheus scraping the daemon every second with the
   recording rules of deploy/prometheus/ccmon-recording.yml loaded. Once Prometheus has enough
   scrapes, it resolves every `label_values()` variable through the label-values API (each must
   return values; the queue variables must list the demo's queues), then runs every target of
   every panel with the variables substituted, once per combination of their values (each
   single value and the All regex of a multi-value variable; each option of a custom variable):
   instant targets through /api/v1/query, the others through /api/v1/query_range. Each query must
   succeed and return at least one series. A query without data is retried until the deadline,
   since the daemon's window values (and so some panels) can be absent for a moment, e.g. a
   quiet queue's service level while its window has no contact.

Grafana's built-in variables are replaced by fixed test values, because the test scrapes for
seconds, not hours:
    $__interval       -> 5s   (also the step of the range queries)
    $__rate_interval  -> 1m   (at least 2 scrapes, as Grafana's own minimum of 4 scrape intervals)
    $__range          -> 1m   (also the span of the range queries)
The `datasource` variable is dropped (the test talks to its Prometheus directly).

Usage: grafana_dashboards_test.py --bin-dir BUILD/bin --source-dir REPO [--prometheus PATH]
                                  [--speed X] [--keep]
Exit status 0 when every check passes, 1 otherwise; all processes it started are stopped and its
temporary directory removed in either case (--keep, or CCMON_KEEP_TMP=1 on failure, keeps the
directory with the processes' logs). Python 3 standard library only.
"""

import argparse
import concurrent.futures
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from e2elib import Process, free_port, log

BUILTINS = {"__interval": "5s", "__rate_interval": "1m", "__range": "1m", "__range_s": "60",
            "__interval_ms": "5000"}
STEP_S = 5
RANGE_S = 60
MIN_SCRAPES = 10        # successful scrapes before the first query (rate() needs two)
STARTUP_TIMEOUT_S = 20  # each process must be up within this
DATA_TIMEOUT_S = 45     # from the first query: how long a query without data is retried
DS_REF = {"type": "prometheus", "uid": "${datasource}"}
VAR_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
METRIC_RE = re.compile(r"\b((?:callcenter|ccmond)_\w+|\w+:\w+:\w+)")


# ---------------------------------------------------------------------------------------------
# Dashboards and their structure


def all_panels(panels):
    """The panels of a dashboard, rows' nested panels (collapsed rows) included."""
    for p in panels:
        yield p
        yield from all_panels(p.get("panels", []) if p.get("type") == "row" else [])


def variables_in(text):
    return {next(g for g in m.groups() if g) for m in VAR_RE.finditer(text)}


def variable_query(var):
    """The query string of a query variable (Grafana stores a string or an object)."""
    query = var.get("query")
    if isinstance(query, dict):
        query = query.get("query", "")
    return query or var.get("definition", "")


def check_structure(path, dash, seen_uids):
    errors = []
    err = lambda msg: errors.append(f"{path.name}: {msg}")

    for key in ("uid", "title", "panels", "templating", "schemaVersion"):
        if key not in dash:
            err(f"missing top-level key {key!r}")
    if errors:
        return errors
    if not isinstance(dash["schemaVersion"], int) or dash["schemaVersion"] < 36:
        err(f"schemaVersion {dash['schemaVersion']!r}: expected a current schema (>= 36)")
    if dash["uid"] in seen_uids:
        err(f"uid {dash['uid']!r} is also used by {seen_uids[dash['uid']]}")
    seen_uids[dash["uid"]] = path.name
    if dash.get("id") is not None:
        err("id must be null so that provisioning and import assign one")

    variables = dash["templating"].get("list", [])
    names = [v.get("name") for v in variables]
    if len(set(names)) != len(names):
        err(f"duplicate variable names: {names}")
    by_name = {v.get("name"): v for v in variables}
    ds = by_name.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        err("needs a variable `datasource` of type datasource with query prometheus")
    for v in variables:
        if v.get("type") == "query":
            if v.get("datasource") != DS_REF:
                err(f"variable {v['name']}: datasource must be {DS_REF}")
            if not re.match(r"^label_values\(", variable_query(v)):
                err(f"variable {v['name']}: expected a label_values() query")
        elif v.get("type") == "custom":
            if not [o for o in v.get("query", "").split(",") if o.strip()]:
                err(f"variable {v['name']}: custom variable without options")
        elif v.get("type") != "datasource":
            err(f"variable {v['name']}: type {v.get('type')!r} is not handled by this test")

    used = set()
    ids = {}
    boxes = []
    for p in all_panels(dash["panels"]):
        title = p.get("title", "")
        label = f"panel {p.get('id')} {title!r}"
        if not isinstance(p.get("id"), int):
            err(f"{label}: id must be an integer")
        elif p["id"] in ids:
            err(f"{label}: id also used by {ids[p['id']]!r}")
        else:
            ids[p["id"]] = title
        gp = p.get("gridPos")
        if not isinstance(gp, dict) or not all(isinstance(gp.get(k), int) for k in "hwxy"):
            err(f"{label}: gridPos with integer h, w, x, y required")
        elif gp["w"] < 1 or gp["h"] < 1 or gp["x"] < 0 or gp["y"] < 0 or gp["x"] + gp["w"] > 24:
            err(f"{label}: gridPos {gp} outside the 24-column grid")
        else:
            boxes.append((gp, label, id(p)))
        if p.get("type") == "row":
            if p.get("repeat"):
                rv = by_name.get(p["repeat"])
                used.add(p["repeat"])
                if not rv or not (rv.get("multi") or rv.get("includeAll")):
                    err(f"{label}: repeats by {p['repeat']!r}, which is no multi-value variable")
            if not p.get("collapsed") and p.get("panels"):
                err(f"{label}: an expanded row keeps its panels at the top level")
            continue
        used |= variables_in(title)
        if not title:
            err(f"{label}: no title")
        if p.get("datasource") != DS_REF:
            err(f"{label}: datasource must be {DS_REF}, is {p.get('datasource')}")
        else:
            used.add("datasource")
        targets = p.get("targets") or []
        if not targets:
            err(f"{label}: no targets")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs):
            err(f"{label}: duplicate refIds {refs}")
        for t in targets:
            if t.get("datasource", DS_REF) != DS_REF:
                err(f"{label} {t.get('refId')}: datasource must be {DS_REF}")
            if not t.get("expr", "").strip():
                err(f"{label} {t.get('refId')}: empty expr")
            used |= variables_in(t.get("expr", "")) | variables_in(t.get("legendFormat", ""))
    # Panels of collapsed rows are laid out when the row opens: check the top-level layout.
    top = {id(p) for p in dash["panels"]}
    visible = [(gp, label) for gp, label, pid in boxes if pid in top]
    for (a, la), (b, lb) in itertools.combinations(visible, 2):
        if (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and
                a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]):
            err(f"{la} overlaps {lb}")
    for v in variables:
        used |= variables_in(variable_query(v))
    undefined = {u for u in used if not u.startswith("__")} - set(by_name)
    if undefined:
        err(f"variables used but not defined: {sorted(undefined)}")
    unused = set(by_name) - used
    if unused:
        err(f"variables defined but never used: {sorted(unused)}")
    if "datasource" not in used:
        err("the datasource variable is not used by any panel")
    return errors


# ---------------------------------------------------------------------------------------------
# Processes


def start_prometheus(prometheus, config, tmp, procs):
    """Starts Prometheus on a port of its own choosing and returns its base URL.

    Prometheus (exporter-toolkit) logs the address it really listens on, so port 0 has no race.
    Versions that log only the configured address get a free port picked here, retried if another
    process takes it first."""
    for attempt in range(5):
        port = 0 if attempt == 0 else free_port()
        p = Process(f"prometheus-{attempt}", [
            prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=info",
            "--storage.tsdb.retention.time=1h"], tmp)
        procs.append(p)
        try:
            m = p.wait_for(r'msg="Listening on" address=127\.0\.0\.1:(\d+)'
                           if port == 0 else r"Server is ready to receive web requests",
                           STARTUP_TIMEOUT_S)
        except RuntimeError as e:
            log(f"prometheus attempt {attempt} failed: {e}")
            p.stop()
            procs.remove(p)
            continue
        return f"http://127.0.0.1:{m.group(1) if port == 0 else port}"
    raise RuntimeError("prometheus did not start")


# ---------------------------------------------------------------------------------------------
# Prometheus API


def api(base, path, params, timeout=10, method="POST"):
    data = urllib.parse.urlencode(params, doseq=True)
    if method == "GET":  # the label-values endpoint takes GET only
        req = urllib.request.Request(f"{base}{path}?{data}")
    else:
        req = urllib.request.Request(base + path, data=data.encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except ValueError:
            return {"status": "error", "error": f"HTTP {e.code}"}
    except (urllib.error.URLError, OSError, ValueError) as e:
        return {"status": "error", "error": str(e)}


def instant(base, expr):
    return api(base, "/api/v1/query", {"query": expr})


def wait_for_scrapes(base, deadline, procs):
    """Waits until Prometheus has MIN_SCRAPES successful scrapes of ccmond and rule results."""
    expr = f'sum_over_time(up{{job="ccmond"}}[{RANGE_S}s])'
    rule = "count(queue_model:callcenter_queue_agents_shortfall:sum)"
    while time.monotonic() < deadline:
        for p in procs:
            if p.proc.poll() is not None:
                raise RuntimeError(f"{p.name} exited with {p.proc.returncode}:\n"
                                   f"{p.output()[-3000:]}")
        r = instant(base, expr)
        res = r.get("data", {}).get("result", []) if r.get("status") == "success" else []
        if res and float(res[0]["value"][1]) >= MIN_SCRAPES:
            rr = instant(base, rule)
            if rr.get("status") == "success" and rr["data"]["result"]:
                return float(res[0]["value"][1])
        time.sleep(0.25)
    raise RuntimeError(f"Prometheus did not get {MIN_SCRAPES} scrapes and rule results in time")


# ---------------------------------------------------------------------------------------------
# Variables and queries


def substitute(text, values):
    def repl(m):
        name = next(g for g in m.groups() if g)
        return values.get(name, m.group(0))
    return VAR_RE.sub(repl, text)


def regex_escape(value):
    # How Grafana writes a value of a multi-value Prometheus variable into a query: regex
    # metacharacters escaped for a PromQL string literal (prometheusSpecialRegexEscape:
    # "127.0.0.1" -> "127\\.0\\.0\\.1").
    value = value.replace("\\", "\\" * 4)
    return re.sub(r"([$^*{}\[\]'+?.()|])", r"\\\\\1", value)


def all_regex(values):
    # Grafana's "All" of a multi-value variable without allValue: an alternation of every value.
    return "(" + "|".join(regex_escape(v) for v in values) + ")"


def resolve_variables(base, dash, start, end, expected_queues, errors):
    """Value choices per variable: each value, plus the All regex of multi-value variables."""
    choices, all_values = {}, {}
    for v in dash["templating"]["list"]:
        name = v["name"]
        if v["type"] == "datasource":
            continue
        if v["type"] == "custom":
            opts = [o.strip() for o in v["query"].split(",") if o.strip()]
            choices[name], all_values[name] = opts, all_regex(opts)
            continue
        query = substitute(variable_query(v), all_values)
        m = re.fullmatch(r"\s*label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)\s*", query)
        if not m:
            errors.append(f"{dash['uid']}: variable {name}: cannot parse {query!r}")
            continue
        selector, label = m.groups()
        params = {"start": start, "end": end}
        if selector:
            params["match[]"] = selector
        r = api(base, f"/api/v1/label/{label}/values", params, method="GET")
        values = r.get("data") or []
        log(f"  {dash['uid']}: ${name} = label_values({selector or ''}, {label}) -> {values}")
        if r.get("status") != "success" or not values:
            errors.append(f"{dash['uid']}: variable {name}: label_values({selector}, {label}) "
                          f"returned {r}")
            continue
        if label == "queue" and not set(expected_queues) <= set(values):
            errors.append(f"{dash['uid']}: variable {name}: {values} lacks some of the demo's "
                          f"queues {expected_queues}")
        if v.get("regex"):
            values = [x for x in values if re.search(v["regex"].strip("/"), x)]
        if v.get("multi") or v.get("includeAll"):
            choices[name] = [regex_escape(x) for x in values] + (
                [all_regex(values)] if len(values) > 1 else [])
        else:
            choices[name] = values
        all_values[name] = all_regex(values)
    return choices


def queries_of(dash, choices):
    """(panel title, refId, instant, expr, substitution) for every target and value combination."""
    unresolved = {v["name"] for v in dash["templating"]["list"]
                  if v["type"] != "datasource" and v["name"] not in choices}
    for p in all_panels(dash["panels"]):
        if p.get("type") == "row":
            continue
        for t in p.get("targets", []):
            if t.get("hide"):
                continue
            if variables_in(t["expr"]) & unresolved:
                continue  # reported with the variable
            names = sorted(v for v in variables_in(t["expr"]) if v in choices)
            for combo in itertools.product(*(choices[n] for n in names)):
                values = dict(BUILTINS)
                values.update(zip(names, combo))
                expr = substitute(t["expr"], values)
                yield (p["title"], t["refId"], bool(t.get("instant")) and not t.get("range"),
                       expr, dict(zip(names, combo)))


def run_query(base, item, deadline):
    """Runs one panel query until it returns data or the deadline passes; returns (ok, detail)."""
    title, ref, is_instant, expr, combo = item
    leftover = variables_in(expr)
    if leftover:
        return False, f"unsubstituted variables {sorted(leftover)}"
    attempts = 0
    while True:
        attempts += 1
        now = time.time()
        if is_instant:
            r = api(base, "/api/v1/query", {"query": expr, "time": now})
        else:
            r = api(base, "/api/v1/query_range", {"query": expr, "start": now - RANGE_S,
                                                   "end": now, "step": STEP_S})
        if r.get("status") != "success":
            return False, f"{r.get('errorType', '')} {r.get('error', r)}"  # a bad query: no retry
        result = r["data"]["result"]
        if result and (r["data"]["resultType"] != "matrix" or any(s["values"] for s in result)):
            return True, attempts
        if time.monotonic() >= deadline:
            return False, f"no data after {attempts} attempts"
        time.sleep(0.5)


def check_metric_names(dashes, scrape_text, rules_text):
    """Every metric name in the dashboards exists in a live scrape or in the recording rules."""
    exported = set()
    for line in scrape_text.splitlines():
        if line and not line.startswith("#"):
            name = re.match(r"[A-Za-z_:][\w:]*", line).group(0)
            exported.add(name)
            exported.add(re.sub(r"_(bucket|sum|count)$", "", name))
    recorded = set(re.findall(r"record:\s*(\S+)", rules_text))
    errors = []
    for path, dash in dashes:
        for p in all_panels(dash["panels"]):
            for t in p.get("targets", []):
                for name in METRIC_RE.findall(t.get("expr", "")):
                    if name not in exported and name not in recorded:
                        errors.append(f"{path.name}: panel {p['title']!r}: metric {name} is not "
                                      f"exported by ccmond nor recorded by the rules")
    return errors


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin-dir", required=True, type=Path)
    ap.add_argument("--source-dir", required=True, type=Path)
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("--speed", default="300", help="simulator speed (simulated s per wall s)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    t0 = time.monotonic()
    src = args.source_dir.resolve()

    # Stop cleanly (processes and temp dir) on SIGTERM from ctest or a user.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    paths = sorted((src / "deploy/grafana/dashboards").glob("*.json"))
    errors = []
    dashes = []
    seen = {}
    for path in paths:
        try:
            dash = json.loads(path.read_text())
        except ValueError as e:
            errors.append(f"{path.name}: not JSON: {e}")
            continue
        dashes.append((path, dash))
        errors += check_structure(path, dash, seen)
    expected = {"ccmon-wallboard.json", "ccmon-operations.json", "ccmon-staffing.json"}
    missing = expected - {p.name for p in paths}
    if missing:
        errors.append(f"dashboards missing: {sorted(missing)}")
    if errors:
        log("FAIL (structure):\n  " + "\n  ".join(errors))
        return 1
    npanels = sum(1 for _, d in dashes for p in all_panels(d["panels"]) if p["type"] != "row")
    log(f"structure ok: {len(dashes)} dashboards, {npanels} panels")

    for tool in (args.bin_dir / "ccmond", args.bin_dir / "ccmon-bridge", Path(args.prometheus)):
        if not os.access(tool, os.X_OK):
            log(f"FAIL: {tool} is missing (build ccmond and ccmon_bridge; install the Debian "
                f"package prometheus with scripts/install-deps.sh)")
            return 1
    daemon_config = src / "config/ccmond-demo.yaml"
    expected_queues = re.findall(r"^\s+- name: ([\w-]+)", daemon_config.read_text(), re.M)
    rules = src / "deploy/prometheus/ccmon-recording.yml"

    tmp = Path(tempfile.mkdtemp(prefix="ccmon-grafana-e2e-"))
    procs = []
    failed = True
    try:
        endpoint = f"ipc://{tmp}/events"
        daemon = Process("ccmond", [
            args.bin_dir / "ccmond", "--config.file", daemon_config, "--subscribe", endpoint,
            "--web.listen-address", "127.0.0.1:0"], tmp)
        procs.append(daemon)
        port = daemon.wait_for(r"listening on http://127\.0\.0\.1:(\d+)/metrics",
                               STARTUP_TIMEOUT_S).group(1)

        # The simulator must not publish before the daemon's subscription has arrived (a ZeroMQ
        # PUB socket drops what nobody subscribed to): --wait-for-subscriber where the bridge
        # has it, else a start delay far longer than the daemon's reconnect interval (100 ms).
        help_text = subprocess.run([args.bin_dir / "ccmon-bridge", "simulate", "--help"],
                                   capture_output=True, text=True).stdout
        hold = (["--wait-for-subscriber", "30s"] if "--wait-for-subscriber" in help_text
                else ["--start-delay", "1s"])
        bridge = Process("ccmon-bridge", [
            args.bin_dir / "ccmon-bridge", "simulate", "--profile",
            src / "config/simulator/demo.yaml", "--speed", args.speed, "--publish",
            f"bind:{endpoint}", "--source", "demo-sim", *hold], tmp)
        procs.append(bridge)

        config = tmp / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
            f"rule_files:\n  - {json.dumps(str(rules))}\n"
            "scrape_configs:\n  - job_name: ccmond\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{port}']\n")
        base = start_prometheus(args.prometheus, config, tmp, procs)
        log(f"prometheus on {base}, ccmond on 127.0.0.1:{port}")

        scrapes = wait_for_scrapes(base, time.monotonic() + STARTUP_TIMEOUT_S + MIN_SCRAPES,
                                   [p for p in procs if p.proc.poll() is None])
        log(f"{scrapes:.0f} scrapes after {time.monotonic() - t0:.1f} s")

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            scrape_text = r.read().decode()
        errors += check_metric_names(dashes, scrape_text, rules.read_text())

        now = time.time()
        items = []
        for path, dash in dashes:
            choices = resolve_variables(base, dash, now - 3600, now, expected_queues, errors)
            for item in queries_of(dash, choices):
                items.append((path.name, item))
        log(f"running {len(items)} queries")
        deadline = time.monotonic() + DATA_TIMEOUT_S
        retried = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            futures = {pool.submit(run_query, base, item, deadline): (name, item)
                       for name, item in items}
            for f in concurrent.futures.as_completed(futures):
                name, (title, ref, is_instant, expr, combo) = futures[f]
                ok, detail = f.result()
                if not ok:
                    kind = "instant" if is_instant else "range"
                    errors.append(f"{name}: panel {title!r} {ref} ({kind}, {combo}): {detail}\n"
                                  f"      {' '.join(expr.split())}")
                elif detail > 1:
                    retried += 1
                    log(f"  data after {detail} attempts: {name} {title!r} {ref} {combo}")
        log(f"{len(items) - retried} queries had data at once, {retried} after retries")

        # With --wait-for-subscriber nothing may be lost: a gap here means the test's own setup
        # dropped events, and the numbers the queries saw were not the simulator's.
        r = instant(base, "sum(ccmond_events_missing_total)")
        lost = float(r["data"]["result"][0]["value"][1]) if r.get("data", {}).get("result") else 0
        log(f"events missing by sequence numbers: {lost:.0f}")
        if lost and "--wait-for-subscriber" in hold:
            errors.append(f"ccmond counted {lost:.0f} missing events despite --wait-for-subscriber")
        for p in procs:
            if p.proc.poll() is not None:
                errors.append(f"{p.name} exited early with {p.proc.returncode}:\n"
                              f"{p.output()[-2000:]}")
        failed = bool(errors)
    except RuntimeError as e:
        errors.append(str(e))
    finally:
        for p in reversed(procs):
            p.stop()
        if args.keep or (failed and os.environ.get("CCMON_KEEP_TMP")):
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    elapsed = time.monotonic() - t0
    if errors:
        log(f"FAIL after {elapsed:.1f} s: {len(errors)} problem(s)\n  " + "\n  ".join(errors))
        return 1
    log(f"PASS in {elapsed:.1f} s: {len(dashes)} dashboards, {npanels} panels, "
        f"{len(items)} queries with data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
