# -*- coding: utf-8 -*-
"""pocketbase_settings through Ansible against real PocketBase binaries."""
import json
import os
import sqlite3

import pytest

from conftest import run_tasks  # pylint: disable=import-error

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


ENFORCE_VERSIONS = ["0.30.4", "0.40.6"]  # 0.30: no superuserIPs (0.38+); 0.40: the newest


@pytest.fixture
def srvs(pb_server_factory):
    """One fresh server per enforced version; each step runs on all of them in ONE playbook."""
    return [pb_server_factory(v) for v in ENFORCE_VERSIONS]


def each(srvs, module, **kwargs):
    """The same call against every server in one ansible-playbook run: [(srv, result), ...]."""
    return list(zip(srvs, run_tasks([srv.task(module, **kwargs) for srv in srvs])))


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


def test_settings_check_apply_idempotent(srvs):
    before = dict((srv.version, settings(srv)) for srv in srvs)
    for srv, res in each(srvs, "pocketbase_settings", check=True, diff=True, settings=DECLARED):
        assert not res.failed and res.changed, res
        assert res.diff["before"]["rateLimits"]["enabled"] is False
        assert res.diff["after"]["trustedProxy"]["headers"] == ["X-Forwarded-For"]
        assert "smtp" not in res.diff["after"] and "s3" not in res.diff["after"]
        assert settings(srv) == before[srv.version]

    # apply, then the same declaration again (idempotent), in one playbook
    tasks = []
    for srv in srvs:
        tasks += [srv.task("pocketbase_settings", diff=True, settings=DECLARED)] * 2
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        res, again = results[2 * index], results[2 * index + 1]
        assert not res.failed and res.changed, res
        assert "rateLimits.rules" in res["changed_keys"] and res["secrets_sent"] == []
        assert not again.failed and not again.changed, again
        assert again["changed_keys"] == []
        now = settings(srv)
        assert now["rateLimits"]["enabled"] is True
        assert [r["label"] for r in now["rateLimits"]["rules"]] == [r["label"] for r in RATE_RULES]
        assert now["trustedProxy"] == {"headers": ["X-Forwarded-For"], "useLeftmostIP": False}
        assert now["logs"]["maxDays"] == 14 and now["backups"]["cronMaxKeep"] == 7
        assert now["smtp"] == before[srv.version]["smtp"] and now["s3"] == before[srv.version]["s3"]


def test_secret_write_only(srvs):
    smtp = {"enabled": False, "host": "smtp.example.org", "port": 2525, "username": "pb"}
    # set it, then declare another value: not re-sent (idempotent), the stored one stays
    tasks = []
    for srv in srvs:
        tasks += [srv.task("pocketbase_settings", diff=True, settings={"smtp": smtp}, smtp_password=SMTP_SECRET),
                  srv.task("pocketbase_settings", settings={"smtp": smtp}, smtp_password="another-one")]
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        res, again = results[2 * index], results[2 * index + 1]
        assert not res.failed and res.changed, res
        assert res["secrets_sent"] == ["smtp.password"]
        assert res.diff["after"]["smtp"]["password"] == "********"
        assert SMTP_SECRET not in res.raw
        assert not again.failed and not again.changed and again["secrets_sent"] == [], again
        assert stored_settings(srv)["smtp"]["password"] == SMTP_SECRET

    # always: rotates it (reported, never shown); then a change of another settings block never sends
    # GET values back (no mask stored as a password); an inline secret is refused
    tasks = []
    for srv in srvs:
        tasks += [srv.task("pocketbase_settings", settings={"smtp": smtp}, smtp_password="rotated-secret-42",
                           update_secrets="always"),
                  srv.task("pocketbase_settings", settings={"logs": {"maxDays": 3}}),
                  srv.task("pocketbase_settings", settings={"smtp": {"password": "inline"}})]
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        rotate, other, inline = results[3 * index:3 * index + 3]
        assert rotate.changed and rotate["secrets_sent"] == ["smtp.password"]
        assert "rotated-secret-42" not in rotate.raw
        assert other.changed and other["secrets_sent"] == []
        assert stored_settings(srv)["smtp"]["password"] == "rotated-secret-42"
        assert inline.failed and "smtp_password" in inline.msg and "inline" not in inline.raw


def test_validation_error_and_superuser_ips(srvs):
    """A rejected PATCH carries PocketBase's message and changes nothing; superuserIPs needs 0.38+ and
    must keep the controller (loopback) in."""
    before = dict((srv.version, settings(srv)) for srv in srvs)
    tasks = []
    for srv in srvs:
        tasks.append(srv.task("pocketbase_settings",
                              settings={"backups": {"cron": "not a cron"}, "logs": {"maxDays": 9}}))
        if srv.version == "0.30.4":
            tasks.append(srv.task("pocketbase_settings", settings={"superuserIPs": ["127.0.0.1"]}))
        else:
            tasks += [srv.task("pocketbase_settings", settings={"superuserIPs": ["10.9.9.9"]}),
                      srv.task("pocketbase_settings", settings={"superuserIPs": ["127.0.0.0/8", "::1"]})]
    results = iter(run_tasks(tasks))
    for srv in srvs:
        res = next(results)
        assert res.failed
        assert "backups.cron" in res.msg, res.msg
        if srv.version == "0.30.4":
            assert settings(srv) == before[srv.version]
            res = next(results)
            assert res.failed and "superuserIPs" in res.msg and "0.38" in res.msg
            continue
        lockout, allowed = next(results), next(results)
        assert lockout.failed and "lock" in lockout.msg and "127.0.0.1" in lockout.msg
        assert not allowed.failed and allowed.changed, allowed
        now = settings(srv)
        assert now["superuserIPs"] == ["127.0.0.0/8", "::1"]
        now["superuserIPs"] = []
        assert now == before[srv.version]  # the failed calls changed nothing


# 0.22 refusal: tests/integration/test_collection.py::test_v022_fails_clearly (all enforcing modules, one run)


def test_secret_options_are_not_copied_into_the_invocation(pb_server_factory, tmp_path):
    """Issue 17 item 10: the SMTP password joined the declared settings by mutating module params, so
    `invocation.module_args.settings.smtp.password` carried it (hidden only by value masking). The module
    runs directly (its own JSON output holds `invocation`, which ansible-playbook drops below -vvv)."""
    import json  # pylint: disable=import-outside-toplevel
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel
    from conftest import ansible_env  # pylint: disable=import-error,import-outside-toplevel

    srv = pb_server_factory("0.40.6")
    secret = "pbg-smtp-Invocation-Secret-3"
    args = dict(srv.connection_args(), settings={"smtp": {"enabled": False, "host": "smtp.example.com"}},
                smtp_password=secret)
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = ansible_env({"PYTHONPATH": ansible_env()["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]})
    proc = subprocess.run([sys.executable, "-m", "ansible_collections.pbguard.pocketbase.plugins.modules."
                           "pocketbase_settings", str(path)], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    res = json.loads(proc.stdout)
    assert not res.get("failed"), res
    smtp = res["invocation"]["module_args"]["settings"]["smtp"]
    assert "password" not in smtp, smtp
