# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors grouped by root cause in every report format (issue 16, item 7): an unreachable server is
one cause leading the report, not 20 rows repeating the same message; SARIF says the run was not
successful; expired waivers are named on the console too."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import jsonschema

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _reports as R

SCHEMAS = os.path.join(os.path.dirname(__file__), "..", "schemas")
UNREACHABLE = ("Cannot reach PocketBase at http://127.0.0.1:8090 (<urlopen error [Errno 111] Connection refused>). "
               "Hint: check the url and that PocketBase is running.")


def run_offline(ids, waivers=None, today=None):
    """The real controls against a context whose API snapshot failed the way a stopped server fails."""
    ctx = C.AuditContext({}, snapshot=None, snapshot_error=UNREACHABLE, probe=None, probe_error=None,
                         host=None, host_error=None, url="http://127.0.0.1:8090")
    findings = C.run_controls(ctx, [C.CONTROLS_BY_ID[i] for i in ids])
    return C.apply_waivers(findings, waivers or [], today)


API_IDS = ["PBG-ADM-001", "PBG-RUL-001", "PBG-AUT-002", "PBG-FIL-001", "PBG-MON-001"]


def build(findings):
    return R.build_report(findings, {"url": "http://127.0.0.1:8090", "host": "web1", "pocketbase_version": None},
                          "baseline", ["api"], "0.1.0", "2026-11-30T00:00:00Z")


def test_unreachable_server_is_one_cause():
    report = build(run_offline(API_IDS))
    assert report["summary"]["error"] == len(API_IDS)
    [group] = report["errors_by_cause"]
    assert group["kind"] == "PocketBase is not reachable"
    assert group["count"] == len(API_IDS) and group["controls"] == API_IDS
    assert group["cause"] == UNREACHABLE  # the check's own prefix is not part of the cause
    assert group["cause"].count("Hint:") == 1
    with open(os.path.join(SCHEMAS, "audit-report.schema.json"), encoding="utf-8") as fh:
        jsonschema.validate(json.loads(R.to_json(report)), json.load(fh))


def test_distinct_causes_are_separate_groups_largest_first():
    findings = run_offline(API_IDS)
    findings.append(dict(findings[0], control="PBG-SYS-003", evidence="`systemd-analyze security` gave nothing"))
    groups = build(findings)["errors_by_cause"]
    assert [g["count"] for g in groups] == [len(API_IDS), 1]
    assert groups[1]["kind"] == "Controls could not run"


def test_markdown_leads_with_the_cause_and_does_not_repeat_it():
    md = R.to_markdown(build(run_offline(API_IDS)))
    lead = md.index("## Why this run is not clean")
    assert lead < md.index("## ADM")
    assert md.count("Connection refused") == 1
    assert md.count("cause 1 (see above)") == len(API_IDS)


def test_sarif_not_successful_when_controls_errored():
    sarif = json.loads(R.to_sarif(build(run_offline(API_IDS)), C.catalog()))
    inv = sarif["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    [note] = inv["toolExecutionNotifications"]
    assert "PocketBase is not reachable" in note["message"]["text"]
    with open(os.path.join(SCHEMAS, "sarif-schema-2.1.0.json"), encoding="utf-8") as fh:
        jsonschema.validate(sarif, json.load(fh))


def test_sarif_successful_without_errors():
    clean = [dict(f, status="pass", evidence="ok") for f in run_offline(API_IDS)]
    inv = json.loads(R.to_sarif(build(clean), C.catalog()))["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is True and "toolExecutionNotifications" not in inv


def test_junit_still_one_case_per_error():
    root = ET.fromstring(R.to_junit(build(run_offline(API_IDS))).split("\n", 1)[1])
    assert root.get("errors") == str(len(API_IDS))


def test_console_causes_name_unreachable_and_expired_waiver():
    import datetime
    fail = dict(run_offline(["PBG-ADM-001"])[0], status="fail", evidence="default-looking superuser email",
                target="superuser:admin@example.com")
    findings = C.apply_waivers([fail] + run_offline(["PBG-RUL-001"]),
                               [{"control": "PBG-ADM-001", "justification": "migration", "expires": "2020-01-01"}],
                               datetime.date(2026, 11, 30))
    report = build(findings)
    lines = R.console_causes(report)
    assert lines[0].startswith("PocketBase is not reachable: 1 control(s) could not run (PBG-RUL-001)")
    assert lines[1] == ("Waiver for PBG-ADM-001 on superuser:admin@example.com expired on 2020-01-01: "
                        "the finding fails again.")
    assert report["expired_waivers"][0]["control"] == "PBG-ADM-001"
    assert "Expired waiver" in R.to_markdown(report)


def test_clean_report_has_no_causes():
    clean = [dict(f, status="pass", evidence="ok") for f in run_offline(API_IDS)]
    report = build(clean)
    assert report["errors_by_cause"] == [] and R.console_causes(report) == []
    assert "Why this run is not clean" not in R.to_markdown(report)
