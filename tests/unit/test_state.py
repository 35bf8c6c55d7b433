# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_state.py (pure diff helpers)."""
import copy
import json
import os

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _state as S

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "state")


def load(name):
    with open(os.path.join(FIX, name)) as fh:
        return json.load(fh)


@pytest.mark.parametrize("current,desired,equal", [
    (1, 1, True), (1, "1", True), (1, "2", False), (True, "yes", True), (False, "true", False),
    (True, 1, False), ("", None, False), (None, None, True), (None, "", False),
    ({"a": 1, "b": 2}, {"a": 1}, True), ({"a": 1}, {"a": 1, "c": 3}, False),
    ({"a": 1}, {"a": 1, "c": ""}, True), ([1, 2], [1, 2], True), ([1, 2], [2, 1], False),
    ([{"label": "x", "audience": ""}], [{"label": "x"}], True), ([], [{"label": "x"}], False),
    ("abc", "abc", True), (3.0, "3", True),
])
def test_values_equal(current, desired, equal):
    assert S.values_equal(current, desired) is equal


def test_subset_changes_only_declared_leaves():
    cur = {"a": {"b": 1, "c": 2}, "d": [1], "e": None}
    changes = S.subset_changes(cur, {"a": {"b": "5"}, "e": None, "d": [1]})
    assert changes == [(("a", "b"), 1, 5)]


def test_subset_changes_missing_key_and_skip():
    cur = {"smtp": {"host": "x"}}
    changes = S.subset_changes(cur, {"smtp": {"host": "y", "password": "s3cr3t"}},
                               skip=(("smtp", "password"),))
    assert changes == [(("smtp", "host"), "x", "y")]
    changes = S.subset_changes(cur, {"new": {"k": 1}})
    assert changes[0][0] == ("new", "k") and changes[0][1] is S.MISSING


def test_unknown_paths():
    cur = load("v030_settings_get_default.json")
    assert S.unknown_paths(cur, {"superuserIPs": ["127.0.0.1"], "logs": {"maxDays": 7}}) == [("superuserIPs",)]
    assert S.unknown_paths(load("v040_settings_get_default.json"), {"superuserIPs": []}) == []


def test_diff_masks_secrets_and_reports_sent():
    changes = [(("smtp", "host"), "a", "b")]
    diff = S.diff_from_changes(changes, S.SETTINGS_SECRET_PATHS, [("smtp", "password")])
    assert diff["before"] == {"smtp": {"host": "a", "password": "<write-only>"}}
    assert diff["after"] == {"smtp": {"host": "b", "password": S.MASK}}


def test_mask_paths():
    data = {"smtp": {"password": "pw", "host": "h"}, "s3": {}}
    masked = S.mask_paths(data, S.SETTINGS_SECRET_PATHS)
    assert masked["smtp"]["password"] == S.MASK and "secret" not in masked["s3"]
    assert data["smtp"]["password"] == "pw"


SECRET = "Sup3r-Secret-Value"


@pytest.mark.parametrize("mode,other_change,expect_sent", [
    ("always", False, ["smtp.password"]),
    ("always", True, ["smtp.password"]),
    ("on_change", False, []),
    ("on_change", True, ["smtp.password"]),
    ("never", True, []),
])
def test_settings_plan_secret_modes(mode, other_change, expect_sent):
    cur = load("v040_settings_get_default.json")
    host = "mail.example.org" if other_change else cur["smtp"]["host"]
    plan = S.settings_plan(cur, {"smtp": {"host": host, "password": SECRET}}, update_secrets=mode)
    assert plan["secrets_sent"] == expect_sent
    if expect_sent:
        assert plan["payload"]["smtp"]["password"] == SECRET
    else:
        assert "password" not in plan["payload"].get("smtp", {})
    # the secret value never appears in the diff or the change list
    assert SECRET not in json.dumps(plan["diff"])
    assert SECRET not in repr(plan["changes"])


