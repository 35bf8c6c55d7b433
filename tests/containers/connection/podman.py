# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test suite's transport into its systemd containers: containers.podman.podman with pipelining.

Molecule's podman driver names the connection `podman`; scripts/env.sh puts this directory on
ANSIBLE_CONNECTION_PLUGINS, so that short name resolves here for every scenario and for the nested
ansible-playbook runs inside them. Upstream's plugin runs `podman mount` plus two `podman exec` per task
(temporary directory, then the module) because it never forwards stdin; with `podman exec -i` a module
is piped to the target's Python in one exec, and the container is mounted only when a file is copied.
Each `podman exec` costs a fraction of a CPU-second on the host; this halves the suite's molecule time.
It is test infrastructure, not part of the collection's interface.
"""

from __future__ import annotations

DOCUMENTATION = """
name: podman
short_description: containers.podman.podman with module pipelining (pbguard test suite)
description:
  - Runs commands in a running podman container with C(podman exec), piping modules over stdin.
author: pbguard maintainers
options:
  remote_addr:
    description: The container name or id.
    default: inventory_hostname
    vars:
      - name: ansible_host
      - name: inventory_hostname
      - name: ansible_podman_host
  remote_user:
    description: User to run commands as inside the container.
    vars:
      - name: ansible_user
  podman_extra_args:
    description: Extra arguments to pass to the podman command line.
    default: ''
    vars:
      - name: ansible_podman_extra_args
    env:
      - name: ANSIBLE_PODMAN_EXTRA_ARGS
  podman_executable:
    description: Executable for podman command.
    default: podman
    vars:
      - name: ansible_podman_executable
    env:
      - name: ANSIBLE_PODMAN_EXECUTABLE
  pipelining:
    description: Pipe modules to the target's Python instead of copying them first.
    type: boolean
    default: true
    env:
      - name: ANSIBLE_PIPELINING
    vars:
      - name: ansible_pipelining
"""

import shlex

from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.connection import ConnectionBase, ensure_connect
from ansible_collections.containers.podman.plugins.connection.podman import Connection as PodmanConnection


class Connection(PodmanConnection):
    transport = "podman"
    has_pipelining = True

    def _connect(self):
        # upstream mounts the container on every connect; only file transfers need the mount
        ConnectionBase._connect(self)  # pylint: disable=protected-access
        self._connected = True
        return self

    def _mounted(self):
        if self._mount_point is None:
            PodmanConnection._connect(self)  # pylint: disable=protected-access
            self._connected = True

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=False):
        ConnectionBase.exec_command(self, cmd, in_data=in_data, sudoable=sudoable)
        args = ["exec"] + (["-i"] if in_data is not None else [])
        if self.user:
            args.extend(("--user", self.user))
        return self._podman(args, shlex.split(to_native(cmd, errors="surrogate_or_strict")), in_data)

    def put_file(self, in_path, out_path):
        self._mounted()
        return super().put_file(in_path, out_path)

    def fetch_file(self, in_path, out_path):
        self._mounted()
        return super().fetch_file(in_path, out_path)
