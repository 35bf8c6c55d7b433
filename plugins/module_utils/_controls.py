# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit control catalog: a facade over the ``_audit`` package, kept so modules, tools and tests keep
their imports.

Private module_utils: the interface may change.

Each control is declared on its check function in ``_audit/<area>.py`` (``@control(...)``); the engine
(results, context, selection, waivers) is ``_audit/engine.py``, fact gathering ``_audit/gather.py``, proxy
configuration reading ``_audit/proxyconf.py``. New code imports from the package directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# pylint: disable=unused-import
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.catalog import (  # noqa: F401
    CONTROLS, CONTROLS_BY_ID)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (  # noqa: F401
    AREAS, CRUD_RULES, HAS_RULES, LOOPBACK_HOSTS, PROFILES, SCOPES, SEVERITIES, AuditContext, NotApplicable,
    Unavailable, apply_waivers, bad, catalog, control, err, is_loopback_addr, na, ok, run_controls,
    select_controls, validate_waivers, version_tuple)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.gather import (  # noqa: F401
    COMMON_PASSWORDS, DEFAULT_LOGROTATE_PATHS, DEFAULT_PROXY_PATHS, SUPERUSERS_COLLECTION_ID, UNIT_PROPERTIES,
    gather_host, gather_probe, load_manifest, locate_hooks_dir, parse_exec_start, parse_listeners)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.adm import (  # noqa: F401
    DEFAULT_LOOKING_EMAIL_RE, INSTALLER_EMAIL, SHARED_EMAIL_RE)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.net import superuser_api_paths  # noqa: F401
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.rul import RULE_ACTIONS  # noqa: F401
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.sources import (  # noqa: F401
    BEYOND, CL_ADMIN, CL_AUTH, CL_FILES, CL_HOOKS, CL_INFRA, CL_MON, CL_RULES, DETECT, P1, P2, P3, P4, P5, P6, P7)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.ver import ADVISORIES, affected  # noqa: F401
