# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Control catalog: shape, docs freshness, one case per check on the normalized snapshot."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def collection(name, ctype="base", rules=None, fields=None, auth=None, system=False):
    base_rules = {"listRule": None, "viewRule": None, "createRule": None, "updateRule": None,
                  "deleteRule": None, "authRule": None, "manageRule": None}
    base_rules.update(rules or {})
    return {"id": "id_" + name, "name": name, "type": ctype, "system": system, "rules": base_rules,
            "fields": fields or [], "auth": auth}


def auth_block(**over):
    a = {"password": {"enabled": True, "identity_fields": ["email"]},
         "oauth2": {"enabled": False, "providers": []},
         "otp": {"enabled": False, "duration": 180, "length": 8},
         "mfa": {"enabled": False, "duration": 600, "rule": ""},
         "only_verified": True, "min_password_length": 12,
         "token_durations": {"auth": 432000, "password_reset": 1800, "verification": 86400, "file": 180},
         "only_email_domains": [], "except_email_domains": []}
    a.update(over)
    return a


def good_snapshot():
    return {
        "version": "0.40.6", "generation": "v023",
        "health": {"code": 200, "message": "API is healthy.", "can_backup": True},
        "settings": {
            "superuserIPs": ["10.0.0.0/8"],
            "smtp": {"enabled": True, "password": "********"},
            "s3": {"enabled": False, "secret": ""},
            "backups": {"cron": "0 3 * * *", "s3": {"enabled": False}},
            "rateLimits": {"enabled": True, "excludedIPs": [], "rules": [
                {"label": "*:auth"}, {"label": "*:requestOTP"}, {"label": "*:requestPasswordReset"}]},
            "trustedProxy": {"headers": ["X-Forwarded-For"], "useLeftmostIP": False},
            "logs": {"maxDays": 14, "logIP": True},
        },
        "collections": [
            collection("_superusers", "auth", {"authRule": ""}, auth=auth_block(), system=True),
            collection("users", "auth", {"listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id",
                                         "createRule": "", "updateRule": "id = @request.auth.id",
                                         "deleteRule": "id = @request.auth.id", "authRule": "verified = true"},
                       fields=[{"name": "avatar", "type": "file", "protected": True}], auth=auth_block()),
            collection("posts", rules={"listRule": "", "viewRule": "", "updateRule": "author = @request.auth.id"},
                       fields=[{"name": "cover", "type": "file", "protected": False}]),
        ],
        "superusers": [{"id": "a", "email": "alice@corp.test", "verified": True}],
        "superuser_auth": {"password": True, "mfa": True, "otp": True},
    }


PARAMS = {"expected_superusers": ["alice@corp.test"],
          "public_rules": {"posts": ["listRule", "viewRule"], "users": ["createRule"]},
          "url": "http://127.0.0.1:8090"}


def run(snapshot, ids, params=None, **ctx):
    context = C.AuditContext(dict(PARAMS, **(params or {})), snapshot=snapshot, **ctx)
    return C.run_controls(context, [C.CONTROLS_BY_ID[i] for i in ids])


def statuses(findings):
    return {(f["control"], f["target"]): f["status"] for f in findings}


API_IDS = [c["id"] for c in C.CONTROLS if c["scope"] == "api"]


def test_catalog_shape():
    ids = [c["id"] for c in C.CONTROLS]
    assert len(ids) == len(set(ids))
    areas = set()
    for c in C.CONTROLS:
        assert re.match(r"^PBG-(NET|ADM|RUL|AUT|FIL|HOK|MON|VER|IOC|SYS)-\d{3}$", c["id"])
        assert c["severity"] in C.SEVERITIES and c["scope"] in C.SCOPES and c["profile"] in C.PROFILES
        assert c["title"] and c["rationale"] and c["remediation"] and c["source"]
        assert callable(c["check"])
        areas.add(c["area"])
    assert areas == {"NET", "ADM", "RUL", "AUT", "FIL", "HOK", "MON", "VER", "IOC", "SYS"}
    # every article pattern and checklist section is covered
    sources = " ".join(c["source"] for c in C.CONTROLS)
    for n in range(1, 8):
        assert "Pattern %d" % n in sources
    for sec in ("Infrastructure", "Admin access", "Collections and rules", "Authentication", "Files", "Hooks",
                "Monitoring", "Detection"):
        assert "Checklist: %s" % sec in sources or sec in sources


def test_docs_controls_md_is_fresh():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_controls_doc.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_docs_lists_every_control():
    with open(os.path.join(ROOT, "docs", "controls.md"), encoding="utf-8") as fh:
        doc = fh.read()
    for c in C.CONTROLS:
        assert "### %s" % c["id"] in doc


def test_good_snapshot_has_no_api_failure():
    findings = run(good_snapshot(), API_IDS,
                   {"expected_collections": ["users", "posts"], "expected_auth_methods": {"users": ["password"]},
                    "pinned_version": "0.40.6"})
    bad = [(f["control"], f["target"], f["evidence"]) for f in findings if f["status"] in ("fail", "error")]
    assert not bad


