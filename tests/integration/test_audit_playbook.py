# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-playbook playbooks/audit.yml` against a real local PocketBase (ansible_connection=local):
writes every report format plus the fleet summary on the controller, exits non-zero above the threshold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import audit_host_vars  # pylint: disable=import-error

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV_BIN = os.path.dirname(sys.executable)


@pytest.fixture
def collections_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("colls")
    ns = base / "ansible_collections" / "pbguard"
    ns.mkdir(parents=True)
    os.symlink(ROOT, str(ns / "pocketbase"))
    return str(base)


def run_playbook(tmp_path, collections_dir, srv, cli_args=(), extra_hosts=None, **extra_vars):
    """``extra_hosts``: {inventory name: host_vars} of further hosts, on top of ``pbtest`` (auditing ``srv``)."""
    inv = tmp_path / "inventory"
    (inv / "host_vars").mkdir(parents=True, exist_ok=True)
    names = ["pbtest"] + sorted(extra_hosts or {})
    (inv / "hosts.ini").write_text("[pocketbase]\n" + "".join("%s ansible_connection=local\n" % n for n in names))
    for name, own_vars in (extra_hosts or {}).items():
        (inv / "host_vars" / (name + ".json")).write_text(json.dumps(dict(own_vars, pbguard_become=False,
                                                                          pocketbase_audit_scope=["api"])))
    host_vars = audit_host_vars(srv, tmp_path / "remote", tmp_path / "controller")
    host_vars.update(extra_vars)
    hv = inv / "host_vars" / "pbtest.json"
    hv.write_text(json.dumps(host_vars))
    os.chmod(str(hv), 0o600)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_dir + os.pathsep +
               os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""), ANSIBLE_NOCOLOR="1",
               PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_RETRY_FILES_ENABLED="0")
    for name in ("POCKETBASE_URL", "POCKETBASE_EMAIL", "POCKETBASE_PASSWORD", "POCKETBASE_TOKEN"):
        env.pop(name, None)
    return subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(inv / "hosts.ini"),
                           os.path.join(ROOT, "playbooks", "audit.yml")] + list(cli_args),
                          env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)


def test_audit_playbook_reports_and_threshold(pb_server_factory, tmp_path, collections_dir):
    srv = pb_server_factory("0.40.6", email="alice@corp.test")
    # a fresh server has the public signup rule (users.createRule = "") : critical, undeclared
    proc = run_playbook(tmp_path, collections_dir, srv, pocketbase_audit_fail_on="high")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "PBG-RUL-001 collection:users.createRule" in out
    assert srv.password not in out
    host_dir = tmp_path / "controller" / "pbtest"
    files = sorted(os.listdir(str(host_dir)))
    assert files == ["pbguard-audit-pbtest.json", "pbguard-audit-pbtest.junit.xml", "pbguard-audit-pbtest.md",
                     "pbguard-audit-pbtest.sarif"], files
    report = json.loads((host_dir / "pbguard-audit-pbtest.json").read_text())
    assert report["target"]["host"] == "pbtest" and report["summary"]["fail"] >= 1
    ET.parse(str(host_dir / "pbguard-audit-pbtest.junit.xml"))
    json.loads((host_dir / "pbguard-audit-pbtest.sarif").read_text())
    fleet = json.loads((tmp_path / "controller" / "fleet-summary.json").read_text())
    assert fleet[0]["host"] == "pbtest" and fleet[0]["summary"] == report["summary"]
    assert "| pbtest | 0.40.6 |" in (tmp_path / "controller" / "fleet-summary.md").read_text()
    for path in host_dir.iterdir():
        assert srv.password not in path.read_text()

    # declared intent: the signup rule is meant to be public -> below the threshold, exit 0
    proc = run_playbook(tmp_path, collections_dir, srv, pocketbase_audit_fail_on="critical",
                        pocketbase_audit_public_rules={"users": ["createRule"]})
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "pbtest (PocketBase 0.40.6)" in proc.stdout


def test_audit_playbook_changes_nothing(pb_server_factory, tmp_path, collections_dir):
    """An audit run is changed=0: twice in a row and in --check (the reports on the controller are its output)."""
    srv = pb_server_factory("0.40.6", email="alice@corp.test")
    for cli_args in ((), (), ("--check",)):
        proc = run_playbook(tmp_path, collections_dir, srv, cli_args=cli_args, pocketbase_audit_fail_on="never")
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-3000:]
        recap = out[out.index("PLAY RECAP"):]
        assert "pbtest" in recap and "changed=0" in recap and "failed=0" in recap, recap
        assert (tmp_path / "controller" / "pbtest" / "pbguard-audit-pbtest.json").is_file()


def test_fleet_summary_lists_a_host_whose_pocketbase_cannot_be_reached(pb_server_factory, tmp_path, collections_dir,
                                                                       closed_port_url):
    """Issue 17 item 3: two hosts, one auditing a real PocketBase and one a closed port. The run fails and the
    fleet summary (JSON and Markdown) counts the second host as not audited instead of hiding it."""
    srv = pb_server_factory("0.40.6", email="alice@corp.test")
    down_vars = {"ansible_python_interpreter": sys.executable, "pocketbase_audit_url": closed_port_url,
                 "pocketbase_audit_email": "ops@corp.test", "pocketbase_audit_password": "pbguard-pw-Down-host1",
                 "pocketbase_audit_timeout": 3,
                 "pocketbase_audit_remote_report_dir": str(tmp_path / "remote-down")}
    proc = run_playbook(tmp_path, collections_dir, srv, pocketbase_audit_fail_on="never",
                        extra_hosts={"pbdown": down_vars})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert srv.password not in out
    fleet = {entry["host"]: entry for entry in json.loads((tmp_path / "controller" / "fleet-summary.json").read_text())}
    assert sorted(fleet) == ["pbdown", "pbtest"], fleet
    assert fleet["pbtest"]["audited"] is True and fleet["pbtest"]["summary"]["pass"] > 0, fleet["pbtest"]
    assert fleet["pbdown"]["audited"] is False, fleet["pbdown"]
    md = (tmp_path / "controller" / "fleet-summary.md").read_text()
    assert "| pbdown | NOT AUDITED |" in md, md
    assert "Hosts not audited (unreachable, the audit task failed, or the PocketBase API unreadable): 1" in md, md
    assert fleet["pbdown"]["causes"] and "pbguard-pw-Down-host1" not in out + md
    assert "1 not audited (pbdown)" in out, out[-3000:]
