# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit engine as a package: ``engine`` (results, context, registry, selection, waivers),
``gather`` (facts), ``proxyconf`` (Caddy/nginx reading), ``sources``, one module per control area
(``net adm rul aut fil hok mon ver ioc system``) and ``catalog`` (all of them, in catalog order).

Private module_utils: the interface may change. ``module_utils/_controls.py`` re-exports the old names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