@pytest.mark.parametrize("mutate, expected", [
    (lambda s: s["collections"][2]["rules"].update(createRule=""), ("PBG-RUL-001", "collection:posts.createRule")),
    (lambda s: s["collections"][1]["rules"].update(updateRule="@request.auth.id != \"\""),
     ("PBG-RUL-003", "collection:users.updateRule")),
    (lambda s: s["collections"][2]["rules"].update(createRule="@request.body.isAdmin = true"),
     ("PBG-RUL-004", "collection:posts.createRule")),
    (lambda s: s["collections"][2]["rules"].update(deleteRule="id != \"\""),
     ("PBG-RUL-002", "collection:posts.deleteRule")),
    (lambda s: s["collections"][2]["rules"].update(updateRule="@request.data.x = 1 && author = @request.auth.id"),
     ("PBG-RUL-007", "collection:posts.updateRule")),
    (lambda s: s["collections"][2]["rules"].update(updateRule="author = = "),
     ("PBG-RUL-008", "collection:posts.updateRule")),
    (lambda s: s["collections"][1]["auth"].update(only_verified=False), ("PBG-AUT-002", "collection:users.authRule")),
    (lambda s: s["collections"][1]["auth"].update(
        only_verified=False, oauth2={"enabled": True, "providers": ["github"]}),
     ("PBG-AUT-003", "collection:users.oauth2")),
    (lambda s: s["collections"][1]["auth"].update(min_password_length=8), ("PBG-AUT-004", "collection:users.password")),
    (lambda s: s["collections"][1]["auth"]["token_durations"].update(auth=2592000),
     ("PBG-AUT-005", "collection:users.tokens")),
    (lambda s: s["collections"][1]["auth"].update(oauth2={"enabled": True, "providers": []}),
     ("PBG-AUT-006", "collection:users.auth")),
    (lambda s: s["collections"][1]["auth"].update(otp={"enabled": True}),
     ("PBG-AUT-001", "collection:users.auth")),
    (lambda s: s["collections"][1]["fields"][0].update(protected=False), ("PBG-FIL-001", "collection:users.avatar")),
    (lambda s: s["settings"]["s3"].update(enabled=True, endpoint="http://minio:9000", bucket="b"),
     ("PBG-FIL-002", "setting:s3")),
    (lambda s: s["settings"]["rateLimits"].update(enabled=False), ("PBG-MON-001", "setting:rateLimits.enabled")),
    (lambda s: s["settings"]["rateLimits"].update(rules=[{"label": "*:auth"}]),
     ("PBG-MON-002", "setting:rateLimits.rules")),
    (lambda s: s["settings"]["logs"].update(maxDays=0), ("PBG-MON-003", "setting:logs.maxDays")),
    (lambda s: s["settings"]["logs"].update(logIP=False), ("PBG-MON-004", "setting:logs.logIP")),
    (lambda s: s["settings"]["backups"].update(cron=""), ("PBG-MON-005", "setting:backups.cron")),
    (lambda s: s["settings"]["trustedProxy"].update(useLeftmostIP=True),
     ("PBG-MON-006", "setting:trustedProxy.useLeftmostIP")),
    (lambda s: s["settings"].update(superuserIPs=[]), ("PBG-ADM-005", "setting:superuserIPs")),
    (lambda s: s.update(superuser_auth={"password": True, "mfa": False, "otp": False}),
     ("PBG-ADM-004", "collection:_superusers.mfa")),
    (lambda s: s["superusers"].append({"id": "b", "email": "admin@example.com"}),
     ("PBG-ADM-001", "superuser:admin@example.com")),
    (lambda s: s["superusers"].append({"id": "b", "email": "team@corp.test"}),
     ("PBG-ADM-002", "superuser:team@corp.test")),
    (lambda s: s["collections"].append(collection("directory", "view", {"listRule": "@request.auth.id != \"\""},
                                                  fields=[{"name": "mail", "type": "email"}]))
     or s["collections"][-1].update(view_query="SELECT u.id, u.email AS mail FROM users u"),
     ("PBG-RUL-020", "collection:directory.mail")),
    (lambda s: s["collections"][1]["auth"]["token_durations"].update(file=86400),
     ("PBG-AUT-007", "collection:users.tokens")),
    (lambda s: s["superusers"].append({"id": "b", "email": "__pbinstaller@example.com"}),
     ("PBG-ADM-007", "superuser:__pbinstaller@example.com")),
    (lambda s: s.update(superusers=[]), ("PBG-ADM-007", "superusers")),
    (lambda s: s["superusers"].append({"id": "b", "email": "mallory@evil.test"}),
     ("PBG-IOC-001", "superuser:mallory@evil.test")),
    (lambda s: s["collections"].append(collection("exfil")), ("PBG-IOC-002", "collection:exfil")),
    (lambda s: s.update(version="0.36.9"), ("PBG-VER-002", "advisory:CVE-2026-44166")),
    (lambda s: s.update(version="0.39.6"), ("PBG-VER-002", "advisory:CVE-2026-82410")),
    (lambda s: s.update(version="0.22.13"), ("PBG-VER-002", "advisory:CVE-2024-38351")),
    (lambda s: s.update(version="0.40.5"), ("PBG-VER-001", "version:0.40.5")),
])
def test_each_api_check_can_fail(mutate, expected):
    snap = good_snapshot()
    mutate(snap)
    findings = run(snap, API_IDS, {"expected_collections": ["users", "posts"],
                                   "expected_auth_methods": {"users": ["password"]}, "pinned_version": "0.40.6"})
    assert statuses(findings).get(expected) == "fail", [(f["control"], f["target"], f["status"])
                                                        for f in findings if f["control"] == expected[0]]


def test_join_over_readable_collection():
    snap = good_snapshot()
    snap["collections"].append(collection("permissions", rules={"viewRule": "@request.auth.id != \"\""}))
    snap["collections"].append(collection("reports", rules={
        "listRule": "@collection.permissions.user ?= @request.auth.id && @collection.permissions.level = \"admin\""}))
    st = statuses(run(snap, ["PBG-RUL-005", "PBG-RUL-006"]))
    assert st[("PBG-RUL-006", "collection:reports.listRule")] == "fail"
    assert st[("PBG-RUL-005", "collection:reports.listRule")] == "fail"


def test_declared_public_is_pass_and_undeclared_fails():
    snap = good_snapshot()
    st = statuses(run(snap, ["PBG-RUL-001"], {"public_rules": {}}))
    assert st[("PBG-RUL-001", "collection:posts.listRule")] == "fail"
    assert st[("PBG-RUL-001", "collection:users.createRule")] == "fail"
    assert statuses(run(snap, ["PBG-RUL-001"])) == {("PBG-RUL-001", "collections"): "pass"}


def test_unknown_is_not_pass():
    ctx = C.AuditContext(PARAMS, snapshot=None, snapshot_error="Cannot reach PocketBase")
    findings = C.run_controls(ctx, [C.CONTROLS_BY_ID[i] for i in API_IDS])
    assert {f["status"] for f in findings} <= {"error", "not_applicable"}
    assert any("Cannot reach PocketBase" in f["evidence"] for f in findings)
    hctx = C.AuditContext(PARAMS, host=None, host_error="host scope not selected")
    host_findings = C.run_controls(hctx, [c for c in C.CONTROLS if c["scope"] == "host"])
    assert {f["status"] for f in host_findings} == {"error"}


def test_v022_specifics():
    snap = good_snapshot()
    snap.update(generation="v022", version="0.22.27", superuser_auth={"password": True, "mfa": False, "otp": False})
    for key in ("superuserIPs", "rateLimits", "trustedProxy"):
        snap["settings"].pop(key)
    st = statuses(run(snap, ["PBG-ADM-004", "PBG-ADM-005", "PBG-MON-001", "PBG-MON-006", "PBG-VER-002"]))
    assert st[("PBG-ADM-004", "control")] == "not_applicable"
    assert st[("PBG-ADM-005", "control")] == "not_applicable"
    assert st[("PBG-MON-001", "control")] == "not_applicable"
    assert st[("PBG-VER-002", "advisory:CVE-2026-44166")] == "fail"
    assert st[("PBG-VER-002", "advisory:CVE-2024-38351")] == "pass"


