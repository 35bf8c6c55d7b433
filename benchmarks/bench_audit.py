# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: pocketbase_audit vs an ansible.builtin.uri loop on a real PocketBase with many collections.

    python benchmarks/bench_audit.py [--collections 1000] [--version 0.40.6] [--skip-uri-loop]

Starts a real PocketBase (``$PBGUARD_PB_BIN_DIR/<version>/pocketbase``) on a free loopback port, imports
N collections in one ``PUT /api/collections/import``, then in one run measures:

1. the pocketbase_audit task (api scope, every rule control) inside ansible-playbook,
2. the same rule checks done the way users do today: an ``ansible.builtin.uri`` loop, one
   ``GET /api/collections/<name>`` per collection, plus a set_fact collecting public/auth-only rules,
3. in process: the module's core (one snapshot + all api controls) vs a bare fetch+parse of the
   collections list, and the core's peak memory (tracemalloc).

Prints the ratios against the targets (>= 50x faster than the loop; within 2x of bare fetch+parse).
A benchmark prints figures; it is never a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import conftest as harness  # noqa: E402  pylint: disable=wrong-import-position,import-error


def rules_for(i):
    patterns = [
        ("", "", None, None, None),
        ('@request.auth.id != ""', "owner = @request.auth.id", '@request.auth.id != ""',
         "owner = @request.auth.id", "owner = @request.auth.id"),
        ("owner = @request.auth.id", "owner = @request.auth.id", "@request.body.isAdmin = true",
         '@request.auth.id != ""', None),
        ('@collection.c0.owner ?= @request.auth.id && @collection.c0.title = "x"', None, None, None, None),
        ('status = "published" || owner = @request.auth.id', 'status = "published"', None, None, None),
    ]
    return patterns[i % len(patterns)]


def make_collections(n, users_id):
    out = []
    for i in range(n):
        lr, vr, cr, ur, dr = rules_for(i)
        out.append({
            "name": "c%d" % i, "type": "base",
            "fields": [{"name": "title", "type": "text"}, {"name": "status", "type": "text"},
                       {"name": "owner", "type": "relation", "collectionId": users_id, "maxSelect": 1},
                       {"name": "doc", "type": "file", "maxSelect": 1, "maxSize": 1048576,
                        "protected": bool(i % 2)}],
            "listRule": lr, "viewRule": vr, "createRule": cr, "updateRule": ur, "deleteRule": dr,
        })
    return out


