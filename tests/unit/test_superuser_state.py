# -*- coding: utf-8 -*-
"""Unit tests for plugins/module_utils/_superuser_state.py (superuser password policy and plan)."""

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _superuser_state as S


# ---------------------------------------------------------------- superuser_plan (issue 11 item 4, issue 17 item 7)

POLICY = {"min": 8, "max": 71, "pattern": None}
ME = {"email": "admin@example.com", "id": None}


def _existing(*emails):
    return dict((e, {"id": "id-" + e.split("@")[0], "email": e}) for e in emails)


def _declared(*items):
    return dict((i["email"], dict({"state": "present", "password": None}, **i)) for i in items)


def test_superuser_plan_validates_every_password_before_anything():
    plan = S.superuser_plan(_existing("admin@example.com"),
                            _declared({"email": "a@example.com", "password": "long-enough-1"},
                                      {"email": "b@example.com", "password": "short"}), ME, POLICY)
    assert plan["errors"] == ["superusers[b@example.com].password is shorter than the server's minimum of 8 characters"]
    assert "short" not in plan["errors"][0].replace("shorter", "")


def test_superuser_plan_create_update_delete_and_self_protection():
    existing = _existing("admin@example.com", "old@example.com", "bob@example.com")
    declared = _declared({"email": "admin@example.com"}, {"email": "new@example.com", "password": "new-password-1"},
                         {"email": "bob@example.com", "password": "bob-password-2"})
    plan = S.superuser_plan(existing, declared, ME, POLICY, exclusive=True, update_password="always",
                            logs_in=lambda email, pw: False)
    assert plan["errors"] == []
    assert plan["create"] == [("new@example.com", "new-password-1")]
    assert [u[0] for u in plan["update"]] == ["bob@example.com"]
    assert [d[0] for d in plan["delete"]] == ["old@example.com"]
    refused = S.superuser_plan(existing, _declared({"email": "x@example.com", "password": "x-password-1"}),
                               ME, POLICY, exclusive=True)
    assert any("refusing to delete admin@example.com" in e for e in refused["errors"])


def test_superuser_plan_rotation_renames_instead_of_delete_and_create():
    existing = _existing("admin@example.com")
    declared = _declared({"email": "ops@example.com", "password": "ops-password-1"})
    plan = S.superuser_plan(existing, declared, ME, POLICY, exclusive=True,
                            rotate=("admin@example.com", "ops@example.com", "ops-password-1"))
    assert plan["errors"] == [] and plan["create"] == [] and plan["delete"] == []
    assert plan["rotate"][0] == "admin@example.com" and plan["rotate"][2] == "ops@example.com"
    taken = S.superuser_plan(_existing("admin@example.com", "ops@example.com"), declared, ME, POLICY,
                             rotate=("admin@example.com", "ops@example.com", "ops-password-1"))
    assert any("already exists" in e for e in taken["errors"])


def test_superuser_password_policy_from_the_collection():
    coll = {"fields": [{"name": "password", "type": "password", "min": 12, "max": 0, "pattern": ""}]}
    assert S.superuser_password_policy(coll) == {"min": 12, "max": None, "pattern": None}
    assert S.superuser_password_policy({}) == {"min": 8, "max": None, "pattern": None}
