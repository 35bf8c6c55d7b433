# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every conditional in the collection's YAML is a string.

A condition with ``: `` in it (``x is search('not reachable: \\d+')``) parses as a mapping; ansible-core
2.19 then fails the task at run time ("Conditional expressions must be strings"), which ansible-lint
does not see. This walks roles, playbooks and molecule scenarios for ``that``/``when``/``failed_when``/
``changed_when``/``until`` values that are not strings or booleans.
"""

from __future__ import annotations

import glob
import os

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEYS = ("that", "when", "failed_when", "changed_when", "until")
FILES = sorted(f for pattern in ("roles/**/*.yml", "playbooks/**/*.yml", "molecule/**/*.yml")
               for f in glob.glob(os.path.join(ROOT, pattern), recursive=True))


def non_string_conditions(node, path=""):
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in KEYS:
                for cond in value if isinstance(value, list) else [value]:
                    if not isinstance(cond, (str, bool)):
                        found.append("%s.%s: %r" % (path, key, cond))
            found.extend(non_string_conditions(value, "%s.%s" % (path, key)))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found.extend(non_string_conditions(item, "%s[%d]" % (path, i)))
    return found


def test_the_walker_finds_a_condition_that_parsed_as_a_mapping():
    tasks = yaml.safe_load("- assert:\n    that:\n      - out is search('not reachable: \\d+')\n")
    assert len(non_string_conditions(tasks)) == 1
    assert non_string_conditions(yaml.safe_load("- assert:\n    that: [\"out is search('a: b')\"]\n")) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_conditions_are_strings(path):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert non_string_conditions(data) == []


def test_the_scan_covers_the_scenarios():
    assert any("/molecule/userpath/" in f for f in FILES) and any("/roles/pocketbase/tasks/" in f for f in FILES)
