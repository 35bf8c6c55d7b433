# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules must fit their collection's fields before anything is sent (issue 16, item 2)."""

from __future__ import annotations

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils._rule_fields import (
    rule_field_errors, unknown_fields)

FIELDS = ["id", "author", "title", "created"]


@pytest.mark.parametrize("expr, missing", [
    ("author = @request.auth.id", []),
    ("auther = @request.auth.id", ["auther"]),
    ('@request.auth.id != "" && @request.body.author = @request.auth.id', []),
    ('@request.auth.id != "" && @request.body.owner = @request.auth.id', ["owner"]),
    ("author = @request.auth.id && (@request.body.author:isset = false || @request.body.author = @request.auth.id)", []),
    ("author.name = 'x' && title:lower ~ 'y'", []),
    ("comments_via_post.id ?= 'x'", []),                # back-relations are the server's to judge
    ('@collection.members.user ?= @request.auth.id', []),  # other collections' fields: not this check
    ('@request.auth.role = "admin"', []),                 # the caller's own record
    ("created > @now && updated > @now", ["updated"]),
    ("", []),
    ("author = (", []),                                   # unparsable: the server stays the judge of syntax
])
def test_unknown_fields(expr, missing):
    assert unknown_fields(expr, FIELDS) == missing


def test_auth_collections_accept_password_confirm():
    assert unknown_fields("@request.body.passwordConfirm:isset = true", ["id", "password"], auth=True) == []
    assert unknown_fields("@request.body.passwordConfirm:isset = true", ["id", "password"]) == ["passwordConfirm"]


def test_rule_field_errors_name_collection_rule_and_fields():
    colls = {"profiles": {"type": "base", "fields": [{"name": "id"}, {"name": "user"}]}}
    specs = [{"name": "profiles", "rules": {"listRule": "owner = @request.auth.id", "viewRule": None,
                                            "updateRule": "user = @request.auth.id"}}]
    assert rule_field_errors(specs, colls, ("listRule", "viewRule", "updateRule")) == [
        "collection profiles: listRule uses owner, which collection profiles does not have (fields: id, user)"]
