# -*- coding: utf-8 -*-
"""The shape check that keeps ansible-core's suboption validation from crashing (issue 17 item 6)."""
import copy

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.pbguard.pocketbase.plugins.module_utils._argshape import shape_errors
from ansible_collections.pbguard.pocketbase.plugins.modules import pocketbase_collection

SPEC = pocketbase_collection.argument_spec()


def params(**auth):
    return {"url": "http://127.0.0.1:1", "collections": [{"name": "users", "auth": auth}]}


@pytest.mark.parametrize("value", [[1], 5, True, 1.5, [None], "x"])
def test_ansible_core_crashes_or_names_no_path_without_the_check(value):
    raw = params(otp=value)
    try:
        result = ArgumentSpecValidator(SPEC).validate(copy.deepcopy(raw))
    except TypeError:
        return  # the crash the check exists for
    assert "collections[0].auth.otp" not in result.errors.msg


@pytest.mark.parametrize("value,kind", [([1], "list"), (5, "int"), (True, "bool"), (1.5, "float"),
                                        ([None], "list"), ("x", "str")])
def test_wrong_shape_is_named_by_path_and_removed(value, kind):
    raw = params(otp=value, only_verified=True)
    assert shape_errors(SPEC, raw) == ["collections[0].auth.otp must be a dict, got %s" % kind]
    assert raw["collections"][0]["auth"] == {"only_verified": True}
    result = ArgumentSpecValidator(SPEC).validate(raw)  # what is left validates without a crash
    assert not result.errors.errors, result.errors.errors


def test_strings_ansible_core_converts_are_left_to_it():
    raw = params(otp="enabled=true", mfa='{"enabled": false}')
    assert shape_errors(SPEC, raw) == []
    assert raw["collections"][0]["auth"]["otp"] == "enabled=true"


def test_list_elements_are_checked_one_by_one():
    raw = {"collections": [{"name": "a"}, 3, "name=b", [1], {"name": "c", "auth": {"oauth2": {"providers": [{}, 2]}}}]}
    assert shape_errors(SPEC, raw) == [
        "collections[1] must be a dict, got int",
        "collections[3] must be a dict, got list",
        "collections[4].auth.oauth2.providers[1] must be a dict, got int",
    ]
    assert raw["collections"] == [{"name": "a"}, "name=b", {"name": "c", "auth": {"oauth2": {"providers": [{}]}}}]
