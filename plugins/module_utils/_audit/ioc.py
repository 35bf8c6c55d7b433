# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IOC controls: indicators of compromise (unexpected superusers, collections, changed hooks).

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils._compat import INSTALLER_EMAIL
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, err, ok)


@control("PBG-IOC-001", title="No unexpected superusers", severity="critical", scope="api", profile="baseline",
         source=sources.DETECT,
         rationale="An unknown superuser is the first sign of compromise the article lists.",
         remediation="Treat as compromise: remove the account, rotate credentials, review logs.")
def check_ioc_unknown_superusers(ctx):
    """Fails per superuser not in expected_superusers (the installer account is PBG-ADM-007); an
    undeclared list is an error."""
    expected = ctx.params.get("expected_superusers")
    if expected is None:
        raise Unavailable("expected_superusers not declared: cannot tell unknown superusers")
    sus = ctx.snap().get("superusers")
    if sus is None:
        raise Unavailable("superuser list missing from the snapshot")
    allowed = set(e.lower() for e in expected)
    out = [bad("superuser:" + (s.get("email") or s.get("id") or "?"),
               "superuser not in expected_superusers (compromise indicator)")
           for s in sus if (s.get("email") or "").lower() not in allowed
           and (s.get("email") or "") != INSTALLER_EMAIL]
    return out or [ok("superusers", "only declared superusers exist")]


@control("PBG-IOC-002", title="No unknown collections", severity="medium", scope="api", profile="strict",
         source=sources.DETECT,
         rationale="Collections nobody declared may be an attacker's staging area.",
         remediation="Review and remove, or add to expected_collections.")
def check_ioc_unknown_collections(ctx):
    """Fails per non-system collection not in expected_collections; not applicable when undeclared."""
    expected = ctx.params.get("expected_collections")
    if expected is None:
        raise NotApplicable("expected_collections not declared")
    allowed = set(expected)
    out = [bad("collection:%s" % c.get("name"), "collection not in expected_collections")
           for c in ctx.collections() if not c.get("system") and c.get("name") not in allowed]
    return out or [ok("collections", "only declared collections exist")]


@control("PBG-IOC-003", title="Deployed hooks unchanged", severity="critical", scope="host", profile="baseline",
         source=sources.DETECT,
         rationale="A hook whose content differs from the manifest was modified outside deployment.",
         remediation="Treat as compromise: compare with the source, redeploy, rotate credentials.")
def check_ioc_changed_hooks(ctx):
    """Fails per manifest hook missing on disk or whose sha256 differs from the manifest."""
    hooks = ctx.hook_facts()
    manifest = hooks.get("manifest")
    if manifest is None:
        raise Unavailable("hooks manifest not readable: %s" % (hooks.get("manifest_error") or "not configured"))
    out = []
    for name, digest in sorted(manifest.items()):
        actual = (hooks.get("sha256") or {}).get(name)
        if actual is None:
            out.append(bad("hook:%s" % name, "hook in the manifest is missing on disk"))
        elif digest and actual != digest.lower():
            out.append(bad("hook:%s" % name, "hook content differs from the manifest (sha256 %s...)" % actual[:12]))
    return out or [ok("hooks", "%d hook(s) match the manifest" % len(manifest))]


@control("PBG-IOC-004", title="Binary and hooks not writable by the service user",
         severity="high", scope="host", profile="baseline",
         source=sources.DETECT + " (" + sources.BEYOND + ")",
         rationale="If PocketBase can rewrite its binary or hooks, one bug becomes persistence.",
         remediation="root-owned binary, binary dir and hooks dir, not writable by the service user.")
def check_ioc_writable(ctx):
    """Fails per binary, binary dir or hooks dir writable by the service user."""
    h = ctx.host_facts()
    user = h.get("service_user")
    if not user or user.get("uid") is None:
        raise Unavailable("service user %s not found" % (user or {}).get("name"))
    out = []
    for key in ("binary", "binary_dir", "hooks_dir"):
        info = h.get("paths", {}).get(key)
        if not info:
            continue
        if info.get("missing"):
            out.append(err("path:%s" % info["path"], "%s missing" % key))
            continue
        if info.get("writable_by_service_user"):
            out.append(bad("path:%s" % info["path"], "%s writable by the service user %s"
                           % (key.replace("_", " "), user["name"])))
        else:
            out.append(ok("path:%s" % info["path"], "%s not writable by the service user" % key.replace("_", " ")))
    if not out:
        raise Unavailable("binary and hooks paths unknown")
    return out
