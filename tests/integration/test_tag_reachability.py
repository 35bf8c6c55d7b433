# -*- coding: utf-8 -*-
"""Every control id with enforcing tasks can be selected with ``--tags ID`` (README's promise).

The ids come from the audit catalog; a role task "enforces" an id when its name starts with
``ID | ENFORCE`` or its own ``tags:`` carry the id. ``ansible-playbook --list-tasks`` prints each
task with its effective (inherited) tags; ``--tags ID`` selects a task when ID is among them.
Dynamic ``include_tasks`` hide their tasks from that listing (and drop the inherited tags), which is
how the proxy's Caddy/nginx tasks used to be unreachable.
"""
import glob
import os
import re
import subprocess

import yaml

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C

from conftest import REPO_ROOT, ansible_env  # pylint: disable=import-error

INVENTORY = os.path.join(REPO_ROOT, "playbooks", "inventory", "example")
HARDEN = os.path.join(REPO_ROOT, "playbooks", "harden.yml")
LISTED = re.compile(r"^\s+(?P<role>[\w.]+) : (?P<name>.*?)\tTAGS: \[(?P<tags>[^\]]*)\]\s*$")
ENFORCE_NAME = re.compile(r"^(PBG-[A-Z]+-\d{3}) \| ENFORCE \|")


def _walk(tasks):
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        yield task
        for key in ("block", "rescue", "always"):
            yield from _walk(task.get(key))


def enforcing_ids():
    """{id: [task names]} over every role task file."""
    out = {}
    for path in glob.glob(os.path.join(REPO_ROOT, "roles", "*", "tasks", "*.yml")):
        with open(path, encoding="utf-8") as fh:
            for task in _walk(yaml.safe_load(fh)):
                if any(k.endswith(("import_tasks", "include_tasks", "block")) or k == "block" for k in task):
                    continue
                name = str(task.get("name", ""))
                ids = set(re.findall(r"PBG-[A-Z]+-\d{3}", " ".join(task.get("tags") or [])))
                m = ENFORCE_NAME.match(name)
                if m:
                    ids.add(m.group(1))
                for cid in ids:
                    out.setdefault(cid, []).append(name)
    return out


def list_tasks(*extra):
    proc = subprocess.run(["ansible-playbook", "-i", INVENTORY, HARDEN, "--list-tasks"] + list(extra),
                          capture_output=True, text=True, env=ansible_env(), timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = []
    for line in proc.stdout.splitlines():
        m = LISTED.match(line)
        if m:
            rows.append((m.group("name"), {t.strip() for t in m.group("tags").split(",") if t.strip()}))
    assert rows, proc.stdout
    return rows


def test_every_enforced_catalog_id_is_selectable_by_its_tag():
    catalog = {c["id"] for c in C.CONTROLS}
    enforced = enforcing_ids()
    assert set(enforced) <= catalog, sorted(set(enforced) - catalog)
    rows = list_tasks()
    unreachable = {}
    for cid in sorted(enforced):
        # what `--tags CID` runs besides the always-tasks: tasks carrying CID that are not preflight
        selected = [name for name, tags in rows if cid in tags and "| PREFLIGHT |" not in name]
        if not selected:
            unreachable[cid] = enforced[cid][:2]
    assert unreachable == {}, unreachable


def test_tags_select_the_proxy_render_tasks():
    """The regression from the issue: `--tags PBG-NET-008` ran only the preflight."""
    names = [name for name, tags in list_tasks("--tags", "PBG-NET-008")]
    assert any("Render, validate and install the Caddyfile" in n for n in names), names
    assert any("Render, validate and install the nginx site" in n for n in names), names