def test_settings_plan_never_sends_get_values():
    cur = load("v040_settings_get_default.json")
    desired = {"rateLimits": {"enabled": True}, "logs": {"maxDays": 7}}
    plan = S.settings_plan(cur, desired)
    assert plan["payload"] == {"rateLimits": {"enabled": True}, "logs": {"maxDays": 7}}
    assert sorted(S.changed_paths(plan["changes"])) == ["logs.maxDays", "rateLimits.enabled"]
    assert plan["diff"] == {"before": {"rateLimits": {"enabled": False}, "logs": {"maxDays": 5}},
                            "after": {"rateLimits": {"enabled": True}, "logs": {"maxDays": 7}}}


def test_settings_plan_no_change_when_equal():
    cur = load("v040_settings_get_default.json")
    plan = S.settings_plan(cur, {"logs": {"maxDays": "5"}, "trustedProxy": {"headers": []}})
    assert plan["changes"] == [] and plan["payload"] == {}


def test_settings_plan_rate_limit_rules_replace_list():
    cur = load("v040_settings_get_default.json")
    rules = cur["rateLimits"]["rules"] + [{"label": "*:requestOTP", "duration": 60, "maxRequests": 3}]
    plan = S.settings_plan(cur, {"rateLimits": {"rules": rules}})
    assert plan["payload"]["rateLimits"]["rules"][-1]["label"] == "*:requestOTP"
    cur2 = copy.deepcopy(cur)
    cur2["rateLimits"]["rules"] = [dict(r, audience=r.get("audience", "")) for r in rules]
    assert S.settings_plan(cur2, {"rateLimits": {"rules": rules}})["changes"] == []


@pytest.mark.parametrize("rule,expected", [
    ("verified = true", True), ("verified=true", True), ("(verified = true)", True),
    ("x = 1 && verified = true", True), ("x = 1 || verified = true", False), ("", False), (None, False),
    ("verified = false", False),
])
def test_rule_requires_verified(rule, expected):
    assert S.rule_requires_verified(rule) is expected


def test_collection_plan_rules_only():
    cur = load("v040_collection_create_posts_response.json")
    plan = S.collection_plan({"name": "posts", "rules": {"listRule": None, "viewRule": "@request.auth.id != ''"}}, cur)
    assert plan["changed"] == ["listRule"]
    assert plan["entry"] == {"id": cur["id"], "name": "posts", "type": "base", "listRule": None}
    assert plan["diff"] == {"before": {"listRule": ""}, "after": {"listRule": None}}
    assert "fields" not in plan["entry"]


def test_collection_plan_no_change():
    cur = load("v040_collection_create_posts_response.json")
    plan = S.collection_plan({"name": "posts", "rules": {k: cur[k] for k in S.RULE_KEYS},
                              "files": {"doc": {"protected": True}}}, cur)
    assert plan["changes"] == [] and plan["entry"] is None


def test_collection_plan_file_protected_sends_full_fields():
    cur = load("v040_collection_create_posts_response.json")
    plan = S.collection_plan({"name": "posts", "files": {"doc": {"protected": False}}}, cur)
    assert plan["changed"] == ["fields.doc.protected"]
    fields = plan["entry"]["fields"]
    assert [f["name"] for f in fields] == [f["name"] for f in cur["fields"]]
    changed = [f for f in fields if f != next(c for c in cur["fields"] if c["name"] == f["name"])]
    assert len(changed) == 1 and changed[0]["name"] == "doc" and changed[0]["protected"] is False


def test_collection_plan_errors():
    cur = load("v040_collection_create_posts_response.json")
    plan = S.collection_plan({"name": "posts", "rules": {"authRule": ""}, "files": {"title": {"protected": True}},
                              "auth": {"otp": {"enabled": True}}}, cur)
    assert len(plan["errors"]) == 3 and plan["entry"] is None


