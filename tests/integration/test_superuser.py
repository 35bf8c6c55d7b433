# -*- coding: utf-8 -*-
"""pocketbase_superuser through Ansible against real PocketBase binaries."""
import os
import stat

import pytest

from conftest import http, run_tasks  # pylint: disable=import-error

ALICE_PW = "alice-Initial-pw-1"
BOB_PW = "bob-Initial-pw-22"


ENFORCE_VERSIONS = ["0.30.4", "0.40.6"]


@pytest.fixture
def srvs(pb_server_factory):
    """One fresh server per enforced version; each step runs on all of them in ONE playbook."""
    return [pb_server_factory(v) for v in ENFORCE_VERSIONS]


def each(srvs, module, **kwargs):
    """The same call against every server in one ansible-playbook run: [(srv, result), ...]."""
    return list(zip(srvs, run_tasks([srv.task(module, **kwargs) for srv in srvs])))


def emails(srv):
    resp = srv.api("GET", "/api/collections/_superusers/records")
    assert resp.status == 200, resp
    return sorted(r["email"] for r in resp.json["items"])


def login(srv, email, password):
    return http("POST", srv.url + "/api/collections/_superusers/auth-with-password",
                {"identity": email, "password": password})


def test_create_idempotent_exclusive(srvs):
    def declared(srv):
        return [{"email": srv.email, "password": srv.password},
                {"email": "alice@example.com", "password": ALICE_PW}]

    results = run_tasks([srv.task("pocketbase_superuser", check=True, diff=True, superusers=declared(srv))
                         for srv in srvs])
    for srv, res in zip(srvs, results):
        assert not res.failed and res.changed, res
        assert res["superusers"]["created"] == ["alice@example.com"]
        assert emails(srv) == [srv.email]

    # apply, then again (idempotent)
    tasks = []
    for srv in srvs:
        tasks += [srv.task("pocketbase_superuser", diff=True, superusers=declared(srv)),
                  srv.task("pocketbase_superuser", superusers=declared(srv))]
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        res, again = results[2 * index:2 * index + 2]
        assert not res.failed and res.changed, res
        assert res.diff["after"]["superusers"] == sorted([srv.email, "alice@example.com"])
        assert ALICE_PW not in res.raw and srv.password not in res.raw
        assert not again.failed and not again.changed, again
        assert login(srv, "alice@example.com", ALICE_PW).status == 200

    # an intruder appears; exclusive check mode reports it, the real run removes it
    for srv in srvs:
        srv.api("POST", "/api/collections/_superusers/records",
                {"email": "intruder@example.com", "password": "intruder-pw-1", "passwordConfirm": "intruder-pw-1"})
    results = run_tasks([srv.task("pocketbase_superuser", check=True, superusers=declared(srv), exclusive=True)
                         for srv in srvs])
    for srv, res in zip(srvs, results):
        assert res.changed and res["superusers"]["removed"] == ["intruder@example.com"]
        assert "intruder@example.com" in emails(srv)
    # exclusive removes it; then alice absent
    tasks = []
    for srv in srvs:
        tasks += [srv.task("pocketbase_superuser", superusers=declared(srv), exclusive=True),
                  srv.task("pocketbase_superuser", superusers=[{"email": "alice@example.com", "state": "absent"}])]
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        res, absent = results[2 * index:2 * index + 2]
        assert not res.failed and res.changed and res["superusers"]["removed"] == ["intruder@example.com"], res
        assert absent.changed and absent["superusers"]["removed"] == ["alice@example.com"], absent
        assert emails(srv) == [srv.email]


def test_refuses_to_delete_itself(srvs):
    for srv, res in each(srvs, "pocketbase_superuser", superusers=[{"email": "other@example.com",
                                                                    "password": "other-pw-123"}], exclusive=True):
        assert res.failed and "authenticated as" in res.msg
        assert emails(srv) == [srv.email]


