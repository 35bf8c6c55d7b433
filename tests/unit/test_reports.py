# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report writers: JSON against the repo schema, SARIF against the official 2.1.0 schema, JUnit parsed,
Markdown tables per area, secret scrubbing, fail_on threshold."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _reports as R

SCHEMAS = os.path.join(os.path.dirname(__file__), "..", "schemas")


def load_schema(name):
    with open(os.path.join(SCHEMAS, name), encoding="utf-8") as fh:
        return json.load(fh)


def finding(control, status, target, severity=None, **extra):
    c = C.CONTROLS_BY_ID[control]
    f = {"control": control, "area": c["area"], "title": c["title"], "severity": severity or c["severity"],
         "scope": c["scope"], "profile": c["profile"], "status": status, "target": target,
         "evidence": "evidence for %s" % target, "remediation": c["remediation"]}
    f.update(extra)
    return f


@pytest.fixture
def report():
    findings = [
        finding("PBG-RUL-001", "fail", "collection:tickets.listRule"),
        finding("PBG-RUL-001", "waived", "collection:posts.listRule",
                waiver={"control": "PBG-RUL-001", "target": None, "justification": "public blog",
                        "expires": "2030-01-01"}),
        finding("PBG-MON-005", "fail", "setting:backups.cron"),
        finding("PBG-HOK-001", "fail", "hook:webhooks.pb.js:12", file="/srv/pb_hooks/webhooks.pb.js", line=12),
        finding("PBG-SYS-003", "error", "control"),
        finding("PBG-VER-002", "pass", "advisory:CVE-2024-38351"),
        finding("PBG-ADM-004", "not_applicable", "control"),
        finding("PBG-ADM-001", "fail", "superuser:a|b@example.com"),
    ]
    return R.build_report(findings, {"url": "https://pb.example.com", "host": "web1", "pocketbase_version": "0.40.6"},
                          "strict", ["api", "host"], "0.1.0", "2026-11-29T06:00:00Z")


def test_summary(report):
    assert report["summary"] == {"pass": 1, "fail": 4, "waived": 1, "error": 1, "not_applicable": 1}


def test_json_validates(report):
    schema = load_schema("audit-report.schema.json")
    jsonschema.validate(json.loads(R.to_json(report)), schema)


@pytest.mark.parametrize("breakage", [
    lambda r: r["findings"][0].update(status="ok"),
    lambda r: r["findings"][0].update(control="PBG-XYZ-1"),
    lambda r: r["summary"].pop("waived"),
    lambda r: r["findings"][1].pop("waiver"),
    lambda r: r["target"].update(pocketbase_version="latest"),
])
def test_json_schema_can_fail(report, breakage):
    breakage(report)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, load_schema("audit-report.schema.json"))