@pytest.mark.parametrize("version, cve, hit", [
    ("0.22.13", "CVE-2024-38351", True), ("0.22.14", "CVE-2024-38351", False),
    ("0.22.41", "CVE-2026-44166", True), ("0.22.42", "CVE-2026-44166", False),
    ("0.29.9", "CVE-2026-44166", False), ("0.30.0", "CVE-2026-44166", True), ("0.37.3", "CVE-2026-44166", True),
    ("0.37.4", "CVE-2026-44166", False), ("0.22.47", "CVE-2026-82410", True), ("0.22.48", "CVE-2026-82410", False),
    ("0.23.0", "CVE-2026-82410", True), ("0.39.6", "CVE-2026-82410", True), ("0.39.7", "CVE-2026-82410", False),
    ("0.40.6", "CVE-2026-82410", False),
])
def test_advisory_ranges(version, cve, hit):
    adv = [a for a in C.ADVISORIES if a["id"] == cve][0]
    assert C.affected(version, adv) is hit


def test_select_controls_profile_scope_and_globs():
    base = C.select_controls(["api"], "baseline")
    strict = C.select_controls(["api"], "strict")
    assert {c["profile"] for c in base} == {"baseline"}
    assert set(c["id"] for c in base) < set(c["id"] for c in strict)
    assert all(c["scope"] == "api" for c in strict)
    only = C.select_controls(["api", "host", "probe"], "strict", include=["PBG-RUL-*"], exclude=["PBG-RUL-005"])
    assert only and all(c["id"].startswith("PBG-RUL-") and c["id"] != "PBG-RUL-005" for c in only)


def test_waivers_apply_expire_and_validate():
    findings = [{"control": "PBG-MON-005", "target": "setting:backups.cron", "status": "fail", "evidence": "x"},
                {"control": "PBG-RUL-001", "target": "collection:a.listRule", "status": "fail", "evidence": "y"},
                {"control": "PBG-RUL-001", "target": "collection:b.listRule", "status": "fail", "evidence": "z"},
                {"control": "PBG-MON-003", "target": "setting:logs.maxDays", "status": "pass", "evidence": "ok"}]
    waivers = [{"control": "PBG-MON-*", "justification": "snapshots", "expires": "2026-01-01"},
               {"control": "PBG-RUL-001", "target": "collection:a.*", "justification": "public board",
                "expires": datetime.date(2030, 1, 1)}]
    out = C.apply_waivers(findings, waivers, today=datetime.date(2026, 6, 1))
    assert [f["status"] for f in out] == ["fail", "waived", "fail", "pass"]
    assert out[0]["evidence"].startswith("waiver expired on 2026-01-01")
    assert out[0]["waiver"]["expired"] is True
    assert out[1]["waiver"]["justification"] == "public board"
    assert "waiver" not in out[3]
    # same waiver still valid on its last day
    assert C.apply_waivers(findings[:1], waivers, today=datetime.date(2026, 1, 1))[0]["status"] == "waived"
    assert C.validate_waivers(waivers) == []
    problems = C.validate_waivers([{"control": "X"}, {"justification": "j", "expires": "soon"}, "nope"])
    assert len(problems) == 5


def test_waivers_copy_only_the_findings_they_change():
    findings = [{"control": "PBG-RUL-001", "target": "collection:a.listRule", "status": "fail", "evidence": "y"},
                {"control": "PBG-RUL-003", "target": "collection:b.listRule", "status": "fail", "evidence": "z"}]
    waivers = [{"control": "PBG-RUL-001", "justification": "public board", "expires": "2999-01-01"}]
    out = C.apply_waivers(findings, waivers, today=datetime.date(2026, 6, 1))
    assert out[1] is findings[1], "a finding no waiver matches is not copied"
    assert out[0] is not findings[0] and findings[0]["status"] == "fail" and "waiver" not in findings[0]
    assert out[0]["status"] == "waived"
    unwaived = C.apply_waivers(findings, [], today=datetime.date(2026, 6, 1))
    assert unwaived == findings and unwaived is not findings
    assert all(a is b for a, b in zip(unwaived, findings))


def test_run_controls_drops_the_caches_checks_built_on_the_context():
    context = C.AuditContext(PARAMS, snapshot=good_snapshot())
    findings = C.run_controls(context, [C.CONTROLS_BY_ID[i] for i in ("PBG-RUL-001", "PBG-RUL-011")])
    assert findings
    assert context._rule_lint is None and context._rule_logic_schema is None  # pylint: disable=protected-access
    assert context.rule_lint(), "recomputed on demand"


def test_rule_evidence_masks_long_literals():
    snap = good_snapshot()
    snap["collections"][2]["rules"]["updateRule"] = '@request.headers.x_token = "pbg-shared-secret-1234567"'
    findings = run(snap, API_IDS)
    assert "pbg-shared-secret-1234567" not in json.dumps(findings)


def test_parse_exec_start_and_listeners():
    argv, flags = C.parse_exec_start(
        "{ path=/opt/pocketbase/current/pocketbase ; argv[]=/opt/pocketbase/current/pocketbase serve "
        "--http=127.0.0.1:8090 --dir=/var/lib/pocketbase/pb_data --origins https://app.example.com "
        "--encryptionEnv PB_KEY ; ignore_errors=no }")
    assert argv[0] == "/opt/pocketbase/current/pocketbase"
    assert flags["--http"] == "127.0.0.1:8090" and flags["--origins"] == "https://app.example.com"
    assert flags["--encryptionEnv"] == "PB_KEY"
    _argv, flags = C.parse_exec_start("/usr/local/bin/pocketbase serve pb.example.com")
    assert flags["domains"] == ["pb.example.com"]
    ss = ('LISTEN 0 4096 0.0.0.0:8090 0.0.0.0:* users:(("pocketbase",pid=42,fd=7))\n'
          'LISTEN 0 4096 127.0.0.1:9999 0.0.0.0:* users:(("pocketbase",pid=77,fd=7))\n')
    assert C.parse_listeners(ss, "42") == ["0.0.0.0:8090"]
    assert C.parse_listeners(ss, None, 8090) == ["0.0.0.0:8090"]
    assert C.parse_listeners(ss, None, 1234) == []
    assert C.parse_listeners("LISTEN 0 4096 127.0.0.1:8090 0.0.0.0:*\nLISTEN 0 1 0.0.0.0:22 0.0.0.0:*", "93") == \
        ["127.0.0.1:8090"]