def test_update_password_always(srvs):
    declared = [{"email": "bob@example.com", "password": BOB_PW}]
    second = [{"email": "bob@example.com", "password": "bob-Second-pw-33"}]
    # create; on_create: a new password is not applied
    tasks = []
    for srv in srvs:
        tasks += [srv.task("pocketbase_superuser", superusers=declared),
                  srv.task("pocketbase_superuser", superusers=second)]
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        created, on_create = results[2 * index:2 * index + 2]
        assert created.changed, created
        assert not on_create.changed and login(srv, "bob@example.com", BOB_PW).status == 200
    # always: applied once, then idempotent (the login test passes). Logins are rate limited here to
    # 2 per minute: each run's own login fits, the password probes carry the superuser session (exempt
    # from rate limits), so a probe sent as a guest would make the second run fail with HTTP 429
    for srv in srvs:
        rules = [{"label": "*:auth", "audience": "", "duration": 60, "maxRequests": 2}]
        assert srv.api("PATCH", "/api/settings", {"rateLimits": {"enabled": True, "rules": rules,
                                                                 "excludedIPs": []}}).status == 200
    tasks = []
    for srv in srvs:
        tasks += [srv.task("pocketbase_superuser", diff=True, superusers=second, update_password="always"),
                  srv.task("pocketbase_superuser", superusers=second, update_password="always")]
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        res, again = results[2 * index:2 * index + 2]
        assert res.changed and res["superusers"]["password_updated"] == ["bob@example.com"], res
        assert "bob-Second-pw-33" not in res.raw and BOB_PW not in res.raw
        assert not again.failed and not again.changed, again
        srv.api("PATCH", "/api/settings", {"rateLimits": {"enabled": False}})
        assert login(srv, "bob@example.com", "bob-Second-pw-33").status == 200


def test_mfa_with_automation_token(srvs, tmp_path):
    def dest(srv):
        return str(tmp_path / srv.version / "automation.token")

    tasks = []
    for srv in srvs:
        tasks += [srv.task("pocketbase_superuser", mfa=True),
                  srv.task("pocketbase_superuser", check=True, mfa=True, automation_token_dest=dest(srv),
                           automation_token_duration=900)]
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        refused, check = results[2 * index:2 * index + 2]
        assert refused.failed and "automation_token_dest" in refused.msg
        assert check.changed and check["automation_token"]["minted"] and not os.path.exists(dest(srv))
        assert login(srv, srv.email, srv.password).status == 200

    results = run_tasks([srv.task("pocketbase_superuser", diff=True, mfa=True, automation_token_dest=dest(srv),
                                  automation_token_duration=900) for srv in srvs])
    tokens = {}
    for srv, res in zip(srvs, results):
        assert not res.failed and res.changed, res
        assert res.diff["after"]["mfa"] == {"mfa": True, "otp": True}
        assert stat.S_IMODE(os.stat(dest(srv)).st_mode) == 0o600
        with open(dest(srv)) as fh:
            token = fh.read().strip()
        assert token and token not in res.raw
        tokens[srv.version] = token
        # the password alone no longer logs in: MFA asks for a second factor
        resp = login(srv, srv.email, srv.password)
        assert resp.status == 401 and resp.json.get("mfaId"), resp

    # a password connection now fails clearly; the automation path keeps working without a human
    tasks = []
    for srv in srvs:
        token = tokens[srv.version]
        tasks += [srv.task("pocketbase_settings", settings={"logs": {"maxDays": 4}}),
                  srv.task("pocketbase_settings", connection=False, url=srv.url, token=token,
                           settings={"logs": {"maxDays": 4}}),
                  srv.task("pocketbase_superuser", connection=False, url=srv.url, token=token, mfa=True,
                           automation_token_dest=dest(srv), automation_token_email=srv.email,
                           automation_token_duration=900, superusers=[{"email": srv.email}])]
    results = run_tasks(tasks)
    for index, srv in enumerate(srvs):
        password_conn, settings_by_token, superuser_by_token = results[3 * index:3 * index + 3]
        assert password_conn.failed and password_conn.get("error_kind") == "mfa_required", password_conn
        assert not settings_by_token.failed and settings_by_token.changed, settings_by_token
        assert not superuser_by_token.failed and not superuser_by_token.changed, superuser_by_token
        assert tokens[srv.version] not in superuser_by_token.raw


# 0.22 refusal: tests/integration/test_collection.py::test_v022_fails_clearly (all enforcing modules, one run)


# ----------------------------------------------------------------------------- issue 17 / issue 16

@pytest.fixture
def srv(pb_server_factory):
    return pb_server_factory(ENFORCE_VERSIONS[-1])


