# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HOK controls: JS hooks in pb_hooks, from the controller's parser analysis (plugin_utils/_hooks_ast.py, via
the action plugin) or the target-side lint (module_utils/_hooks_lint.py); finding codes in _hooks_vocab.py.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_lint
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, ok)


def _hook_check(ctx, code, what):
    hooks = ctx.hook_facts()
    if not hooks["files"]:
        raise NotApplicable("no hook files in %s" % hooks["dir"])
    by = "analysed by: %s" % (hooks.get("analyser") or _hooks_lint.STDLIB_ANALYSER)
    out = []
    for f in hooks["findings"]:
        if f["code"] == code:
            out.append(bad("hook:%s:%d" % (f["file"], f["line"]), "%s (%s)" % (f["message"], by),
                           file=os.path.join(hooks["dir"], f["file"]), line=f["line"]))
    return out or [ok("hooks", "%d hook file(s): no %s (%s)" % (len(hooks["files"]), what, by))]


@control("PBG-HOK-001", title="Hooks send no requests to record- or request-controlled URLs",
         severity="high", scope="host", profile="baseline",
         source=sources.P6 + "; " + sources.CL_HOOKS,
         rationale="`$http.send({url: e.record.get('webhookUrl')})` is SSRF into the server's network.",
         remediation="Send only to an allowlist of destinations; never use a URL from user data.")
def check_hok_ssrf(ctx):
    """Fails per hook line that sends an outbound request to a URL taken from record or request data."""
    return _hook_check(ctx, "ssrf", "outbound request to a record/request-controlled URL")


@control("PBG-HOK-002", title="Hooks do not grant access from record/body data",
         severity="critical", scope="host", profile="baseline",
         source=sources.P6 + "; " + sources.CL_HOOKS,
         rationale="Hooks run with full privileges: setting role/admin from user-supplied data is privilege "
                   "escalation.",
         remediation="Derive roles from server-side state; validate user-provided data.")
def check_hok_privilege(ctx):
    """Fails per hook line that sets an access field (role, admin ...) from record or request data."""
    return _hook_check(ctx, "privilege_from_data", "access field set from record/request data")


@control("PBG-HOK-003", title="Per-request side effects are rate-limited",
         severity="medium", scope="host", profile="baseline",
         source=sources.P6 + "; " + sources.CL_HOOKS,
         rationale="A hook that mails on every create lets an attacker send thousands of emails.",
         remediation="Add a limit (counter, quota, rate limit) around the side effect or enable rate limiting for "
                     "the route.")
def check_hok_side_effects(ctx):
    """Fails per hook line that sends mail on every request without a limit."""
    return _hook_check(ctx, "unlimited_side_effect", "per-request mail without a limit")


@control("PBG-HOK-004", title="Hooks run no host commands", severity="high", scope="host", profile="strict",
         source=sources.P6 + " (" + sources.BEYOND + ")",
         rationale="`$os.exec`/`$os.cmd` turns any hook bug into command execution.",
         remediation="Remove host command execution from hooks.")
def check_hok_exec(ctx):
    """Fails per hook line calling $os.exec or $os.cmd."""
    return _hook_check(ctx, "os_exec", "$os.exec/$os.cmd")


@control("PBG-HOK-005", title="Hook files are all in the deployed manifest",
         severity="critical", scope="host", profile="baseline",
         source=sources.P6 + "; " + sources.DETECT,
         rationale="An unknown *.pb.js in pb_hooks is a classic persistence and exfiltration foothold.",
         remediation="Investigate the file; deploy hooks only through the pocketbase role (hooks manifest).")
def check_hok_unknown_files(ctx):
    """Fails per hook file absent from the deployed manifest; an unreadable manifest is an error."""
    hooks = ctx.hook_facts()
    manifest = hooks.get("manifest")
    if manifest is None:
        raise Unavailable("hooks manifest not readable: %s" % (hooks.get("manifest_error") or "not configured"))
    out = [bad("hook:%s" % f, "hook file not in the deployed manifest (compromise indicator)")
           for f in hooks["files"] if f not in manifest]
    return out or [ok("hooks", "every hook file is in the manifest")]