def host_facts(**over):
    facts = {"unit": "pocketbase.service", "unit_loaded": True, "unit_user": "pocketbase",
             "exec_start": "x", "exec_flags": {"--http": "127.0.0.1:8090", "--origins": "https://a.example",
                                               "--encryptionEnv": "K"},
             "listeners": ["127.0.0.1:8090"], "exposure": 1.9,
             "service_user": {"name": "pocketbase", "uid": 999, "gids": [999], "shell": "/usr/sbin/nologin"},
             "serves_browser_app": True,
             "public_dirs": [{"dir": "/var/lib/pocketbase/pb_public", "exists": True, "files": [],
                              "truncated": False, "error": None}],
             "public_dir_known": True,
             "paths": {"binary": {"path": "/opt/pb", "mode": 0o755, "writable_by_service_user": False},
                       "data_dir": {"path": "/var/lib/pb", "mode": 0o700},
                       "data_db": {"path": "/var/lib/pb/data.db", "mode": 0o600}},
             "hooks": {"dir": "/h", "files": ["a.pb.js"], "findings": [], "sha256": {"a.pb.js": "ab"},
                       "generation": "v023", "manifest": {"a.pb.js": "ab"}},
             "proxy_configs": {"/etc/caddy/Caddyfile": ROLE_CADDYFILE},
             "proxy_config_paths": ["/etc/caddy/Caddyfile"], "logrotate_configs": {}}
    facts.update(over)
    return facts


# Rendered from roles/pocketbase_proxy/templates (defaults, tls_mode internal, Caddy 2.6.2 / nginx 1.22.1), tabs
# as spaces; the guarded-path regex is roles/pocketbase_proxy/vars/main.yml's __pocketbase_proxy_admin_regex.
ROLE_ADMIN_PATHS = ("/_(/|$)", "/api/admins(/|$)",
                    "/api/collections/(_(?:s|ſ)uperu(?:s|ſ)er(?:s|ſ)|pbc_3142635823)(/|$)",
                    "/api/settings(/|$)", "/api/backups(/|$)", "/api/logs(/|$)", "/api/crons(/|$)",
                    "/api/collections/?$", "/api/collections/[^/]+/?$", "/api/collections/meta(/|$)",
                    "/api/collections/[^/]+/truncate/?$", "/api/collections/[^/]+/impersonate(/|$)")


ROLE_CADDYFILE = """\
# pbguard.pocketbase.pocketbase_proxy: Caddy 2.6.2 in front of PocketBase.

{
    # Never touch the system trust store (internal CA stays in Caddy's data dir).
    skip_install_trust
    # No trusted_proxies: remote_ip below is always the TCP peer; client-sent
    # X-Forwarded-For is never believed at the edge.
}

# PBG-NET-003: plain HTTP only redirects (explicit, so no Server header leaks here either)
http://pb.example.com {
    header -Server
    redir https://pb.example.com{uri} 308
}

https://pb.example.com {

    # PBG-NET-010: body size limit
    request_body {
        max_size 32MB
    }

    # PBG-NET-008: security headers; Caddy's own Server header removed
    header {
        Strict-Transport-Security "max-age=31536000"
        X-Content-Type-Options "nosniff"
        Referrer-Policy "strict-origin-when-cross-origin"
        -Server
        -X-Powered-By
    }
    @pbg_dashboard path /_ /_/*
    header @pbg_dashboard {
        defer
        X-Frame-Options "DENY"
        +Content-Security-Policy "frame-ancestors 'none'"
    }

    # PBG-NET-004 (/_/), PBG-NET-005 (superuser API and other superuser-only endpoints)
    @pbg_admin_denied {
        path_regexp pbg_admin_denied @ADMIN_RE@
        not remote_ip 127.0.0.1/32 ::1/128
    }

    route {
        respond /healthz "OK" 200
        respond @pbg_admin_denied "Forbidden" 403
        # PBG-NET-009: the client-IP header carries only the TCP peer address. Without
        # trusted_proxies Caddy already replaces X-Forwarded-For/-Proto/-Host with its own values.
        reverse_proxy 127.0.0.1:8090
    }

    # PBG-MON-007: JSON access log with rotation
    log {
        output file /var/log/caddy/pocketbase-access.log {
            roll_size 50MiB
            roll_keep 14
            roll_keep_for 720h
        }
        format json
    }
}
"""


ROLE_NGINX_SITE = """\
# pbguard.pocketbase.pocketbase_proxy: nginx 1.22.1 in front of PocketBase.
# Included in the http {} context (conf.d).

# PBG-MON-007: JSON access log (no query strings: they can carry file/backup tokens)
log_format pbguard_json escape=json
    '{"time":"$time_iso8601","remote_addr":"$realip_remote_addr","method":"$request_method",'
    '"uri":"$uri","status":$status,"bytes":$body_bytes_sent,"request_time":$request_time,'
    '"upstream_status":"$upstream_status","host":"$host","user_agent":"$http_user_agent"}';

# PBG-NET-004/PBG-NET-005: allowlist on the TCP peer address ($realip_remote_addr ignores any realip rewrite)
geo $realip_remote_addr $pbguard_admin_allowed {
    default 0;
    127.0.0.1/32 1;
    ::1/128 1;
}

map $uri $pbguard_admin_path {
    default 0;
    "~*@ADMIN_RE_NGINX@" 1;
}

map "$pbguard_admin_path:$pbguard_admin_allowed" $pbguard_admin_denied {
    default 0;
    "1:0" 1;
}

server {
    listen 80;
    listen [::]:80;
    server_name pb.example.com;
    server_tokens off;
    location / {
        return 301 https://pb.example.com$request_uri;
    }
}

server {
    listen 443 ssl http2;
    listen [::]:443 ssl http2;
    server_name pb.example.com;
    server_tokens off;

    # PBG-NET-003: TLS
    ssl_certificate /etc/pbguard/proxy-tls/server-pb.example.com.crt;
    ssl_certificate_key /etc/pbguard/proxy-tls/server-pb.example.com.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_session_tickets off;

    # PBG-NET-010: body size limit
    client_max_body_size 32m;

    access_log /var/log/nginx/pocketbase/access.log pbguard_json;
    error_log /var/log/nginx/pocketbase/error.log warn;

    # Headers for responses produced at server level (the 403 below); locations set their own.
    add_header Strict-Transport-Security "max-age=31536000" always;
    add_header X-Content-Type-Options "nosniff" always;
    add_header Referrer-Policy "strict-origin-when-cross-origin" always;
    add_header X-Frame-Options "DENY" always;
    add_header Content-Security-Policy "frame-ancestors 'none'" always;


    # PBG-NET-004/PBG-NET-005: refuse admin paths to peers outside the allowlist (before any auth prompt)
    if ($pbguard_admin_denied) {
        return 403;
    }

    location = /healthz {
        access_log off;
        default_type text/plain;
        return 200 "OK\\n";
    }

    location ~* ^/_(/|$) {
        add_header Strict-Transport-Security "max-age=31536000" always;
        add_header X-Content-Type-Options "nosniff" always;
        add_header Referrer-Policy "strict-origin-when-cross-origin" always;
        add_header X-Frame-Options "DENY" always;
        add_header Content-Security-Policy "frame-ancestors 'none'" always;
        proxy_pass http://127.0.0.1:8090;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header Connection "";
        # PBG-NET-009: overwrite (never append) the client-IP header with the TCP peer address
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_hide_header X-Powered-By;
        proxy_hide_header X-Content-Type-Options;
        proxy_hide_header X-Frame-Options;
        proxy_hide_header Referrer-Policy;
        proxy_hide_header Strict-Transport-Security;
        # realtime (SSE) needs unbuffered, long-lived responses
        proxy_buffering off;
        proxy_read_timeout 360s;
}

    location / {
        add_header Strict-Transport-Security "max-age=31536000" always;
        add_header X-Content-Type-Options "nosniff" always;
        add_header Referrer-Policy "strict-origin-when-cross-origin" always;
        proxy_pass http://127.0.0.1:8090;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header Connection "";
        # PBG-NET-009: overwrite (never append) the client-IP header with the TCP peer address
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_hide_header X-Powered-By;
        proxy_hide_header X-Content-Type-Options;
        proxy_hide_header X-Frame-Options;
        proxy_hide_header Referrer-Policy;
        proxy_hide_header Strict-Transport-Security;
        # realtime (SSE) needs unbuffered, long-lived responses
        proxy_buffering off;
        proxy_read_timeout 360s;
}
}
"""


