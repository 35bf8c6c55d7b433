# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a control comes from: the attack patterns and checklist sections of "PocketBase Self-Hosted: 7 Ways
Your Backend Gets Owned" (summarised in docs/sources.md), or beyond it. A control's ``source`` combines
these strings.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

P1 = "Pattern 1: admin panel exposed"
P2 = "Pattern 2: permissive record rules"
P3 = "Pattern 3: @collection join leak"
P4 = "Pattern 4: auth-method confusion"
P5 = "Pattern 5: file storage enumeration"
P6 = "Pattern 6: hook misuse"
P7 = "Pattern 7: outdated versions"
CL_INFRA = "Checklist: Infrastructure"
CL_ADMIN = "Checklist: Admin access"
CL_RULES = "Checklist: Collections and rules"
CL_AUTH = "Checklist: Authentication"
CL_FILES = "Checklist: Files"
CL_HOOKS = "Checklist: Hooks"
CL_MON = "Checklist: Monitoring"
DETECT = "Detection: signs of compromise"
BEYOND = "Beyond the article"