@control("PBG-HOK-006", title="Hook names match the server generation",
         severity="medium", scope="host", profile="baseline",
         source=sources.P6 + " (" + sources.BEYOND + ")",
         rationale="0.22 hook names raise ReferenceError on 0.23+ and the server keeps running without that file's "
                   "hooks: security checks silently disappear.",
         remediation="Port hooks to the running version's names (onRecordCreateRequest ... e.next()).")
def check_hok_generation(ctx):
    """Fails per hook registered under a name of the other PocketBase generation; an unknown
    generation is an error."""
    hooks = ctx.hook_facts()
    if not hooks.get("generation"):
        raise Unavailable("server generation unknown: cannot check hook names")
    return _hook_check(ctx, "wrong_generation_hook", "hook name of the wrong PocketBase generation")


@control("PBG-HOK-007", title="No record or request data reaches host commands",
         severity="critical", scope="host", profile="baseline",
         source=sources.P6 + " (" + sources.BEYOND + ")",
         rationale="`$os.cmd('sh', '-c', 'ping ' + query.host)` lets any caller run commands as the service user.",
         remediation="Never pass client data to $os.exec/$os.cmd; if a command is unavoidable, use a fixed argv and "
                     "validate values against an allowlist.")
def check_hok_command_injection(ctx):
    """Fails per hook line where record/request data (through variables, aliases, helpers) reaches
    $os.exec/$os.cmd."""
    return _hook_check(ctx, "command_injection", "host command built from record/request data")


@control("PBG-HOK-008", title="Hook SQL uses bound parameters, never concatenated request data",
         severity="critical", scope="host", profile="baseline",
         source=sources.P6 + " (" + sources.BEYOND + ")",
         rationale="SQL or filters built with + or template strings from client data read other users' rows "
                   "(SQL/filter injection), bypassing every API rule.",
         remediation="Use placeholders: `newQuery('... {:id}').bind({id})`, "
                     "`findRecordsByFilter(c, 'x = {:x}', ..., {x})`.")
def check_hok_sql_injection(ctx):
    """Fails per hook line passing SQL/filter text built by concatenation or a template string from
    record/request data to newQuery, find*ByFilter, countRecords or $dbx.exp."""
    return _hook_check(ctx, "sql_injection", "SQL built from record/request data")


@control("PBG-HOK-009", title="Custom routes that return data require authentication",
         severity="high", scope="host", profile="baseline",
         source=sources.P6 + "; " + sources.CL_HOOKS,
         rationale="A routerAdd() handler runs outside the collection API rules: without an auth middleware or an "
                   "auth check it answers anyone, and a header that only has to be present is no check at all.",
         remediation="Add $apis.requireAuth(...)/requireSuperuserAuth() to the route or check e.auth in the "
                     "handler; compare API keys with $security.equal against a secret.")
def check_hok_route_auth(ctx):
    """Fails per routerAdd() route that answers with non-constant data and has no auth middleware,
    no auth check, no secret comparison and no address check (a header presence check is not one)."""
    return _hook_check(ctx, "route_no_auth", "custom route answering with data without authentication")


@control("PBG-HOK-010", title="Hooks decide no access on client-supplied IP headers",
         severity="high", scope="host", profile="baseline",
         source=sources.P6 + " (" + sources.BEYOND + ")",
         rationale="X-Forwarded-For, X-Real-IP and the like are set by the client unless a proxy overwrites them: "
                   "an allowlist on them is bypassed with one forged header (0.22's realIP()/realUserIp read "
                   "them too).",
         remediation="Use e.realIP() on 0.23+ with settings.trustedProxy naming the proxy, or e.remoteIP(); "
                     "restrict at the proxy.")
def check_hok_ip_headers(ctx):
    """Fails per if/switch/includes decision on a value read from a client IP header (or 0.22 realIP())."""
    return _hook_check(ctx, "ip_header_trust", "access decision on a client-supplied IP header")
