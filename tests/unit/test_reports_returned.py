# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report the module returns (return_findings): non-pass findings plus pass counts per control by
default, every finding on request; the report itself (what the files are written from) is untouched."""

from __future__ import annotations

import copy
import json
import os

import jsonschema
import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _reports as R

SCHEMAS = os.path.join(os.path.dirname(__file__), "..", "schemas")


def finding(control, status, target):
    c = C.CONTROLS_BY_ID[control]
    return {"control": control, "area": c["area"], "title": c["title"], "severity": c["severity"],
            "scope": c["scope"], "profile": c["profile"], "status": status, "target": target,
            "evidence": "evidence for %s" % target, "remediation": c["remediation"]}


@pytest.fixture
def report():
    findings = [finding("PBG-RUL-001", "pass", "collection:c%d.listRule" % i) for i in range(5)]
    findings += [
        finding("PBG-RUL-001", "fail", "collection:tickets.listRule"),
        finding("PBG-ADM-001", "pass", "superusers"),
        finding("PBG-SYS-003", "error", "control"),
        finding("PBG-ADM-004", "not_applicable", "control"),
    ]
    return R.build_report(findings, {"url": "http://127.0.0.1:8090", "host": "web1", "pocketbase_version": "0.40.6"},
                          "strict", ["api"], "0.1.0", "2026-12-01T00:00:00Z")


def load_schema():
    with open(os.path.join(SCHEMAS, "audit-report.schema.json"), encoding="utf-8") as fh:
        return json.load(fh)


def test_non_pass_keeps_every_other_finding_and_counts_passes(report):
    before = copy.deepcopy(report)
    slim = R.returned_report(report, "non_pass")
    assert [f["status"] for f in slim["findings"]] == ["fail", "error", "not_applicable"]
    assert slim["findings"] == [f for f in report["findings"] if f["status"] != "pass"]
    assert slim["pass_by_control"] == {"PBG-RUL-001": 5, "PBG-ADM-001": 1}
    assert sum(slim["pass_by_control"].values()) == slim["summary"]["pass"] == 6
    assert slim["summary"] == report["summary"] and slim["findings_returned"] == "non_pass"
    assert report == before, "the full report (written to the files) must not be changed"
    jsonschema.validate(json.loads(json.dumps(slim)), load_schema())


def test_all_returns_every_finding(report):
    full = R.returned_report(report, "all")
    assert full["findings"] == report["findings"] and len(full["findings"]) == 9
    assert "pass_by_control" not in full and full["findings_returned"] == "all"
    jsonschema.validate(json.loads(json.dumps(full)), load_schema())


def test_schema_rejects_a_bad_pass_count(report):
    slim = R.returned_report(report, "non_pass")
    slim["pass_by_control"]["PBG-RUL-001"] = "5"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(slim, load_schema())


def test_per_control_cap_keeps_fails_first_and_counts_the_rest():
    findings = [finding("PBG-RUL-001", "not_applicable", "collection:na%d.listRule" % i) for i in range(3)]
    findings += [finding("PBG-RUL-001", "fail", "collection:c%d.listRule" % i) for i in range(5)]
    findings += [finding("PBG-RUL-001", "error", "collection:e.listRule"), finding("PBG-ADM-001", "fail", "superusers")]
    findings += [finding("PBG-RUL-001", "pass", "collection:p.listRule")]
    report = R.build_report(findings, {"url": "http://127.0.0.1:8090", "host": "web1", "pocketbase_version": "0.40.6"},
                            "strict", ["api"], "0.1.0", "2026-12-01T00:00:00Z")
    before = copy.deepcopy(report)
    capped = R.returned_report(report, "non_pass", per_control=6)
    targets = [f["target"] for f in capped["findings"]]
    # report order kept; RUL-001's five fails and its error kept before its not-applicable ones
    assert targets == ["collection:c%d.listRule" % i for i in range(5)] + ["collection:e.listRule", "superusers"]
    assert capped["omitted_by_control"] == {"PBG-RUL-001": 3}
    assert capped["pass_by_control"] == {"PBG-RUL-001": 1}
    assert capped["summary"] == report["summary"] and capped["summary"]["fail"] == 6
    assert report == before, "the full report (written to the files) must not be changed"
    jsonschema.validate(json.loads(json.dumps(capped)), load_schema())
    # 0: no cap; a cap above the count: nothing omitted
    for per_control in (0, 9):
        uncapped = R.returned_report(report, "non_pass", per_control=per_control)
        assert uncapped["findings"] == [f for f in report["findings"] if f["status"] != "pass"]
        assert uncapped["omitted_by_control"] == {}
    assert len(R.returned_report(report, "all", per_control=1)["findings"]) == len(findings)


def test_unknown_choice_is_refused(report):
    with pytest.raises(ValueError, match="return_findings"):
        R.returned_report(report, "some")


def test_written_json_report_keeps_pass_findings(report, tmp_path):
    R.returned_report(report, "non_pass")
    files = R.write_reports(report, str(tmp_path), ["json"], C.catalog())
    with open(files["json"], encoding="utf-8") as fh:
        written = json.load(fh)
    assert [f["status"] for f in written["findings"]].count("pass") == 6
    assert "pass_by_control" not in written and "findings_returned" not in written


# scrub checks the JSON text once before rebuilding every string: a secret that JSON escapes must
# still be found, wherever it sits (value, key, nested list, tuple)
@pytest.mark.parametrize("secret", ['pw"quote\\back', "pässwörd-ünïcode", "tab\there-and\nnewline", "plain-Secret-123",
                                    "</script>-slash/", "\u2028line-sep"])
def test_scrub_finds_secrets_that_json_escapes(report, secret):
    report["findings"][0]["evidence"] = "leaked: " + secret + " end"
    report["target"][secret] = "as a key"
    report["findings"][1]["extra"] = ("tuple", ["nested", "x" + secret + "y"])
    clean = R.scrub(report, [secret])
    text = json.dumps(clean, ensure_ascii=False)
    assert secret not in text and json.dumps(secret, ensure_ascii=False)[1:-1] not in text
    assert clean["findings"][0]["evidence"] == "leaked: ******** end"
    assert clean["findings"][1]["extra"][1] == ["nested", "x********y"]


def test_scrub_without_a_secret_in_it_returns_the_same_data(report):
    assert R.scrub(report, ["not-in-the-report-9876"]) == report


def test_scrub_of_non_json_data_still_walks():
    clean = R.scrub({"when": object, "text": "secret-Value-1"}, ["secret-Value-1"])
    assert clean["text"] == "********" and clean["when"] is object


def test_scrub_finds_a_secret_deep_in_a_large_report():
    # the report is searched in pieces (a batch of findings at a time): a secret in a finding far past
    # the first batch, in a nested value, or in a key is still found and masked
    secret = "s3cr3t-T0ken-value"
    findings = [finding("PBG-RUL-001", "fail", "collection:c%d.listRule" % i) for i in range(3 * R._SEARCH_BATCH)]
    findings[2 * R._SEARCH_BATCH + 7]["waiver"] = {"justification": ["ok", {"note": "see " + secret}]}
    report = R.build_report(findings, {"url": "u", "host": "h", "pocketbase_version": "0.40.6"},
                            "strict", ["api"], "0.1.0", "2026-12-01T00:00:00Z")
    clean = R.scrub(report, [secret])
    assert secret not in json.dumps(clean) and R.MASK in json.dumps(clean)
    assert secret in json.dumps(report), "the input is not changed"
    keyed = {"findings": [{"evidence": "x"}] * 300 + [{secret: 1}]}
    assert secret not in json.dumps(R.scrub(keyed, [secret]))
    assert R.scrub({"findings": [{"evidence": "x"}] * 300}, [secret])["findings"][0] == {"evidence": "x"}
