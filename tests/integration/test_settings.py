# -*- coding: utf-8 -*-
"""pocketbase_settings through Ansible against real PocketBase binaries."""
import json
import os
import sqlite3

import pytest

SMTP_SECRET = "smtp-Secret-do-not-leak-7c1f"

RATE_RULES = [
    {"label": "*:auth", "audience": "", "duration": 3, "maxRequests": 2},
    {"label": "*:requestOTP", "audience": "", "duration": 60, "maxRequests": 3},
    {"label": "*:requestPasswordReset", "audience": "", "duration": 60, "maxRequests": 3},
    {"label": "*:create", "audience": "", "duration": 5, "maxRequests": 20},
    {"label": "/api/", "audience": "", "duration": 10, "maxRequests": 300},
]
DECLARED = {
    "rateLimits": {"enabled": True, "rules": RATE_RULES},
    "trustedProxy": {"headers": ["X-Forwarded-For"], "useLeftmostIP": False},
    "logs": {"maxDays": 14, "logIP": True},
    "backups": {"cron": "0 3 * * *", "cronMaxKeep": 7},
    "batch": {"enabled": False},
    "meta": {"appName": "pbguard-test", "hideControls": True},
}


@pytest.fixture(params=["0.30.4", "0.40.6"], ids=lambda v: "pb" + v)
def srv(request, pb_server_factory):
    return pb_server_factory(request.param)


def settings(srv):
    resp = srv.api("GET", "/api/settings")
    assert resp.status == 200, resp
    return resp.json


def stored_settings(srv):
    """The settings row as stored (plaintext without --encryptionEnv): the only place to see a secret."""
    con = sqlite3.connect(os.path.join(srv.data_dir, "data.db"))
    try:
        row = con.execute("SELECT value FROM _params WHERE id = 'settings'").fetchone()
    finally:
        con.close()
    return json.loads(row[0])


def test_settings_check_apply_idempotent(srv):
    before = settings(srv)
    res = srv.run_module("pocketbase_settings", check=True, diff=True, settings=DECLARED)
    assert not res.failed and res.changed, res
    assert res.diff["before"]["rateLimits"]["enabled"] is False
    assert res.diff["after"]["trustedProxy"]["headers"] == ["X-Forwarded-For"]
    assert "smtp" not in res.diff["after"] and "s3" not in res.diff["after"]
    assert settings(srv) == before

    res = srv.run_module("pocketbase_settings", diff=True, settings=DECLARED)
    assert not res.failed and res.changed, res
    assert "rateLimits.rules" in res["changed_keys"] and res["secrets_sent"] == []
    now = settings(srv)
    assert now["rateLimits"]["enabled"] is True
    assert [r["label"] for r in now["rateLimits"]["rules"]] == [r["label"] for r in RATE_RULES]
    assert now["trustedProxy"] == {"headers": ["X-Forwarded-For"], "useLeftmostIP": False}
    assert now["logs"]["maxDays"] == 14 and now["backups"]["cronMaxKeep"] == 7
    assert now["smtp"] == before["smtp"] and now["s3"] == before["s3"]

    res = srv.run_module("pocketbase_settings", diff=True, settings=DECLARED)
    assert not res.failed and not res.changed, res
    assert res["changed_keys"] == []


def test_secret_write_only(srv):
    smtp = {"enabled": False, "host": "smtp.example.org", "port": 2525, "username": "pb"}
    res = srv.run_module("pocketbase_settings", diff=True, settings={"smtp": smtp}, smtp_password=SMTP_SECRET)
    assert not res.failed and res.changed, res
    assert res["secrets_sent"] == ["smtp.password"]
    assert res.diff["after"]["smtp"]["password"] == "********"
    assert SMTP_SECRET not in res.raw
    assert stored_settings(srv)["smtp"]["password"] == SMTP_SECRET

    # nothing else changed: the secret is not re-sent and the task is idempotent
    res = srv.run_module("pocketbase_settings", settings={"smtp": smtp}, smtp_password="another-one")
    assert not res.failed and not res.changed and res["secrets_sent"] == [], res
    assert stored_settings(srv)["smtp"]["password"] == SMTP_SECRET

    # always: rotates it (reported, never shown)
    res = srv.run_module("pocketbase_settings", settings={"smtp": smtp}, smtp_password="rotated-secret-42",
                         update_secrets="always")
    assert res.changed and res["secrets_sent"] == ["smtp.password"]
    assert "rotated-secret-42" not in res.raw
    assert stored_settings(srv)["smtp"]["password"] == "rotated-secret-42"

    # a change of another settings block never sends GET values back (no mask stored as a password)
    res = srv.run_module("pocketbase_settings", settings={"logs": {"maxDays": 3}})
    assert res.changed and res["secrets_sent"] == []
    assert stored_settings(srv)["smtp"]["password"] == "rotated-secret-42"

    res = srv.run_module("pocketbase_settings", settings={"smtp": {"password": "inline"}})
    assert res.failed and "smtp_password" in res.msg and "inline" not in res.raw


def test_validation_error_carries_pocketbase_message(srv):
    before = settings(srv)
    res = srv.run_module("pocketbase_settings", settings={"backups": {"cron": "not a cron"}, "logs": {"maxDays": 9}})
    assert res.failed
    assert "backups.cron" in res.msg, res.msg
    assert settings(srv) == before


def test_superuser_ips_version_and_lockout(srv):
    if srv.version == "0.30.4":
        res = srv.run_module("pocketbase_settings", settings={"superuserIPs": ["127.0.0.1"]})
        assert res.failed and "superuserIPs" in res.msg and "0.38" in res.msg
        return
    res = srv.run_module("pocketbase_settings", settings={"superuserIPs": ["10.9.9.9"]})
    assert res.failed and "lock" in res.msg and "127.0.0.1" in res.msg
    assert settings(srv)["superuserIPs"] == []
    res = srv.run_module("pocketbase_settings", settings={"superuserIPs": ["127.0.0.0/8", "::1"]})
    assert not res.failed and res.changed, res
    assert settings(srv)["superuserIPs"] == ["127.0.0.0/8", "::1"]


def test_v022_fails_clearly(pb_server_factory):
    srv = pb_server_factory("0.22.27")
    res = srv.run_module("pocketbase_settings", settings={"logs": {"maxDays": 3}})
    assert res.failed and "0.23" in res.msg
