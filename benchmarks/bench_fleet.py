# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (issue 14, goal 3): a fleet audited from one controller with playbooks/audit.yml.

    python benchmarks/bench_fleet.py                   # 50 PocketBase instances, forks 10
    python benchmarks/bench_fleet.py --smoke           # 3 instances, forks 2: a quick check that it runs

Starts N real PocketBase servers on loopback ports (each with a few generated collections), writes an
inventory with one host per server (``ansible_connection: local``, api scope) and runs
``playbooks/audit.yml`` with ``pbguard_become=false`` (what a controller-side api audit needs; the audit
then runs in the action plugin's process) once for one host and once for the fleet with ``--forks``. Prints the wall, the
controller's peak memory (the sampled resident memory of ansible-playbook, its workers and the module
processes together, and the largest single process), the per-host cost against the single-host run,
the goal's ratio (fleet time within 1.5x of single-host time x hosts / usable cores) and the fleet
summary the role writes. Never a timed test, not in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as lib  # noqa: E402  pylint: disable=wrong-import-position,import-error


def write_inventory(work, servers):
    inv = os.path.join(work, "inventory")
    os.makedirs(os.path.join(inv, "host_vars"))
    names = ["pb%02d" % i for i in range(len(servers))]
    with open(os.path.join(inv, "hosts.ini"), "w", encoding="utf-8") as fh:
        fh.write("[pocketbase]\n" + "".join("%s ansible_connection=local\n" % n for n in names))
    for name, srv in zip(names, servers):
        host_vars = lib.harness.audit_host_vars(srv, os.path.join(work, "remote", name),
                                                os.path.join(work, "controller"))
        host_vars["pocketbase_audit_fail_on"] = "never"
        lib.write_private_json(os.path.join(inv, "host_vars", name + ".json"), host_vars)
    return os.path.join(inv, "hosts.ini"), names


def audit_playbook(work, inventory, forks, limit=None):
    cmd = [os.path.join(lib.harness.VENV_BIN, "ansible-playbook"), "-i", inventory, "--forks", str(forks),
           "-e", "pbguard_become=false", os.path.join(lib.ROOT, "playbooks", "audit.yml")]
    if limit:
        cmd += ["--limit", limit]
    return lib.Run(cmd, env=lib.ansible_env(), cwd=work, sample_tree=True).run()


def noop_playbook(work, inventory, limit):
    path = os.path.join(work, "noop.yml")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([{"name": "noop", "hosts": "pocketbase", "gather_facts": False, "tasks": lib.noop_task()}], fh)
    cmd = [os.path.join(lib.harness.VENV_BIN, "ansible-playbook"), "-i", inventory, "--limit", limit, path]
    return lib.Run(cmd, env=lib.ansible_env(), cwd=work).run()


def fleet_summary(work):
    with open(os.path.join(work, "controller", "fleet-summary.json"), encoding="utf-8") as fh:
        fleet = json.load(fh)
    audited = [h for h in fleet if h.get("audited")]
    return {"hosts": len(fleet), "audited": len(audited), "not_audited": len(fleet) - len(audited),
            "fail": sum(h["summary"]["fail"] for h in audited), "error": sum(h["summary"]["error"] for h in audited),
            "pass": sum(h["summary"]["pass"] for h in audited)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--forks", type=int, default=10)
    ap.add_argument("--collections", type=int, default=10, help="generated collections per instance")
    ap.add_argument("--version", default="0.40.6")
    ap.add_argument("--smoke", action="store_true", help="3 instances, forks 2")
    args = ap.parse_args()
    if args.smoke:
        args.hosts, args.forks = 3, 2
    tmp_root = lib.new_workdir("pbguard-bench-fleet-srv-")
    work = lib.new_workdir("pbguard-bench-fleet-")
    servers = []
    try:
        for _i in range(args.hosts):
            servers.append(lib.start_with_collections(args.version, args.collections, tmp_root)[0])
        inventory, names = write_inventory(work, servers)
        noop = noop_playbook(work, inventory, names[0])
        single = audit_playbook(work, inventory, args.forks, limit=names[0])
        shutil.rmtree(os.path.join(work, "controller"), ignore_errors=True)
        fleet = audit_playbook(work, inventory, args.forks)
        summary = fleet_summary(work)
    finally:
        for srv in servers:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(tmp_root, ignore_errors=True)

    usable = max(1, min(args.forks, lib.cores()))
    single_task = single.wall - noop.wall
    fleet_task = fleet.wall - noop.wall
    expected = single_task * args.hosts / usable
    print("")
    print("pbguard fleet audit: %d PocketBase %s instances (%d collections each), playbooks/audit.yml, forks %d; %s"
          % (args.hosts, args.version, args.collections, args.forks, lib.load_note()))
    print("  ansible-playbook with one no-op task (1 host):   wall %.2fs  cpu %.2fs" % (noop.wall, noop.cpu))
    print("  audit.yml, 1 host:                               wall %.2fs  cpu %.2fs  (task %.2fs after start-up)"
          % (single.wall, single.cpu, single_task))
    print("  audit.yml, %d hosts:                             wall %.2fs  cpu %.2fs  (%.2fs after start-up)"
          % (args.hosts, fleet.wall, fleet.cpu, fleet_task))
    print("  controller peak memory: %.0f MiB (RSS sum of ansible-playbook, workers and modules, sampled; forked "
          "workers share pages, so this over-counts), largest process %.0f MiB"
          % (fleet.peak_tree_mib, fleet.maxrss_mib))
    print("  per host: %.2fs wall, %.2fs cpu; single-host task %.2fs -> %.2fx"
          % (fleet_task / args.hosts, fleet.cpu / args.hosts, single_task, (fleet_task / args.hosts) / single_task))
    print("  goal 3: fleet %.2fs vs single-host task x %d hosts / %d usable core(s) = %.2fs -> %.2fx (target <= 1.5x)"
          % (fleet_task, args.hosts, usable, expected, fleet_task / expected))
    single_cpu = single.cpu - noop.cpu  # CPU seconds: steadier than wall on a loaded machine
    print("  goal 3 by CPU: fleet %.2fs vs single-host task cpu %.2fs x %d hosts / %d usable core(s) = %.2fs -> %.2fx"
          % (fleet_task, single_cpu, args.hosts, usable, single_cpu * args.hosts / usable,
             fleet_task / (single_cpu * args.hosts / usable)))
    print("  fleet summary: %(hosts)d host(s), %(audited)d audited, %(not_audited)d not audited, "
          "%(pass)d pass, %(fail)d fail, %(error)d error" % summary)


if __name__ == "__main__":
    main()
