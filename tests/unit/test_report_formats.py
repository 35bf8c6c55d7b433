# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report files written as chunks (_report_formats, issue 14 goal 2): the text is the canonical rendering of
the whole document, no chunk is the whole of a large report, and a file is written whole or not at all."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _report_formats as F
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _reports as R
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _safefile

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def finding(i, control, status, **extra):
    c = C.CONTROLS_BY_ID[control]
    f = {"control": control, "area": c["area"], "title": c["title"], "severity": c["severity"], "scope": c["scope"],
         "profile": c["profile"], "status": status, "target": "collection:c%d.listRule" % i,
         "evidence": "r\u00e8gle <`@request.auth.id != \"\"`> & \"quoted\"\nline %d\t\u2028" % i,
         "remediation": c["remediation"], "duration": 1.5e-05 * i}
    f.update(extra)
    return f


def big_report(n=600):
    statuses = ("fail", "pass", "waived", "error", "not_applicable")
    findings = [finding(i, ("PBG-RUL-001", "PBG-RUL-003", "PBG-FIL-001", "PBG-HOK-001")[i % 4], statuses[i % 5])
                for i in range(n)]
    if n > 7:
        findings[2]["waiver"] = {"control": "PBG-*", "target": None, "justification": "board <b>",
                                 "expires": "2030-01-01"}
        findings[5]["confirmation"] = {"status": "confirmed", "evidence": ["GET /api/x -> 200"]}
        findings[7].update(file="/srv/pb_hooks/a.pb.js", line=12)
    return R.build_report(findings, {"url": "https://pb.example.com", "host": "web1", "pocketbase_version": "0.40.6"},
                          "strict", ["api", "host"], "0.1.0", "2026-12-01T00:00:00Z")


@pytest.mark.parametrize("n", [0, 1, 600])
def test_json_and_sarif_are_the_whole_documents_canonical_text(n):
    report = big_report(n)
    text = R.to_json(report)
    assert text == json.dumps(report, indent=2, sort_keys=True) + "\n"
    sarif = R.to_sarif(report, C.catalog())
    doc = json.loads(sarif)
    assert sarif == json.dumps(doc, indent=2, sort_keys=True) + "\n"
    wanted = [f for f in report["findings"] if f["status"] in ("fail", "waived", "error")]
    assert [r["partialFingerprints"]["pbguardTarget/v1"].split("|", 2)[2] for r in doc["runs"][0]["results"]] == \
        [f["target"] for f in wanted]


@pytest.mark.parametrize("n", [0, 1, 600])
def test_junit_is_the_whole_trees_text(n):
    report = big_report(n)
    text = R.to_junit(report)
    assert text.startswith(XML_DECL)
    root = ET.fromstring(text[len(XML_DECL):])
    assert text == XML_DECL + ET.tostring(root, encoding="unicode") + "\n"
    assert int(root.get("tests")) == n == sum(int(s.get("tests")) for s in root)
    assert int(root.get("failures")) == report["summary"]["fail"]
    assert int(root.get("skipped")) == report["summary"]["waived"] + report["summary"]["not_applicable"]


def test_markdown_chunks_join_to_the_document():
    report = big_report()
    text = R.to_markdown(report)
    assert text == "".join(F.markdown_chunks(report)) and text.count("\n| PBG-") == 600


@pytest.mark.parametrize("fmt", R.FORMATS)
def test_no_chunk_holds_a_large_report(fmt):
    report = big_report(3000)
    pieces = list(R.render_chunks(report, fmt, C.catalog()))
    assert max(len(p) for p in pieces) < sum(len(p) for p in pieces) / 4


def test_unknown_format_is_refused_at_once():
    with pytest.raises(ValueError, match="unknown report format"):
        R.render_chunks(big_report(2), "pdf", C.catalog())  # not when the file is half written


def test_write_file_takes_chunks_and_writes_all_or_nothing(tmp_path):
    path = str(tmp_path / "f.txt")
    _safefile.write_file(path, ("x" * 50000 for _chunk in range(5)), create_dir=False)
    with open(path, encoding="utf-8") as fh:
        assert fh.read() == "x" * 250000

    def failing():
        yield "partial"
        raise RuntimeError("encoder failed")
    with pytest.raises(RuntimeError):
        _safefile.write_file(str(tmp_path / "g.txt"), failing(), create_dir=False)
    assert sorted(os.listdir(str(tmp_path))) == ["f.txt"], "no partial file, no temporary file left"
    _safefile.write_file(path, [b"bytes ", "and text \u00e9"], create_dir=False)
    with open(path, encoding="utf-8") as fh:
        assert fh.read() == "bytes and text \u00e9"
