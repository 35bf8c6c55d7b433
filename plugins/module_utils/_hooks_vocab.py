# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What PocketBase's JS hooks API offers as taint sources, sinks and guards (0.22 and 0.23+).

Private module_utils, shared by the target-side regex lint (``_hooks_lint``) and the controller-side
parser analysis (``plugins/plugin_utils/_hooks_ast``) so both report the same classes under the same
codes. Names come from PocketBase's ``plugins/jsvm`` bindings and ``apis`` package.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# finding code -> audit control (see _controls.py)
CODE_CONTROLS = {
    "ssrf": "PBG-HOK-001",
    "privilege_from_data": "PBG-HOK-002",
    "unlimited_side_effect": "PBG-HOK-003",
    "os_exec": "PBG-HOK-004",
    "wrong_generation_hook": "PBG-HOK-006",
    "command_injection": "PBG-HOK-007",
    "sql_injection": "PBG-HOK-008",
    "route_no_auth": "PBG-HOK-009",
    "ip_header_trust": "PBG-HOK-010",
}

# Values a client controls: record fields, request info (body/query/headers), path/query params.
SOURCE_RE = re.compile(
    r"(e\.record\.(get|getString|getInt|getBool|getFloat|getStringSlice|original|publicExport|email|fieldsData)\b"
    r"|e\.record\s*\[|\brecord\.(get|getString|getBool|getInt|getFloat|getStringSlice)\s*\("
    r"|\.requestInfo\s*\(|e\.request\b|e\.httpContext|\binfo\.(body|data|query|headers)"
    r"|e\.data\b|\.body\b|\bc\.request\b|\bc\.request\s*\(|\.queryParam\s*\(|\.pathParam\s*\("
    r"|\.pathValue\s*\(|\.formValue\s*\(|\.header\.get\s*\(|\.url\.query\s*\(|\bc\.queryParams\s*\()"
)

# Global objects whose aliases are followed (``const h = $http; h.send(...)``).
GLOBAL_OBJECTS = ("$http", "$os", "$app", "$apis", "$mails", "$dbx", "$filesystem", "$security")

OS_EXEC_CALLS = ("$os.exec", "$os.cmd", "$os.command")
HTTP_CALLS = ("$http.send", "$filesystem.fileFromURL", "fileFromURL", "fetch")
# the string argument that reaches SQL: query text (newQuery), filter (find*ByFilter), raw expression
SQL_CALL_RE = re.compile(
    r"(?:^|\.)(newQuery|findRecordsByFilter|findFirstRecordByFilter|countRecords|findAllRecords"
    r"|findRecordsByExpr|exp|rawQuery)$")
# index of the SQL-bearing argument per method (default 0)
SQL_ARG_INDEX = {"findRecordsByFilter": 1, "findFirstRecordByFilter": 1, "countRecords": 1}
MAIL_CALL_RE = re.compile(r"(newMailClient\(\)\.send|\$mails\.\w+|sendEmail|sendMail)$")

# Route middlewares that authenticate the caller ($apis.requireGuestOnly does the opposite).
AUTH_MIDDLEWARE_RE = re.compile(
    r"\$apis\.(requireAuth|requireSuperuserAuth|requireSuperuserAuthOnlyIfAny|requireSuperuserOrOwnerAuth"
    r"|requireSameCollectionContextAuth|requireRecordAuth|requireSameContextRecordAuth|requireAdminAuth"
    r"|requireAdminAuthOnlyIfAny|requireAdminOrRecordAuth|requireAdminOrOwnerAuth)\s*\(")
# In-handler references to the authenticated caller (0.23+ e.auth / hasSuperuserAuth; 0.22 c.get("authRecord"))
AUTH_REF_RE = re.compile(
    r"\be\.auth\b|\.hasSuperuserAuth\s*\(|\.isSuperuser\s*\(|requestInfo\s*\([^)]*\)\s*\.(auth|admin|authRecord)\b"
    r"|\binfo\.(auth|admin|authRecord)\b|\.get\s*\(\s*['\"](authRecord|admin)['\"]\s*\)")
# Handler calls that answer with data (0.23+ RequestEvent / 0.22 echo.Context).
RESPONSE_CALL_RE = re.compile(r"\.(json|jsonp|string|html|xml|blob|stream|file|fileFS)$")

# Client-supplied IP headers (raw or as normalized by requestInfo().headers: lower case, '-' -> '_').
IP_HEADER_NAMES = (r"x[-_]forwarded[-_]for|x[-_]real[-_]ip|cf[-_]connecting[-_]ip|true[-_]client[-_]ip|x[-_]client[-_]ip"
                   r"|fly[-_]client[-_]ip|x[-_]cluster[-_]client[-_]ip|forwarded|x[-_]original[-_]forwarded[-_]for")
IP_HEADER_RE = re.compile(r"^(" + IP_HEADER_NAMES + r")$", re.I)
# 0.22 helper that reads those headers without any trusted-proxy setting (so does 0.22's c.realIP();
# 0.23+ e.realIP() honours settings.trustedProxy and is not listed).
IP_HEADER_HELPER_RE = re.compile(r"\$apis\.realUserIp\s*\(")
# what an ip_header_trust finding on realIP() names: the controller does not know the server generation,
# so it reports realIP() decisions with this name and the module drops them on 0.23+
V022_REALIP = "realIP() on 0.22"


def sql_arg_index(method):
    return SQL_ARG_INDEX.get(method, 0)


def messages():
    """Message templates per code: one place so both analysers word findings the same way."""
    return {
        "ssrf": "`%s` sends a request to a URL taken from %s (server-side request forgery)",
        "os_exec": "`%s` runs a host command%s",
        "command_injection": "`%s` runs a host command with arguments from %s (command injection)",
        "sql_injection": "`%s` gets SQL built by concatenation/template from %s instead of bound {:params} "
                         "(SQL injection)",
        "route_no_auth": "custom route %s answers with data and has no auth middleware or auth check%s",
        "ip_header_trust": "access decided on a client-supplied IP header (%s): any client can forge it",
    }
