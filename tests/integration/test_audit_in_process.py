# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 14 goal 1: the action plugin runs local api/probe audits in process, with the module's verdicts.

The same audit of a real server runs in process and through AnsiballZ (``pbguard_audit_in_process: false``,
a task environment): the results are the same but for timings, only the module runs leave an AnsiballZ file
(``ANSIBLE_KEEP_REMOTE_FILES``), and both paths validate, scrub secrets and fail alike.
"""

from __future__ import annotations

import glob
import json
import os

import pytest

from conftest import run_tasks, start_server

AUDIT = "pocketbase_audit"
MODULE_PATH = {"pbguard_audit_in_process": False}


@pytest.fixture(scope="module", params=["0.40.6", "0.22.27"])
def server(request, tmp_path_factory):
    srv = start_server(request.param, None, str(tmp_path_factory.mktemp("inproc")))
    yield srv
    srv.stop()


def _comparable(result):
    """The result without what differs between two runs of the same audit (timings, the timestamp)."""
    data = json.loads(json.dumps(dict(result)))
    data.pop("invocation", None)
    report = data.get("report") or {}
    report.pop("generated_at", None)
    for finding in report.get("findings") or []:
        finding.pop("duration", None)
    return data


def _kept_module_runs(remote_tmp):
    return len(glob.glob(os.path.join(remote_tmp, "*", "AnsiballZ_pocketbase_audit.py")))


def test_in_process_result_equals_the_module_result(server, tmp_path):
    args = dict(scope=["api", "probe"], profile="strict", fail_on="never", expected_superusers=[server.email])
    remote_tmp = str(tmp_path / "remote")
    keep = {"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": remote_tmp}
    inproc, module, with_env = run_tasks([
        server.task(AUDIT, **args),
        server.task(AUDIT, task_vars=MODULE_PATH, **args),
        server.task(AUDIT, env={"PBGUARD_EXAMPLE": "1"}, **args),
    ], extra_env=keep)
    assert _kept_module_runs(remote_tmp) == 2, "only the opted-out and the task-environment runs use AnsiballZ"
    for res in (inproc, module, with_env):
        assert not res.failed, res.msg
        assert res["summary"]["fail"] > 0 and res["summary"]["pass"] > 0, res["summary"]
    assert _comparable(inproc) == _comparable(module) == _comparable(with_env)
    assert server.password not in inproc.raw


def test_in_process_scrubs_fails_and_validates_like_the_module(server, tmp_path):
    secret = server.password
    report_dir = tmp_path / "reports"
    cases = [
        # the password in a reported value and in a failure message: masked on both paths
        dict(scope=["api"], fail_on="never", target_name="host-" + secret),
        dict(scope=["api"], fail_on="never", waivers=str(tmp_path / ("missing-" + secret + ".yml"))),
        # findings at or above fail_on: a failed task with the result
        dict(scope=["api"], profile="strict", fail_on="low", expected_superusers=[server.email]),
        # bad input: one line, nothing audited
        dict(scope=["api"], bogus_option=1),
        dict(scope=["api"], confirm={"enabled": [1]}),
        dict(scope=["api"], confirm="not-a-dict", profile="nope"),
        # check mode: computed, no report file
        dict(scope=["api"], fail_on="never", report_dir=str(report_dir)),
    ]
    tasks = []
    for idx, case in enumerate(cases):
        check = idx == len(cases) - 1
        tasks.append(server.task(AUDIT, check=check, **case))
        tasks.append(server.task(AUDIT, check=check, task_vars=MODULE_PATH, **case))
    results = run_tasks(tasks)
    assert secret not in results[0].raw
    pairs = [(results[i], results[i + 1]) for i in range(0, len(results), 2)]
    for (inproc, module), case in zip(pairs, cases):
        assert inproc.failed == module.failed, (case, inproc.msg, module.msg)
        assert inproc.msg == module.msg, case
        assert secret not in json.dumps(dict(inproc)) and secret not in json.dumps(dict(module))
    named, unreadable, failing, unknown, badtype, badshape, checked = pairs
    assert named[0]["report"]["target"]["host"] == "host-********"
    assert unreadable[0].failed and unreadable[0].msg.startswith("Cannot read waivers file ")
    assert "********" in unreadable[0].msg
    assert failing[0].failed and failing[0]["failing"] and failing[0]["failing"] == failing[1]["failing"]
    assert failing[0].msg.startswith("Audit failed: ")
    assert unknown[0].failed and "Unsupported parameters" in unknown[0].msg and "bogus_option" in unknown[0].msg
    assert "summary" not in unknown[0] and "summary" not in unknown[1]
    assert badtype[0].failed and "enabled" in badtype[0].msg and "\n" not in badtype[0].msg
    assert badshape[0].failed and "confirm must be a dict" in badshape[0].msg and "profile" in badshape[0].msg
    assert not checked[0].failed and checked[0]["report_files"] == {} and checked[0]["summary"]["pass"] > 0
    assert not report_dir.exists() or not any(report_dir.iterdir())


def test_result_caps_findings_per_control_and_the_report_file_keeps_all(server, tmp_path):
    for idx in range(4):  # every one a public list and view: a fail of the same rule controls per collection
        field = {"name": "title", "type": "text"}  # 0.22 needs a schema; each server ignores the other's key
        resp = server.api("POST", "/api/collections", {"name": "pubcap%d" % idx, "type": "base", "listRule": "",
                                                       "viewRule": "", "schema": [field], "fields": [field]})
        assert resp.status == 200, resp
    args = dict(scope=["api"], profile="strict", fail_on="never", expected_superusers=[server.email])
    capped, uncapped = run_tasks([
        server.task(AUDIT, return_findings_per_control=2, report_dir=str(tmp_path / "capped"), **args),
        server.task(AUDIT, return_findings_per_control=0, **args),
    ])
    report = capped["report"]
    assert report["omitted_by_control"], "4 public collections: some control has more than 2 findings"
    with open(capped["report_files"]["json"], encoding="utf-8") as fh:
        written = json.load(fh)
    for control, omitted in report["omitted_by_control"].items():
        returned = [f for f in report["findings"] if f["control"] == control]
        in_file = [f for f in written["findings"] if f["control"] == control and f["status"] != "pass"]
        assert len(returned) == 2 and len(returned) + omitted == len(in_file), control
        assert [f["status"] for f in returned] == ["fail", "fail"], control
    assert uncapped["report"]["omitted_by_control"] == {}
    assert len(uncapped["report"]["findings"]) == len([f for f in written["findings"] if f["status"] != "pass"])
    assert capped["summary"] == uncapped["summary"] == written["summary"]
    assert capped["failing"] == uncapped["failing"] == []  # fail_on never: nothing fails the task