ROLE_NGINX_LOGROTATE = """\
/var/log/nginx/pocketbase/*.log {
    daily
    maxsize 50M
    rotate 14
    maxage 30
    missingok
    notifempty
    compress
    delaycompress
    create 0640 www-data adm
    sharedscripts
    postrotate
        if [ -s /run/nginx.pid ]; then kill -USR1 "$(cat /run/nginx.pid)"; fi
    endscript
}
"""


ROLE_CADDYFILE = ROLE_CADDYFILE.replace("@ADMIN_RE@", "(?i)^(?:%s)" % "|".join(ROLE_ADMIN_PATHS))
ROLE_NGINX_SITE = ROLE_NGINX_SITE.replace("@ADMIN_RE_NGINX@", "^(?:%s)" % "|".join(ROLE_ADMIN_PATHS))

ARTICLE_CADDYFILE = """\
pb.example.com {
    @admin {
        path /_/* /api/collections/_superusers/* /api/admins/*
        not remote_ip 203.0.113.10/32
    }
    respond @admin 403
    reverse_proxy 127.0.0.1:8090
    log {
        output file /var/log/caddy/pocketbase.log
    }
}
"""

HOST_IDS = [c["id"] for c in C.CONTROLS if c["scope"] == "host"]


def test_good_host_has_no_failure():
    findings = run(good_snapshot(), HOST_IDS, host=host_facts())
    assert not [(f["control"], f["evidence"]) for f in findings if f["status"] in ("fail", "error")]


@pytest.mark.parametrize("over, control", [
    ({"listeners": ["0.0.0.0:8090"]}, "PBG-NET-001"),
    ({"proxy_configs": {"/etc/caddy/Caddyfile": "pb.example.com {\n reverse_proxy 10.1.1.1:8090\n}"}},
     "PBG-NET-002"),
    ({"proxy_configs": {"/etc/caddy/Caddyfile": "pb.example.com {\n reverse_proxy 127.0.0.1:8090\n}"}},
     "PBG-NET-004"),
    ({"proxy_configs": {"/etc/caddy/Caddyfile": "a {\n file_server browse\n reverse_proxy 127.0.0.1:8090\n}"}},
     "PBG-FIL-003"),
    ({"exec_flags": {"--http": "127.0.0.1:8090"}}, "PBG-NET-007"),
    ({"exec_flags": {"--http": "127.0.0.1:8090", "--origins": "x"}}, "PBG-SYS-004"),
    ({"unit_user": "root"}, "PBG-SYS-001"),
    ({"exposure": 7.5}, "PBG-SYS-003"),
    ({"paths": {"data_dir": {"path": "/d", "mode": 0o755}}}, "PBG-SYS-002"),
    ({"listeners": ["0.0.0.0:8090"]}, "PBG-MON-006"),
    ({"paths": {"binary": {"path": "/b", "mode": 0o775, "writable_by_service_user": True}}}, "PBG-IOC-004"),
    ({"hooks": {"dir": "/h", "files": ["a.pb.js", "x.pb.js"], "findings": [], "sha256": {}, "generation": "v023",
                "manifest": {"a.pb.js": "ab"}}}, "PBG-HOK-005"),
    ({"hooks": {"dir": "/h", "files": ["a.pb.js"], "findings": [], "sha256": {"a.pb.js": "cd"},
                "generation": "v023", "manifest": {"a.pb.js": "ab"}}}, "PBG-IOC-003"),
    ({"hooks": {"dir": "/h", "files": ["a.pb.js"], "sha256": {"a.pb.js": "ab"}, "generation": "v023",
                "manifest": {"a.pb.js": "ab"},
                "findings": [{"code": "ssrf", "file": "a.pb.js", "line": 3, "message": "m"}]}}, "PBG-HOK-001"),
] + [
    ({"hooks": {"dir": "/h", "files": ["a.pb.js"], "sha256": {"a.pb.js": "ab"}, "generation": "v023",
                "manifest": {"a.pb.js": "ab"}, "analyser": "tree-sitter on the controller",
                "findings": [{"code": code, "file": "a.pb.js", "line": 3, "message": "m"}]}}, control)
    for code, control in (("command_injection", "PBG-HOK-007"), ("sql_injection", "PBG-HOK-008"),
                          ("route_no_auth", "PBG-HOK-009"), ("ip_header_trust", "PBG-HOK-010"))
])
def test_each_host_check_can_fail(over, control):
    findings = run(good_snapshot(), [control], host=host_facts(**over))
    assert "fail" in [f["status"] for f in findings], findings


