# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every variable a role sets is an option, a documented result, or internal and named `__<role>_<name>`.

Scanned per role: `register`, `set_fact` keys, task/block/handler `vars:`, `loop_control.loop_var` in
tasks/ and handlers/, and the keys of vars/main.yml and defaults/main.yml. ansible-lint's
`var-naming[no-role-prefix]` accepts `__<role>_` (it strips leading underscores and skips `__` registered
and set_fact names); one style across roles keeps `grep __pocketbase_proxy_` complete.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLES_DIR = os.path.join(ROOT, "roles")

# Results a role hands to its caller on purpose; each must be documented (checked below).
DOCUMENTED_RESULTS = {"pocketbase_audit": {"pocketbase_audit_result"}}

SET_FACT = ("ansible.builtin.set_fact", "set_fact")
NESTED = ("block", "rescue", "always")


def _load(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        yield node
        for key in NESTED:
            yield from _tasks(node.get(key))


def _task_names(task):
    """(kind, name) for every variable this task (or block) defines."""
    register = task.get("register")
    if isinstance(register, str):
        yield "register", register
    for module in SET_FACT:
        if isinstance(task.get(module), dict):
            for key in task[module]:
                if key != "cacheable":
                    yield "set_fact", key
    if isinstance(task.get("vars"), dict):
        for key in task["vars"]:
            yield "vars", key
    loop_var = (task.get("loop_control") or {}).get("loop_var")
    if loop_var:
        yield "loop_var", loop_var


def defined_names(role_path):
    """{name: sorted list of 'kind file'} for the variables a role defines."""
    found = {}
    for sub in ("tasks", "handlers"):
        directory = os.path.join(role_path, sub)
        if not os.path.isdir(directory):
            continue
        for dirpath, _dirs, files in os.walk(directory):
            for fname in sorted(files):
                if not fname.endswith((".yml", ".yaml")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, fname), role_path)
                for task in _tasks(_load(os.path.join(dirpath, fname))):
                    for kind, name in _task_names(task):
                        found.setdefault(name, set()).add("%s %s" % (kind, rel))
    for sub in ("vars", "defaults"):
        path = os.path.join(role_path, sub, "main.yml")
        if os.path.exists(path):
            for name in _load(path) or {}:
                found.setdefault(name, set()).add("%s/main.yml" % sub)
    return {name: sorted(where) for name, where in found.items()}


def role_options(role_path):
    specs = _load(os.path.join(role_path, "meta", "argument_specs.yml"))["argument_specs"]
    return {name for entry in specs.values() for name in (entry.get("options") or {})}


def violations(role, role_path, all_roles, documented=frozenset()):
    """One line per variable of `role` that breaks the naming rule."""
    public = role_options(role_path) | set(documented)
    internal = re.compile(r"^__%s_[a-z0-9]+(_[a-z0-9]+)*$" % re.escape(role))
    # In role `pocketbase`, `__pocketbase_proxy_x` would read as the proxy role's variable.
    longer = [other for other in all_roles if other != role and other.startswith(role + "_")]
    problems = []
    for name, where in sorted(defined_names(role_path).items()):
        if name in public:
            if any(w.startswith("vars/") for w in where):
                problems.append("%s: option %s is also in vars/main.yml (users could not override it)" % (role, name))
            continue
        if any(w.startswith("defaults/") for w in where):
            problems.append("%s: %s is in defaults/main.yml but not in meta/argument_specs.yml" % (role, name))
        elif not internal.match(name) or any(name.startswith("__%s_" % other) for other in longer):
            problems.append("%s: internal variable %s (%s) should be named __%s_<name>"
                            % (role, name, ", ".join(where), role))
    return problems


def _roles():
    return sorted(d for d in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, d)))


