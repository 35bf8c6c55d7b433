# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Traceability for docs/controls.md: which role tasks enforce a control and which tests prove it.

Read from the repository, never imported: role tasks are parsed as YAML (task names ``PBG-XXX-NNN | ...``
and ``tags:``), the unit case table of tests/unit/test_control_cases.py is read with ``ast`` (``Case(id,
expect, ...)`` calls and ``GOOD_CONTEXT_PASSES``), other tests are found by the id's text.
"""

from __future__ import annotations

import ast
import os
import re
from collections import OrderedDict

import yaml

ID_RE = re.compile(r"PBG-[A-Z]{3}-\d{3}(?:/\d{3})*")
CASES_FILE = os.path.join("tests", "unit", "test_control_cases.py")
TEST_DIRS = ("tests", "molecule")
TEST_SUFFIXES = (".py", ".yml", ".yaml")
# counted structurally (the case table) or testing the generators themselves, not a control
NOT_CONTROL_TESTS = (CASES_FILE.replace(os.sep, "/"), "tests/unit/test_generated_docs.py")


def expand_ids(text):
    """``"PBG-SYS-001/002, PBG-IOC-004"`` -> ``["PBG-SYS-001", "PBG-SYS-002", "PBG-IOC-004"]``."""
    out = []
    for match in ID_RE.findall(str(text)):
        head, *more = match.split("/")
        out.append(head)
        out.extend(head[:-3] + number for number in more)
    return out


def _walk_tasks(tasks):
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        yield task
        for key in ("block", "rescue", "always"):
            yield from _walk_tasks(task.get(key))


def _task_ids(task):
    name = str(task.get("name") or "")
    ids = set(expand_ids(name.split(" | ", maxsplit=1)[0])) if " | " in name else set()
    tags = task.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    ids.update(t for t in tags if isinstance(t, str) and ID_RE.fullmatch(t))
    return ids


def role_tasks(root):
    """{control id: OrderedDict(task file (repo-relative) -> number of tasks naming or tagging the id)}."""
    out = {}
    roles_dir = os.path.join(root, "roles")
    for role in sorted(os.listdir(roles_dir)):
        tasks_dir = os.path.join(roles_dir, role, "tasks")
        if not os.path.isdir(tasks_dir):
            continue
        for fname in sorted(os.listdir(tasks_dir)):
            if not fname.endswith((".yml", ".yaml")):
                continue
            rel = "/".join(("roles", role, "tasks", fname))
            with open(os.path.join(tasks_dir, fname), encoding="utf-8") as fh:
                tasks = yaml.safe_load(fh)
            for task in _walk_tasks(tasks):
                for cid in _task_ids(task):
                    files = out.setdefault(cid, OrderedDict())
                    files[rel] = files.get(rel, 0) + 1
    return out


def _case_call(node):
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name != "Case" or len(node.args) < 2:
        return None
    cid, expect = node.args[0], node.args[1]
    if isinstance(cid, ast.Constant) and isinstance(expect, ast.Constant):
        return cid.value, expect.value
    return None


def unit_cases(root):
    """{control id: {"pass": n, "fail": n[, "error": n]}} from the case table (``Case(...)`` and ``GOOD_CONTEXT_PASSES``)."""
    with open(os.path.join(root, CASES_FILE), encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    out = {}
    for node in ast.walk(tree):
        found = None
        if isinstance(node, ast.Call):
            found = _case_call(node)
            found = [found] if found else []
        elif isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "GOOD_CONTEXT_PASSES" for t in node.targets):
            found = [(cid, "pass") for cid in ast.literal_eval(node.value)]
        for cid, expect in found or []:
            counts = out.setdefault(cid, {"pass": 0, "fail": 0})
            counts[expect] = counts.get(expect, 0) + 1
    return out


def test_files(root):
    """{control id: [test files (repo-relative) whose text names the id]}, ``NOT_CONTROL_TESTS`` excluded."""
    out = {}
    for top in TEST_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
            for fname in sorted(filenames):
                if not fname.endswith(TEST_SUFFIXES):
                    continue
                path = os.path.join(dirpath, fname)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                if rel in NOT_CONTROL_TESTS:
                    continue
                with open(path, encoding="utf-8", errors="replace") as fh:
                    ids = set(expand_ids(fh.read()))
                for cid in ids:
                    out.setdefault(cid, []).append(rel)
    return out


def trace(root):
    return {"tasks": role_tasks(root), "cases": unit_cases(root), "tests": test_files(root)}


def trace_lines(cid, check, traced):
    """The per-control Markdown bullet lines: check function, enforcing tasks, tests."""
    module = check.__module__.split(".pocketbase.", 1)[-1].replace(".", "/") + ".py"
    lines = ["- Check: `%s` `%s()`" % (module, check.__name__)]
    tasks = traced["tasks"].get(cid)
    if tasks:
        enforced = ["`%s` (%d task%s)" % (f, n, "" if n == 1 else "s") for f, n in tasks.items()]
        lines.append("- Enforced by: %s" % ", ".join(enforced))
    else:
        lines.append("- Enforced by: no role task (audit only)")
    cases = traced["cases"].get(cid, {"pass": 0, "fail": 0})
    counted = "%d pass, %d fail" % (cases["pass"], cases["fail"])
    if cases.get("error"):
        counted += ", %d error" % cases["error"]
    tests = ["`%s` (%s)" % (CASES_FILE.replace(os.sep, "/"), counted)]
    tests += ["`%s`" % f for f in traced["tests"].get(cid, [])]
    lines.append("- Tests: %s" % ", ".join(tests))
    return lines
