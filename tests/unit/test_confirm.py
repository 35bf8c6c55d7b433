# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confirm mode's pure parts: reports carry the confirmation (JSON schema, SARIF 2.1.0 schema with rank,
JUnit, Markdown), fail_on_confirmed_only, tagged bodies and what the sweep may delete, redacted evidence
lines, and the cases that never send a request (check mode, 0.22). The attacks themselves run against real
servers in tests/integration/test_audit_confirm.py."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import jsonschema

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _reports as R
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import records, runner, transport

SCHEMAS = os.path.join(os.path.dirname(__file__), "..", "schemas")


def schema(name):
    with open(os.path.join(SCHEMAS, name), encoding="utf-8") as fh:
        return json.load(fh)


def finding(control, target, status="fail", confirmation=None):
    c = C.CONTROLS_BY_ID[control]
    f = {"control": control, "area": c["area"], "title": c["title"], "severity": c["severity"], "scope": c["scope"],
         "profile": c["profile"], "status": status, "target": target, "evidence": "ev " + target,
         "remediation": c["remediation"]}
    if confirmation:
        f["confirmation"] = confirmation
    return f


def report():
    findings = [
        finding("PBG-RUL-001", "collection:a.listRule", confirmation={
            "status": "confirmed", "evidence": ["GET /api/collections/a/records as an anonymous client -> HTTP 200"]}),
        finding("PBG-RUL-003", "collection:b.listRule", confirmation={
            "status": "not_confirmed", "reason": "the server refused", "evidence": []}),
        finding("PBG-AUT-004", "collection:users", confirmation={
            "status": "not_testable", "reason": "no confirming attack for PBG-AUT-004 in this version"}),
        finding("PBG-RUL-002", "collection:c.listRule", status="pass"),
    ]
    rep = R.build_report(findings, {"url": "http://127.0.0.1:8090", "host": "h", "pocketbase_version": "0.40.6"},
                         "baseline", ["api"], "0.1.0", "2026-01-01T00:00:00Z")
    rep["confirm"] = {"run_id": "0123456789ab", "counts_identical": True, "swept_before": {}, "cleanup_problems": []}
    return rep


def test_json_schema_accepts_confirmation_and_rejects_unknown_status():
    rep = report()
    jsonschema.validate(json.loads(R.to_json(rep)), schema("audit-report.schema.json"))
    rep["findings"][0]["confirmation"]["status"] = "probably"
    try:
        jsonschema.validate(rep, schema("audit-report.schema.json"))
    except jsonschema.ValidationError:
        return
    raise AssertionError("an unknown confirmation status validated")


def test_sarif_rank_and_properties():
    sarif = json.loads(R.to_sarif(report(), C.catalog()))
    jsonschema.Draft4Validator(schema("sarif-schema-2.1.0.json")).validate(sarif)
    by_rule = dict((r["ruleId"], r) for r in sarif["runs"][0]["results"])
    assert by_rule["PBG-RUL-001"]["rank"] > by_rule["PBG-AUT-004"]["rank"] > by_rule["PBG-RUL-003"]["rank"]
    assert by_rule["PBG-RUL-001"]["properties"]["confirmation"]["status"] == "confirmed"


def test_junit_and_markdown_show_confirmation():
    rep = report()
    root = ET.fromstring(R.to_junit(rep))
    failures = [c for c in root.iter("testcase") if c.find("failure") is not None]
    first = [c for c in failures if "PBG-RUL-001" in c.get("name")][0]
    assert first.find("failure").get("message").startswith("[confirmed] ")
    assert {"name": "confirmation", "value": "confirmed"} in [p.attrib for p in first.iter("property")]
    md = R.to_markdown(rep)
    assert "| Confirmation |" in md and "confirmed: GET /api/collections/a/records" in md
    plain = R.build_report([finding("PBG-RUL-002", "collection:c.listRule")], rep["target"], "baseline", ["api"],
                           "0.1.0", "2026-01-01T00:00:00Z")
    assert "Confirmation" not in R.to_markdown(plain)


def test_fail_on_confirmed_only():
    rep = report()
    assert [f["control"] for f in R.failing(rep, "info")] == ["PBG-RUL-001", "PBG-RUL-003", "PBG-AUT-004"]
    assert [f["control"] for f in R.failing(rep, "info", confirmed_only=True)] == ["PBG-RUL-001"]


COLL = {"name": "notes", "type": "base", "fields": [
    {"name": "id", "type": "text", "system": True},
    {"name": "code", "type": "text", "max": 8, "required": True, "pattern": ""},
    {"name": "title", "type": "text"},
    {"name": "n", "type": "number", "required": True, "min": 5},
    {"name": "kind", "type": "select", "values": ["a", "b"], "required": True},
    {"name": "created", "type": "autodate"},
]}


