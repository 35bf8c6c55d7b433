# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The complete control catalog: imports every area module so each ``@control`` registers.

Private module_utils: the interface may change.

The imports are explicit on purpose: AnsiballZ ships only the module_utils a module imports statically,
so an area module loaded by name at run time would be missing on the target. A new area module is
added here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# pylint: disable=unused-import
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import (  # noqa: F401
    net, adm, rul, aut, fil, hok, mon, ver, ioc, system)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine

# Catalog order (area, then number) is derived from the ids, not from the import order above.
CONTROLS = engine.all_controls()
CONTROLS_BY_ID = dict((c["id"], c) for c in CONTROLS)
