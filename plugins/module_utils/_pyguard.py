# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Refuse an unsupported target Python with one clear line instead of an ImportError or SyntaxError.

Private module_utils: every pbguard module imports it before any other pbguard module_utils. Written in
syntax every Python 2.7+ can parse, so it gets to speak before newer syntax elsewhere fails.
Supported target (and controller-local) Pythons: 3.11 and newer (Debian 12: 3.11, Debian 13: 3.13).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys

MIN_PYTHON = (3, 11)


def unsupported_message(version_info):
    return ("pbguard.pocketbase needs Python %d.%d or newer on the host running the module; %s has Python %d.%d. "
            "Point ansible_python_interpreter at a newer python3 (Debian 12: /usr/bin/python3 is 3.11)."
            % (MIN_PYTHON[0], MIN_PYTHON[1], sys.executable or "this host", version_info[0], version_info[1]))


def require_supported_python(version_info=None, out=None, exit_func=None):
    """Print a failed module result and exit when the running Python is older than MIN_PYTHON."""
    version_info = tuple(version_info or sys.version_info)
    if version_info[:2] >= MIN_PYTHON:
        return True
    (out or sys.stdout).write(json.dumps({"failed": True, "msg": unsupported_message(version_info)}) + "\n")
    # Runs before AnsibleModule can be imported on such a Python, so fail_json is not available here.
    (exit_func or sys.exit)(1)  # pylint: disable=ansible-bad-function
    return False


require_supported_python()
