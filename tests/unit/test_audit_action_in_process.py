# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pocketbase_audit action plugin's in-process path: the no_log scrub it skips only when no value can
be in the result, and arguments carried as the module receives them (end to end:
tests/integration/test_audit_in_process.py)."""

from __future__ import annotations

from ansible_collections.pbguard.pocketbase.plugins.action import pocketbase_audit as action

SECRET = 'pw-"quoted"\\-s3cret'


def test_result_without_a_secret_is_returned_as_is():
    result = {"report": {"findings": [{"evidence": "nothing here"}]}, "msg": "1 pass"}
    assert action._scrubbed(result, {SECRET}) is result


def test_a_secret_anywhere_is_masked_like_ansible_module_masks_it():
    result = {"report": {"target": {"host": "host-" + SECRET}, "findings": [{SECRET: "key"}]},
              "msg": "Cannot read waivers file /x/%s.yml" % SECRET, "exact": SECRET}
    scrubbed = action._scrubbed(result, {SECRET})
    assert SECRET not in repr(scrubbed)
    assert scrubbed["report"]["target"]["host"] == "host-********"
    assert scrubbed["exact"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_empty_no_log_values_change_nothing():
    result = {"msg": "x"}
    assert action._scrubbed(result, set()) is result and action._scrubbed(result, {""}) is result


def test_arguments_reach_the_run_as_plain_json_types():
    class Tagged(str):
        pass

    args = action._as_module_args({"url": Tagged("http://127.0.0.1:1"), "scope": (Tagged("api"),), "n": 3})
    assert args == {"url": "http://127.0.0.1:1", "scope": ["api"], "n": 3}
    assert args["url"].__class__ is str and args["scope"].__class__ is list
