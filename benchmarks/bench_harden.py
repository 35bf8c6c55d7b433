# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (issue 14, goal 4): the idempotent harden.yml re-run vs a play of as many trivial tasks.

    python benchmarks/bench_harden.py            # start a container, converge, measure, remove it
    python benchmarks/bench_harden.py --keep     # keep the container (reused, already hardened, next time)
    python benchmarks/bench_harden.py --no-upstream   # only the suite's podman connection

Starts one systemd container from the test image (``$PBGUARD_TEST_IMAGE``, named ``pbg-bench-harden-scale``
unless ``--name``), converges ``playbooks/harden.yml`` on it once with the example inventory
(``playbooks/inventory/example``, as README "First run": a local 0.40.6 binary, Caddy, the example
policy) over the suite's podman connection (``tests/containers/connection``), then times:

1. the idempotent re-run of harden.yml (it must report changed=0);
2. a generated play of ``ansible.builtin.command: "true"`` tasks, as many as the re-run executed on the
   host (ok + changed in its recap), over the same connection, and the same play over upstream's
   ``containers.podman.podman`` connection.

Prints both walls, the task counts and the ratio against the target (re-run within 1.5x of the trivial
play). The container is removed at the end unless ``--keep``. Never a timed test, not in CI.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as lib  # noqa: E402  pylint: disable=wrong-import-position,import-error

SECRETS = {  # test-only secrets of a throw-away container
    "vault_pocketbase_superuser_email": "bench@pbguard-bench.test",
    "vault_pocketbase_superuser_password": "pbg-bench-Superuser-1",
    "vault_pocketbase_encryption_key": "pbg-bench-32-character-key-00001",
}
RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
                   r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)", re.M)


def podman(*args, check=True):
    proc = subprocess.run(["podman"] + list(args), capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError("podman %s failed: %s" % (args[0], (proc.stdout + proc.stderr)[-2000:]))
    return proc


def start_container(name, image):
    """A systemd container as Molecule's podman driver starts one; returns True if it was created here."""
    if podman("container", "exists", name, check=False).returncode == 0:
        podman("start", name)
        created = False
    else:
        podman("run", "-d", "--name", name, "--hostname", name, "--systemd=always", "--pull=never", image, "/sbin/init")
        created = True
    deadline, state = time.time() + 120, ""
    while time.time() < deadline:  # exec fails until the container's init is up
        state = podman("exec", name, "systemctl", "is-system-running", "--wait", check=False).stdout.strip()
        if state in ("running", "degraded"):
            return created
        time.sleep(1)
    raise RuntimeError("systemd in %s did not boot: %s" % (name, state))


def write_inventory(work, name, binary):
    with open(binary, "rb") as fh:
        checksum = hashlib.sha256(fh.read()).hexdigest()
    host = {"ansible_connection": "podman", "pocketbase_proxy_server_name": "pb.bench.test",
            "pocketbase_source": "local", "pocketbase_local_file": binary, "pocketbase_checksum": "sha256:" + checksum}
    servers = lib.write_private_json(os.path.join(work, "servers.json"), {"pocketbase": {"hosts": {name: host}}})
    os.rename(servers, os.path.join(work, "servers.yml"))  # JSON is YAML; the inventory plugin wants .yml
    lib.write_private_json(os.path.join(work, "secrets.json"), SECRETS)
    return os.path.join(work, "servers.yml"), os.path.join(work, "secrets.json")


def recap(run, host):
    found = [m.groupdict() for m in RECAP.finditer(run.output) if m.group("host") == host]
    if not found:
        raise RuntimeError("no recap for %s in: %s" % (host, run.output[-2000:]))
    return {k: int(v) for k, v in found[-1].items() if k != "host"}


def harden(work, servers, secrets):
    example = os.path.join(lib.ROOT, "playbooks", "inventory", "example")
    cmd = [os.path.join(lib.harness.VENV_BIN, "ansible-playbook"), "-i", example, "-i", servers, "-e", "@" + secrets,
           os.path.join(lib.ROOT, "playbooks", "harden.yml")]
    return lib.Run(cmd, env=lib.ansible_env(), cwd=work).run()


def trivial_play(work, name, tasks, connection):
    path = os.path.join(work, "trivial.yml")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([{"name": "trivial", "hosts": name, "gather_facts": False,
                    "tasks": [{"name": "trivial %d" % i, "ansible.builtin.command": "true", "changed_when": False}
                              for i in range(tasks)]}], fh)
    cmd = [os.path.join(lib.harness.VENV_BIN, "ansible-playbook"), "-i", name + ",",
           "-e", "ansible_connection=" + connection, path]
    return lib.Run(cmd, env=lib.ansible_env(), cwd=work).run()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="pbg-bench-harden-scale", help="container name")
    ap.add_argument("--image", default=os.environ.get("PBGUARD_TEST_IMAGE", "localhost/pbguard-test:bookworm"))
    ap.add_argument("--version", default="0.40.6", help="PocketBase binary from $PBGUARD_PB_BIN_DIR")
    ap.add_argument("--keep", action="store_true", help="keep the container for the next run")
    ap.add_argument("--rounds", type=int, default=1, help="runs of each timed play, best taken")
    ap.add_argument("--no-upstream", action="store_true", help="skip the play over containers.podman.podman")
    args = ap.parse_args()
    if not os.environ.get("ANSIBLE_CONNECTION_PLUGINS"):
        sys.exit("source scripts/env.sh first (the podman connection plugin and CONTAINERS_CONF)")
    print("pbguard harden re-run vs trivial tasks, container %s; %s" % (args.name, lib.load_note()), flush=True)
    work = lib.new_workdir("pbguard-bench-harden-")
    try:
        measure(args, work)
    finally:
        if not args.keep:
            podman("rm", "-f", args.name, check=False)
        shutil.rmtree(work, ignore_errors=True)


