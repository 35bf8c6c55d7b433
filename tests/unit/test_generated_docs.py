# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generated docs are fresh and trace every control to its check, its enforcing tasks and its tests."""

from __future__ import annotations

import copy
import importlib.util
import os
import re
import sys

import pytest
import yaml

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = os.path.join(ROOT, "tools")


def _tool(name):
    sys.path.insert(0, TOOLS)
    try:
        spec = importlib.util.spec_from_file_location("pbguard_tool_" + name, os.path.join(TOOLS, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(TOOLS)


controls_doc = _tool("gen_controls_doc")
role_docs = _tool("gen_role_docs")
trace = _tool("_trace")


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as fh:
        return fh.read()


# --------------------------------------------------------------------------- docs/controls.md

@pytest.fixture(scope="module")
def controls_md():
    return controls_doc.render(C, ROOT)


def test_controls_md_is_fresh(controls_md):
    assert _read("docs", "controls.md") == controls_md, "docs/controls.md is stale: run tools/gen_controls_doc.py"


def _section(doc, cid):
    start = doc.index("### %s\n" % cid)
    end = doc.find("\n### ", start + 1)
    return doc[start:end if end > 0 else len(doc)]


def test_every_control_names_its_check_function(controls_md):
    for c in C.CONTROLS:
        module = c["check"].__module__.split(".pocketbase.", 1)[1].replace(".", "/") + ".py"
        assert os.path.isfile(os.path.join(ROOT, module))
        assert "- Check: `%s` `%s()`" % (module, c["check"].__name__) in _section(controls_md, c["id"])


def test_every_control_lists_its_unit_cases_both_ways(controls_md):
    cases = trace.unit_cases(ROOT)
    for c in C.CONTROLS:
        line = [x for x in _section(controls_md, c["id"]).splitlines() if x.startswith("- Tests: ")][0]
        counts = cases[c["id"]]
        assert counts["pass"] >= 1 and counts["fail"] >= 1, c["id"]
        shown = "%d pass, %d fail" % (counts["pass"], counts["fail"])
        shown += ", %d error)" % counts["error"] if counts.get("error") else ")"
        assert "(" + shown in line, (c["id"], line)


def test_enforcing_tasks_come_from_task_names_and_tags():
    tasks = trace.role_tasks(ROOT)
    # fetch.yml names every task "PBG-VER-001 | ENFORCE | ..."; main.yml only tags the imports
    assert tasks["PBG-VER-001"]["roles/pocketbase/tasks/fetch.yml"] >= 5
    assert "roles/pocketbase/tasks/main.yml" in tasks["PBG-IOC-004"]
    assert "PBG-RUL-009" not in tasks


def test_real_server_tests_are_traced(controls_md):
    for c in C.CONTROLS:
        if c["scope"] == "api":
            assert "`tests/integration/test_audit_servers.py`" in _section(controls_md, c["id"]), c["id"]


@pytest.mark.parametrize("text, ids", [
    ("PBG-SYS-001/002/004, PBG-IOC-004 | ENFORCE", ["PBG-SYS-001", "PBG-SYS-002", "PBG-SYS-004", "PBG-IOC-004"]),
    ("PBG-VER-001 | ENFORCE | Fetch", ["PBG-VER-001"]),
    ("no id here", []),
])
def test_expand_ids(text, ids):
    assert trace.expand_ids(text) == ids


# --------------------------------------------------------------------------- role README variable tables

def test_role_readmes_are_fresh():
    stale = [role for role, _path, current, text in role_docs.regenerate(ROOT) if current != text]
    assert stale == [], "run tools/gen_role_docs.py"


def test_every_role_has_a_generated_variable_table():
    roles = [r for r in os.listdir(os.path.join(ROOT, "roles")) if os.path.isdir(os.path.join(ROOT, "roles", r))]
    assert sorted(r for r, _readme, _spec in role_docs.roles(ROOT)) == sorted(roles)
    for role in roles:
        specs = yaml.safe_load(_read("roles", role, "meta", "argument_specs.yml"))
        readme = _read("roles", role, "README.md")
        for name in specs["argument_specs"]["main"]["options"]:
            assert "| `%s` |" % name in readme, (role, name)


def test_a_spec_change_makes_the_readme_stale():
    readme = _read("roles", "pocketbase", "README.md")
    specs = yaml.safe_load(_read("roles", "pocketbase", "meta", "argument_specs.yml"))
    changed = copy.deepcopy(specs)
    changed["argument_specs"]["main"]["options"]["pocketbase_port"]["default"] = 9999
    assert role_docs.render_readme(readme, specs, "pocketbase") == readme
    assert "| `pocketbase_port` | int | `9999` |" in role_docs.render_readme(readme, changed, "pocketbase")


def test_readme_without_markers_is_refused():
    with pytest.raises(ValueError, match="no .* markers"):
        role_docs.render_readme("# role\n", {"argument_specs": {}}, "x")


def test_table_cells_escape_pipes_and_show_required_and_choices():
    table = role_docs.render_table({"argument_specs": {"main": {"options": {
        "a": {"type": "str", "required": True, "description": ["x | y"], "choices": ["", "b"]}}}}})
    assert "| `a` | str | required | x \\| y Choices: '', b. |" in table


# --------------------------------------------------------------------------- references resolve inside the repo

DOC_LINK_RE = re.compile(r"docs/([a-z0-9_-]+\.md)(?:#([a-z0-9-]+))?")
SCANNED = ("plugins", "roles", "tools", "tests", "docs", "README.md")


def _anchors(markdown):
    return set(re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
               for line in markdown.splitlines() if line.startswith("#"))


def _scanned_files():
    for top in SCANNED:
        path = os.path.join(ROOT, top)
        if os.path.isfile(path):
            yield path
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "__"))]
            for fname in filenames:
                if fname.endswith((".py", ".md", ".yml", ".j2", ".txt")):
                    yield os.path.join(dirpath, fname)


def test_doc_references_resolve_and_no_outside_references_remain():
    broken, outside = [], []
    for path in _scanned_files():
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        rel = os.path.relpath(path, ROOT)
        for page, anchor in DOC_LINK_RE.findall(text):
            target = os.path.join(ROOT, "docs", page)
            if not os.path.isfile(target) or (anchor and anchor not in _anchors(_read("docs", page))):
                broken.append("%s -> docs/%s#%s" % (rel, page, anchor))
        if rel != os.path.join("docs", "pocketbase-facts.md") and re.search(r"FACTS(\.md)? ?(§|section)", text):
            outside.append(rel)
    assert broken == []
    assert outside == [], "'FACTS' references point outside the repository: link docs/pocketbase-facts.md"