def test_tagged_body_and_sweep_match():
    body = records.body_for(COLL, "0123456789ab", "s1")
    assert body["title"] == "pbg-confirm-0123456789ab-s1" and body["n"] == 5 and body["kind"] == "a"
    assert records.is_tagged(COLL, {"title": body["title"]})
    # the sweep deletes exact tags only, never a record that merely mentions one
    assert not records.is_tagged(COLL, {"title": "notes about pbg-confirm-0123456789ab-s1"})
    assert not records.is_tagged(COLL, {"title": "pbg-confirm-0123456789ab-s1 and more"})
    users = {"name": "users", "type": "auth", "fields": [{"name": "email", "type": "email", "system": True}]}
    user = records.body_for(users, "0123456789ab", "a1")
    assert user["email"] == "pbg-confirm-0123456789ab-a1@pbguard.invalid" and user["password"]
    assert not records.is_tagged(users, {"email": "pbg-confirm-0123456789ab-a1@corp.example"})


def test_not_testable_without_a_tag_field_or_with_a_required_relation():
    for coll in ({"name": "x", "type": "base", "fields": [{"name": "n", "type": "number"}]},
                 {"name": "y", "type": "base", "fields": [{"name": "t", "type": "text"},
                                                          {"name": "r", "type": "relation", "required": True}]}):
        try:
            records.body_for(coll, "0123456789ab", "s1")
        except records.NotTestable:
            continue
        raise AssertionError("no NotTestable for %s" % coll["name"])


def test_evidence_line_names_fields_never_values():
    text = transport.line(transport.ANONYMOUS, "POST", "/api/collections/a/records", 200,
                          headers={"x-internal": "s3cret-value"}, query={"debug": "1"},
                          body={"password": "hunter2-secret", "title": "private title"})
    assert "x-internal" in text and "password" in text and "title" in text
    assert "s3cret-value" not in text and "hunter2-secret" not in text and "private title" not in text


def test_no_request_in_check_mode_or_on_v022():
    for kwargs in ({"generation": "v023", "check_mode": True}, {"generation": "v022"}):
        fs = [finding("PBG-RUL-001", "collection:a.listRule"), finding("PBG-AUT-005", "collection:users.tokens")]
        info = runner.confirm_findings(fs, client=None, **kwargs)
        assert info["requests"] == [] and info["run_id"] is None
        assert [f["confirmation"]["status"] for f in fs] == ["not_testable", "not_testable"]
    assert "0.23+" in fs[0]["confirmation"]["reason"]
    assert "no confirming attack for PBG-AUT-005" in fs[1]["confirmation"]["reason"]


def test_lookalike_email_contains_the_literal_and_is_swept_by_tag():
    """PocketBase runs ``~`` with a %-free literal as LIKE '%literal%' (tools/search/filter.go
    wrapLikeParams): the look-alike must contain the literal, sit under pbguard.invalid and carry the tag."""
    cases = {"@corp.test": "pbg-confirm-0123456789ab-l1@corp.test.pbguard.invalid",
             "corp.test": "pbg-confirm-0123456789ab-l1@xcorp.test.pbguard.invalid",
             "boss@corp.test": "pbg-confirm-0123456789ab-l1-boss@corp.test.pbguard.invalid",
             "@Corp.": "pbg-confirm-0123456789ab-l1@Corp.pbguard.invalid"}
    users = {"name": "users", "type": "auth", "fields": []}
    for literal, expected in cases.items():
        email = records.lookalike_email("0123456789ab", "l1", literal)
        assert email == expected and literal in email, (literal, email)
        assert records.is_tagged(users, {"email": email}), email
    for literal in ("%@corp.test", "a\\%b", "a@b@c", "", "corp..test", "x y"):
        try:
            records.lookalike_email("0123456789ab", "l1", literal)
        except records.NotTestable:
            continue
        raise AssertionError("a look-alike for %r" % literal)
    # the sweep still never matches an address outside pbguard.invalid or without the run's tag
    for email in ("pbg-confirm-0123456789ab-l1@corp.test", "pbg-confirm-0123456789ab-l1@pbguard.invalid.corp.test",
                  "x-pbg-confirm-0123456789ab-l1@corp.test.pbguard.invalid"):
        assert not records.is_tagged(users, {"email": email}), email


def test_multipart_upload_body():
    data, ctype = transport.multipart({"title": "t"}, {"attachment": ("a.txt", b"hello")})
    boundary = ctype.split("boundary=", 1)[1].encode()
    assert ctype.startswith("multipart/form-data; ") and data.endswith(b"--" + boundary + b"--\r\n")
    assert b'name="@jsonPayload"\r\n\r\n{"title": "t"}\r\n' in data
    assert b'name="attachment"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n' in data


def test_short_password_length_from_the_finding():
    pw = records.new_password(9)
    assert len(pw) == 9 and records.new_password(9) != pw and len(records.new_password()) > 20


def test_readme_section_lists_every_confirmable_control():
    readme = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    with open(readme, encoding="utf-8") as fh:
        section = fh.read().split("### Confirming findings\n", 1)[1].split("\n### ", 1)[0]
    listed = set()
    for row in section.splitlines():
        first = row.split("|")[1].strip() if row.startswith("| PBG-") else ""
        if first:
            head, *more = [part.strip() for part in first.split(",")]
            listed.add(head)
            listed.update(head[:-3] + number for number in more)
    assert listed == set(runner.ATTACKS), sorted(listed ^ set(runner.ATTACKS))
