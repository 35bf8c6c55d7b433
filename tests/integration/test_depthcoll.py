# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 15, exploit-proven: each weakness is first exploited over HTTP as an outsider would (a
self-registered user or an anonymous client), the control must fail; then the safe form is applied,
the same attack must fail and the control must pass.

PBG-RUL-020 view columns, PBG-AUT-007 token lifetimes, PBG-FIL-004 public-dir files, PBG-MON-006
leftmost X-Forwarded-For (now baseline)."""

from __future__ import annotations

import os
import time

import pytest

from conftest import PB_VERSIONS, is_v022, pick_version, run_tasks  # pylint: disable=import-error

pytestmark = pytest.mark.slow

PLANTED_SECRET = "pbg-planted-dotenv-Secret-6d21f0"


def audit_task(srv, control, **extra):
    args = dict(scope=["api"], controls=[control], fail_on="never", return_findings="all")  # pass findings read
    args.update(extra)
    return srv.task("pocketbase_audit", **args)


def findings_of(res, srv):
    assert not res.failed, res.msg
    assert srv.password not in res.raw
    return dict((f["target"], f) for f in res["report"]["findings"])


def audit(srv, control, **extra):
    """Run only ``control`` against ``srv``; {target: finding}."""
    return findings_of(run_tasks([audit_task(srv, control, **extra)])[0], srv)


def statuses(findings):
    return sorted(set(f["status"] for f in findings.values()))


def login(srv, email, password):
    resp = srv.api("POST", "/api/collections/users/auth-with-password",
                   {"identity": email, "password": password}, auth=None)
    assert resp.status == 200, resp
    return resp.json["token"]


# --------------------------------------------------------------------------- PBG-RUL-020

LEAKY_VIEW = "SELECT u.id, u.email AS contact, (u.password || '') AS pw FROM users u"


def _public_view_of_public_data(srv):
    """The correct twin: a public view of a public collection; a hidden column stays hidden."""
    resp = srv.api("POST", "/api/collections", {
        "name": "articles", "type": "base", "listRule": "", "viewRule": "",
        "fields": [{"name": "title", "type": "text"}, {"name": "draft_notes", "type": "text", "hidden": True}]})
    assert resp.status == 200, resp
    resp = srv.api("POST", "/api/collections", {
        "name": "headlines", "type": "view", "listRule": "", "viewRule": "",
        "viewQuery": "SELECT a.id, a.title, a.draft_notes FROM articles a"})
    assert resp.status == 200, resp
    srv.api("POST", "/api/collections/articles/records", {"title": "hello", "draft_notes": "internal"})
    listed = srv.api("GET", "/api/collections/headlines/records", auth=None)
    assert listed.status == 200 and "hello" in listed.text and "internal" not in listed.text
    return {"articles": ["listRule", "viewRule"], "headlines": ["listRule", "viewRule"]}


def test_view_exposes_emails_and_password_hashes_then_owner_rule_stops_it(pb_server_factory):
    srv = pb_server_factory(pick_version("0.23.0"))
    declared = _public_view_of_public_data(srv)
    victim = srv.create_user("victim@corp.test", "victim-pass-7x1q", emailVisibility=False)
    srv.create_user("mallory@evil.test", "mallory-pass-3k9z")
    resp = srv.api("POST", "/api/collections", {
        "name": "member_directory", "type": "view", "viewQuery": LEAKY_VIEW,
        "listRule": '@request.auth.id != ""', "viewRule": '@request.auth.id != ""'})
    assert resp.status == 200, resp
    mallory = login(srv, "mallory@evil.test", "mallory-pass-3k9z")

    # the auth collection itself hides the victim (listRule owner-only, emailVisibility false) ...
    own = srv.api("GET", "/api/collections/users/records", auth=mallory)
    assert own.status == 200 and "victim@corp.test" not in own.text
    # ... the view hands out the victim's address and bcrypt hash to any signed-in user
    leak = srv.api("GET", "/api/collections/member_directory/records", auth=mallory)
    row = [r for r in leak.json["items"] if r["id"] == victim["id"]][0]
    assert row["contact"] == "victim@corp.test" and str(row["pw"]).startswith("$2a$")
    victim_hash = row["pw"]

    found = audit(srv, "PBG-RUL-020", public_rules=declared)
    assert found["collection:headlines"]["status"] == "pass"
    assert found["collection:member_directory.contact"]["status"] == "fail"
    assert found["collection:member_directory.pw"]["status"] == "fail"
    assert found["collection:member_directory.pw"]["severity"] == "critical"

    resp = srv.api("PATCH", "/api/collections/member_directory",
                   {"listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id"})
    assert resp.status == 200, resp
    after = srv.api("GET", "/api/collections/member_directory/records", auth=mallory)
    assert after.status == 200 and [r["id"] for r in after.json["items"]] != [victim["id"]]
    assert "victim@corp.test" not in after.text and victim_hash not in after.text
    single = srv.api("GET", "/api/collections/member_directory/records/%s" % victim["id"], auth=mallory)
    assert single.status == 404
    assert statuses(audit(srv, "PBG-RUL-020", public_rules=declared)) == ["pass"]


# --------------------------------------------------------------------------- PBG-AUT-007

# The site policy in test scale: 10 s stands for the 30 days of the default limit.
POLICY = {"auth": 10}


def _still_accepted(srv, token):
    return srv.api("POST", "/api/collections/users/auth-refresh", auth=token).status == 200


def test_auth_token_outlives_the_policy_then_a_bounded_lifetime_expires_it(pb_server_factory):
    srv = pb_server_factory(pick_version("0.23.0"))
    srv.create_user("holder@corp.test", "holder-pass-5v2m")
    assert srv.api("PATCH", "/api/collections/users", {"authToken": {"duration": 3600}}).status == 200
    stolen = login(srv, "holder@corp.test", "holder-pass-5v2m")
    time.sleep(POLICY["auth"] + 2)
    assert _still_accepted(srv, stolen)          # the leaked token still works after the policy period
    found = audit(srv, "PBG-AUT-007", max_token_durations=POLICY)
    assert found["collection:users.tokens"]["status"] == "fail"
    assert "auth 3600s > 10s" in found["collection:users.tokens"]["evidence"]

    assert srv.api("PATCH", "/api/collections/users", {"authToken": {"duration": POLICY["auth"]}}).status == 200
    stolen = login(srv, "holder@corp.test", "holder-pass-5v2m")
    time.sleep(POLICY["auth"] + 2)
    assert not _still_accepted(srv, stolen)
    assert audit(srv, "PBG-AUT-007", max_token_durations=POLICY)["collection:users.tokens"]["status"] == "pass"


def test_default_token_lifetimes_pass_on_every_version(pb_module_servers):
    servers = [pb_module_servers[v] for v in PB_VERSIONS]
    results = run_tasks([audit_task(srv, "PBG-AUT-007") for srv in servers])
    for version, srv, res in zip(PB_VERSIONS, servers, results):
        found = findings_of(res, srv)
        assert statuses(found) == ["pass"], (version, found)
        if is_v022(version):
            assert "0.22" in found["collection:users.tokens"]["evidence"]


# --------------------------------------------------------------------------- PBG-FIL-004

def test_dotenv_in_public_dir_is_served_then_removal_stops_it(pb_server_factory, tmp_path):
    versions = [v for v in PB_VERSIONS if v in ("0.22.27", "0.40.6")] or PB_VERSIONS[-1:]
    deployments = []
    for version in versions:
        public = tmp_path / ("pb_public-" + version)
        public.mkdir()
        (public / "index.html").write_text("<!doctype html><title>app</title>")
        (public / ".env").write_text("SMTP_PASSWORD=%s\n" % PLANTED_SECRET)
        srv = pb_server_factory(version, global_args=["--publicDir", str(public)])
        got = srv.api("GET", "/.env", auth=None)
        assert got.status == 200 and PLANTED_SECRET in got.text, (version, got)     # the exploit works
        host = dict(scope=["host"], public_dir=str(public), data_dir=srv.data_dir,
                    service_name="pbguard-absent-depthcoll", proxy_config_paths=[str(tmp_path / "none")])
        deployments.append((srv, public, host))

    results = run_tasks([audit_task(srv, "PBG-FIL-004", **host) for srv, _p, host in deployments])
    for (srv, public, _h), res in zip(deployments, results):
        found = findings_of(res, srv)
        env_finding = found["file:%s/.env" % public]
        assert env_finding["status"] == "fail" and "served by PocketBase at /.env" in env_finding["evidence"]
        assert PLANTED_SECRET not in repr(found) and PLANTED_SECRET not in res.raw

    for srv, public, _h in deployments:
        os.remove(str(public / ".env"))
        assert PLANTED_SECRET not in srv.api("GET", "/.env", auth=None).text   # 404 or the index.html fallback
    results = run_tasks([audit_task(srv, "PBG-FIL-004", **host) for srv, _p, host in deployments])
    for (srv, _p, _h), res in zip(deployments, results):
        assert statuses(findings_of(res, srv)) == ["pass"]


# --------------------------------------------------------------------------- PBG-MON-006

def _forged_logins(srv, attempts=6):
    """Wrong-password logins, each with a new forged client address; the header is what a proxy that
    appends the TCP peer (nginx $proxy_add_x_forwarded_for, Caddy) forwards: "<client value>, <peer>"."""
    codes = []
    for i in range(attempts):
        resp = srv.api("POST", "/api/collections/users/auth-with-password",
                       {"identity": "victim@corp.test", "password": "guess-%d" % i}, auth=None,
                       headers={"X-Forwarded-For": "198.51.100.%d, 127.0.0.1" % (i + 1)})
        codes.append(resp.status)
    return codes


def test_leftmost_forwarded_ip_escapes_the_rate_limit_then_rightmost_holds(pb_server_factory):
    srv = pb_server_factory(pick_version("0.23.0"))
    token = srv.superuser_token()
    srv.create_user("victim@corp.test", "victim-pass-7x1q")
    settings = {"trustedProxy": {"headers": ["X-Forwarded-For"], "useLeftmostIP": True},
                "rateLimits": {"enabled": True, "rules": [
                    {"label": "users:auth", "maxRequests": 2, "duration": 60}]}}
    assert srv.api("PATCH", "/api/settings", settings, auth=token).status == 200

    codes = _forged_logins(srv)
    assert 429 not in codes and set(codes) == {400}, codes        # brute force never limited
    found = audit(srv, "PBG-MON-006", token=token, email=None, password=None)
    assert found["setting:trustedProxy.useLeftmostIP"]["status"] == "fail"
    assert found["setting:trustedProxy.useLeftmostIP"]["severity"] == "high"

    settings["trustedProxy"]["useLeftmostIP"] = False
    assert srv.api("PATCH", "/api/settings", settings, auth=token).status == 200
    codes = _forged_logins(srv)
    assert 429 in codes[:3], codes                                  # the proxy-appended peer is limited
    assert statuses(audit(srv, "PBG-MON-006", token=token, email=None, password=None)) == ["pass"]
