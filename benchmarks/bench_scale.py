# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (issue 14, goals 1 and 2): the pocketbase_audit task's whole-process cost at scale.

    python benchmarks/bench_scale.py                 # goal 1 (1,000 collections) and goal 2 (10,000)
    python benchmarks/bench_scale.py --goal 1        # only goal 1 (1,000 collections)
    python benchmarks/bench_scale.py --goal 2        # only goal 2 (1,000 and 10,000, no return_findings=all)
    python benchmarks/bench_scale.py --smoke         # 50 and 200 collections, one round (about a minute)

Goal 1: the audit task's time (playbook wall minus the wall of the same playbook with one no-op task)
within 2x of the whole-process fetch floor (a fresh Python that logs in, pages through
/api/collections and parses it), on 1,000 collections. Also printed: the task with
return_findings=all, CPU seconds (less noisy than wall on a loaded machine) and the module's own
process (wall, CPU, peak RSS, size of the result it prints).
Goal 2: 10,000 collections complete, the 1k/10k task-time ratio (linear growth: about 10x), the
module's peak memory (< 100 MiB; also with the four report files written, as the audit role runs it), the
findings count, and the fixture's build time. The fixture is a JS
migration run once by ``pocketbase migrate up`` and cached per (version, count, fixture hash) under
$PBGUARD_CACHE/bench-fixtures (see _benchlib.FIXTURE_JS); later runs copy it. Never a timed test, not in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as lib  # noqa: E402  pylint: disable=wrong-import-position,import-error

REPORT_FORMATS = ("json", "junit", "sarif", "markdown")


def measure(version, count, rounds, tmp_root, with_all=True, with_files=False):
    """Every figure of one collection count; returns a dict."""
    srv, build_s, built = lib.start_with_collections(version, count, tmp_root)
    work = lib.new_workdir("pbguard-bench-scale-")
    try:
        vars_file = lib.conn_vars(work, srv)
        floor, noop, audit, audit_module, audit_all = [], [], [], [], []
        for _r in range(rounds):  # interleaved, so that a drift of the machine's speed hits every figure alike
            floor.append(lib.fetch_floor(work, vars_file))
            noop.append(lib.playbook(work, "noop", lib.noop_task(), vars_file))
            audit.append(lib.playbook(work, "audit", lib.audit_task(), vars_file))
            audit_module.append(lib.playbook(work, "audit_module", lib.audit_task(), vars_file, None,
                                             lib.MODULE_PATH_VARS))
            if with_all:
                audit_all.append(lib.playbook(work, "audit_all", lib.audit_task(return_findings="all"), vars_file))
        audit_all = audit_all or audit
        module = lib.module_process(work, vars_file)
        module_all = lib.module_process(work, vars_file, return_findings="all") if with_all else None
        # as the audit role runs it: every report format written (the files hold every finding)
        module_files = lib.module_process(work, vars_file, report_dir=os.path.join(work, "reports"),
                                          report_formats=list(REPORT_FORMATS)) if with_files else None
    finally:
        srv.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "count": count, "build_s": build_s, "built": built,
        "floor": lib.best(floor), "floor_cpu": lib.best(floor, "cpu"),
        "noop": lib.best(noop), "noop_cpu": lib.best(noop, "cpu"),
        "task": lib.best(audit) - lib.best(noop), "task_cpu": lib.best(audit, "cpu") - lib.best(noop, "cpu"),
        "task_module": lib.best(audit_module) - lib.best(noop),
        "task_module_cpu": lib.best(audit_module, "cpu") - lib.best(noop, "cpu"),
        "task_all": lib.best(audit_all) - lib.best(noop),
        "task_all_cpu": lib.best(audit_all, "cpu") - lib.best(noop, "cpu"),
        "module": module, "module_all": module_all, "module_files": module_files,
    }