@pytest.mark.parametrize("role", _roles())
def test_role_internal_variables_follow_the_prefix_style(role):
    role_path = os.path.join(ROLES_DIR, role)
    names = defined_names(role_path)
    assert len(names) > 5, "scanner found almost nothing in %s: is the role layout still tasks/*.yml?" % role
    assert violations(role, role_path, _roles(), DOCUMENTED_RESULTS.get(role, ())) == []


def test_documented_results_are_documented():
    docs = ""
    for root in (ROLES_DIR, os.path.join(ROOT, "docs")):
        for dirpath, _dirs, files in os.walk(root):
            for fname in files:
                if fname.endswith(".md"):
                    with open(os.path.join(dirpath, fname), encoding="utf-8") as fh:
                        docs += fh.read()
    for role, names in DOCUMENTED_RESULTS.items():
        for name in names:
            assert name in defined_names(os.path.join(ROLES_DIR, role)), "%s no longer sets %s" % (role, name)
            assert "`%s`" % name in docs, "%s is treated as public but no README or docs/ page names it" % name


# ---------------------------------------------------------------- the checker itself fails on bad names

def _fake_role(tmp_path, name, tasks, vars_main=None, defaults=None, options=("demo_enabled",)):
    role = tmp_path / name
    (role / "tasks").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "tasks" / "main.yml").write_text(yaml.safe_dump(tasks))
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(
        {"argument_specs": {"main": {"options": {o: {"type": "str"} for o in options}}}}))
    if vars_main is not None:
        (role / "vars").mkdir()
        (role / "vars" / "main.yml").write_text(yaml.safe_dump(vars_main))
    if defaults is not None:
        (role / "defaults").mkdir()
        (role / "defaults" / "main.yml").write_text(yaml.safe_dump(defaults))
    return str(role)


DEBUG = {"ansible.builtin.debug": {"msg": "x"}}

GOOD = [
    [dict(DEBUG, register="__demo_out")],
    [{"ansible.builtin.set_fact": {"__demo_fact": 1, "cacheable": False}}],
    [dict(DEBUG, vars={"__demo_tmp": 1}, loop=[1], loop_control={"loop_var": "__demo_item"})],
    [{"block": [dict(DEBUG, register="__demo_inner")], "vars": {"__demo_block_var": 1}}],
    [{"ansible.builtin.set_fact": {"demo_enabled": True}}],
]

BAD = [
    ([dict(DEBUG, register="demo__out")], "demo__out"),
    ([dict(DEBUG, register="demo_out")], "demo_out"),
    ([{"ansible.builtin.set_fact": {"__out": 1}}], "__out"),
    ([dict(DEBUG, vars={"__tmp": 1})], "__tmp"),
    ([dict(DEBUG, loop=[1], loop_control={"loop_var": "entry"})], "entry"),
    ([{"block": [DEBUG], "rescue": [dict(DEBUG, register="__Demo_x")]}], "__Demo_x"),
    ([dict(DEBUG, register="__demo_proxy_out")], "__demo_proxy_out"),
]


@pytest.mark.parametrize("tasks", GOOD)
def test_checker_accepts(tmp_path, tasks):
    assert violations("demo", _fake_role(tmp_path, "demo", tasks), ["demo", "demo_proxy"]) == []


@pytest.mark.parametrize("tasks,name", BAD)
def test_checker_refuses(tmp_path, tasks, name):
    problems = violations("demo", _fake_role(tmp_path, "demo", tasks), ["demo", "demo_proxy"])
    assert len(problems) == 1 and " %s " % name in problems[0]


def test_checker_reads_vars_and_defaults(tmp_path):
    role = _fake_role(tmp_path, "demo", [DEBUG], vars_main={"demo_regex": "x", "demo_enabled": 1, "__demo_map": {}},
                      defaults={"demo_enabled": "", "demo_undocumented": 1})
    problems = violations("demo", role, ["demo"])
    assert len(problems) == 3
    assert any("demo_regex" in p for p in problems)
    assert any("demo_enabled is also in vars/main.yml" in p for p in problems)
    assert any("demo_undocumented is in defaults/main.yml" in p for p in problems)