def test_trusted_proxy_needed_behind_a_proxy():
    snap = good_snapshot()
    snap["settings"]["trustedProxy"]["headers"] = []
    st = statuses(run(snap, ["PBG-MON-006"], host=host_facts()))
    assert st[("PBG-MON-006", "setting:trustedProxy.headers")] == "fail"
    st = statuses(run(snap, ["PBG-MON-006"], host=host_facts(proxy_configs={})))
    assert st[("PBG-MON-006", "setting:trustedProxy")] == "pass"


def test_probe_checks():
    probe = {"admin_ui_status": 200, "superuser_login_status": 400, "superuser_login_path": "/api/x",
             "disclosed_version": "0.40.6",
             "credential_probe": {"enabled": True, "attempts": 3, "weak": ["a@corp.test"], "emails": ["a@corp.test"]}}
    params = {"url": "https://pb.example.com"}
    st = statuses(run(good_snapshot(), ["PBG-NET-006", "PBG-VER-003", "PBG-ADM-006", "PBG-NET-003"], params,
                      probe=probe, url="https://pb.example.com"))
    assert st[("PBG-NET-006", "url:https://pb.example.com/_/")] == "fail"
    assert st[("PBG-VER-003", "url:https://pb.example.com/_/")] == "fail"
    assert st[("PBG-ADM-006", "superuser:a@corp.test")] == "fail"
    assert st[("PBG-NET-003", "url:https://pb.example.com")] == "pass"
    st = statuses(run(good_snapshot(), ["PBG-NET-003"], {"url": "http://pb.example.com"}, probe=probe,
                      url="http://pb.example.com"))
    assert st[("PBG-NET-003", "url:http://pb.example.com")] == "fail"


def test_load_manifest_shapes(tmp_path):
    shapes = [{"files": {"a.pb.js": "AB"}}, {"a.pb.js": {"sha256": "ab"}}, [{"path": "/x/a.pb.js", "sha256": "ab"}],
              {"files": [{"name": "a.pb.js", "sha256": "sha256:ab"}]},
              # written by roles/pocketbase (tasks/hooks.yml)
              {"format": "pbguard-hooks-manifest/1", "hooks_dir": "/opt/pocketbase/pb_hooks", "exclusive": True,
               "hooks": [{"name": "a.pb.js", "sha256": "ab"}]}]
    for i, shape in enumerate(shapes):
        p = tmp_path / ("m%d.json" % i)
        p.write_text(json.dumps(shape))
        assert C.load_manifest(str(p)) == {"a.pb.js": "ab"}


def test_gather_host_on_missing_everything(tmp_path):
    def run_command(argv):
        return 1, "", "not available"
    facts = C.gather_host({"data_dir": str(tmp_path / "nope"), "hooks_dir": str(tmp_path / "nohooks"),
                           "hooks_manifest": str(tmp_path / "m.json"), "binary_path": str(tmp_path / "pb"),
                           "proxy_config_paths": [str(tmp_path / "proxy")]}, run_command)
    ctx = C.AuditContext(PARAMS, host=facts)
    findings = C.run_controls(ctx, [c for c in C.CONTROLS if c["scope"] == "host"])
    assert "pass" not in {f["status"] for f in findings}, [(f["control"], f["status"]) for f in findings]


# --------------------------------------------------------------------------- proxy configuration checks

PROXY_IDS = ["PBG-NET-002", "PBG-NET-004", "PBG-NET-005", "PBG-NET-008", "PBG-NET-009", "PBG-NET-010",
             "PBG-MON-007", "PBG-FIL-003"]
CADDY = "/etc/caddy/Caddyfile"
NGINX = "/etc/nginx/conf.d/pbguard-pocketbase.conf"
NGINX_LOGROTATE = {"/etc/logrotate.d/pbguard-pocketbase": ROLE_NGINX_LOGROTATE,
                   "/etc/logrotate.d/nginx": "/var/log/nginx/*.log {\n    daily\n}\n"}


def proxy_host(backend, text=None, logrotate=None, generation="v023"):
    path = CADDY if backend == "caddy" else NGINX
    if text is None:
        text = ROLE_CADDYFILE if backend == "caddy" else ROLE_NGINX_SITE
    return host_facts(proxy_configs={path: text}, proxy_config_paths=[path], generation=generation,
                      logrotate_configs=NGINX_LOGROTATE if logrotate is None else logrotate)


def proxy_findings(host, ids=None, snapshot=None):
    ctx = C.AuditContext(PARAMS, snapshot=snapshot, host=host)
    return C.run_controls(ctx, [C.CONTROLS_BY_ID[i] for i in (ids or PROXY_IDS)])


@pytest.mark.parametrize("backend", ["caddy", "nginx"])
@pytest.mark.parametrize("generation", ["v022", "v023", None])
def test_role_rendered_configs_pass_every_proxy_control(backend, generation):
    findings = proxy_findings(proxy_host(backend, generation=generation))
    assert {f["control"] for f in findings} == set(PROXY_IDS)
    assert [(f["control"], f["target"], f["evidence"]) for f in findings if f["status"] != "pass"] == []


def test_role_rendered_configs_pass_with_the_api_snapshot():
    for backend in ("caddy", "nginx"):
        findings = proxy_findings(proxy_host(backend), snapshot=good_snapshot())
        assert {f["status"] for f in findings} == {"pass"}, findings


def _edit(text, old, new):
    assert old in text, old
    return text.replace(old, new)


