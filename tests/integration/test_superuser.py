# -*- coding: utf-8 -*-
"""pocketbase_superuser through Ansible against real PocketBase binaries."""
import os
import stat

import pytest

from conftest import http

ALICE_PW = "alice-Initial-pw-1"
BOB_PW = "bob-Initial-pw-22"


@pytest.fixture(params=["0.30.4", "0.40.6"], ids=lambda v: "pb" + v)
def srv(request, pb_server_factory):
    return pb_server_factory(request.param)


def emails(srv):
    resp = srv.api("GET", "/api/collections/_superusers/records")
    assert resp.status == 200, resp
    return sorted(r["email"] for r in resp.json["items"])


def login(srv, email, password):
    return http("POST", srv.url + "/api/collections/_superusers/auth-with-password",
                {"identity": email, "password": password})


def test_create_idempotent_exclusive(srv):
    declared = [{"email": srv.email, "password": srv.password},
                {"email": "alice@example.com", "password": ALICE_PW}]
    res = srv.run_module("pocketbase_superuser", check=True, diff=True, superusers=declared)
    assert not res.failed and res.changed, res
    assert res["superusers"]["created"] == ["alice@example.com"]
    assert emails(srv) == [srv.email]

    res = srv.run_module("pocketbase_superuser", diff=True, superusers=declared)
    assert not res.failed and res.changed, res
    assert res.diff["after"]["superusers"] == sorted([srv.email, "alice@example.com"])
    assert login(srv, "alice@example.com", ALICE_PW).status == 200
    assert ALICE_PW not in res.raw and srv.password not in res.raw

    res = srv.run_module("pocketbase_superuser", superusers=declared)
    assert not res.failed and not res.changed, res

    # an intruder appears; exclusive check mode reports it, the real run removes it
    srv.api("POST", "/api/collections/_superusers/records",
            {"email": "intruder@example.com", "password": "intruder-pw-1", "passwordConfirm": "intruder-pw-1"})
    res = srv.run_module("pocketbase_superuser", check=True, superusers=declared, exclusive=True)
    assert res.changed and res["superusers"]["removed"] == ["intruder@example.com"]
    assert "intruder@example.com" in emails(srv)
    res = srv.run_module("pocketbase_superuser", superusers=declared, exclusive=True)
    assert not res.failed and res.changed, res
    assert emails(srv) == sorted([srv.email, "alice@example.com"])

    # absent
    res = srv.run_module("pocketbase_superuser",
                         superusers=[{"email": "alice@example.com", "state": "absent"}])
    assert res.changed and emails(srv) == [srv.email]


def test_refuses_to_delete_itself(srv):
    res = srv.run_module("pocketbase_superuser", superusers=[{"email": "other@example.com",
                                                              "password": "other-pw-123"}], exclusive=True)
    assert res.failed and "authenticated as" in res.msg
    assert emails(srv) == [srv.email]


def test_update_password_always(srv):
    declared = [{"email": "bob@example.com", "password": BOB_PW}]
    assert srv.run_module("pocketbase_superuser", superusers=declared).changed
    # on_create: a new password is not applied
    declared[0]["password"] = "bob-Second-pw-33"
    res = srv.run_module("pocketbase_superuser", superusers=declared)
    assert not res.changed and login(srv, "bob@example.com", BOB_PW).status == 200
    # always: applied once, then idempotent (the login test passes)
    res = srv.run_module("pocketbase_superuser", diff=True, superusers=declared, update_password="always")
    assert res.changed and res["superusers"]["password_updated"] == ["bob@example.com"], res
    assert "bob-Second-pw-33" not in res.raw and BOB_PW not in res.raw
    assert login(srv, "bob@example.com", "bob-Second-pw-33").status == 200
    res = srv.run_module("pocketbase_superuser", superusers=declared, update_password="always")
    assert not res.failed and not res.changed, res


def test_mfa_with_automation_token(srv, tmp_path):
    dest = str(tmp_path / "pb" / "automation.token")
    res = srv.run_module("pocketbase_superuser", mfa=True)
    assert res.failed and "automation_token_dest" in res.msg

    res = srv.run_module("pocketbase_superuser", check=True, mfa=True, automation_token_dest=dest,
                         automation_token_duration=900)
    assert res.changed and res["automation_token"]["minted"] and not os.path.exists(dest)
    assert login(srv, srv.email, srv.password).status == 200

    res = srv.run_module("pocketbase_superuser", diff=True, mfa=True, automation_token_dest=dest,
                         automation_token_duration=900)
    assert not res.failed and res.changed, res
    assert res.diff["after"]["mfa"] == {"mfa": True, "otp": True}
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    with open(dest) as fh:
        token = fh.read().strip()
    assert token and token not in res.raw

    # the password alone no longer logs in: MFA asks for a second factor
    resp = login(srv, srv.email, srv.password)
    assert resp.status == 401 and resp.json.get("mfaId"), resp
    res = srv.run_module("pocketbase_settings", settings={"logs": {"maxDays": 4}})
    assert res.failed and res.get("error_kind") == "mfa_required", res

    # the automation path keeps working without a human
    res = srv.run_module("pocketbase_settings", connection=False, url=srv.url, token=token,
                         settings={"logs": {"maxDays": 4}})
    assert not res.failed and res.changed, res
    assert token not in res.raw
    res = srv.run_module("pocketbase_superuser", connection=False, url=srv.url, token=token, mfa=True,
                         automation_token_dest=dest, automation_token_email=srv.email,
                         automation_token_duration=900,
                         superusers=[{"email": srv.email}])
    assert not res.failed and not res.changed, res
    assert token not in res.raw


def test_v022_fails_clearly(pb_server_factory):
    srv = pb_server_factory("0.22.27")
    res = srv.run_module("pocketbase_superuser", superusers=[{"email": "a@example.com", "password": "a-pw-12345"}])
    assert res.failed and "0.23" in res.msg