def test_sarif_validates_against_2_1_0(report):
    sarif = json.loads(R.to_sarif(report, C.catalog()))
    jsonschema.Draft4Validator(load_schema("sarif-schema-2.1.0.json")).validate(sarif)
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "PBG-RUL-001" in rules
    assert rules["PBG-RUL-001"]["properties"]["security-severity"] == "9.5"
    results = run["results"]
    assert len(results) == 6  # fail, waived, error
    by_target = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in results}
    assert by_target["collection:posts.listRule"]["suppressions"][0]["justification"].startswith("public blog")
    hook = by_target["hook:webhooks.pb.js:12"]
    assert hook["locations"][0]["physicalLocation"]["region"]["startLine"] == 12
    assert by_target["collection:tickets.listRule"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] \
        == "https://pb.example.com"
    for r in results:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_sarif_rules_are_self_contained_without_uris(report):
    text = R.to_sarif(report, C.catalog())
    sarif = json.loads(text)
    jsonschema.Draft4Validator(load_schema("sarif-schema-2.1.0.json")).validate(sarif)
    assert "example.invalid" not in text and "example.invalid" not in R.to_json(report)
    assert "information_uri" not in report["tool"]
    driver = sarif["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    for rule in driver["rules"]:
        c = C.CONTROLS_BY_ID[rule["id"]]
        assert "helpUri" not in rule
        assert rule["shortDescription"]["text"] == c["title"]
        assert rule["fullDescription"]["text"] == c["rationale"]
        for body in (rule["help"]["text"], rule["help"]["markdown"]):
            assert c["rationale"] in body and c["remediation"] in body
        assert rule["help"]["markdown"].startswith("### %s " % rule["id"])


def test_sarif_uris_only_from_the_option(report):
    uri = "https://docs.corp.example/pbguard/controls.html"
    with_uri = R.build_report(report["findings"], report["target"], "strict", ["api"], "0.1.0",
                              "2026-11-29T06:00:00Z", information_uri=uri)
    sarif = json.loads(R.to_sarif(with_uri, C.catalog()))
    jsonschema.Draft4Validator(load_schema("sarif-schema-2.1.0.json")).validate(sarif)
    jsonschema.validate(json.loads(R.to_json(with_uri)), load_schema("audit-report.schema.json"))
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == uri and with_uri["tool"]["information_uri"] == uri
    assert {r["helpUri"] for r in driver["rules"]} == {"%s#%s" % (uri, r["id"].lower()) for r in driver["rules"]}


def test_junit_testcases_carry_time(report):
    report["findings"][0]["duration"] = 0.25
    report["findings"][2]["duration"] = 0.5
    root = ET.fromstring(R.to_junit(report))
    cases = root.findall(".//testcase")
    assert all(c.get("time") is not None for c in cases)
    assert float(root.get("time")) == pytest.approx(0.75, abs=0.001)
    assert {c.get("time") for c in cases if c.get("name") == "PBG-RUL-001 collection:tickets.listRule"} == {"0.250"}
    assert sum(float(s.get("time")) for s in root.findall("testsuite")) == pytest.approx(0.75, abs=0.002)


def test_run_controls_records_durations():
    ctx = C.AuditContext({}, snapshot_error="no API in this test")
    findings = C.run_controls(ctx, [C.CONTROLS_BY_ID["PBG-ADM-001"]])
    assert findings and all(isinstance(f["duration"], float) and f["duration"] >= 0 for f in findings)


def test_sarif_schema_can_fail(report):
    sarif = json.loads(R.to_sarif(report, C.catalog()))
    sarif["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(load_schema("sarif-schema-2.1.0.json")).validate(sarif)


def test_junit(report):
    root = ET.fromstring(R.to_junit(report))
    cases = root.findall(".//testcase")
    assert len(cases) == len(report["findings"])
    assert root.get("tests") == "8" and root.get("failures") == "4" and root.get("errors") == "1"
    assert root.get("skipped") == "2"
    names = {c.get("name") for c in cases}
    assert "PBG-RUL-001 collection:tickets.listRule" in names
    failed = [c for c in cases if c.find("failure") is not None]
    assert {c.get("name").split()[0] for c in failed} == {"PBG-RUL-001", "PBG-MON-005", "PBG-HOK-001", "PBG-ADM-001"}


def test_markdown_table_per_area(report):
    md = R.to_markdown(report)
    for area in ("RUL", "MON", "HOK", "SYS", "VER", "ADM"):
        assert "## %s" % area in md
    assert "a\\|b@example.com" in md  # pipes escaped
    assert "waived until 2030-01-01: public blog" in md
    assert md.index("## ADM") < md.index("## RUL") < md.index("## HOK")


def test_scrub_removes_secrets_everywhere(report):
    report["findings"][0]["evidence"] = "token abcdEFGH1234 leaked"
    report["target"]["url"] = "https://user:abcdEFGH1234@pb"
    clean = R.scrub(report, ["abcdEFGH1234", None, "", "ab"])
    for fmt in R.FORMATS:
        assert "abcdEFGH1234" not in R.render(clean, fmt, C.catalog())
    assert "********" in clean["findings"][0]["evidence"]


@pytest.mark.parametrize("threshold, n", [("critical", 1), ("high", 3), ("medium", 4), ("info", 4), ("never", 0)])
def test_failing_threshold(report, threshold, n):
    assert len(R.failing(report, threshold)) == n


def test_write_reports(tmp_path, report):
    paths = R.write_reports(report, str(tmp_path / "out"), list(R.FORMATS), C.catalog())
    assert set(paths) == set(R.FORMATS)
    for path in paths.values():
        assert os.path.basename(path).startswith("pbguard-audit-web1")
        assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)
    with open(paths["json"], encoding="utf-8") as fh:
        assert json.load(fh)["summary"]["fail"] == 4
