#!/usr/bin/env python3
"""Figures and checks of one company benchmark run (called by bench/company/run.sh).

Reads /usr/bin/time -v output, the company's store (.macrohard/store.db) and repository,
and mh-fake-llm's request log. Prints wall, ideal, ratio, CPU, max RSS, the phases of the
run and the merge queue; then checks the outcome: tag v0.1.0, one commit per task on main,
every work item done. Exits 1 when a check fails.
"""
import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys


def parse_time(path):
    fields = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            fields[key] = value
    parts = [float(p) for p in fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")]
    wall = 0.0
    for p in parts:
        wall = wall * 60 + p
    return {"wall": wall, "user": float(fields["User time (seconds)"]),
            "sys": float(fields["System time (seconds)"]),
            "rss_mb": int(fields["Maximum resident set size (kbytes)"]) / 1024}


def peak_overlap(intervals):
    points = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    peak = now = 0
    for _, d in points:
        now += d
        peak = max(peak, now)
    return peak


def store_figures(db_path):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    q = lambda sql, *a: db.execute(sql, a).fetchall()
    kinds = dict(q("select id, kind from work_items"))
    states = dict(q("select state, count(*) from work_items group by state"))
    t0 = q("select min(time_ms) from events")[0][0]
    merged = [(t, json.loads(p)["item"]) for t, p in
              q("select time_ms, payload from events where kind = 'merged' order by seq")]
    task_merged = sorted(t for t, item in merged if kinds.get(item) == "task")
    entered = sorted(t for t, p in q("select time_ms, payload from events "
                                     "where kind = 'item_state' order by seq")
                     if json.loads(p)["to"] == "merging"
                     and kinds.get(json.loads(p)["item"]) == "task")
    sessions = {}
    for sid, kind, t in q("select session_id, kind, time_ms from events where kind in "
                          "('session_started', 'session_ended') and session_id is not null"):
        s = sessions.setdefault(sid, [None, None])
        if kind == "session_started" and s[0] is None:
            s[0] = t
        if kind == "session_ended":
            s[1] = t
    def peak(suffix):
        return peak_overlap([(s, e) for sid, (s, e) in sessions.items()
                             if s is not None and e is not None and re.search(suffix, sid)])
    tagged = q("select time_ms from events where kind = 'tagged'")
    return {"states": states, "t0": t0, "task_merged": task_merged, "entered": entered,
            "peak_engineers": peak(r"-engineer$"), "peak_reviewers": peak(r"-review-\d+$"),
            "task_count": sum(1 for k in kinds.values() if k == "task"),
            "tagged": tagged[0][0] if tagged else None}


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True)


def check_outcome(company, tasks, s):
    repo = os.path.join(company, "repo")
    failures = []
    if git(repo, "rev-parse", "-q", "--verify", "refs/tags/v0.1.0").returncode != 0:
        failures.append("the tag v0.1.0 does not exist")
    added = git(repo, "log", "--no-merges", "--diff-filter=A", "--name-only", "--format=",
                "main", "--", "mods/").stdout.split()
    modules = {f for f in added if re.fullmatch(r"mods/mod_\d+\.py", f)}
    expected = {f"mods/mod_{k}.py" for k in range(5, 5 + tasks)}
    if modules != expected or len([f for f in added if f in expected]) != tasks:
        failures.append(f"main has {len(modules)} task modules of {tasks} "
                        f"(missing: {sorted(expected - modules)[:5]})")
    for k in (5, 4 + tasks):
        shown = git(repo, "show", f"main:mods/mod_{k}.py").stdout
        if f"return {k}" not in shown:
            failures.append(f"mods/mod_{k}.py on main does not return {k}")
    if s["task_count"] != tasks:
        failures.append(f"{s['task_count']} tasks were filed, not {tasks}")
    not_done = {k: v for k, v in s["states"].items() if k != "done"}
    if not_done:
        failures.append(f"work items not done: {not_done}")
    return failures


def main():
    p = argparse.ArgumentParser()
    for flag in ("--company", "--time", "--requests", "--load", "--runs"):
        p.add_argument(flag, required=True)
    for flag in ("--tasks", "--ideal-ms", "--run-status"):
        p.add_argument(flag, type=int, required=True)
    a = p.parse_args()
    t = parse_time(a.time)
    s = store_figures(os.path.join(a.company, ".macrohard", "store.db"))
    with open(a.requests) as f:
        model_calls = sum(1 for line in f if json.loads(line).get("protocol"))
    ideal = a.ideal_ms / 1000
    rel = lambda ms: (ms - s["t0"]) / 1000 if ms is not None else float("nan")
    with open(a.runs) as f:
        runs = f.read().split("\n")
    print(f"load average at start: {a.load}; macrohard run invoked {len(runs) - 1} times")
    print(f"wall {t['wall']:.1f} s, ideal {ideal:.0f} s (critical path of model delays), "
          f"ratio {t['wall'] / ideal:.2f}")
    print(f"orchestrator CPU {t['user'] + t['sys']:.1f} s (user {t['user']:.1f}, "
          f"sys {t['sys']:.1f}), max RSS {t['rss_mb']:.0f} MB; {model_calls} model calls")
    print(f"peak sessions at once: {s['peak_engineers']} engineers, "
          f"{s['peak_reviewers']} reviewers")
    if s["task_merged"]:
        m = s["task_merged"]
        gaps = sorted(b - a for a, b in zip(m, m[1:]))
        median_gap = gaps[len(gaps) // 2] if gaps else 0
        first_in = s["entered"][0] if s["entered"] else m[0]
        print(f"merge queue: {len(m)} task merges; first task queued at {rel(first_in):.1f} s, "
              f"merged {rel(m[0]):.1f} .. {rel(m[-1]):.1f} s "
              f"({(m[-1] - first_in) / 1000:.1f} s from first queued to last merged), "
              f"median {median_gap / 1000:.2f} s per merge")
    print(f"tag at {rel(s['tagged']):.1f} s after the first event")
    failures = check_outcome(a.company, a.tasks, s)
    if a.run_status != 0:
        failures.append(f"macrohard run exited with {a.run_status}")
    for f in failures:
        print("FAILED:", f, file=sys.stderr)
    if failures:
        return 1
    print(f"OK: v0.1.0 tagged, {a.tasks} task commits on main, every work item done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