def run_playbook(work, tasks, srv):
    play = [{"name": "bench", "hosts": "localhost", "gather_facts": False,
             "vars_files": [os.path.join(work, "conn.json")], "tasks": tasks}]
    with open(os.path.join(work, "conn.json"), "w", encoding="utf-8") as fh:
        json.dump({"pb_url": srv.url, "pb_email": srv.email, "pb_password": srv.password}, fh)
    with open(os.path.join(work, "play.yml"), "w", encoding="utf-8") as fh:
        json.dump(play, fh)
    env = harness.ansible_env()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([os.path.join(harness.VENV_BIN, "ansible-playbook"), "-i", "localhost,",
                           "-e", "ansible_connection=local", "-e", "ansible_python_interpreter=" + sys.executable,
                           os.path.join(work, "play.yml")], env=env, cwd=work, capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - start
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise RuntimeError("playbook failed (rc=%s): %s" % (proc.returncode, (proc.stdout + proc.stderr)[-2000:]))
    return wall, max(maxrss, before)


def module_core(srv, client_cls, controls_mod):
    client = client_cls(srv.url, email=srv.email, password=srv.password)
    snap = client.snapshot()
    ctx = controls_mod.AuditContext({"expected_superusers": [srv.email], "url": srv.url}, snapshot=snap)
    findings = controls_mod.run_controls(ctx, controls_mod.select_controls(["api"], "strict"))
    return len(client.calls), findings


def bare_fetch_parse(srv, client_cls):
    client = client_cls(srv.url, email=srv.email, password=srv.password)
    return client.list_collections()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--collections", type=int, default=1000)
    ap.add_argument("--version", default="0.40.6")
    ap.add_argument("--skip-uri-loop", action="store_true")
    args = ap.parse_args()
    random.seed(1)
    tmp_root = tempfile.mkdtemp(prefix="pbguard-bench-")
    srv = harness.start_server(args.version, None, tmp_root, email="bench@corp.test", automigrate=False)
    try:
        users = srv.api("GET", "/api/collections/users").json
        t0 = time.perf_counter()
        resp = srv.api("PUT", "/api/collections/import",
                       {"collections": make_collections(args.collections, users["id"]), "deleteMissing": False},
                       timeout=600)
        assert resp.status in (200, 204), resp
        print("imported %d collections in %.1fs" % (args.collections, time.perf_counter() - t0))

        sys.path.insert(0, harness.collections_path().split(os.pathsep, maxsplit=1)[0])
        from ansible_collections.pbguard.pocketbase.plugins.module_utils import _api, _controls  # noqa: E402

        # in process: module core vs bare fetch+parse (best of 3 each)
        core, bare = [], []
        for _round in range(3):
            t = time.perf_counter()
            bare_fetch_parse(srv, _api.PocketBaseClient)
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            ncalls, findings = module_core(srv, _api.PocketBaseClient, _controls)
            core.append(time.perf_counter() - t)
        tracemalloc.start()
        module_core(srv, _api.PocketBaseClient, _controls)
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        work = tempfile.mkdtemp(prefix="pbguard-bench-play-")
        audit_task = {"name": "audit with pbguard.pocketbase.pocketbase_audit",
                      "pbguard.pocketbase.pocketbase_audit": {
                          "url": "{{ pb_url }}", "email": "{{ pb_email }}", "password": "{{ pb_password }}",
                          "scope": ["api"], "profile": "strict", "fail_on": "never",
                          "expected_superusers": ["{{ pb_email }}"]}}
        # ansible-playbook start-up and one trivial task: subtracted from both runs
        wall_base = min(run_playbook(work, [{"name": "noop", "ansible.builtin.debug": {"msg": "x"}}], srv)[0]
                        for _i in range(2))
        wall_mod, rss_mod = run_playbook(work, [audit_task], srv)
        t_mod = wall_mod - wall_base

        t_loop = wall_loop = None
        if not args.skip_uri_loop:
            names = ["users"] + ["c%d" % i for i in range(args.collections)]
            loop_tasks = [
                {"name": "login", "ansible.builtin.uri": {
                    "url": "{{ pb_url }}/api/collections/_superusers/auth-with-password", "method": "POST",
                    "body_format": "json", "body": {"identity": "{{ pb_email }}", "password": "{{ pb_password }}"}},
                 "register": "login", "no_log": True},
                {"name": "uri loop: one GET per collection", "ansible.builtin.uri": {
                    "url": "{{ pb_url }}/api/collections/{{ item }}",
                    "headers": {"Authorization": "{{ login.json.token }}"}},
                 "loop": names, "register": "colls", "no_log": True},
                {"name": "uri loop: rule checks", "ansible.builtin.set_fact": {
                    "public_rules": "{{ colls.results | map(attribute='json') | selectattr('listRule', 'equalto', '')"
                                    " | map(attribute='name') | list }}",
                    "auth_only": "{{ colls.results | map(attribute='json')"
                                 " | selectattr('updateRule', 'equalto', '@request.auth.id != \"\"')"
                                 " | map(attribute='name') | list }}"}},
            ]
            wall_loop, _rss = run_playbook(work, loop_tasks, srv)
            t_loop = wall_loop - wall_base

        print("")
        print("PocketBase %s, %d collections (+ system), one run" % (args.version, args.collections))
        print("  module core in process (snapshot %d requests + %d findings): best %.3fs"
              % (ncalls, len(findings), min(core)))
        print("  bare fetch+parse of the collections list:                    best %.3fs" % min(bare))
        print("  module core / bare fetch+parse: %.2fx (target <= 2x)" % (min(core) / min(bare)))
        print("  module core peak memory (tracemalloc): %.1f MiB" % (peak / 1048576.0))
        print("  ansible-playbook start-up + one trivial task: %.2fs (subtracted below)" % wall_base)
        print("  pocketbase_audit task in ansible-playbook: %.2fs (playbook wall %.2fs, max RSS of a child %.0f MiB)"
              % (t_mod, wall_mod, rss_mod / 1024.0))
        if t_loop is not None:
            print("  ansible.builtin.uri loop (login + %d GETs + set_fact): %.2fs (playbook wall %.2fs)"
                  % (args.collections + 1, t_loop, wall_loop))
            print("  uri loop / pocketbase_audit task: %.1fx (target >= 50x)" % (t_loop / t_mod))
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
