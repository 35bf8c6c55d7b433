# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pocketbase_audit against real PocketBase servers: every planted misconfiguration is found, a
hardened server with declared intent has no failing finding, each report format validates, waivers
and their expiry work, and no planted secret reaches any report."""

from __future__ import annotations

import hashlib
import json
import os
import time
import xml.etree.ElementTree as ET

import jsonschema
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "schemas")

SECRETS = {
    "smtp": "pbg-planted-smtp-Secret-7f3a9c",
    "s3": "pbg-planted-s3-Secret-2b8e41",
    "oauth": "pbg-planted-oauth-Secret-93d7e0",
    "hook": "pbg-planted-hook-apikey-5c1f88",
    "weak_user": "pbg-planted-user-pass-8a2d",
}
WEAK_SUPERUSER = ("weak@corp.test", "password123")
INTRUDER = "intruder@corp.test"
OWNER = "alice@corp.test"

BAD_HOOK_V023 = """
// planted: SSRF, role escalation, mail per request without a limit
const API_KEY = "%s";
onRecordCreateRequest((e) => {
  if (e.record.get("isAdmin")) {
    e.record.set("role", "admin");
  }
  e.next();
}, "profiles");
onRecordAfterCreateSuccess((e) => {
  const target = e.record.get("webhookUrl");
  $http.send({ url: target, method: "POST", body: JSON.stringify({ key: API_KEY }) });
  const msg = new MailerMessage({ from: { address: "noreply@corp.test" }, to: [{ address: e.record.get("email") }],
                                  subject: "Welcome" });
  $app.newMailClient().send(msg);
  e.next();
}, "tickets");
""" % SECRETS["hook"]

GOOD_HOOK_V023 = """
onRecordCreateRequest((e) => {
  e.record.set("status", "new");
  e.next();
}, "tickets");
"""

BAD_HOOK_V022 = """
const API_KEY = "%s";
onRecordBeforeCreateRequest((e) => {
  if (e.record.get("isAdmin")) {
    e.record.set("role", "admin");
  }
}, "profiles");
onRecordAfterCreateRequest((e) => {
  const target = e.record.get("webhookUrl");
  $http.send({ url: target, method: "POST", body: API_KEY });
  $app.newMailClient().send(new MailerMessage({ to: [{ address: e.record.get("email") }], subject: "hi" }));
}, "tickets");
onRecordCreateRequest((e) => { e.next(); });
""" % SECRETS["hook"]

GOOD_HOOK_V022 = """
onRecordBeforeCreateRequest((e) => {
  e.record.set("status", "new");
}, "tickets");
"""


# --------------------------------------------------------------------------- helpers

def ok(resp, what):
    assert resp.status in (200, 204), "%s failed: %r" % (what, resp)
    return resp.json


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def write_hooks(tmp_path, files, manifest_files):
    hooks = tmp_path / "pb_hooks"
    hooks.mkdir(exist_ok=True)
    for name, text in files.items():
        (hooks / name).write_text(text)
    manifest = tmp_path / "hooks.manifest.json"
    manifest.write_text(json.dumps({"files": {n: sha(t) for n, t in manifest_files.items()}}))
    return str(hooks), str(manifest)


def v023_field(name, ftype, **opts):
    return dict({"name": name, "type": ftype}, **opts)


def create_v023(srv, name, fields, ctype="base", **rules):
    body = {"name": name, "type": ctype, "fields": fields}
    body.update(rules)
    return ok(srv.api("POST", "/api/collections", body), "create " + name)


def fail_targets(report):
    return {(f["control"], f["target"]) for f in report["findings"] if f["status"] == "fail"}


def failing_controls(report):
    return {f["control"] for f in report["findings"] if f["status"] == "fail"}


def assert_no_secret(result, report_files, secrets):
    texts = {"module output": result.raw}
    for fmt, path in report_files.items():
        with open(path, encoding="utf-8") as fh:
            texts[fmt] = fh.read()
    assert set(report_files) == {"json", "junit", "sarif", "markdown"}
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, "secret leaked into %s" % where


def validate_formats(report_files):
    with open(os.path.join(SCHEMAS, "audit-report.schema.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    with open(report_files["json"], encoding="utf-8") as fh:
        report = json.load(fh)
    jsonschema.validate(report, schema)
    with open(os.path.join(SCHEMAS, "sarif-schema-2.1.0.json"), encoding="utf-8") as fh:
        sarif_schema = json.load(fh)
    with open(report_files["sarif"], encoding="utf-8") as fh:
        sarif = json.load(fh)
    jsonschema.Draft4Validator(sarif_schema).validate(sarif)
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    fails = [f for f in report["findings"] if f["status"] in ("fail", "waived", "error")]
    assert len(sarif["runs"][0]["results"]) == len(fails)
    for res in sarif["runs"][0]["results"]:
        assert res["ruleId"] in rule_ids
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    tree = ET.parse(report_files["junit"])
    cases = tree.getroot().findall(".//testcase")
    assert len(cases) == len(report["findings"])
    assert int(tree.getroot().get("failures")) == report["summary"]["fail"]
    with open(report_files["markdown"], encoding="utf-8") as fh:
        md = fh.read()
    for f in report["findings"]:
        if f["status"] == "fail":
            assert f["control"] in md
    return report


# --------------------------------------------------------------------------- 0.40.6 plants

def plant_v040(srv, tmp_path):
    users = ok(srv.api("GET", "/api/collections/users"), "get users")
    # OAuth2 on with a provider (clientSecret planted), unverified users may authenticate (authRule "")
    ok(srv.api("PATCH", "/api/collections/users", {
        "authRule": "",
        "otp": {"enabled": True},  # with SMTP off: codes cannot be delivered (PBG-AUT-006)
        "oauth2": {"enabled": True, "providers": [{"name": "github", "clientId": "pbg-client-id",
                                                   "clientSecret": SECRETS["oauth"]}]},
    }), "users oauth2")
    create_v023(srv, "tickets", [v023_field("title", "text"), v023_field("webhookUrl", "text")],
                listRule="", viewRule="", createRule="@request.auth.id != \"\"", updateRule=None,
                deleteRule="id != \"\"")
    create_v023(srv, "guestbook", [v023_field("text", "text")], listRule=None, viewRule=None, createRule="",
                updateRule="", deleteRule=None)
    create_v023(srv, "profiles", [
        v023_field("user", "relation", collectionId=users["id"], maxSelect=1),
        v023_field("role", "text"),
        v023_field("avatar", "file", maxSelect=1, maxSize=1048576, protected=False)],
        listRule="user = @request.auth.id", viewRule="user = @request.auth.id",
        createRule="@request.body.isAdmin = true", updateRule="@request.auth.id != \"\"",
        deleteRule="user = @request.auth.id")
    create_v023(srv, "permissions", [v023_field("user", "text"), v023_field("level", "text")],
                listRule=None, viewRule="", createRule=None, updateRule=None, deleteRule=None)
    create_v023(srv, "reports", [v023_field("title", "text")],
                listRule="@collection.permissions.user ?= @request.auth.id && @collection.permissions.level = \"admin\"",
                viewRule=None, createRule=None, updateRule=None, deleteRule=None)
    # settings: rate limits off (default), log retention 0 without IPs, no backups, leftmost proxy IP trusted,
    # S3 over plain HTTP, secrets planted
    ok(srv.api("PATCH", "/api/settings", {
        "logs": {"maxDays": 0, "logIP": False},
        "trustedProxy": {"headers": ["X-Forwarded-For"], "useLeftmostIP": True},
        "smtp": {"enabled": False, "host": "smtp.corp.test", "port": 587, "username": "mailer",
                 "password": SECRETS["smtp"]},
        "s3": {"enabled": True, "bucket": "b", "region": "r", "endpoint": "http://s3.corp.test",
               "accessKey": "AKIAPBGPLANTED", "secret": SECRETS["s3"]},
    }), "settings")
    # unexpected superusers, one with a common password
    srv.cli("superuser", "upsert", INTRUDER, "pbg-" + SECRETS["weak_user"], check_output=r"Successfully")
    srv.cli("superuser", "upsert", *WEAK_SUPERUSER, check_output=r"Successfully")
    return write_hooks(tmp_path, {"webhooks.pb.js": BAD_HOOK_V023, "rogue.pb.js": GOOD_HOOK_V023},
                       {"webhooks.pb.js": BAD_HOOK_V023})


EXPECTED_V040 = {
    ("PBG-RUL-001", "collection:tickets.listRule"),
    ("PBG-RUL-001", "collection:tickets.viewRule"),
    ("PBG-RUL-001", "collection:permissions.viewRule"),
    ("PBG-RUL-003", "collection:profiles.updateRule"),
    ("PBG-RUL-004", "collection:profiles.createRule"),
    ("PBG-RUL-006", "collection:reports.listRule"),
    ("PBG-AUT-002", "collection:users.authRule"),
    ("PBG-AUT-003", "collection:users.oauth2"),
    ("PBG-FIL-001", "collection:profiles.avatar"),
    ("PBG-MON-001", "setting:rateLimits.enabled"),
    ("PBG-MON-003", "setting:logs.maxDays"),
    ("PBG-MON-005", "setting:backups.cron"),
    ("PBG-ADM-004", "collection:_superusers.mfa"),
    ("PBG-ADM-005", "setting:superuserIPs"),
    ("PBG-IOC-001", "superuser:" + INTRUDER),
    ("PBG-IOC-001", "superuser:" + WEAK_SUPERUSER[0]),
    ("PBG-ADM-006", "superuser:" + WEAK_SUPERUSER[0]),
    ("PBG-HOK-005", "hook:rogue.pb.js"),
}
EXPECTED_V040_CONTROLS = {"PBG-HOK-001", "PBG-HOK-002", "PBG-HOK-003", "PBG-RUL-005", "PBG-RUL-002", "PBG-RUL-009",
                          "PBG-RUL-010", "PBG-AUT-001", "PBG-AUT-004", "PBG-AUT-006", "PBG-FIL-002", "PBG-MON-002",
                          "PBG-MON-004", "PBG-MON-006", "PBG-VER-001", "PBG-IOC-002"}
# declared intent the misconfigured 0.40.6 server contradicts (PBG-AUT-001, IOC-002, VER-001, RUL-010)
MISCONFIGURED_V040_INTENT = dict(expected_auth_methods={"users": ["password"]}, expected_collections=["users"],
                                 pinned_version="0.40.5", public_rules={"ghosts": ["listRule"]})


def audit_args(srv, tmp_path, hooks_dir, manifest, **extra):
    args = dict(
        scope=["api", "host", "probe"], profile="strict",
        hooks_dir=hooks_dir, hooks_manifest=manifest, data_dir=srv.data_dir,
        binary_path=os.path.join(str(tmp_path), "no-such-binary"),
        proxy_config_paths=[os.path.join(str(tmp_path), "no-proxy-config")],
        expected_superusers=[srv.email], report_dir=str(tmp_path / "reports"), fail_on="never",
        target_name="pb-under-test",
    )
    args.update(extra)
    return args


@pytest.fixture
def misconfigured_v040(pb_server_factory, tmp_path):
    hooks_dir = tmp_path / "pb_hooks"
    hooks_dir.mkdir()
    srv = pb_server_factory("0.40.6", email=OWNER, hooks_dir=str(hooks_dir))
    hooks, manifest = plant_v040(srv, tmp_path)
    return srv, hooks, manifest


def test_misconfigured_v040_every_plant_found(misconfigured_v040, tmp_path):
    srv, hooks, manifest = misconfigured_v040
    res = srv.run_module("pocketbase_audit", **audit_args(srv, tmp_path, hooks, manifest, probe_credentials=True,
                                                          **MISCONFIGURED_V040_INTENT))
    assert not res.failed, res.msg
    report = res["report"]
    missing = EXPECTED_V040 - fail_targets(report)
    assert not missing, "planted items not reported: %s" % sorted(missing)
    assert EXPECTED_V040_CONTROLS <= failing_controls(report)
    assert report["target"]["pocketbase_version"] == "0.40.6"
    # one snapshot, no per-collection requests
    paths = [c[1] for c in res["api_calls"]]
    assert not [p for p in paths if p.startswith("/api/collections/") and p.count("/") == 3
                and not p.endswith(("_superusers/records", "auth-methods"))], paths
    assert len(res["api_calls"]) <= 10, res["api_calls"]
    # bounded: the superuser-path spellings (_pb_paths) plus the credential attempts, or stopped by a 429
    assert any(r[2] == 429 for r in res["probe_requests"]) or len(res["probe_requests"]) <= 40
    validate_formats(res["report_files"])
    assert_no_secret(res, res["report_files"], list(SECRETS.values()) + [srv.password, WEAK_SUPERUSER[1]])


def test_misconfigured_v040_fail_on_threshold(misconfigured_v040, tmp_path):
    srv, hooks, manifest = misconfigured_v040
    res = srv.run_module("pocketbase_audit", scope=["api"], fail_on="critical",
                         expected_superusers=[srv.email], report_dir=str(tmp_path / "r2"),
                         report_formats=["json"])
    assert res.failed
    assert "at or above critical" in res.msg
    assert os.path.exists(res["report_files"]["json"]), "reports are written before failing"
    assert {f["control"] for f in res["failing"]} >= {"PBG-RUL-001", "PBG-IOC-001"}


def test_waivers_and_expiry(misconfigured_v040, tmp_path):
    srv, hooks, manifest = misconfigured_v040
    waivers = [
        {"control": "PBG-RUL-001", "target": "collection:tickets.*", "justification": "tickets board is public",
         "expires": "2999-01-01"},
        {"control": "PBG-MON-005", "justification": "hypervisor snapshots", "expires": "2001-01-01"},
    ]
    res = srv.run_module("pocketbase_audit", scope=["api"], fail_on="never", waivers=waivers,
                         expected_superusers=[srv.email], report_dir=str(tmp_path / "r3"))
    assert not res.failed, res.msg
    by = {(f["control"], f["target"]): f for f in res["report"]["findings"]}
    assert by[("PBG-RUL-001", "collection:tickets.listRule")]["status"] == "waived"
    assert by[("PBG-RUL-001", "collection:tickets.listRule")]["waiver"]["justification"] == "tickets board is public"
    assert by[("PBG-RUL-001", "collection:permissions.viewRule")]["status"] == "fail"  # target glob
    expired = by[("PBG-MON-005", "setting:backups.cron")]
    assert expired["status"] == "fail"
    assert "waiver expired on 2001-01-01" in expired["evidence"]
    report = validate_formats(res["report_files"])
    assert report["summary"]["waived"] == 2
    with open(res["report_files"]["sarif"], encoding="utf-8") as fh:
        sarif = json.load(fh)
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert len(suppressed) == 2
    with open(res["report_files"]["markdown"], encoding="utf-8") as fh:
        assert "tickets board is public" in fh.read()
    # the same waivers from a YAML file
    wfile = tmp_path / "waivers.yml"
    wfile.write_text("waivers:\n" + "".join(
        "  - {control: %s, %sjustification: '%s', expires: '%s'}\n"
        % (w["control"], ("target: '%s', " % w["target"]) if w.get("target") else "", w["justification"], w["expires"])
        for w in waivers))
    from_file = srv.run_module("pocketbase_audit", scope=["api"], fail_on="never", waivers=str(wfile),
                               expected_superusers=[srv.email])
    assert from_file["summary"]["waived"] == 2, from_file.msg
    # a waiver without justification is rejected
    bad = srv.run_module("pocketbase_audit", scope=["api"], waivers=[{"control": "PBG-RUL-001",
                                                                     "expires": "2999-01-01"}])
    assert bad.failed and "justification" in bad.msg


# --------------------------------------------------------------------------- 0.40.6 hardened

def harden_v040(srv, tmp_path):
    token = srv.superuser_token()
    users = ok(srv.api("GET", "/api/collections/users"), "users")
    fields = users["fields"]
    for f in fields:
        if f["name"] == "password":
            f["min"] = 12
        if f["type"] == "file":
            f["protected"] = True
    ok(srv.api("PATCH", "/api/collections/users", {
        "authRule": "verified = true", "fields": fields,
        "oauth2": {"enabled": False}, "otp": {"enabled": False}}), "users")
    sus = ok(srv.api("GET", "/api/collections/_superusers"), "superusers")
    sfields = sus["fields"]
    for f in sfields:
        if f["name"] == "password":
            f["min"] = 12
    ok(srv.api("PATCH", "/api/collections/_superusers", {"fields": sfields}), "superusers fields")
    create_v023(srv, "posts", [v023_field("title", "text"),
                               v023_field("author", "relation", collectionId=users["id"], maxSelect=1),
                               v023_field("cover", "file", maxSelect=1, maxSize=1048576)],
                listRule="", viewRule="",
                createRule="@request.auth.id != \"\" && @request.body.author = @request.auth.id",
                updateRule="author = @request.auth.id && @request.body.author:isset = false",
                deleteRule="author = @request.auth.id")
    create_v023(srv, "profiles", [v023_field("user", "relation", collectionId=users["id"], maxSelect=1),
                                  v023_field("avatar", "file", maxSelect=1, maxSize=1048576, protected=True)],
                listRule="user = @request.auth.id", viewRule="user = @request.auth.id",
                createRule="@request.auth.id != \"\" && @request.body.user = @request.auth.id",
                updateRule="user = @request.auth.id && @request.body.user:isset = false",
                deleteRule="user = @request.auth.id")
    ok(srv.api("PATCH", "/api/settings", {
        "logs": {"maxDays": 14, "logIP": True},
        "backups": {"cron": "0 3 * * *", "cronMaxKeep": 7},
        "smtp": {"enabled": True, "host": "127.0.0.1", "port": 2525, "username": "mailer",
                 "password": SECRETS["smtp"]},
        "trustedProxy": {"headers": ["X-Forwarded-For"], "useLeftmostIP": False},
        "superuserIPs": ["127.0.0.0/8"],
        "s3": {"enabled": True, "bucket": "pb-files", "region": "eu-1", "endpoint": "https://s3.corp.test",
               "accessKey": "AKIAPBGPLANTED", "secret": SECRETS["s3"], "forcePathStyle": True},
        "rateLimits": {"enabled": True, "rules": [
            {"label": "*:auth", "maxRequests": 3, "duration": 10},
            {"label": "*:requestOTP", "maxRequests": 3, "duration": 60},
            {"label": "*:requestPasswordReset", "maxRequests": 3, "duration": 60},
            {"label": "/api/", "maxRequests": 300, "duration": 10}]},
    }), "settings")
    ok(srv.api("PATCH", "/api/collections/_superusers", {"mfa": {"enabled": True}, "otp": {"enabled": True}}),
       "superuser mfa")
    hooks, manifest = write_hooks(tmp_path, {"tickets.pb.js": GOOD_HOOK_V023}, {"tickets.pb.js": GOOD_HOOK_V023})
    restrict_modes(srv)
    return token, hooks, manifest


def restrict_modes(srv):
    """What the pocketbase role does on a host: data dir 0700, data.db 0600."""
    os.chmod(srv.data_dir, 0o700)
    for name in os.listdir(srv.data_dir):
        path = os.path.join(srv.data_dir, name)
        if os.path.isfile(path):
            os.chmod(path, 0o600)


HARDENED_V040_INTENT = dict(
    public_rules={"posts": ["listRule", "viewRule"], "users": ["createRule"]},
    expected_collections=["users", "posts", "profiles"],
    expected_auth_methods={"users": ["password"]},
    pinned_version="0.40.6",
)


# Every api-scope control passes on the hardened 0.40.6 server (asserted per control below).
HARDENED_V040_PASS = {
    "PBG-ADM-001", "PBG-ADM-002", "PBG-ADM-003", "PBG-ADM-004", "PBG-ADM-005", "PBG-ADM-007",
    "PBG-RUL-001", "PBG-RUL-002", "PBG-RUL-003", "PBG-RUL-004", "PBG-RUL-005", "PBG-RUL-006", "PBG-RUL-007",
    "PBG-RUL-008", "PBG-RUL-009", "PBG-RUL-010", "PBG-RUL-011", "PBG-RUL-012", "PBG-RUL-013", "PBG-RUL-014",
    "PBG-RUL-015", "PBG-RUL-016", "PBG-RUL-017",
    "PBG-AUT-001", "PBG-AUT-002", "PBG-AUT-003", "PBG-AUT-004", "PBG-AUT-005", "PBG-AUT-006", "PBG-AUT-007",
    "PBG-FIL-001", "PBG-FIL-002",
    "PBG-MON-001", "PBG-MON-002", "PBG-MON-003", "PBG-MON-004", "PBG-MON-005", "PBG-MON-006",
    "PBG-VER-001", "PBG-VER-002", "PBG-IOC-001", "PBG-IOC-002",
    "PBG-HOK-001", "PBG-HOK-002", "PBG-HOK-003", "PBG-HOK-004", "PBG-HOK-005", "PBG-HOK-006",
    "PBG-IOC-003",
}


def test_hardened_v040_no_failure(pb_server_factory, tmp_path):
    hooks_dir = tmp_path / "pb_hooks"
    hooks_dir.mkdir()
    srv = pb_server_factory("0.40.6", email=OWNER, hooks_dir=str(hooks_dir))
    token, hooks, manifest = harden_v040(srv, tmp_path)
    args = audit_args(srv, tmp_path, hooks, manifest, probe_credentials=True, **HARDENED_V040_INTENT)
    args["fail_on"] = "info"
    args["fail_on_error"] = False  # errors are asserted below: the rate-limited credential probe (PBG-ADM-006)
    res = srv.run_module("pocketbase_audit", connection=False, url=srv.url, token=token, **args)
    report = res["report"]
    assert not res.failed, sorted(fail_targets(report))
    assert report["summary"]["fail"] == 0
    assert report["summary"]["pass"] >= 30
    # the opt-in credential probe is rate-limit aware: it stops at the first 429 (the spelling variants
    # of the superuser login, probed before it, share the same rate-limit budget and are left out here)
    statuses = [r[2] for r in res["probe_requests"] if r[1].endswith("/_superusers/auth-with-password")]
    assert 429 in statuses and statuses[-1] == 429 and statuses.count(429) == 1, statuses
    # the returned report (default return_findings=non_pass) counts the passes per control; the JSON
    # report file holds every finding
    assert report["findings_returned"] == "non_pass"
    assert not [f for f in report["findings"] if f["status"] == "pass"]
    assert sum(report["pass_by_control"].values()) == report["summary"]["pass"]
    by_control = {}
    for f in report["findings"]:
        by_control.setdefault(f["control"], set()).add(f["status"])
    for control in report["pass_by_control"]:
        by_control.setdefault(control, set()).add("pass")
    assert {c: by_control.get(c) for c in HARDENED_V040_PASS if by_control.get(c) != {"pass"}} == {}
    # issue 17: a probe the rate limiter stopped tried only some passwords: unknown, never pass
    adm6 = [f for f in report["findings"] if f["control"] == "PBG-ADM-006"][0]
    assert adm6["status"] == "error" and "429" in adm6["evidence"], adm6
    # the api controls really ran: none of them errored
    assert not [f for f in report["findings"] if f["scope"] == "api" and f["status"] == "error"]
    written = validate_formats(res["report_files"])
    assert [f["status"] for f in written["findings"]].count("pass") == report["summary"]["pass"]
    assert len(written["findings"]) == len(report["findings"]) + report["summary"]["pass"]
    assert_no_secret(res, res["report_files"], list(SECRETS.values()) + [srv.password, token])


# --------------------------------------------------------------------------- 0.22.27

def create_v022(srv, name, schema, ctype="base", options=None, **rules):
    body = {"name": name, "type": ctype, "schema": schema}
    if options:
        body["options"] = options
    body.update(rules)
    for _attempt in range(5):
        resp = srv.api("POST", "/api/collections", body)
        if resp.status == 200:
            return resp.json
        time.sleep(1.1)  # 0.22 automigrate: two changes within a second collide
    return ok(resp, "create " + name)


def patch_v022(srv, path, body):
    for _attempt in range(5):
        resp = srv.api("PATCH", path, body)
        if resp.status == 200:
            return resp.json
        time.sleep(1.1)
    return ok(resp, "patch " + path)


def plant_v022(srv, tmp_path):
    users = ok(srv.api("GET", "/api/collections/users"), "users")
    opts = dict(users["options"], allowOAuth2Auth=True, onlyVerified=False)
    patch_v022(srv, "/api/collections/users", {"options": opts})
    create_v022(srv, "tickets", [{"name": "title", "type": "text"}, {"name": "webhookUrl", "type": "text"}],
                listRule="", viewRule="", createRule="@request.auth.id != \"\"")
    create_v022(srv, "profiles", [
        {"name": "user", "type": "relation", "options": {"collectionId": users["id"], "maxSelect": 1}},
        {"name": "avatar", "type": "file", "options": {"maxSelect": 1, "maxSize": 1048576, "protected": False}}],
        listRule="user = @request.auth.id", viewRule="user = @request.auth.id",
        createRule="@request.data.isAdmin = true", updateRule="@request.auth.id != \"\"",
        deleteRule="user = @request.auth.id")
    create_v022(srv, "permissions", [{"name": "user", "type": "text"}, {"name": "level", "type": "text"}],
                viewRule="")
    create_v022(srv, "reports", [{"name": "title", "type": "text"}],
                listRule="@collection.permissions.user ?= @request.auth.id && @collection.permissions.level = \"admin\"")
    patch_v022(srv, "/api/settings", {
        "logs": {"maxDays": 0},
        "smtp": {"enabled": False, "host": "smtp.corp.test", "port": 587, "username": "mailer",
                 "password": SECRETS["smtp"]},
        "githubAuth": {"enabled": True, "clientId": "pbg-client-id", "clientSecret": SECRETS["oauth"]},
    })
    for email in (INTRUDER, "admin@example.com", "team@corp.test"):  # unexpected, default-looking, shared
        ok(srv.api("POST", "/api/admins", {"email": email, "password": "pbg-" + SECRETS["weak_user"],
                                           "passwordConfirm": "pbg-" + SECRETS["weak_user"]}), "admin " + email)
    return write_hooks(tmp_path, {"webhooks.pb.js": BAD_HOOK_V022, "rogue.pb.js": GOOD_HOOK_V022},
                       {"webhooks.pb.js": BAD_HOOK_V022})


EXPECTED_V022 = {
    ("PBG-RUL-001", "collection:tickets.listRule"),
    ("PBG-RUL-001", "collection:permissions.viewRule"),
    ("PBG-RUL-003", "collection:profiles.updateRule"),
    ("PBG-RUL-004", "collection:profiles.createRule"),
    ("PBG-RUL-006", "collection:reports.listRule"),
    ("PBG-AUT-002", "collection:users.authRule"),
    ("PBG-AUT-003", "collection:users.oauth2"),
    ("PBG-FIL-001", "collection:profiles.avatar"),
    ("PBG-MON-003", "setting:logs.maxDays"),
    ("PBG-MON-005", "setting:backups.cron"),
    ("PBG-IOC-001", "superuser:" + INTRUDER),
    ("PBG-HOK-005", "hook:rogue.pb.js"),
    ("PBG-VER-002", "advisory:CVE-2026-44166"),
    ("PBG-VER-002", "advisory:CVE-2026-82410"),
}
EXPECTED_V022_CONTROLS = {"PBG-HOK-001", "PBG-HOK-002", "PBG-HOK-003", "PBG-HOK-006", "PBG-ADM-001", "PBG-ADM-002",
                          "PBG-ADM-003", "PBG-AUT-005"}


def test_misconfigured_v022_every_plant_found(pb_server_factory, tmp_path):
    hooks_dir = tmp_path / "pb_hooks"
    hooks_dir.mkdir()
    srv = pb_server_factory("0.22.27", email=OWNER, hooks_dir=str(hooks_dir))
    hooks, manifest = plant_v022(srv, tmp_path)
    res = srv.run_module("pocketbase_audit", **audit_args(srv, tmp_path, hooks, manifest,
                                                          expected_superusers=[srv.email, "missing@corp.test"]))
    assert not res.failed, res.msg
    report = res["report"]
    missing = EXPECTED_V022 - fail_targets(report)
    assert not missing, "planted items not reported: %s" % sorted(missing)
    assert EXPECTED_V022_CONTROLS <= failing_controls(report)
    validate_formats(res["report_files"])
    assert_no_secret(res, res["report_files"], list(SECRETS.values()) + [srv.password])


def test_hardened_v022_no_failure(pb_server_factory, tmp_path):
    hooks_dir = tmp_path / "pb_hooks"
    hooks_dir.mkdir()
    srv = pb_server_factory("0.22.27", email=OWNER, hooks_dir=str(hooks_dir))
    users = ok(srv.api("GET", "/api/collections/users"), "users")
    opts = dict(users["options"], allowOAuth2Auth=False, onlyVerified=True, minPasswordLength=12)
    schema = users["schema"]
    for field in schema:
        if field["type"] == "file":
            field["options"]["protected"] = True
    patch_v022(srv, "/api/collections/users", {"options": opts, "schema": schema})
    create_v022(srv, "posts", [{"name": "title", "type": "text"},
                               {"name": "author", "type": "relation",
                                "options": {"collectionId": users["id"], "maxSelect": 1}}],
                listRule="", viewRule="",
                createRule="@request.auth.id != \"\" && @request.data.author = @request.auth.id",
                updateRule="author = @request.auth.id && @request.data.author:isset = false",
                deleteRule="author = @request.auth.id")
    patch_v022(srv, "/api/settings", {"logs": {"maxDays": 14, "logIp": True},
                                      "backups": {"cron": "0 3 * * *", "cronMaxKeep": 7},
                                      "recordAuthToken": {"duration": 604800},
                                      "recordVerificationToken": {"duration": 259200},
                                      "recordPasswordResetToken": {"duration": 1800},
                                      "recordFileToken": {"duration": 180}})
    hooks, manifest = write_hooks(tmp_path, {"tickets.pb.js": GOOD_HOOK_V022}, {"tickets.pb.js": GOOD_HOOK_V022})
    restrict_modes(srv)
    waivers = [{"control": "PBG-VER-002", "target": "advisory:CVE-2026-*",
                "justification": "no fixed 0.22 build packaged yet; upgrade to 0.40 planned",
                "expires": "2999-12-31"}]
    args = audit_args(srv, tmp_path, hooks, manifest, waivers=waivers, fail_on="info",
                      public_rules={"posts": ["listRule", "viewRule"], "users": ["createRule"]},
                      expected_collections=["users", "posts"], expected_auth_methods={"users": ["password"]},
                      pinned_version="0.22.27")
    args["fail_on_error"] = False  # host facts this test cannot give (no systemd unit) are errors; api ones asserted below
    res = srv.run_module("pocketbase_audit", **args)
    report = res["report"]
    assert not res.failed, sorted(fail_targets(report))
    assert report["summary"]["fail"] == 0
    assert report["summary"]["waived"] == 2
    assert not [f for f in report["findings"] if f["scope"] == "api" and f["status"] == "error"]
    validate_formats(res["report_files"])
    assert_no_secret(res, res["report_files"], [srv.password])


def test_unreachable_is_error_not_pass_and_check_mode_writes_nothing(run_module, closed_port_url, tmp_path):
    res = run_module("pocketbase_audit", check=True, url=closed_port_url, email="a@corp.test",
                     password="pbg-unused-Secret-41", scope=["api", "probe"], profile="strict",
                     report_dir=str(tmp_path / "reports"), fail_on_error=False)  # default fails: test_audit_failclosed
    assert not res.failed, res.msg
    statuses = {f["status"] for f in res["report"]["findings"]}
    assert "pass" not in statuses and "error" in statuses
    assert any("Cannot reach PocketBase" in f["evidence"] for f in res["report"]["findings"])
    assert res["report_files"] == {} and not (tmp_path / "reports").exists()
    assert "pbg-unused-Secret-41" not in res.raw


def test_v030_advisories_and_version_gaps(pb_server_factory):
    srv = pb_server_factory("0.30.4", email=OWNER)
    res = srv.run_module("pocketbase_audit", scope=["api"], profile="strict", fail_on="never",
                         expected_superusers=[srv.email], return_findings="all")
    assert not res.failed, res.msg
    by = {(f["control"], f["target"]): f for f in res["report"]["findings"]}
    assert res["report"]["target"]["pocketbase_version"] == "0.30.4"
    assert by[("PBG-VER-002", "advisory:CVE-2026-44166")]["status"] == "fail"
    assert by[("PBG-VER-002", "advisory:CVE-2026-82410")]["status"] == "fail"
    assert by[("PBG-VER-002", "advisory:CVE-2026-82410")]["severity"] == "high"
    assert by[("PBG-VER-002", "advisory:CVE-2024-38351")]["status"] == "pass"
    assert by[("PBG-ADM-005", "control")]["status"] == "not_applicable"  # superuserIPs arrived in 0.38
    assert not [f for f in res["report"]["findings"] if f["status"] == "error"]


# Which control ids the real-server tests above assert, by the status they demonstrate (read by
# tests/unit/test_control_cases.py: every api-scope control must appear here). PBG-RUL-011..017 are
# also exploited, failed and fixed one by one in tests/integration/test_rule_logic_exploits.py.
# test_depthcoll.py exploits each of these over HTTP, asserts the control fails, fixes, asserts it passes.
DEPTHCOLL_ASSERTS = {"PBG-RUL-020", "PBG-AUT-007", "PBG-MON-006"}
REAL_SERVER_ASSERTS = {
    "fail": sorted(set(c for c, _t in EXPECTED_V040 | EXPECTED_V022) | EXPECTED_V040_CONTROLS |
                   EXPECTED_V022_CONTROLS | DEPTHCOLL_ASSERTS),
    "pass": sorted(HARDENED_V040_PASS | DEPTHCOLL_ASSERTS),
}
