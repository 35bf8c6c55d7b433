# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VER controls: the running version, pinned versions and known advisories.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine, net, sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, ok)

# Built-in advisory table (docs/pocketbase-facts.md#advisories). Ranges: list of (min inclusive or None, max exclusive).
ADVISORIES = (
    {"id": "CVE-2024-38351", "ghsa": "GHSA-m93w-4fxv-r35v", "severity": "medium",
     "title": "password + OAuth2 unverified-email account linking",
     "ranges": ((None, (0, 22, 14)),), "fixed": "0.22.14"},
    {"id": "CVE-2026-44166", "ghsa": "GHSA-pq7p-mc74-g65w", "severity": "medium",
     "title": "OAuth2 account pre-hijacking",
     "ranges": ((None, (0, 22, 42)), ((0, 30, 0), (0, 37, 4))), "fixed": "0.22.42 / 0.37.4"},
    {"id": "CVE-2026-82410", "ghsa": "GHSA-84vh-m24q-wjjx", "severity": "high",
     "title": "worker-goroutine panic denial of service",
     "ranges": ((None, (0, 22, 48)), ((0, 23, 0), (0, 39, 7))), "fixed": "0.22.48 / 0.39.7"},
)


def affected(version, advisory):
    """True when ``version`` falls in one of the advisory's ranges; None for a version that is not X.Y.Z."""
    v = engine.version_tuple(version)
    if v is None:
        return None
    for low, high in advisory["ranges"]:
        if (low is None or v >= low) and v < high:
            return True
    return False


@control("PBG-VER-001", title="Running the pinned version", severity="medium", scope="api", profile="baseline",
         source=sources.P7 + "; " + sources.CL_INFRA,
         rationale="Drift from the pinned version means updates happen outside review, or not at all.",
         remediation="Upgrade through the pocketbase role (pocketbase_version).")
def check_ver_pinned(ctx):
    """Fails when the running version differs from pinned_version; not applicable when none is pinned."""
    pinned = ctx.params.get("pinned_version")
    if not pinned:
        raise NotApplicable("pinned_version not declared")
    version = ctx.version()
    if not version:
        raise Unavailable("running version unknown")
    if engine.version_tuple(version) != engine.version_tuple(pinned):
        return [bad("version:" + version, "running %s, pinned %s" % (version, pinned))]
    return [ok("version:" + version, "running the pinned version")]


@control("PBG-VER-002", title="No known advisory affects the running version",
         severity="high", scope="api", profile="baseline",
         source=sources.P7,
         rationale="Built-in table: CVE-2024-38351 (<0.22.14), CVE-2026-44166 (<0.22.42, 0.30.0-0.37.3), "
                   "CVE-2026-82410 (<0.22.48, 0.23.0-0.39.6).",
         remediation="Upgrade to a fixed release (0.39.7+ on the 0.23+ line).")
def check_ver_advisories(ctx):
    """Fails per built-in advisory whose affected ranges include the running version."""
    version = ctx.version()
    if not version:
        raise Unavailable("running version unknown (no /_/ fingerprint, no `pocketbase --version`)")
    out = []
    for adv in ADVISORIES:
        target = "advisory:%s" % adv["id"]
        if affected(version, adv):
            out.append(bad(target, "%s %s (%s) affects %s; fixed in %s"
                           % (adv["id"], adv["ghsa"], adv["title"], version, adv["fixed"]),
                           advisory_severity=adv["severity"]))
        else:
            out.append(ok(target, "%s not affected" % version))
    return out


@control("PBG-VER-003", title="Version not disclosed to unauthenticated clients",
         severity="low", scope="probe", profile="strict",
         source=sources.P1 + "; " + sources.P7,
         rationale="/_/assets/index-*.js carries `PocketBase vX.Y.Z`: attackers match it to advisories.",
         remediation="Block /_/ at the proxy for non-admin addresses.")
def check_ver_disclosure(ctx):
    """Fails when /_/ discloses the PocketBase version to unauthenticated clients; error when /_/ gave no
    answer, 429 or 5xx; not applicable through loopback."""
    p = ctx.probe_facts()
    if ctx.url_is_loopback():
        raise NotApplicable("auditing through loopback: the dashboard is expected to answer here")
    if p.get("disclosed_version"):
        return [bad("url:%s/_/" % ctx.url, "/_/ discloses PocketBase v%s to unauthenticated clients"
                    % p["disclosed_version"])]
    if net.is_undecided(p.get("admin_ui_status")):
        raise Unavailable("/_/: " + net.undecided(p.get("admin_ui_status")))
    return [ok("url:%s/_/" % ctx.url, "no version fingerprint from /_/")]
