# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pieces of the scale benchmarks (bench_scale.py, bench_fleet.py): real PocketBase servers with
N generated collections, ansible-playbook runs measured as whole processes (wall, CPU of every child,
peak memory of the process tree), and the whole-process fetch floor. Benchmarks print figures; they are
never timed tests and not part of CI."""

from __future__ import annotations

import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)
import conftest as harness  # noqa: E402  pylint: disable=wrong-import-position,import-error
from bench_audit import make_collections  # noqa: E402  pylint: disable=wrong-import-position,import-error

AUDIT = "pbguard.pocketbase.pocketbase_audit"

# A fresh Python that logs in, pages through /api/collections and parses it: the least any audit
# of the collections has to do, measured as a whole process like the module.
FLOOR_SCRIPT = r'''
import json, sys, urllib.request
with open(sys.argv[1]) as fh:
    c = json.load(fh)
def call(path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = token
    req = urllib.request.Request(c["url"] + path, data=json.dumps(body).encode() if body else None, headers=headers)
    with urllib.request.urlopen(req, timeout=600) as resp:
        return json.loads(resp.read())
token = call("/api/collections/_superusers/auth-with-password",
             {"identity": c["email"], "password": c["password"]})["token"]
page, items = 1, []
while True:
    data = call("/api/collections?perPage=500&page=%d" % page, token=token)
    items += data["items"]
    if page >= data["totalPages"]:
        break
    page += 1
print(len(items))
'''


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def load_note():
    try:
        return "load average %.2f %.2f %.2f on %d core(s)" % (os.getloadavg() + (cores(),))
    except OSError:
        return "%d core(s)" % cores()


def start_with_collections(version, count, tmp_root, email="bench@corp.test"):
    """A real PocketBase with ``count`` generated collections; returns (server, import seconds)."""
    srv = harness.start_server(version, None, tmp_root, email=email, automigrate=False)
    if not count:
        return srv, 0.0
    users = srv.api("GET", "/api/collections/users").json
    start = time.perf_counter()
    resp = srv.api("PUT", "/api/collections/import",
                   {"collections": make_collections(count, users["id"]), "deleteMissing": False}, timeout=3600)
    if resp.status not in (200, 204):
        srv.stop()
        raise RuntimeError("collection import failed: %s" % resp)
    return srv, time.perf_counter() - start


def write_private_json(path, data):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    return path


def _tree_rss_kib(root_pid):
    """Sum of the resident memory of root_pid and all its descendants (from /proc)."""
    parents, rss = {}, {}
    for stat_path in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat_path, encoding="utf-8") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat_path.split("/")[2])
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * (resource.getpagesize() // 1024)
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(p for p, parent in parents.items() if parent == pid)
    return total


class Run:
    """One measured process: wall seconds, CPU seconds of it and its children, peak tree RSS, output."""

    def __init__(self, cmd, env=None, cwd=None, sample_tree=False):
        self.cmd, self.env, self.cwd, self.sample_tree = cmd, env, cwd, sample_tree
        self.wall = self.cpu = 0.0
        self.peak_tree_mib = 0.0
        self.maxrss_mib = 0.0
        self.proc = None

    def run(self):
        start = time.perf_counter()
        with tempfile.TemporaryFile(mode="w+") as out:
            self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=self.cwd, stdout=out,  # pylint: disable=consider-using-with
                                         stderr=subprocess.STDOUT, text=True)
            peak = [0]
            done = threading.Event()

            def sample():
                while not done.wait(0.1):
                    peak[0] = max(peak[0], _tree_rss_kib(self.proc.pid))

            if self.sample_tree:
                threading.Thread(target=sample, daemon=True).start()
            # wait4: this process's own rusage (its CPU and its children's, its peak RSS)
            _pid, status, usage = os.wait4(self.proc.pid, 0)
            self.proc.returncode = os.waitstatus_to_exitcode(status)
            self.wall = time.perf_counter() - start
            done.set()
            out.seek(0)
            self.output = out.read()
        self.cpu = usage.ru_utime + usage.ru_stime
        self.maxrss_mib = usage.ru_maxrss / 1024.0
        self.peak_tree_mib = peak[0] / 1024.0
        if self.proc.returncode != 0:
            raise RuntimeError("%s failed (rc=%s): %s"
                               % (os.path.basename(self.cmd[0]), self.proc.returncode, self.output[-3000:]))
        return self


def ansible_env(extra=None):
    env = harness.ansible_env(extra)
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.default"
    return env


def playbook(work, name, tasks, vars_file, extra_env=None):
    """Run a one-play playbook on localhost (local connection); returns the Run."""
    path = os.path.join(work, name + ".yml")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([{"name": name, "hosts": "localhost", "gather_facts": False, "vars_files": [vars_file],
                    "tasks": tasks}], fh)
    cmd = [os.path.join(harness.VENV_BIN, "ansible-playbook"), "-i", "localhost,", "-e", "ansible_connection=local",
           "-e", "ansible_python_interpreter=" + sys.executable, path]
    return Run(cmd, env=ansible_env(extra_env), cwd=work).run()


def noop_task():
    return [{"name": "noop", "ansible.builtin.debug": {"msg": "x"}}]


def audit_task(**extra):
    args = {"url": "{{ pb_url }}", "email": "{{ pb_email }}", "password": "{{ pb_password }}", "scope": ["api"],
            "profile": "strict", "fail_on": "never", "expected_superusers": ["{{ pb_email }}"]}
    args.update(extra)
    return [{"name": "audit", AUDIT: args}]


def conn_vars(work, srv):
    return write_private_json(os.path.join(work, "conn.json"),
                              {"pb_url": srv.url, "pb_email": srv.email, "pb_password": srv.password,
                               "url": srv.url, "email": srv.email, "password": srv.password})


def fetch_floor(work, vars_file):
    script = os.path.join(work, "floor.py")
    with open(script, "w", encoding="utf-8") as fh:
        fh.write(FLOOR_SCRIPT)
    return Run([sys.executable, script, vars_file]).run()


def module_process(work, vars_file, **extra):
    """Run the audit task once keeping its AnsiballZ file, then run that file alone: the module's own
    process (wall, CPU, peak RSS). The kept file holds the fixture's password: it is removed here."""
    remote = os.path.join(work, "remote")
    os.makedirs(remote, exist_ok=True)
    playbook(work, "keep", audit_task(**extra), vars_file,
             {"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": remote})
    try:
        files = glob.glob(os.path.join(remote, "*", "AnsiballZ_pocketbase_audit.py"))
        if not files:
            raise RuntimeError("no AnsiballZ_pocketbase_audit.py kept under %s" % remote)
        run = Run([sys.executable, files[0]]).run()
        run.result_bytes = len(run.output)
        return run
    finally:
        shutil.rmtree(remote, ignore_errors=True)


def best(runs, attr="wall"):
    return min(getattr(r, attr) for r in runs)


def new_workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)