def measure(args, work):
    """Converge, re-run, trivial plays; prints each figure as soon as it is known."""
    created = start_container(args.name, args.image)
    servers, secrets = write_inventory(work, args.name, lib.harness.pb_binary(args.version))
    first = harden(work, servers, secrets)
    state = "new" if created else "reused"
    print("  converge (%s container): wall %.1fs  %s" % (state, first.wall, recap(first, args.name)), flush=True)
    reruns = [harden(work, servers, secrets) for _r in range(args.rounds)]
    counts = recap(reruns[0], args.name)
    if any(recap(r, args.name)["changed"] for r in reruns):
        raise RuntimeError("the re-run changed something: %s" % [recap(r, args.name) for r in reruns])
    executed = counts["ok"] + counts["changed"]
    rerun_wall = lib.best(reruns)
    print("  idempotent harden.yml re-run: wall %.1fs  cpu %.1fs  ok=%d changed=%d skipped=%d (%d executed on the host)"
          % (rerun_wall, lib.best(reruns, "cpu"), counts["ok"], counts["changed"], counts["skipped"], executed), flush=True)
    connections = [("suite podman connection", "podman")]
    if not args.no_upstream:
        connections.append(("containers.podman.podman", "containers.podman.podman"))
    for label, connection in connections:
        runs = [trivial_play(work, args.name, executed, connection) for _r in range(args.rounds)]
        ratio = rerun_wall / lib.best(runs)
        print("  %d x command: true over the %s: wall %.1fs  cpu %.1fs  -> re-run / trivial = %.2fx"
              % (executed, label, lib.best(runs), lib.best(runs, "cpu"), ratio), flush=True)
        if connection == "podman":
            print("  goal 4: re-run / trivial play (suite connection) = %.2fx (target <= 1.5x: %s)"
                  % (ratio, "met" if ratio <= 1.5 else "not met"), flush=True)


if __name__ == "__main__":
    main()
