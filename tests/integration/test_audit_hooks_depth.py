# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exploit-proven hook controls PBG-HOK-007..010 on a real PocketBase 0.40.6 (JSVM hooks in --hooksDir).

Each vulnerable hook in ``hooks_depth/vulnerable`` is first exploited over HTTP as an outsider would
(a self-registered user or an anonymous client): a query value runs a shell command, concatenated SQL
leaks another user's row, a route that only wants a header to be present exports e-mails, a forged
X-Forwarded-For passes an address allowlist. The audit (action plugin: tree-sitter on the controller)
then fails the control on that file. The safe twins in ``hooks_depth/safe`` replace them, the server
restarts, every exploit fails and the controls pass. The target-side stdlib lint agrees on both sets.
"""

from __future__ import annotations

import os
import secrets
import shutil

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_lint

from conftest import run_tasks  # pylint: disable=import-error

VERSION = "0.40.6"
HOOKS_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks_depth")
CONTROLS = {"PBG-HOK-007": "ping.pb.js", "PBG-HOK-008": "lookup.pb.js", "PBG-HOK-009": "export.pb.js",
            "PBG-HOK-010": "internal.pb.js"}
HOOK_SECRET = "pbg-hooksecret-7f3a9c1e"  # a constant inside vulnerable/internal.pb.js
PASSWORD = "pbg-" + secrets.token_urlsafe(12)


def install_hooks(hooks_dir, flavour):
    for name in os.listdir(hooks_dir):
        os.unlink(os.path.join(hooks_dir, name))
    for name in sorted(os.listdir(os.path.join(HOOKS_SRC, flavour))):
        shutil.copyfile(os.path.join(HOOKS_SRC, flavour, name), os.path.join(hooks_dir, name))


@pytest.fixture(scope="module")
def target(pb_module_server_factory, tmp_path_factory):
    hooks = str(tmp_path_factory.mktemp("pb_hooks", numbered=False))
    install_hooks(hooks, "vulnerable")
    srv = pb_module_server_factory(VERSION, hooks_dir=hooks, env={"PBG_EXPORT_KEY": secrets.token_hex(16)})
    srv.create_user("mallory@pbguard.test", PASSWORD, name="mallory")
    srv.create_user("victim@pbguard.test", PASSWORD, name="victim")
    srv.hooks = hooks
    srv.marker = str(tmp_path_factory.mktemp("marker") / "pwned")
    return srv


def exploits(srv):
    """Attack name -> whether it worked, run as an outsider (mallory's own account, or no account)."""
    mallory = ("user", "mallory@pbguard.test", PASSWORD)
    if os.path.exists(srv.marker):
        os.unlink(srv.marker)
    srv.api("GET", "/api/pbg/ping", query={"host": "x; touch %s" % srv.marker}, auth=mallory)
    leak = srv.api("GET", "/api/pbg/lookup", query={"name": "' OR '1'='1"}, auth=mallory)
    export = srv.api("GET", "/api/pbg/export", auth="guest", headers={"X-Export-Key": "anything"})
    internal = srv.api("GET", "/api/pbg/internal", auth="guest", headers={"X-Forwarded-For": "10.20.30.40"})
    return {
        "PBG-HOK-007": os.path.exists(srv.marker),
        "PBG-HOK-008": leak.status == 200 and "victim@pbguard.test" in leak.text,
        "PBG-HOK-009": export.status == 200 and "victim@pbguard.test" in export.text,
        "PBG-HOK-010": internal.status == 200 and '"users"' in internal.text,
    }


def audit(srv, checks=(False,), locate=False):
    """The audit of the hook controls, once per check-mode flag, in one ansible-playbook run. ``locate``:
    no hooks_dir option, the action plugin asks the module where the hooks are (pb_hooks beside data_dir)."""
    where = {"data_dir": os.path.join(os.path.dirname(srv.hooks), "pb_data")} if locate else {"hooks_dir": srv.hooks}
    results = run_tasks([srv.task("pocketbase_audit", check=check, connection=False, url=srv.url, scope=["host"],
                                  controls=sorted(CONTROLS) + ["PBG-HOK-004"], profile="strict", fail_on="never",
                                  return_findings="all",
                                  **where) for check in checks])
    for res in results:
        assert not res.failed, res.msg
        assert HOOK_SECRET not in res.raw and "echo pinging" not in res.raw
    return results


def findings(res):
    out = {}
    for f in res["report"]["findings"]:
        out.setdefault(f["control"], []).append(f)
    return out


def test_vulnerable_hooks_are_exploited_and_fail_their_controls(target):
    worked = exploits(target)
    assert worked == dict((c, True) for c in CONTROLS), worked
    for res in audit(target, checks=(False, True)):
        by_control = findings(res)
        for control, hook_file in CONTROLS.items():
            results = by_control[control]
            assert [f["status"] for f in results] == ["fail"], results
            assert results[0]["target"].startswith("hook:%s:" % hook_file)
            assert "tree-sitter" in results[0]["evidence"] and "on the controller" in results[0]["evidence"]
    # the target-side fallback (no tree-sitter on the controller) finds the same classes
    codes = set(f["code"] for f in _hooks_lint.analyse_dir(target.hooks, "v023")["findings"])
    assert {"command_injection", "sql_injection", "route_no_auth", "ip_header_trust"} <= codes


def test_safe_twins_stop_the_exploits_and_pass(target):
    install_hooks(target.hooks, "safe")
    target.restart()
    worked = exploits(target)
    assert worked == dict((c, False) for c in CONTROLS), worked
    # the safe twins still answer their legitimate callers
    assert target.api("GET", "/api/pbg/lookup", query={"name": "mallory"},
                      auth=("user", "mallory@pbguard.test", PASSWORD)).json[0]["email"] == "mallory@pbguard.test"
    assert target.api("GET", "/api/pbg/export", auth="guest",
                      headers={"X-Export-Key": target.env["PBG_EXPORT_KEY"]}).status == 200
    by_control = findings(audit(target, locate=True)[0])
    for control in CONTROLS:
        assert [f["status"] for f in by_control[control]] == ["pass"], by_control[control]
        assert "tree-sitter" in by_control[control][0]["evidence"]
    assert [f["status"] for f in by_control["PBG-HOK-004"]] == ["fail"]  # a fixed command is still a command
    codes = set(f["code"] for f in _hooks_lint.analyse_dir(target.hooks, "v023")["findings"])
    assert codes == {"os_exec"}
