# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pbguard.pocketbase.pocketbase_info through Ansible against real PocketBase binaries."""

import json
import os
import subprocess

import pytest

from conftest import (  # pylint: disable=import-error
    PB_VERSIONS, VENV_BIN, ansible_env, free_port, is_v022, pick_version, run_tasks, task)

RESULT_KEYS = {"version", "generation", "health", "settings", "collections", "superusers", "superuser_auth",
               "auth_methods", "api_calls"}


def shape(value):
    """Nested key structure with values dropped (lists: union of their items' shapes)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        merged = {}
        for item in value:
            s = shape(item)
            if isinstance(s, dict):
                merged.update(s)
        return [merged] if merged else []
    return None


def users_of(result):
    return [c for c in result["collections"] if c["name"] == "users"][0]


WRONG_PW = "Wr0ng-Passw0rd-123"


@pytest.fixture(scope="module")
def info(pb_module_servers, pb_module_server_factory):
    """Every pocketbase_info call of this module, in ONE playbook (the module only reads).

    Servers: one per version (read-only calls), one per version with planted secrets, one 0.23+ server
    with superuser MFA on. Returns ``{(case, version): ModuleResult}`` plus the servers.
    """
    servers = pb_module_servers
    secret_servers = dict((v, pb_module_server_factory(v)) for v in PB_VERSIONS)
    planted = dict((v, plant_secrets(srv, v.replace(".", ""))) for v, srv in secret_servers.items())
    mfa_srv = pb_module_server_factory(pick_version("0.23.0"))
    assert mfa_srv.api("PATCH", "/api/collections/_superusers",
                       {"mfa": {"enabled": True}, "otp": {"enabled": True}}).status == 200
    closed = "http://127.0.0.1:%d" % free_port()
    cases = []
    for version, srv in servers.items():
        env = {"POCKETBASE_URL": srv.url, "POCKETBASE_EMAIL": srv.email, "POCKETBASE_PASSWORD": srv.password}
        cases += [
            (("check", version), srv.task("pocketbase_info", check=True)),
            (("shape", version), srv.task("pocketbase_info", gather=["collections", "superusers", "health"])),
            (("env", version), srv.task("pocketbase_info", connection=False, env=env, gather=["superusers"])),
            (("public", version), srv.task("pocketbase_info", connection=False, url=srv.url,
                                           gather=["version", "health", "auth_methods"])),
            (("public_settings", version), srv.task("pocketbase_info", connection=False, url=srv.url,
                                                    gather=["settings"])),
            (("token", version), srv.task("pocketbase_info", connection=False, url=srv.url,
                                          token=srv.superuser_token(), gather=["settings"])),
            (("wrong_password", version), srv.task("pocketbase_info", password=WRONG_PW)),
            (("secrets", version), secret_servers[version].task("pocketbase_info", diff=True)),
        ]
    cases.append((("unreachable", None), task("pocketbase_info", url=closed, email="admin@example.com",
                                              password="Passw0rd-unused-1", timeout=2)))
    for generation, forced in (("v022", "v023"), ("v023", "v022")):
        versions = [v for v in PB_VERSIONS if is_v022(v) == (generation == "v022")]
        if versions:
            mismatch = servers[versions[0]].task("pocketbase_info", api_generation=forced)
            cases.append((("mismatch", generation), mismatch))
    cases.append((("mfa", None), mfa_srv.task("pocketbase_info")))
    cases.append((("mfa_public", None), mfa_srv.task("pocketbase_info", connection=False, url=mfa_srv.url,
                                                     gather=["auth_methods"])))
    results = run_tasks([t for _key, t in cases])
    out = dict((key, res) for (key, _t), res in zip(cases, results))
    out.update(servers=servers, secret_servers=secret_servers, planted=planted, closed=closed)
    return out


def test_info_returns_normalized_data_in_check_mode(info, pb_version):
    pb_server = info["servers"][pb_version]
    res = info["check", pb_version]
    assert not res.failed, res.raw[-3000:]
    assert res.changed is False
    assert RESULT_KEYS <= set(res)
    assert res["version"] == pb_server.version
    assert res["generation"] == pb_server.generation
    assert res["health"]["code"] == 200
    assert res["health"]["real_ip"] == (None if pb_server.generation == "v022" else "127.0.0.1")
    assert [s["email"] for s in res["superusers"]] == [pb_server.email]
    assert res["superuser_auth"] == {"password": True, "mfa": False, "otp": False}
    users = users_of(res)
    assert users["type"] == "auth" and users["rules"]["createRule"] == ""
    assert users["auth"]["password"]["enabled"] is True
    assert "users" in res["auth_methods"]
    assert isinstance(res["settings"]["smtp"], dict)
    assert pb_server.password not in res.raw


def test_same_normalized_keys_on_every_version(info):
    shapes = {}
    for version in PB_VERSIONS:
        res = info["shape", version]
        assert not res.failed, res.msg
        users = users_of(res)
        shapes[version] = {"top": sorted(res), "users": shape(users), "superusers": shape(res["superusers"]),
                           "health": shape(res["health"]), "superuser_auth": shape(res["superuser_auth"])}
    first = shapes[PB_VERSIONS[0]]
    for version in PB_VERSIONS[1:]:
        assert shapes[version] == first, "normalized keys differ between %s and %s" % (PB_VERSIONS[0], version)


def test_gather_limits_requests_and_env_fallbacks(info, pb_version):
    pb_server = info["servers"][pb_version]
    res = info["env", pb_version]
    assert not res.failed, res.msg
    assert res["superusers"][0]["email"] == pb_server.email
    assert res["settings"] is None and res["collections"] is None and res["version"] is None
    assert not [c for c in res["api_calls"] if "/api/settings" in c or "/_/" in c], res["api_calls"]
    assert pb_server.password not in res.raw


def test_public_sections_without_credentials(info, pb_version):
    pb_server = info["servers"][pb_version]
    res = info["public", pb_version]
    assert not res.failed, res.msg
    assert res["version"] == pb_server.version
    assert res["auth_methods"]["users"]["password"]["enabled"] is True
    res = info["public_settings", pb_version]
    assert res.failed and "needs superuser credentials" in res.msg


def test_token_option(info, pb_version):
    pb_server = info["servers"][pb_version]
    res = info["token", pb_version]
    assert not res.failed, res.msg
    assert isinstance(res["settings"], dict)
    assert pb_server.superuser_token() not in res.raw


# ----------------------------------------------------------------------------- clear failures

def test_wrong_password_message(info, pb_version):
    pb_server = info["servers"][pb_version]
    res = info["wrong_password", pb_version]
    assert res.failed
    assert "Superuser login as %s" % pb_server.email in res.msg
    assert "wrong email or password" in res.msg and "Hint:" in res.msg
    assert res["error_kind"] == "auth_failed"
    assert WRONG_PW not in res.raw


def test_unreachable_url_message(info):
    res = info["unreachable", None]
    closed_port_url = info["closed"]
    assert res.failed
    assert "Cannot reach PocketBase at %s" % closed_port_url in res.msg
    assert "Connection refused" in res.msg and "pocketbase serve" in res.msg
    assert res["error_kind"] == "unreachable"


@pytest.mark.parametrize("generation,forced,expect", [
    ("v022", "v023", "answers like PocketBase 0.22 or older"),
    ("v023", "v022", "answers like PocketBase 0.23+"),
])
def test_generation_mismatch_message(info, generation, forced, expect):
    if ("mismatch", generation) not in info:
        pytest.skip("no %s version in PBGUARD_PB_VERSIONS" % generation)
    res = info["mismatch", generation]
    assert res.failed
    assert "api_generation=%s was requested" % forced in res.msg and expect in res.msg
    assert res["error_kind"] == "version_mismatch"


def test_mfa_required_message(info):
    res = info["mfa", None]
    assert res.failed and res["error_kind"] == "mfa_required"
    assert "multi-factor" in res.msg and "token" in res.msg
    # without logging in, the public view still shows superuser MFA/OTP
    res = info["mfa_public", None]
    assert res["auth_methods"]["_superusers"]["mfa"] == {"enabled": True}
    assert res["superuser_auth"] == {"password": True, "mfa": True, "otp": True}


# ----------------------------------------------------------------------------- secrets

def plant_secrets(srv, tag):
    """Set SMTP/S3/backup secrets (+ 0.22 OAuth2/token secrets, 0.23+ users OAuth2 + token secret)."""
    secrets = {
        "smtp": "smtpPW-%s-zq81" % tag, "s3": "s3SECRET-%s-kd02" % tag, "backups": "bkS3SECRET-%s-mm07" % tag,
        "oauth": "ghClientSecret-%s-pp19" % tag, "token": "tokenSecret-%s-abcdefghijklmnopqrstuvwxyz" % tag,
    }
    body = {
        "smtp": {"enabled": False, "host": "smtp.example.com", "port": 587, "username": "mailer",
                 "password": secrets["smtp"]},
        "s3": {"enabled": False, "bucket": "b", "region": "r", "endpoint": "https://s3.example.com",
               "accessKey": "AKEXAMPLE", "secret": secrets["s3"]},
        "backups": {"s3": {"enabled": False, "bucket": "bb", "region": "r", "endpoint": "https://s3.example.com",
                           "accessKey": "AKBACKUP", "secret": secrets["backups"]}},
    }
    if srv.generation == "v022":
        body["githubAuth"] = {"enabled": True, "clientId": "cid", "clientSecret": secrets["oauth"]}
        body["recordAuthToken"] = {"secret": secrets["token"], "duration": 1209600}
    resp = srv.api("PATCH", "/api/settings", body)
    assert resp.status == 200, resp
    if srv.generation == "v023":
        resp = srv.api("PATCH", "/api/collections/users", {
            "oauth2": {"enabled": True, "providers": [{"name": "github", "clientId": "cid",
                                                       "clientSecret": secrets["oauth"]}]},
            "authToken": {"secret": secrets["token"], "duration": 3600}})
        assert resp.status == 200, resp
    return secrets


def test_no_secret_value_in_module_output(info, pb_version):
    pb_server = info["secret_servers"][pb_version]
    secrets = info["planted"][pb_version]
    res = info["secrets", pb_version]
    assert not res.failed, res.msg
    everything = json.dumps(dict(res)) + res.raw
    for name, value in sorted(secrets.items()):
        assert value not in everything, "%s secret leaked" % name
    assert pb_server.password not in everything
    settings = res["settings"]
    if pb_server.generation == "v022":
        assert settings["smtp"]["password"] == "********"
        assert settings["s3"]["secret"] == "********"
        assert settings["backups"]["s3"]["secret"] == "********"
        assert settings["githubAuth"]["clientSecret"] == "********"
        assert settings["recordAuthToken"]["secret"] == "********"
        assert users_of(res)["auth"]["oauth2"]["providers"] == ["github"]
    else:
        # 0.23+ never returns them: unknown, not empty
        assert settings["smtp"]["password"] is None and settings["s3"]["secret"] is None
        assert users_of(res)["auth"]["oauth2"] == {"enabled": True, "providers": ["github"]}
    assert settings["smtp"]["username"] == "mailer"


def test_adhoc_command_returns_normalized_data(pb_module_servers):
    """The README/acceptance form: `ansible localhost -m pbguard.pocketbase.pocketbase_info -a url=...`."""
    pb_server = pb_module_servers[pick_version()]
    env = ansible_env({"ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                       "POCKETBASE_EMAIL": pb_server.email, "POCKETBASE_PASSWORD": pb_server.password})
    proc = subprocess.run(
        [os.path.join(VENV_BIN, "ansible"), "localhost", "-v", "-m", "pbguard.pocketbase.pocketbase_info",
         "-a", "url=%s gather=version,superusers" % pb_server.url],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout
    assert "ok: [localhost]" in out or "SUCCESS" in out, out
    assert '"version": "%s"' % pb_server.version in out and pb_server.email in out
    assert pb_server.password not in out + proc.stderr