def print_figures(m):
    print("  %d collections (+ system); fixture (JS migration, pocketbase migrate up): %s %.1fs"
          % (m["count"], "built in" if m["built"] else "cached, built in", m["build_s"]))
    print("    whole-process fetch floor (login + page + parse):  wall %.2fs  cpu %.2fs" % (m["floor"], m["floor_cpu"]))
    print("    ansible-playbook with one no-op task:              wall %.2fs  cpu %.2fs" % (m["noop"], m["noop_cpu"]))
    print("    pocketbase_audit task (in process, local):         wall %.2fs  cpu %.2fs" % (m["task"], m["task_cpu"]))
    print("    pocketbase_audit task (AnsiballZ module, as remote): wall %.2fs  cpu %.2fs"
          % (m["task_module"], m["task_module_cpu"]))
    if m["module_all"] is not None:
        print("    pocketbase_audit task (return_findings=all):       wall %.2fs  cpu %.2fs"
              % (m["task_all"], m["task_all_cpu"]))
    for label, run in (("non_pass", m["module"]), ("all", m["module_all"]), ("+files", m["module_files"])):
        if run is None:
            continue
        print("    module process alone (%-8s): wall %.2fs  cpu %.2fs  peak RSS %.1f MiB  result %.0f KiB  findings %s"
              % (label, run.wall, run.cpu, run.maxrss_mib, run.result_bytes / 1024.0, findings(run)))


def findings(run):
    """The module's summary (status -> count) and its total, from the JSON result it printed."""
    summary = json.loads(run.output[run.output.index("{"):])["summary"]
    counts = {k: v for k, v in summary.items() if isinstance(v, int)}
    return "%d %s" % (sum(counts.values()), json.dumps(counts, sort_keys=True))


def ratio(a, b):
    return a / b if b > 0 else float("inf")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--goal", choices=["1", "2", "all"], default="all",
                    help="1: only goal 1; 2: only goal 2; all: goals 1 and 2")
    ap.add_argument("--version", default="0.40.6")
    ap.add_argument("--small", type=int, default=1000, help="collections of goal 1 (and the 1k side of goal 2)")
    ap.add_argument("--large", type=int, default=10000, help="collections of goal 2")
    ap.add_argument("--rounds", type=int, default=3, help="runs per figure, best taken")
    ap.add_argument("--smoke", action="store_true", help="50 and 200 collections, one round, no return_findings=all")
    args = ap.parse_args()
    if args.smoke:
        args.small, args.large, args.rounds = 50, 200, 1
    print("pbguard audit at scale, PocketBase %s, best of %d run(s); %s" % (args.version, args.rounds, lib.load_note()))
    tmp_root = lib.new_workdir("pbguard-bench-srv-")
    try:
        small = measure(args.version, args.small, args.rounds, tmp_root, with_all=not args.smoke and args.goal != "2")
        print_figures(small)
        print("  goal 1: task / fetch floor = %.2fx wall, %.2fx cpu (target <= 2x); through the module (a remote "
              "target's path): %.2fx wall, %.2fx cpu"
              % (ratio(small["task"], small["floor"]), ratio(small["task_cpu"], small["floor_cpu"]),
                 ratio(small["task_module"], small["floor"]), ratio(small["task_module_cpu"], small["floor_cpu"])),
              flush=True)
        if args.goal == "1":
            return
        large = measure(args.version, args.large, args.rounds, tmp_root, with_all=False, with_files=True)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    print_figures(large)
    growth = float(args.large) / args.small
    print("  goal 2: %d collections: the audit completed; task time %d/%d = %.2fx wall, %.2fx cpu (linear: %.0fx)"
          % (args.large, args.large, args.small, ratio(large["task"], small["task"]),
             ratio(large["task_cpu"], small["task_cpu"]), growth))
    print("  goal 2: module peak RSS %.1f MiB at %d collections (target < 100 MiB), ratio %.2f"
          % (large["module"].maxrss_mib, args.large, large["module"].maxrss_mib / 100.0))
    print("  goal 2: module peak RSS %.1f MiB at %d collections writing the %s report files as the audit role "
          "does (same target), ratio %.2f" % (large["module_files"].maxrss_mib, args.large, len(REPORT_FORMATS),
                                              large["module_files"].maxrss_mib / 100.0))
    print("  goal 2: findings %s at %d collections, %s at %d"
          % (findings(large["module"]), args.large, findings(small["module"]), args.small))
    print("  goal 2: fixture build %.1fs for %d collections (%.1fs for %d)%s"
          % (large["build_s"], args.large, small["build_s"], args.small,
             "" if large["built"] and small["built"] else "; cached fixtures show their first build time"))


if __name__ == "__main__":
    main()
