#!/usr/bin/env python3
"""Checks deploy/prometheus/ against the daemon's metric contract and its own tests.

- Every ccmond metric name (callcenter_*, ccmond_*) used in a rule file's expressions and
  annotations, and in docs/alerts.md, is documented in docs/metrics.md and is a family of the
  golden scrape tests/fixtures/golden/scenario.prom (so a renamed metric fails here, whichever
  of the two was updated). Histogram series (_bucket, _sum, _count) count as their family.
- Every recording rule an alert uses (a name with colons) is defined in the recording file.
- Every alert has a severity label and summary, description and runbook annotations.
- Every alert is tested firing and not firing, and every recording rule's value is checked, in
  deploy/prometheus/tests/*.yml.
- docs/alerts.md names every alert and every recording rule.

Standard library only (the rule files are read line by line, not with a YAML library, which
Debian installs separately). Usage: check_rule_files.py SOURCE_DIR. Exit 0 when all holds, 1 with
one line per problem otherwise.
"""

import glob
import os
import re
import sys

METRIC_PREFIX = re.compile(r"^(callcenter|ccmond)_[a-z0-9_]+$")
RECORDED = re.compile(r"^[a-z_]+:[a-zA-Z0-9_]+:[a-zA-Z0-9_]+$")
IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        print(f"cannot read {path}: {e.strerror}")
        sys.exit(1)


def strip_comments(text):
    """Drops YAML comment lines (PromQL comments inside an expr also start their line with #)."""
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


def metric_names(text):
    return {t for t in IDENT.findall(text) if METRIC_PREFIX.match(t)}


def recorded_names(text):
    return {t for t in IDENT.findall(text) if RECORDED.match(t)}


def known(name, names):
    if name in names:
        return True
    return any(name.endswith(s) and name[: -len(s)] in names for s in HISTOGRAM_SUFFIXES)


def doc_names(text):
    """Every callcenter_*/ccmond_* identifier written in a document."""
    return {t for t in re.findall(r"(?<![A-Za-z0-9_:])(?:callcenter|ccmond)_[a-z0-9_]+", text)}


def golden_families(text):
    return {m.group(1) for m in re.finditer(r"^# TYPE (\S+) \S+$", text, re.M)}


def rule_blocks(text, key):
    """(name, block text) for each `- alert:` or `- record:` entry."""
    blocks = []
    current = None
    for line in text.splitlines():
        m = re.match(r"^\s*- (alert|record):\s*(\S+)\s*$", line)
        if m:
            current = [m.group(2), []] if m.group(1) == key else None
            if current:
                blocks.append(current)
            continue
        if re.match(r"^\s*- name:", line):
            current = None
        if current is not None:
            current[1].append(line)
    return [(name, "\n".join(lines)) for name, lines in blocks]


def alert_cases(test_texts):
    """alertname -> set of 'firing' / 'quiet' seen in alert_rule_test entries."""
    cases = {}
    for text in test_texts:
        lines = strip_comments(text).splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^\s*(?:- )?alertname:\s*(\S+)\s*$", line)
            if not m:
                continue
            for follow in lines[i + 1 :]:
                e = re.match(r"^\s*exp_alerts:\s*(.*)$", follow)
                if e:
                    kind = "quiet" if e.group(1).strip() == "[]" else "firing"
                    cases.setdefault(m.group(1), set()).add(kind)
                    break
                if re.match(r"^\s*- (eval_time|alertname):", follow):
                    break
    return cases


def main():
    if len(sys.argv) != 2:
        print("usage: check_rule_files.py SOURCE_DIR", file=sys.stderr)
        return 2
    root = sys.argv[1]
    rules_dir = os.path.join(root, "deploy", "prometheus")
    alerts_path = os.path.join(rules_dir, "ccmon-alerts.yml")
    recording_path = os.path.join(rules_dir, "ccmon-recording.yml")
    metrics_doc = doc_names(read(os.path.join(root, "docs", "metrics.md")))
    golden = golden_families(read(os.path.join(root, "tests", "fixtures", "golden", "scenario.prom")))
    alerts_doc_text = read(os.path.join(root, "docs", "alerts.md"))
    alerts_text = read(alerts_path)
    recording_text = read(recording_path)
    test_paths = sorted(glob.glob(os.path.join(rules_dir, "tests", "*.yml")))
    test_texts = [read(p) for p in test_paths]
    problems = []

    if not golden:
        problems.append("tests/fixtures/golden/scenario.prom: no '# TYPE' line found")

    sources = [
        ("deploy/prometheus/ccmon-alerts.yml", strip_comments(alerts_text)),
        ("deploy/prometheus/ccmon-recording.yml", strip_comments(recording_text)),
        ("docs/alerts.md", alerts_doc_text),
    ]
    used_total = set()
    for label, text in sources:
        used = metric_names(text)
        used_total |= used
        for name in sorted(used):
            if not known(name, metrics_doc):
                problems.append(f"{label}: metric {name} is not in docs/metrics.md")
            if not known(name, golden):
                problems.append(
                    f"{label}: metric {name} is not a family of tests/fixtures/golden/scenario.prom")
    if len(used_total) < 10:
        problems.append(f"only {len(used_total)} metric names found in the rule files: parser broken?")

    alerts = rule_blocks(alerts_text, "alert")
    records = [name for name, _ in rule_blocks(recording_text, "record")]
    if not alerts or not records:
        problems.append(f"found {len(alerts)} alerts and {len(records)} recording rules")

    for name in sorted(recorded_names(strip_comments(alerts_text)) - set(records)):
        problems.append(f"ccmon-alerts.yml uses {name}, which ccmon-recording.yml does not record")

    for name, block in alerts:
        if not re.search(r"^\s*severity:\s*(critical|warning|info)\s*$", block, re.M):
            problems.append(f"alert {name}: no severity label (critical, warning or info)")
        for annotation in ("summary", "description", "runbook"):
            if not re.search(rf"^\s*{annotation}:", block, re.M):
                problems.append(f"alert {name}: no {annotation} annotation")

    cases = alert_cases(test_texts)
    for name, _ in alerts:
        for kind in ("firing", "quiet"):
            if kind not in cases.get(name, set()):
                problems.append(f"alert {name}: no test in deploy/prometheus/tests/ where it is {kind}")
    for name in sorted(set(cases) - {n for n, _ in alerts}):
        problems.append(f"tests name alert {name}, which ccmon-alerts.yml does not define")

    tested_exprs = set()
    for text in test_texts:
        tested_exprs |= set(re.findall(r"^\s*- expr:\s*(\S+)\s*$", text, re.M))
    for name in records:
        if name not in tested_exprs:
            problems.append(f"recording rule {name}: no promql_expr_test checks its value")

    for name in [n for n, _ in alerts] + records:
        if not re.search(rf"(?<![A-Za-z0-9_:]){re.escape(name)}(?![A-Za-z0-9_:])", alerts_doc_text):
            problems.append(f"docs/alerts.md does not describe {name}")

    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"ok: {len(used_total)} metric names, {len(alerts)} alerts, {len(records)} recording "
          f"rules, {len(test_paths)} test files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
