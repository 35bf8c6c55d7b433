# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles that install software claim Debian 12/13 only and stop on another OS family before any change.

A real ansible-playbook run on localhost whose facts say Fedora (``set_fact`` with ``cacheable`` feeds
``ansible_facts``): each role must fail at its first assert with a message naming the host's system."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV_BIN = os.path.dirname(sys.executable)

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Pretend to be Fedora
      ansible.builtin.set_fact:
        os_family: RedHat
        distribution: Fedora
        distribution_version: "41"
        architecture: x86_64
        cacheable: true
{blocks}
    - name: Results
      ansible.builtin.debug:
        msg: "PBG-RESULTS {{{{ pbg_results | to_json }}}}"
"""

BLOCK = """
    - name: Role {role}
      block:
        - name: Apply {role}
          ansible.builtin.include_role:
            name: pbguard.pocketbase.{role}
          vars:
            pocketbase_version: 0.40.6
            pocketbase_proxy_server_name: pb.example.com
        - name: Record success
          ansible.builtin.set_fact:
            pbg_results: "{{{{ pbg_results | default({{}}) | combine({{'{role}': 'succeeded'}}) }}}}"
      rescue:
        - name: Record the failure
          ansible.builtin.set_fact:
            pbg_results: >-
              {{{{ pbg_results | default({{}}) | combine({{'{role}': ansible_failed_task.name ~ ': '
                 ~ ansible_failed_result.msg | default('')}}) }}}}
"""


def test_roles_refuse_other_os_families(tmp_path):
    roles = ["pocketbase", "pocketbase_proxy"]
    (tmp_path / "play.yml").write_text(PLAYBOOK.format(blocks="".join(BLOCK.format(role=r) for r in roles)))
    colls = tmp_path / "colls" / "ansible_collections" / "pbguard"
    colls.mkdir(parents=True)
    os.symlink(ROOT, str(colls / "pocketbase"))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "colls") + os.pathsep + os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""),
               PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", "ansible_python_interpreter=" + sys.executable, str(tmp_path / "play.yml")],
                          env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    line = next(l for l in out.splitlines() if "PBG-RESULTS" in l)
    results = json.loads(line.split("PBG-RESULTS", 1)[1].strip().rstrip('"').replace('\\"', '"'))
    for role in roles:
        msg = results[role]
        assert "Refuse an unsupported OS family" in msg, msg
        assert "Debian 12 (bookworm) and 13 (trixie) only" in msg and "Fedora 41" in msg and "RedHat" in msg, msg
    # the assert is the first task that can change anything: nothing ran before it
    assert "changed=0" in out[out.index("PLAY RECAP"):], out[-2000:]