def test_collection_plan_auth_options():
    cur = load("v040_collection_users_view.json")
    spec = {"name": "users", "auth": {
        "password": {"enabled": True}, "oauth2": {"enabled": False},
        "otp": {"enabled": True, "duration": 120}, "mfa": {"enabled": True},
        "only_verified": True, "min_password_length": 12,
        "token_durations": {"auth": 3600, "password_reset": 900}}}
    plan = S.collection_plan(spec, cur)
    entry = plan["entry"]
    assert entry["authRule"] == "verified = true"
    assert entry["otp"] == {"enabled": True, "duration": 120}
    assert entry["mfa"] == {"enabled": True}
    assert entry["authToken"] == {"duration": 3600}
    assert entry["passwordResetToken"] == {"duration": 900}
    assert next(f for f in entry["fields"] if f["name"] == "password")["min"] == 12
    assert "secret" not in json.dumps(entry)
    # applying the entry makes the plan empty
    applied = copy.deepcopy(cur)
    for key, value in entry.items():
        if isinstance(value, dict):
            applied.setdefault(key, {}).update(value)
        else:
            applied[key] = value
    assert S.collection_plan(spec, applied)["changes"] == []


def test_only_verified_keeps_existing_auth_rule():
    cur = load("v040_collection_users_view.json")
    cur["authRule"] = "status = 'active'"
    plan = S.collection_plan({"name": "users", "auth": {"only_verified": True}}, cur)
    assert plan["entry"]["authRule"] == "(status = 'active') && verified = true"
    cur["authRule"] = "verified = true"
    plan = S.collection_plan({"name": "users", "auth": {"only_verified": False}}, cur)
    assert plan["entry"]["authRule"] == ""


GH = {"name": "github", "clientId": "CID"}


def test_oauth2_new_provider_needs_secret():
    change, send, sent, errors = S.oauth2_provider_plan("users", [GH], [])
    assert errors and "oauth2_client_secrets" in errors[0] and send is None
    change, send, sent, errors = S.oauth2_provider_plan("users", [GH], [], {"github": "s3cr3t"})
    assert not errors and sent == ["github"]
    assert send == [{"name": "github", "clientId": "CID", "clientSecret": "s3cr3t"}]
    assert change[0] == ("oauth2", "providers") and "s3cr3t" not in repr(change)


@pytest.mark.parametrize("mode,cid,expect_sent,expect_change", [
    ("on_change", "CID", [], False),
    ("on_change", "CID2", ["github"], True),
    ("always", "CID", ["github"], True),
    ("never", "CID2", [], True),
])
def test_oauth2_existing_provider_secret_modes(mode, cid, expect_sent, expect_change):
    current = [{"name": "github", "clientId": "CID", "authURL": "", "pkce": None}]
    change, send, sent, errors = S.oauth2_provider_plan("users", [dict(GH, clientId=cid)], current,
                                                        {"github": "s3cr3t"}, mode)
    assert not errors and sent == expect_sent and bool(change) is expect_change
    if send:
        assert ("clientSecret" in send[0]) is bool(expect_sent)


def test_oauth2_undeclared_provider_removed_and_inline_secret_refused():
    current = [{"name": "github", "clientId": "CID"}, {"name": "google", "clientId": "G"}]
    change, send, _sent, errors = S.oauth2_provider_plan("users", [GH], current)
    assert not errors and [p["name"] for p in send] == ["github"]
    assert [p["name"] for p in change[1]] == ["github", "google"]
    _c, _s, _x, errors = S.oauth2_provider_plan("users", [dict(GH, clientSecret="x")], current)
    assert errors and "oauth2_client_secrets" in errors[0]


def test_collection_plan_oauth2_entry():
    cur = load("v040_collection_users_view.json")
    spec = {"name": "users", "auth": {"oauth2": {"enabled": True, "providers": [GH]}}}
    plan = S.collection_plan(spec, cur, {"github": "s3cr3t"})
    assert plan["entry"]["oauth2"] == {"enabled": True, "providers": [dict(GH, clientSecret="s3cr3t")]}
    assert plan["secrets_sent"] == ["users.oauth2.github.clientSecret"]
    assert "s3cr3t" not in json.dumps(plan["diff"])
