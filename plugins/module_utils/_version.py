# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PocketBase version strings as comparable tuples. Standard library only: the rule parser imports it and
must stay importable without Ansible (benchmarks, unit tests).

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


def version_tuple(version, min_parts=2):
    """``"0.40.6"`` -> ``(0, 40, 6)``; missing parts up to three are 0; ``None`` for anything with fewer
    than ``min_parts`` numbers (``min_parts=3`` when only an exact release may match)."""
    if not version:
        return None
    parts = re.findall(r"\d+", str(version))[:3]
    if len(parts) < max(min_parts, 1):
        return None
    return tuple(int(p) for p in parts + ["0"] * (3 - len(parts)))