def test_a_password_the_server_would_reject_changes_nothing(srv):
    """Issue 17 item 7: the second password is below the server's own minimum; nothing is created."""
    declared = [{"email": srv.email, "password": srv.password},
                {"email": "first@example.com", "password": "first-Valid-pw-1"},
                {"email": "second@example.com", "password": "short"}]
    res = srv.run_module("pocketbase_superuser", superusers=declared, exclusive=True)
    assert res.failed and "nothing changed" in res.msg, res
    assert "superusers[second@example.com].password" in res.msg and "minimum of 8" in res.msg
    assert "short" not in res.msg.replace("shorter", "")
    assert emails(srv) == [srv.email]


def test_a_create_the_server_rejects_is_undone_and_not_reported(srv):
    """Issue 17 item 7: the server refuses the second create (bad e-mail syntax): the first is deleted
    again and the result lists nothing as created."""
    declared = [{"email": "first@example.com", "password": "first-Valid-pw-1"},
                {"email": "second@@example.com", "password": "second-Valid-pw-2"}]
    res = srv.run_module("pocketbase_superuser", superusers=declared)
    assert res.failed, res
    assert "deleted again" in res.msg, res.msg
    assert res["superusers"]["created"] == [], res["superusers"]
    assert emails(srv) == [srv.email]
    assert "first-Valid-pw-1" not in res.raw and "second-Valid-pw-2" not in res.raw


def test_token_file_mode_is_repaired_and_links_are_not_followed(srv, tmp_path):
    """Issue 17 items 4 and 8: a 0644 token file is set back to 0600; a token directory another user
    could write to is refused; a symlink planted at the destination is replaced, never written through."""
    token_dir = tmp_path / "tokens"
    token_dir.mkdir(mode=0o700)
    dest = token_dir / "automation.token"
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n")
    os.symlink(str(victim), str(dest))
    open_dir = tmp_path / "shared"
    open_dir.mkdir()
    os.chmod(str(open_dir), 0o777)
    args = dict(automation_token_dest=str(dest), automation_token_duration=900)
    minted, again, refused = run_tasks([
        srv.task("pocketbase_superuser", **args),
        srv.task("pocketbase_superuser", **args),
        srv.task("pocketbase_superuser", automation_token_dest=str(open_dir / "t"), automation_token_duration=900),
    ])
    assert minted.changed and not minted.failed, minted
    assert victim.read_text() == "untouched\n"
    assert not os.path.islink(str(dest)) and stat.S_IMODE(os.lstat(str(dest)).st_mode) == 0o600
    assert not again.changed, again
    assert refused.failed and "writable by group or others" in refused.msg, refused
    assert os.listdir(str(open_dir)) == []

    os.chmod(str(dest), 0o644)
    fixed, settled = run_tasks([srv.task("pocketbase_superuser", **args), srv.task("pocketbase_superuser", **args)])
    assert fixed.changed and fixed["automation_token"].get("mode_fixed"), fixed
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
    assert not settled.changed, settled


def test_rotating_the_connection_superuser_email_and_password_in_one_run(srv):
    """Issue 16 item 4: new e-mail and password in email/password, the old ones in previous_*:
    one run renames the same record; the next run logs in with the new values and changes nothing."""
    new_email, new_pw = "ops-2027@example.com", "ops-New-password-27"
    before_id = srv.api("GET", "/api/collections/_superusers/records").json["items"][0]["id"]
    plain = srv.task("pocketbase_superuser", connection=False, url=srv.url, email=new_email, password=new_pw)
    rotate = srv.task("pocketbase_superuser", connection=False, url=srv.url, email=new_email, password=new_pw,
                      previous_email=srv.email, previous_password=srv.password,
                      superusers=[{"email": new_email, "password": new_pw}], exclusive=True)
    without, rotated, again = run_tasks([plain, rotate, rotate])
    assert without.failed and "previous_email" in without.msg and "pocketbase_policy_previous_email" in without.msg
    assert not rotated.failed and rotated.changed, rotated
    assert rotated["superusers"]["renamed"] == [{"from": srv.email, "to": new_email}]
    assert rotated["superusers"]["removed"] == []
    assert not again.failed and not again.changed, again
    assert new_pw not in rotated.raw and srv.password not in rotated.raw
    assert login(srv, new_email, new_pw).status == 200
    assert login(srv, srv.email, srv.password).status == 400
    items = http("GET", srv.url + "/api/collections/_superusers/records",
                 headers={"Authorization": login(srv, new_email, new_pw).json["token"]}).json["items"]
    assert [(i["id"], i["email"]) for i in items] == [(before_id, new_email)]
