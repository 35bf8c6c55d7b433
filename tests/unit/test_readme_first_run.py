# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""README "First run" and the Molecule scenario that runs it (molecule/userpath) cannot drift apart:
the scenario executes the lines this test reads, through the same parser; here we pin what the
lines must say (issue 16)."""

from __future__ import annotations

import importlib.util
import os

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_first_run():
    spec = importlib.util.spec_from_file_location(
        "first_run", os.path.join(ROOT, "molecule", "userpath", "files", "first_run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def readme_lines():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        return load_first_run().readme_commands(fh.read())


def test_first_run_is_the_issue_16_sequence():
    lines = readme_lines()
    playbooks = [line for line in lines if line.startswith("ansible-playbook ")]
    tails = [line.split(" pbguard.pocketbase.", 1)[1] for line in playbooks]
    assert tails == ["harden --check --diff", "harden", "harden", "audit", "harden --check"]
    assert all('-i "$EXAMPLE" -i servers.yml -e @secrets.yml' in line for line in playbooks)
    setup = [line for line in lines if not line.startswith("ansible-playbook ")]
    assert setup[0].startswith("ansible-galaxy collection build ")
    assert any(line.startswith("ansible-galaxy collection install ") and "-p collections" in line for line in setup)
    assert 'export ANSIBLE_COLLECTIONS_PATH="$PWD/collections"' in setup
    assert "EXAMPLE=collections/ansible_collections/pbguard/pocketbase/playbooks/inventory/example" in setup


def test_scenario_runs_every_playbook_line():
    with open(os.path.join(ROOT, "molecule", "userpath", "converge.yml"), encoding="utf-8") as fh:
        text = fh.read()
    runs = sorted(set(int(n) for n in __import__("re").findall(r'--run, "(\d+)"', text)))
    assert runs == list(range(1, len([x for x in readme_lines() if x.startswith("ansible-playbook ")]) + 1))
    assert "README.md" in open(os.path.join(ROOT, "molecule", "userpath", "tasks", "first_run.yml")).read()


def test_example_inventory_has_no_hosts_of_its_own():
    with open(os.path.join(ROOT, "playbooks", "inventory", "example", "hosts.yml"), encoding="utf-8") as fh:
        inv = yaml.safe_load(fh)
    assert inv == {"pocketbase": {"hosts": {}}}


def test_parser_keeps_assignments_and_drops_comments():
    fr = load_first_run()
    text = "x\n<!-- first-run:begin -->\n```sh\n# c\nA=1\n\nansible-playbook -i a b\n```\n<!-- first-run:end -->\n"
    assert fr.readme_commands(text) == ["A=1", "ansible-playbook -i a b"]
    env = {"PWD": "/w"}
    assert fr.expand('"$PWD/collections"', env) == "/w/collections"