@pytest.mark.parametrize("backend, old, new, control, target", [
    # NET-008 security headers
    ("caddy", '        Strict-Transport-Security "max-age=31536000"\n', "", "PBG-NET-008",
     "proxy:header:Strict-Transport-Security"),
    ("caddy", '"max-age=31536000"', '"max-age=0"', "PBG-NET-008", "proxy:header:Strict-Transport-Security"),
    ("caddy", '        X-Content-Type-Options "nosniff"\n', "", "PBG-NET-008", "proxy:header:X-Content-Type-Options"),
    ("caddy", '"strict-origin-when-cross-origin"', '"unsafe-url"', "PBG-NET-008", "proxy:header:Referrer-Policy"),
    ("caddy", '        X-Frame-Options "DENY"\n        +Content-Security-Policy "frame-ancestors \'none\'"\n', "",
     "PBG-NET-008", "proxy:header:X-Frame-Options"),
    ("nginx", "    server_tokens off;\n", "", "PBG-NET-008", "proxy:header:Server"),
    ("nginx", '        add_header X-Frame-Options "DENY" always;\n', "", None, None),
    # NET-009 client IP
    ("caddy", "    skip_install_trust\n", "    skip_install_trust\n    servers {\n        trusted_proxies static "
     "0.0.0.0/0\n    }\n", "PBG-NET-009", "proxy:" + CADDY),
    ("caddy", "        reverse_proxy 127.0.0.1:8090\n", "        reverse_proxy 127.0.0.1:8090 {\n            header_up "
     "+X-Forwarded-For {remote_host}\n        }\n", "PBG-NET-009", "proxy:" + CADDY),
    ("caddy", "        reverse_proxy 127.0.0.1:8090\n", "        reverse_proxy 127.0.0.1:8090 {\n            header_up "
     "X-Forwarded-For {http.request.header.X-Forwarded-For}\n        }\n", "PBG-NET-009", "proxy:" + CADDY),
    ("nginx", "X-Forwarded-For $remote_addr;", "X-Forwarded-For $proxy_add_x_forwarded_for;", "PBG-NET-009",
     "proxy:" + NGINX),
    ("nginx", "    proxy_set_header X-Forwarded-For $remote_addr;\n", "", "PBG-NET-009", "proxy:" + NGINX),
    ("nginx", "    server_tokens off;\n\n    # PBG-NET-003", "    server_tokens off;\n    set_real_ip_from 0.0.0.0/0;\n"
     "    real_ip_header X-Forwarded-For;\n\n    # PBG-NET-003", "PBG-NET-009", "proxy:" + NGINX),
    # NET-010 body limit
    ("caddy", "    request_body {\n        max_size 32MB\n    }\n", "", "PBG-NET-010", "proxy:" + CADDY),
    ("nginx", "client_max_body_size 32m;", "client_max_body_size 0;", "PBG-NET-010", "proxy:" + NGINX),
    # MON-007 access log
    ("caddy", "            roll_keep_for 720h\n", "            roll_disabled\n", "PBG-MON-007", "proxy:" + CADDY),
    ("caddy", "    log {\n", "    xlog {\n", "PBG-MON-007", "proxy:" + CADDY),
    ("nginx", "    access_log /var/log/nginx/pocketbase/access.log pbguard_json;\n", "    access_log off;\n",
     "PBG-MON-007", "proxy:" + NGINX),
    # NET-004 / NET-005 allowlist
    ("caddy", "        respond @pbg_admin_denied \"Forbidden\" 403\n", "", "PBG-NET-004", "proxy"),
    ("caddy", "path_regexp pbg_admin_denied (?i)^", "path_regexp pbg_admin_denied ^", "PBG-NET-005", "proxy"),
    ("caddy", "(_(?:s|ſ)uperu(?:s|ſ)er(?:s|ſ)|pbc_3142635823)", "_superusers", "PBG-NET-005", "proxy"),
    # nginx ~* folds ASCII only: without the spelled-out U+017F, /api/collections/_ſuperusers passes
    ("nginx", "(_(?:s|ſ)uperu(?:s|ſ)er(?:s|ſ)|pbc_3142635823)", "(_superusers|pbc_3142635823)",
     "PBG-NET-005", "proxy"),
    ("nginx", '"~*^(?:', '"~^(?:', "PBG-NET-005", "proxy"),
    ("nginx", "        return 403;\n", "        set $x 1;\n", "PBG-NET-004", "proxy"),
    # FIL-003
    ("nginx", "        proxy_buffering off;\n", "        autoindex on;\n        proxy_buffering off;\n", "PBG-FIL-003",
     "proxy:" + NGINX),
])
def test_each_proxy_check_can_fail(backend, old, new, control, target):
    base = ROLE_CADDYFILE if backend == "caddy" else ROLE_NGINX_SITE
    findings = proxy_findings(proxy_host(backend, _edit(base, old, new)))
    failing = {(f["control"], f["target"]) for f in findings if f["status"] != "pass"}
    if control is None:
        # the second location / the server level keep the setting: still fine
        assert failing == set(), failing
    else:
        assert (control, target) in failing, [(f["control"], f["target"], f["status"], f["evidence"])
                                              for f in findings if f["control"] == control]


def test_nginx_client_ip_checked_per_location():
    # only the dashboard location appends: still a failure
    text = ROLE_NGINX_SITE.replace("X-Forwarded-For $remote_addr;", "X-Forwarded-For $proxy_add_x_forwarded_for;", 1)
    findings = proxy_findings(proxy_host("nginx", text), ["PBG-NET-009"])
    assert findings[0]["status"] == "fail" and "^/_(/|$)" in findings[0]["evidence"], findings
    # a location without proxy_set_header inherits the server level
    text = "server {\n    proxy_set_header X-Forwarded-For $remote_addr;\n    location / {\n" \
           "        proxy_pass http://127.0.0.1:8090;\n    }\n}\n"
    assert proxy_findings(proxy_host("nginx", text), ["PBG-NET-009"])[0]["status"] == "pass"


def test_nginx_access_log_needs_logrotate():
    st = statuses(proxy_findings(proxy_host("nginx", logrotate={}), ["PBG-MON-007"]))
    assert st[("PBG-MON-007", "proxy:" + NGINX)] == "fail"
    # Debian's own rule covers /var/log/nginx/*.log, not the pocketbase/ subdirectory
    st = statuses(proxy_findings(proxy_host("nginx", logrotate={"/etc/logrotate.d/nginx": NGINX_LOGROTATE[
        "/etc/logrotate.d/nginx"]}), ["PBG-MON-007"]))
    assert st[("PBG-MON-007", "proxy:" + NGINX)] == "fail"
    host = proxy_host("nginx")
    host.pop("logrotate_configs")
    st = statuses(proxy_findings(host, ["PBG-MON-007"]))
    assert st[("PBG-MON-007", "proxy:" + NGINX)] == "error"


def test_client_ip_header_follows_trusted_proxy_setting():
    snap = good_snapshot()
    snap["settings"]["trustedProxy"]["headers"] = ["X-Real-IP"]
    # Caddy replaces X-Forwarded-For by itself, but passes a client's X-Real-IP on unchanged
    st = statuses(proxy_findings(proxy_host("caddy"), ["PBG-NET-009"], snapshot=snap))
    assert st[("PBG-NET-009", "proxy:" + CADDY)] == "fail"
    caddy = _edit(ROLE_CADDYFILE, "        reverse_proxy 127.0.0.1:8090\n",
                  "        reverse_proxy 127.0.0.1:8090 {\n            header_up X-Real-IP {remote_host}\n        }\n")
    st = statuses(proxy_findings(proxy_host("caddy", caddy), ["PBG-NET-009"], snapshot=snap))
    assert st[("PBG-NET-009", "proxy:" + CADDY)] == "pass"
    st = statuses(proxy_findings(proxy_host("nginx"), ["PBG-NET-009"], snapshot=snap))
    assert st[("PBG-NET-009", "proxy:" + NGINX)] == "fail"


