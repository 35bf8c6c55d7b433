# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PocketBase versions: the CLI's ``--version``, version tuples, API generations (private).

Re-exported by ``_api.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._version import version_tuple

CLI_VERSION_RE = re.compile(r"(?:pocketbase\s+version\s+)?v?(\d+\.\d+\.\d+)")


def parse_cli_version(output):
    """Parse ``pocketbase --version`` output (``pocketbase version 0.40.6``) into ``"0.40.6"``."""
    if not output:
        return None
    match = CLI_VERSION_RE.search(output.strip())
    return match.group(1) if match else None


def host_version(module, binary="pocketbase"):
    """Version of the PocketBase binary on the managed host (``pocketbase --version``), or None."""
    path = binary if "/" in binary else module.get_bin_path(binary)
    if not path:
        return None
    rc, out, err = module.run_command([path, "--version"])
    if rc != 0:
        return None
    return parse_cli_version(out or err)


def generation_of(version):
    """``'v022'`` for 0.22.x and older, ``'v023'`` for 0.23+; ``None`` if unknown."""
    vt = version_tuple(version)
    if vt is None:
        return None
    return "v022" if vt < (0, 23, 0) else "v023"


def describe_generation(generation):
    return {"v022": "PocketBase 0.22 or older (admins API)",
            "v023": "PocketBase 0.23+ (_superusers collection)"}.get(generation, "unknown")
