# -*- coding: utf-8 -*-
"""Role pbguard.pocketbase.pocketbase_policy end to end through ansible-playbook on real PocketBase."""
import json
import os
import re
import subprocess
import sys
import tempfile

import pytest

from conftest import ansible_env, http

VENV_BIN = os.path.dirname(sys.executable)
ALICE = ("alice@example.com", "alice-pass-123")
BOB = ("bob@example.com", "bob-pass-1234")


def run_role(hosts, check=False, tags=None):
    """Apply the role in one ansible-playbook run to one inventory host per server (run in parallel).

    ``hosts``: ``{name: role vars}``. Returns ``({name: {"ok", "changed", "failures"}}, output)``.
    """
    work = tempfile.mkdtemp(prefix="pbguard-policy-")
    inventory = {"all": {"hosts": dict(
        (name, dict(role_vars, ansible_connection="local", ansible_python_interpreter=sys.executable))
        for name, role_vars in hosts.items())}}
    inv_path = os.path.join(work, "inventory.json")
    with open(os.open(inv_path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as fh:
        json.dump(inventory, fh)
    play = [{"name": "policy", "hosts": "all", "gather_facts": False,
             "roles": [{"role": "pbguard.pocketbase.pocketbase_policy"}]}]
    with open(os.path.join(work, "play.yml"), "w") as fh:
        json.dump(play, fh)
    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", inv_path, os.path.join(work, "play.yml")]
    if check:
        cmd += ["--check"]
    if tags:
        cmd += ["--tags", tags]
    proc = subprocess.run(cmd, env=ansible_env(), cwd=work, capture_output=True, text=True, timeout=600,
                          check=False)
    out = proc.stdout + proc.stderr
    stats = {}
    for name in hosts:
        recap = re.search(r"^%s\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
                          % re.escape(name), out, re.M)
        assert recap, "no play recap for %s (rc=%s): %s" % (name, proc.returncode, out[-4000:])
        stats[name] = {"ok": int(recap.group(1)), "changed": int(recap.group(2)),
                       "failures": int(recap.group(4))}
    return stats, out


def make_state(srv):
    resp = srv.api("POST", "/api/collections", {
        "name": "profiles", "type": "base", "listRule": "", "viewRule": "", "createRule": "",
        "updateRule": "", "deleteRule": "",
        "fields": [{"name": "bio", "type": "text"},
                   {"name": "user", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1}]})
    assert resp.status == 200, resp
    resp = srv.api("POST", "/api/collections", {
        "name": "posts", "type": "base", "listRule": "", "viewRule": "", "createRule": "",
        "updateRule": "@request.auth.id != ''", "deleteRule": "",
        "fields": [{"name": "title", "type": "text"},
                   {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                   {"name": "scan", "type": "file", "maxSelect": 1, "maxSize": 100000}]})
    assert resp.status == 200, resp
    alice = srv.create_user(*ALICE, verified=True)
    srv.create_user(*BOB, verified=True)
    prof = srv.api("POST", "/api/collections/profiles/records", {"bio": "alice", "user": alice["id"]}).json
    return alice, prof


def policy_vars(srv, token_dest):
    return {
        "pocketbase_policy_url": srv.url,
        "pocketbase_policy_email": srv.email,
        "pocketbase_policy_password": srv.password,
        "pocketbase_proxy_client_ip_header": "X-Real-IP",
        "pocketbase_policy_superusers": [{"email": srv.email, "password": srv.password},
                                         {"email": "ops@example.com", "password": "ops-Password-99"}],
        "pocketbase_policy_superusers_exclusive": True,
        "pocketbase_policy_mfa": True,
        "pocketbase_policy_automation_token_dest": token_dest,
        "pocketbase_policy_automation_token_duration": 1800,
        "pocketbase_policy_smtp_password": "smtp-Policy-Secret-5",
        "pocketbase_policy_settings": {"smtp": {"host": "smtp.example.org", "username": "pb"}},
        "pocketbase_policy_oauth2_client_secrets": {"users": {"github": "gh-Policy-Secret-77"}},
        "pocketbase_policy_collections": [
            {"name": "profiles", "ruleset": "user_owned", "owner_field": "user"},
            {"name": "posts", "ruleset": "public_read_owner_write", "owner_field": "author",
             "files": {"scan": {"protected": True}}},
            {"name": "users",
             "auth": {"only_verified": True, "min_password_length": 10, "token_durations": {"auth": 86400},
                      "oauth2": {"enabled": True, "providers": [{"name": "github", "clientId": "gh-client"}]}}},
        ],
    }


ENFORCE_VERSIONS = ["0.30.4", "0.40.6"]


@pytest.fixture
def srvs(pb_server_factory):
    """One fresh server per enforced version, each an inventory host of the same role run."""
    return dict(("pb-" + v, pb_server_factory(v)) for v in ENFORCE_VERSIONS)


def test_policy_role_end_to_end(srvs, tmp_path):
    state = dict((name, make_state(srv)) for name, srv in srvs.items())
    hosts = dict((name, policy_vars(srv, str(tmp_path / name / "automation.token"))) for name, srv in srvs.items())
    secrets = ["ops-Password-99", "smtp-Policy-Secret-5", "gh-Policy-Secret-77"] + [s.password for s in srvs.values()]

    # before: an anonymous client lists profiles and bob can rewrite alice's profile
    for name, srv in srvs.items():
        prof = state[name][1]
        assert http("GET", srv.url + "/api/collections/profiles/records").json["totalItems"] == 1
        assert srv.api("PATCH", "/api/collections/profiles/records/" + prof["id"], {"bio": "bob"},
                       auth=("user",) + BOB).status == 200

    stats, out = run_role(hosts, check=True)
    for name, srv in srvs.items():
        assert stats[name]["failures"] == 0 and stats[name]["changed"] >= 4, out[-3000:]
        assert srv.api("GET", "/api/collections/profiles").json["listRule"] == ""
        assert not os.path.exists(hosts[name]["pocketbase_policy_automation_token_dest"])

    stats, out = run_role(hosts)
    for secret in secrets:
        assert secret not in out
    for name, srv in srvs.items():
        prof = state[name][1]
        assert stats[name]["failures"] == 0, out[-5000:]
        assert stats[name]["changed"] >= 5

        # after: MFA on, the password alone is not enough
        resp = http("POST", srv.url + "/api/collections/_superusers/auth-with-password",
                    {"identity": srv.email, "password": srv.password})
        assert resp.status == 401 and resp.json.get("mfaId")
        # anonymous can no longer list profiles; bob cannot update alice's profile; alice can
        guest = http("GET", srv.url + "/api/collections/profiles/records")
        assert guest.status == 403 or guest.json["items"] == []
        resp = http("PATCH", srv.url + "/api/collections/profiles/records/" + prof["id"], {"bio": "bob again"},
                    {"Authorization": srv.user_token(*BOB)})
        assert resp.status in (403, 404), resp
        resp = http("PATCH", srv.url + "/api/collections/profiles/records/" + prof["id"], {"bio": "mine"},
                    {"Authorization": srv.user_token(*ALICE)})
        assert resp.status == 200
        with open(hosts[name]["pocketbase_policy_automation_token_dest"]) as fh:
            token = fh.read().strip()
        users = srv.api("GET", "/api/collections/users", auth=token).json
        assert token not in out
        assert users["authRule"] == "verified = true" and users["oauth2"]["providers"][0]["clientId"] == "gh-client"
        # public posts stay readable by intent
        assert http("GET", srv.url + "/api/collections/posts/records").status == 200

    # second run: through the automation token, nothing changes
    stats, out = run_role(hosts)
    for name in srvs:
        assert stats[name]["failures"] == 0, out[-5000:]
        assert stats[name]["changed"] == 0, out[-5000:]


def test_policy_refuses_public_rule_without_intent(srvs):
    hosts = {}
    for name, srv in srvs.items():
        make_state(srv)
        hosts[name] = {"pocketbase_policy_url": srv.url, "pocketbase_policy_email": srv.email,
                       "pocketbase_policy_password": srv.password,
                       "pocketbase_policy_collections": [
                           {"name": "profiles", "ruleset": "user_owned", "owner_field": "user",
                            "rules": {"listRule": ""}}]}
    stats, out = run_role(hosts, tags="rules")
    assert "profiles" in out and "listRule" in out and "public: [listRule]" in out
    for name, srv in srvs.items():
        assert stats[name]["failures"] == 1
        assert srv.api("GET", "/api/collections/profiles").json["updateRule"] == ""
        assert srv.password not in out


def test_policy_role_rotates_the_superuser_email_and_password_in_one_run(pb_server_factory):
    """Issue 16 item 4 through the role: the vault now holds the new e-mail and password, the previous
    ones are given once; one run renames the superuser, the next changes nothing."""
    srv = pb_server_factory(ENFORCE_VERSIONS[-1])
    new_email, new_pw = "ops-rotated@example.com", "ops-Rotated-password-1"
    role_vars = {
        "pocketbase_policy_url": srv.url,
        "pocketbase_superuser_email": new_email,
        "pocketbase_superuser_password": new_pw,
        "pocketbase_policy_previous_email": srv.email,
        "pocketbase_policy_previous_password": srv.password,
        "pocketbase_policy_superusers": [{"email": new_email, "password": new_pw}],
        "pocketbase_policy_superusers_exclusive": True,
        "pocketbase_policy_settings_enabled": False,
        "pocketbase_policy_rules_enabled": False,
        "pocketbase_policy_auth_enabled": False,
        "pocketbase_policy_files_enabled": False,
    }
    first, out = run_role({"pb": role_vars})
    assert first["pb"]["failures"] == 0 and first["pb"]["changed"] >= 1, out[-4000:]
    assert new_pw not in out and srv.password not in out
    again, out = run_role({"pb": role_vars})
    assert again["pb"]["failures"] == 0 and again["pb"]["changed"] == 0, out[-4000:]
    login = http("POST", srv.url + "/api/collections/_superusers/auth-with-password",
                 {"identity": new_email, "password": new_pw})
    assert login.status == 200, login
    old = http("POST", srv.url + "/api/collections/_superusers/auth-with-password",
               {"identity": srv.email, "password": srv.password})
    assert old.status == 400, old