def test_commented_out_directives_do_not_count():
    caddy = _edit(ROLE_CADDYFILE, "        respond @pbg_admin_denied", "        # respond @pbg_admin_denied")
    st = statuses(proxy_findings(proxy_host("caddy", caddy), ["PBG-NET-004", "PBG-NET-005"]))
    assert st == {("PBG-NET-004", "proxy"): "fail", ("PBG-NET-005", "proxy"): "fail"}


@pytest.mark.parametrize("generation, expected", [("v022", "pass"), ("v023", "fail"), (None, "fail")])
def test_article_caddyfile_misses_the_superusers_id(generation, expected):
    findings = proxy_findings(proxy_host("caddy", ARTICLE_CADDYFILE, generation=generation),
                              ["PBG-NET-004", "PBG-NET-005"])
    st = {f["control"]: f["status"] for f in findings}
    assert st["PBG-NET-004"] == "pass"
    assert st["PBG-NET-005"] == expected
    if expected == "fail":
        evidence = [f["evidence"] for f in findings if f["control"] == "PBG-NET-005"][0]
        # Caddy's path matcher is case-insensitive: only the id form is open
        assert "/api/collections/pbc_3142635823/auth-with-password" in evidence
        assert "_SUPERUSERS" not in evidence


@pytest.mark.parametrize("site, open_forms", [
    # nginx prefix locations are case-sensitive and do not know the id
    ("location /api/collections/_superusers/ {\n    deny all;\n}\n", ["_SUPERUSERS", "pbc_3142635823"]),
    ("location ~ ^/api/collections/(_superusers|pbc_3142635823)/ {\n    allow 10.0.0.0/8;\n    deny all;\n}\n",
     ["_SUPERUSERS"]),
    # ~* folds ASCII only (PCRE without UTF): PocketBase's EqualFold takes U+017F for s
    ("location ~* ^/api/collections/(_superusers|pbc_3142635823)/ {\n    allow 10.0.0.0/8;\n    deny all;\n}\n",
     ["_ſuperusers"]),
    ("if ($uri ~* \"^/api/collections/(_superusers|pbc_3142635823)/\") {\n    return 403;\n}\n",
     ["_ſuperusers"]),
    ("if ($uri ~* \"^/api/collections/(_(?:s|ſ)uperu(?:s|ſ)er(?:s|ſ)|pbc_3142635823)/\") {\n"
     "    return 403;\n}\n", []),
    # a location that does not restrict anything is no guard
    ("location ~* ^/api/collections/(_superusers|pbc_3142635823)/ {\n    proxy_pass http://127.0.0.1:8090;\n}\n",
     ["_superusers", "_SUPERUSERS", "pbc_3142635823"]),
])
def test_nginx_superuser_guard_forms(site, open_forms):
    text = "server {\n    listen 443 ssl;\n%s    location / {\n        proxy_pass http://127.0.0.1:8090;\n    }\n}\n" % site
    findings = proxy_findings(proxy_host("nginx", text), ["PBG-NET-005"])
    assert len(findings) == 1
    if not open_forms:
        assert findings[0]["status"] == "pass", findings
    else:
        assert findings[0]["status"] == "fail"
        for form in open_forms:
            assert "/api/collections/%s/auth-with-password" % form in findings[0]["evidence"]


def test_superuser_api_paths():
    assert C.superuser_api_paths("v022") == ["/api/admins/auth-with-password"]
    v023 = C.superuser_api_paths("v023")
    assert "/api/collections/pbc_3142635823/auth-with-password" in v023
    assert "/api/collections/_SUPERUSERS/auth-with-password" in v023
    assert set(C.superuser_api_paths(None)) == set(v023) | {"/api/admins/auth-with-password"}


class _FakeResponse(object):
    def __init__(self, code, body=b""):
        self.code = code
        self._body = body

    def getcode(self):
        return self.code

    def read(self):
        return self._body


class _FakeHTTPError(Exception):
    def __init__(self, code, body=b""):
        super(_FakeHTTPError, self).__init__(code)
        self.code = code
        self._body = body

    def read(self):
        return self._body


def test_probe_tries_every_spelling_of_superusers():
    """A proxy that blocks /api/collections/_superusers/* case-sensitively: the upper-case spelling reaches
    PocketBase, which answers 400 to the bogus login."""
    seen = []

    def open_url(url, data=None, method="GET", **_kw):
        path = url.split("pb.example.com", 1)[1]
        seen.append((method, path))
        if path.startswith("/_/") or path.startswith("/api/collections/_superusers/") or "pbc_3142635823" in path \
                or "%5F" in path:
            raise _FakeHTTPError(403, b"Forbidden")
        if path == "/api/health":
            return _FakeResponse(200, b'{"code":200}')
        raise _FakeHTTPError(400, b'{"code":400,"message":"Failed to authenticate.","data":{}}')

    probe = C.gather_probe("https://pb.example.com", open_url)
    assert probe["superuser_login_variants"] == {
        "/api/collections/_SUPERUSERS/auth-with-password": 400,
        "/api/collections/%5Fsuperusers/auth-with-password": 403,
        "/api/collections/%5F%73uper%55sers/auth-with-password": 403,
        "/api/collections/_%C5%BFuperusers/auth-with-password": 400,      # U+017F: EqualFold takes it for s
        "/api/collections/_SUPERU%C5%BFER%C5%BF/auth-with-password": 400,
        "/api/collections/pbc_3142635823/auth-with-password": 403}
    assert all(method == "POST" for method, path in seen if "auth-with-password" in path)
    st = statuses(run(good_snapshot(), ["PBG-NET-006"], {"url": "https://pb.example.com"}, probe=probe,
                      url="https://pb.example.com"))
    assert st[("PBG-NET-006", "url:https://pb.example.com/api/collections/_SUPERUSERS/auth-with-password")] == "fail"
    assert st[("PBG-NET-006", "url:https://pb.example.com/api/collections/_%C5%BFuperusers/auth-with-password")] == \
        "fail"
    assert st[("PBG-NET-006", "url:https://pb.example.com/api/collections/pbc_3142635823/auth-with-password")] == \
        "pass"
    assert st[("PBG-NET-006", "url:https://pb.example.com/api/collections/_superusers/auth-with-password")] == "pass"
