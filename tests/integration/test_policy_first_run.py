# -*- coding: utf-8 -*-
"""Issue 16 on a real PocketBase: the policy validates everything before its first change (item 2),
refuses typos (item 6) and, in check mode before the install, defers instead of failing (item 1)."""
import pytest

from test_policy import run_role

VERSION = "0.40.6"


@pytest.fixture
def srv(pb_server_factory):
    return pb_server_factory(VERSION)


def base_vars(srv, **extra):
    role_vars = {"pocketbase_policy_url": srv.url, "pocketbase_policy_email": srv.email,
                 "pocketbase_policy_password": srv.password,
                 "pocketbase_policy_superusers": [{"email": srv.email, "password": srv.password},
                                                  {"email": "jane.doe@pbguard.test", "password": "jane-Password-99"}],
                 "pocketbase_policy_settings": {"meta": {"appName": "validated-first"}}}
    role_vars.update(extra)
    return role_vars


def untouched(srv):
    names = [s["email"] for s in srv.api("GET", "/api/collections/_superusers/records").json["items"]]
    return srv.api("GET", "/api/settings").json["meta"]["appName"] != "validated-first" and names == [srv.email]


def users_rules(srv):
    coll = srv.api("GET", "/api/collections/users").json
    return dict((k, coll[k]) for k in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule"))


def test_missing_collection_stops_the_run_before_the_first_change(srv):
    before = users_rules(srv)
    stats, out = run_role({"pb": base_vars(srv, pocketbase_policy_collections=[
        {"name": "users", "rules": {"listRule": None}},
        {"name": "tickets", "ruleset": "user_owned", "owner_field": "customer"}])})
    assert stats["pb"]["failures"] == 1 and stats["pb"]["changed"] == 0, out[-3000:]
    assert "collections do not exist" in out and "tickets" in out
    assert untouched(srv) and users_rules(srv) == before
    assert srv.password not in out and "jane-Password-99" not in out


def test_ruleset_that_does_not_fit_the_fields_stops_the_run(srv):
    before = users_rules(srv)
    stats, out = run_role({"pb": base_vars(srv, pocketbase_policy_collections=[
        {"name": "users", "ruleset": "user_owned", "owner_field": "owner"}])})
    assert stats["pb"]["failures"] == 1 and stats["pb"]["changed"] == 0, out[-3000:]
    assert "listRule uses owner, which collection users does not have" in out
    assert untouched(srv) and users_rules(srv) == before


def test_unknown_key_in_a_collection_entry_is_refused(srv):
    stats, out = run_role({"pb": base_vars(srv, pocketbase_policy_collections=[
        {"name": "users", "pubilc": ["createRule"], "rules": {"createRule": ""}}])})
    assert stats["pb"]["failures"] == 1 and stats["pb"]["changed"] == 0, out[-3000:]
    assert "pubilc" in out
    assert untouched(srv)


def test_unknown_prefixed_variable_is_refused_then_only_warned(srv):
    role_vars = base_vars(srv, pocketbase_policy_setings={"meta": {"appName": "typo"}})
    stats, out = run_role({"pb": role_vars})
    assert stats["pb"]["failures"] == 1 and stats["pb"]["changed"] == 0, out[-3000:]
    assert "unknown variable(s) pocketbase_policy_setings" in out
    assert untouched(srv)

    role_vars["pbguard_unknown_variables"] = "warn"
    stats, out = run_role({"pb": role_vars})
    assert stats["pb"]["failures"] == 0, out[-3000:]
    assert "[WARNING] unknown variable(s) pocketbase_policy_setings" in out
    assert srv.api("GET", "/api/settings").json["meta"]["appName"] == "validated-first"


def test_check_mode_before_the_install_defers_and_otherwise_fails_closed(srv, closed_port_url):
    role_vars = base_vars(srv, pocketbase_policy_url=closed_port_url)
    # what the server play (pocketbase role) records in the same run when it finds no database yet
    stats, out = run_role({"fresh": dict(role_vars, __pocketbase_fresh=True), "installed": role_vars}, check=True)
    assert stats["fresh"]["failures"] == 0, out[-3000:]
    assert "will be evaluated after the install" in out
    assert stats["installed"]["failures"] == 1   # not reachable and not about to be installed: an error
