# -*- coding: utf-8 -*-
"""Targets for the attack suite.

Two kinds of target:

* ``local`` (default): the suite starts real PocketBase binaries itself on loopback, plants the
  article's findings (plant.py) and attacks them.  Two deployments:
    - ``vulnerable``: 0.30.4 listening on 127.0.0.3 (the stand-in for a public interface), no proxy;
    - ``hardened``: same planted data, fixed through the API (rules, verified-only auth, protected
      files, rate limits, safe hooks, superuserIPs), upgraded to 0.40.6 and bound to 127.0.0.1.
  The two edge-only attacks that need a reverse proxy (dashboard and superuser login from a non-allowlisted address)
  are claimed by the container scenario ``molecule/attack`` only, not by the local hardened run.
* ``podman:<container>``: the attack code already copied into the container (default
  /opt/pbguard-attacks with target.json next to it) runs there through ``podman exec``; all
  traffic stays on the container's loopback/own interfaces.

Expectation: ``--expect vulnerable|hardened`` (env ATTACK_EXPECT) says whether each attack must
succeed or fail.  Default for local targets: both deployments; podman targets require it.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import attacks as attacks_mod  # noqa: E402
import plant as plant_mod  # noqa: E402

# Need the reverse proxy's allowlist: proven in molecule/attack.  (PocketBase's own superuserIPs
# is no substitute: outside the list a WRONG password still gets 400 and only a correct one 403,
# so guesses are still answered.)
LOCAL_ONLY_WITH_PROXY = {"p1_dashboard", "p1_superuser_login"}
SU_EMAIL = "root@pbguard.test"


def pytest_addoption(parser):
    g = parser.getgroup("pbguard attacks")
    g.addoption("--attack-target", default=os.environ.get("ATTACK_TARGET", "local"),
                help="local | podman:<container>")
    g.addoption("--expect", default=os.environ.get("ATTACK_EXPECT"),
                choices=[None, "vulnerable", "hardened"],
                help="attacks must succeed (vulnerable) or fail (hardened)")
    g.addoption("--attack-dir", default=os.environ.get("ATTACK_DIR", "/opt/pbguard-attacks"),
                help="where attacks.py and target.json live inside the container")


def pytest_generate_tests(metafunc):
    if "deployment" not in metafunc.fixturenames:
        return
    target = metafunc.config.getoption("--attack-target")
    expect = metafunc.config.getoption("--expect")
    if target.startswith("podman:") and not expect:
        raise pytest.UsageError("--expect vulnerable|hardened is required for podman targets")
    modes = [expect] if expect else ["vulnerable", "hardened"]
    metafunc.parametrize("deployment", modes, indirect=True, scope="session")


def _bin(version):
    base = os.environ.get("PBGUARD_PB_BIN_DIR",
                          os.path.join(os.path.expanduser("~"), ".cache", "pbguard", "pocketbase"))
    path = os.path.join(base, version, "pocketbase")
    if not os.access(path, os.X_OK):
        pytest.fail("PocketBase %s binary missing at %s (run scripts/bootstrap.sh)" % (version, path))
    return path


def _free_port(addr):
    s = socket.socket()
    s.bind((addr, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class LocalServer(object):
    def __init__(self, workdir, addr):
        self.workdir = workdir
        self.addr = addr
        self.port = _free_port("127.0.0.1")
        self.data = os.path.join(workdir, "pb_data")
        self.hooks = os.path.join(workdir, "pb_hooks")
        os.makedirs(self.hooks, exist_ok=True)
        self.proc = None
        self.password = "pbg-" + os.urandom(12).hex()

    @property
    def url(self):
        return "http://%s:%d" % (self.addr, self.port)

    def start(self, version):
        b = _bin(version)
        out = subprocess.run([b, "superuser", "upsert", SU_EMAIL, self.password, "--dir", self.data],
                             capture_output=True, text=True, check=False)
        if "Successfully" not in out.stdout:
            pytest.fail("superuser upsert failed: %s" % out.stdout[-300:])
        log = open(os.path.join(self.workdir, "pocketbase-%s.log" % version), "ab")
        self.proc = subprocess.Popen(
            [b, "serve", "--http", "%s:%d" % (self.addr, self.port), "--dir", self.data,
             "--hooksDir", self.hooks, "--hooksWatch=false"], stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection((self.addr, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail("PocketBase %s did not start" % version)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


class Deployment(object):
    """What a test needs: run an attack by name; count records (as superuser)."""

    def __init__(self, expect, runner, counter, claims):
        self.expect = expect
        self.run = runner
        self.count = counter
        self.claims = claims
        self.baseline = counter()


@pytest.fixture(scope="session")
def deployment(request):
    expect = request.param
    target = request.config.getoption("--attack-target")
    if target == "local":
        yield from _local(expect, request)
    elif target.startswith("podman:"):
        yield _podman(expect, target.split(":", 1)[1], request.config.getoption("--attack-dir"))
    else:
        raise pytest.UsageError("unknown --attack-target %r" % target)


def _local(expect, request):
    work = tempfile.mkdtemp(prefix="pbg-attack-%s-" % expect)
    # vulnerable: "exposed" on 127.0.0.3; hardened: bound to 127.0.0.1 only
    srv = LocalServer(work, "127.0.0.3" if expect == "vulnerable" else "127.0.0.1")
    srv.start("0.30.4")
    state = os.path.join(work, "state.json")
    try:
        plant_mod.plant(srv.url, SU_EMAIL, srv.password, state, hooks_dir=None)
        plant_mod.copy_hooks(srv.hooks, "vulnerable")
        srv.stop()
        if expect == "hardened":
            srv.start("0.30.4")
            plant_mod.harden_api(srv.url, SU_EMAIL, srv.password, hooks_dir=srv.hooks)
            srv.stop()
            srv.start("0.40.6")  # upgrade past the advisories, same data dir
        else:
            srv.start("0.30.4")
        cfg = {"public_url": srv.url, "attacker_source": "127.0.0.2", "admin_source": "127.0.0.1",
               "pb_port": srv.port, "direct": ["127.0.0.3:%d" % srv.port],
               "superuser_email": SU_EMAIL, "state": state}
        target = attacks_mod.Target(cfg)

        def runner(name):
            return attacks_mod.run(target, [name])[0]

        def counter():
            return plant_mod.count(srv.url, SU_EMAIL, srv.password)

        claims = set(attacks_mod.ATTACKS)
        if expect == "hardened":
            claims -= LOCAL_ONLY_WITH_PROXY
        yield Deployment(expect, runner, counter, claims)
    finally:
        srv.stop()
        if not os.environ.get("PBG_KEEP_WORKDIR"):
            shutil.rmtree(work, ignore_errors=True)


def _podman(expect, container, adir):
    def exec_json(*args):
        cmd = ["podman", "exec", container, "python3"] + list(args)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if out.returncode != 0:
            raise AssertionError("podman exec failed (%s): %s" % (out.returncode, out.stderr[-500:]))
        return json.loads(out.stdout)

    def runner(name):
        return exec_json("%s/attacks.py" % adir, "--target", "%s/target.json" % adir, "run", name)[0]

    def counter():
        return exec_json("%s/plant.py" % adir, "count", "--state", "%s/state.json" % adir,
                         "--password-file", "%s/superuser.pw" % adir,
                         "--email", _read(container, "%s/superuser.email" % adir))

    return Deployment(expect, runner, counter, set(attacks_mod.ATTACKS))


def _read(container, path):
    out = subprocess.run(["podman", "exec", container, "cat", path], capture_output=True, text=True, check=False)
    return out.stdout.strip()
