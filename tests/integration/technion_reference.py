#!/usr/bin/env python3
"""Independent per-day totals of the Technion "Anonymous Bank" call records.

Written from the dataset's own definitions (shared/reference/event-formats.md §4.1) and the
daemon's documented counting rules (docs/metrics.md), not from the bridge's C++ code, so that
tests/integration/technion_test.cc can check ccmond's totals against it exactly.

Usage: technion_reference.py RECORDS.csv [OUTPUT.json]   (default: standard output)

Definitions used (each from the documents named above):
- A row is one call; `date` (yymmdd, or whatever the file writes) is the day it arrived. Totals
  are per value of `date`, per `type` and over all types.
- outcome PHANTOM: not a call (§4.1 "ignore"): counted under outcomes only.
- q_start 0:00:00 means the call never queued (§4.1). With outcome AGENT it was answered without
  waiting (§4.1): offered and answered with wait 0. With outcome HANG it hung up before reaching
  a queue: not offered.
- Otherwise the call entered the queue at q_start and left it after q_time seconds (= q_exit -
  q_start, past midnight included; checked below): AGENT answered (CONNECT at q_exit), HANG
  abandoned (ABANDON at q_exit). A HANG with q_time 0 entered the queue (q_start is set) and hung
  up within the second: offered and abandoned with wait 0, a short abandon.
- Short abandon: abandoned at a wait <= 5 s (ccmond's default `short_abandon`; the test's daemon
  config says 5s explicitly).
- Service-level events for a threshold T (docs/metrics.md "The service-level event"): an answer
  at wait <= T is "answered within" (A); an abandon at wait <= T is "abandoned within" (B), and
  also "short-abandoned within" (S) when its wait <= min(T, 5 s); a call still waiting past T is
  "breached" (R) whatever happens later (a wait of exactly T is within T). No call here exits
  otherwise, so "exited within" (E) is 0.
- Service level: the daemon's default formula short_abandons_excluded, A / (A + B - S + R).
- ASA: mean wait of answered calls; mean abandon wait: mean wait of abandoned calls (short
  abandons included), as sum / count of the waits in whole seconds.
"""

import csv
import json
import sys

THRESHOLDS = (10, 20, 30, 60)
SHORT_ABANDON_S = 5


def seconds(hms):
    h, m, s = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


def empty_totals():
    t = {
        "offered": 0,
        "answered": 0,
        "abandoned": 0,
        "short_abandoned": 0,
        "answered_wait_sum": 0,
        "abandoned_wait_sum": 0,
        "sl": {},
    }
    for threshold in THRESHOLDS:
        t["sl"][str(threshold)] = {
            "answered_within": 0,
            "abandoned_within": 0,
            "short_abandoned_within": 0,
            "exited_within": 0,
            "breached": 0,
        }
    return t


def count(totals, outcome, wait):
    totals["offered"] += 1
    if outcome == "answered":
        totals["answered"] += 1
        totals["answered_wait_sum"] += wait
    else:
        totals["abandoned"] += 1
        totals["abandoned_wait_sum"] += wait
        if wait <= SHORT_ABANDON_S:
            totals["short_abandoned"] += 1
    for threshold in THRESHOLDS:
        sl = totals["sl"][str(threshold)]
        if wait > threshold:
            sl["breached"] += 1
        elif outcome == "answered":
            sl["answered_within"] += 1
        else:
            sl["abandoned_within"] += 1
            if wait <= min(threshold, SHORT_ABANDON_S):
                sl["short_abandoned_within"] += 1


def finish(totals):
    """Adds the derived values (ratios); null where the denominator is 0."""
    totals["asa_s"] = (
        totals["answered_wait_sum"] / totals["answered"] if totals["answered"] else None
    )
    totals["mean_abandon_wait_s"] = (
        totals["abandoned_wait_sum"] / totals["abandoned"] if totals["abandoned"] else None
    )
    for sl in totals["sl"].values():
        denominator = (
            sl["answered_within"]
            + sl["abandoned_within"]
            - sl["short_abandoned_within"]
            + sl["breached"]
        )
        sl["ratio"] = sl["answered_within"] / denominator if denominator else None


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: technion_reference.py RECORDS.csv [OUTPUT.json]")
    days = {}
    month = empty_totals()
    outcomes = {
        "answered": 0,
        "answered_without_queue": 0,
        "abandoned": 0,
        "never_queued": 0,
        "ignored": 0,
    }
    with open(sys.argv[1], newline="") as f:
        for row in csv.DictReader(f):
            if row["outcome"] == "PHANTOM":
                outcomes["ignored"] += 1
                continue
            if row["outcome"] not in ("AGENT", "HANG"):
                sys.exit("unexpected outcome " + row["outcome"])
            answered = row["outcome"] == "AGENT"
            if row["q_start"] == "0:00:00":
                if not answered:
                    outcomes["never_queued"] += 1
                    continue
                outcomes["answered_without_queue"] += 1
                wait = 0
            else:
                wait = int(row["q_time"])
                span = (seconds(row["q_exit"]) - seconds(row["q_start"])) % 86400
                if span != wait:
                    sys.exit("q_time %d != q_exit - q_start %d in call %s" %
                             (wait, span, row["call_id"]))
                outcomes["answered" if answered else "abandoned"] += 1
            outcome = "answered" if answered else "abandoned"
            day = days.setdefault(row["date"], {"total": empty_totals(), "queues": {}})
            count(day["total"], outcome, wait)
            count(day["queues"].setdefault(row["type"], empty_totals()), outcome, wait)
            count(month, outcome, wait)
    for day in days.values():
        finish(day["total"])
        for totals in day["queues"].values():
            finish(totals)
    finish(month)
    out = open(sys.argv[2], "w") if len(sys.argv) == 3 else sys.stdout
    json.dump({"days": days, "month": month, "outcomes": outcomes}, out, indent=1, sort_keys=True)
    out.write("\n")
    out.close()


if __name__ == "__main__":
    main()
