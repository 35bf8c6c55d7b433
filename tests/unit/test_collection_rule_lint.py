# -*- coding: utf-8 -*-
"""pocketbase_collection's pre-write rule checks (linter + the audit's rule-logic questions), in process."""
import json
import os

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import rul
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _compat
from ansible_collections.pbguard.pocketbase.plugins.modules import pocketbase_collection as M

FIX = os.path.join(os.path.dirname(__file__), "fixtures", "state")
OWNER = {"listRule": "owner = @request.auth.id", "viewRule": "owner = @request.auth.id",
         "createRule": "@request.auth.id != '' && @request.body.owner = @request.auth.id", "updateRule": "owner = @request.auth.id",
         "deleteRule": "owner = @request.auth.id"}


def _raw(name):
    with open(os.path.join(FIX, name)) as fh:
        return json.load(fh)


def test_rule_logic_issues_returns_the_issues_as_a_list():
    posts = _raw("v040_collection_create_posts_response.json")
    posts.update(OWNER, createRule="@request.auth.id != ''")  # owner not bound to the caller
    users = _raw("v040_collection_users_view.json")
    issues = rul.rule_logic_issues([_compat.normalize_collection(c, "v023") for c in (posts, users)], "v023")
    assert isinstance(issues, list)
    assert ("PBG-RUL-012", "createRule") in [(cid, issue.rule) for cid, _sev, issue in issues], issues


def test_public_rules_are_refused_without_intent_and_accepted_with_it():
    posts = _raw("v040_collection_create_posts_response.json")
    raw = {"posts": posts, "users": _raw("v040_collection_users_view.json")}
    specs = [{"name": "posts", "rules": dict(OWNER, listRule="", viewRule='id != ""')}]
    _findings, refusals = M.lint_rules(specs, raw, "v023", False)
    text = " ".join(refusals)
    assert "posts" in text and "listRule" in text and "viewRule" in text and "public: [listRule]" in text
    specs[0]["public"] = ["listRule", "viewRule"]
    findings, refusals = M.lint_rules(specs, raw, "v023", False)
    assert refusals == [] and any(f["code"] == "public" and f["accepted"] for f in findings)
