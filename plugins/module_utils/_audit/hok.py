# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HOK controls: JS hooks in pb_hooks, from the static hook linter (module_utils/_hooks_lint.py).

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, ok)


def _hook_check(ctx, code, what):
    hooks = ctx.hook_facts()
    if not hooks["files"]:
        raise NotApplicable("no hook files in %s" % hooks["dir"])
    out = []
    for f in hooks["findings"]:
        if f["code"] == code:
            out.append(bad("hook:%s:%d" % (f["file"], f["line"]), f["message"],
                           file=os.path.join(hooks["dir"], f["file"]), line=f["line"]))
    return out or [ok("hooks", "%d hook file(s): no %s" % (len(hooks["files"]), what))]


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
