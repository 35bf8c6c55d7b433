# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SYS controls: the service user, file modes, systemd sandboxing, settings encryption.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import gather, sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    Unavailable, bad, control, err, ok)


@control("PBG-SYS-001", title="Dedicated non-root service user", severity="high", scope="host", profile="baseline",
         source=sources.BEYOND,
         rationale="Running as root turns any hook or parser bug into host compromise.",
         remediation="Run the unit as a system user with a nologin shell (role pbguard.pocketbase.pocketbase).")
def check_sys_user(ctx):
    """Fails when the unit runs as root, its user does not exist, or that user has a login shell."""
    h = ctx.host_facts()
    unit_user = h.get("unit_user")
    user = h.get("service_user") or {}
    if h.get("unit_loaded") is False:
        raise Unavailable("unit %s not loaded" % h.get("unit"))
    if unit_user in (None, ""):
        if h.get("unit_loaded"):
            return [bad("unit:User", "the service runs as root (no User=)")]
        raise Unavailable("unit properties unreadable")
    if unit_user in ("root", "0"):
        return [bad("unit:User", "the service runs as root")]
    if user.get("uid") is None:
        return [bad("user:%s" % unit_user, "service user does not exist")]
    if user.get("shell") and not re.search(r"(nologin|false)$", user["shell"]):
        return [bad("user:%s" % unit_user, "service user has a login shell %s" % user["shell"])]
    return [ok("user:%s" % unit_user, "dedicated non-root service user without login shell")]


@control("PBG-SYS-002", title="Restrictive file modes", severity="medium", scope="host", profile="baseline",
         source=sources.BEYOND,
         rationale="data.db holds settings secrets and password hashes; the env file the encryption key.",
         remediation="data dir 0700/0750, data.db 0600/0640, env file 0600.")
def check_sys_modes(ctx):
    """Fails per data dir, data.db, hooks manifest or env file whose mode is wider than 0750, 0640,
    0644, 0600 respectively."""
    h = ctx.host_facts()
    out = []
    for key, maxmode in (("data_dir", 0o750), ("data_db", 0o640), ("hooks_manifest", 0o644), ("env_file", 0o600)):
        info = (h.get("paths") or {}).get(key)
        if not info:
            continue
        target = "path:%s" % info["path"]
        if info.get("missing"):
            if key in ("data_dir", "data_db"):
                out.append(err(target, "missing"))
            continue
        mode = info["mode"]
        if mode & ~maxmode & 0o777:
            out.append(bad(target, "mode %04o is wider than %04o" % (mode, maxmode)))
        else:
            out.append(ok(target, "mode %04o" % mode))
    if not out:
        raise Unavailable("data dir unknown")
    return out


@control("PBG-SYS-003", title="systemd sandboxing", severity="medium", scope="host", profile="strict",
         source=sources.BEYOND,
         rationale="Sandboxing (ProtectSystem, NoNewPrivileges, SystemCallFilter...) limits what a compromised "
                   "process can do.",
         remediation="Use the hardened unit of the pocketbase role (exposure <= max_exposure, default 2.0).")
def check_sys_sandbox(ctx):
    """Fails when `systemd-analyze security` rates the unit above max_exposure (default 2.0)."""
    h = ctx.host_facts()
    threshold = float(ctx.params.get("max_exposure") or 2.0)
    exposure = h.get("exposure")
    if exposure is None:
        raise Unavailable("`systemd-analyze security %s` gave no exposure level (%s)"
                          % (h.get("unit"), h.get("exposure_error") or "not run"))
    if exposure > threshold:
        return [bad("unit:%s" % h.get("unit"), "systemd exposure level %.1f > %.1f" % (exposure, threshold))]
    return [ok("unit:%s" % h.get("unit"), "systemd exposure level %.1f" % exposure)]


@control("PBG-SYS-004", title="Settings encrypted at rest", severity="low", scope="host", profile="strict",
         source=sources.BEYOND,
         rationale="Without --encryptionEnv SMTP/S3 secrets sit in plaintext in data.db and in every backup.",
         remediation="Set pocketbase_encryption_key (--encryptionEnv with a root-only EnvironmentFile).")
def check_sys_encryption(ctx):
    """Fails when the unit's ExecStart has no --encryptionEnv (settings secrets in plaintext)."""
    h = ctx.host_facts()
    if not h.get("exec_start"):
        raise Unavailable("the unit's ExecStart could not be read")
    if "--encryptionEnv" in gather.exec_flags(h):
        return [ok("unit:ExecStart", "settings encrypted at rest (--encryptionEnv)")]
    return [bad("unit:ExecStart", "settings (SMTP/S3 secrets) stored in plaintext: no --encryptionEnv")]
