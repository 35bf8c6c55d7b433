# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ADM controls: superuser accounts (who they are, how they log in).

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._compat import INSTALLER_EMAIL
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, ok)


DEFAULT_LOOKING_EMAIL_RE = re.compile(
    r"^(admin|administrator|root|test|demo|user|superuser|pocketbase|pb)@(example\.(com|org|net)|test|"
    r"localhost|admin\.com|local|invalid)$|^__pbinstaller@|@example\.(com|org|net)$", re.I)
# Only addresses whose name says several people use them. A role address (ops@, admin@, support@) is
# often a personal account behind an alias and proves nothing by itself.
SHARED_EMAIL_RE = re.compile(r"^(shared|team|everyone|all|common|group|generic|anyone|staff-?shared)[-_.]?"
                             r"(admins?|accounts?|logins?|users?|ops)?[@+]", re.I)


@control("PBG-ADM-001", title="No default-looking superuser accounts",
         severity="high", scope="api", profile="baseline",
         source=sources.P1 + "; " + sources.CL_ADMIN,
         rationale="admin@example.com and similar are the first identities attackers try.",
         remediation="Create personal superusers with real addresses and delete the default-looking ones.")
def check_adm_default_superusers(ctx):
    """Fails per superuser whose email looks like a default (admin@example.com, __pbinstaller@,
    any @example.com ...) unless listed in allow_default_emails."""
    sus = ctx.snap().get("superusers")
    if sus is None:
        raise Unavailable("superuser list missing from the snapshot")
    out = []
    for su in sus:
        email = su.get("email") or ""
        if DEFAULT_LOOKING_EMAIL_RE.search(email) and email not in (ctx.params.get("allow_default_emails") or []):
            out.append(bad("superuser:" + email, "default-looking superuser email"))
    return out or [ok("superusers", "%d superuser(s), none default-looking" % len(sus))]


@control("PBG-ADM-002", title="No shared superuser accounts", severity="medium", scope="api", profile="strict",
         source=sources.CL_ADMIN,
         rationale="Shared accounts hide who did what and survive staff changes. A role address (admin@, ops@) "
                   "alone proves nothing (often a personal alias); an address naming a shared account does.",
         remediation="Give each administrator a personal superuser and remove shared ones.")
def check_adm_shared_superusers(ctx):
    """Fails per superuser whose address names a shared account (team@, shared-admins@, everyone+...) and
    is not already default-looking (PBG-ADM-001); role addresses such as ops@ or admin@ pass."""
    sus = ctx.snap().get("superusers")
    if sus is None:
        raise Unavailable("superuser list missing from the snapshot")
    out = [bad("superuser:" + su.get("email", ""), "the address names a shared account")
           for su in sus if SHARED_EMAIL_RE.search(su.get("email") or "")
           and not DEFAULT_LOOKING_EMAIL_RE.search(su.get("email") or "")]
    return out or [ok("superusers", "no superuser address names a shared account")]


@control("PBG-ADM-003", title="Declared superusers exist", severity="low", scope="api", profile="strict",
         source=sources.CL_ADMIN,
         rationale="The declared set is the reviewed list of who has admin access; drift means the review is stale.",
         remediation="Create the declared superusers (pbguard.pocketbase.pocketbase_superuser) or update "
                     "expected_superusers.")
def check_adm_declared_present(ctx):
    """Fails per declared expected_superusers address that does not exist; not applicable when none
    is declared."""
    expected = ctx.params.get("expected_superusers")
    if expected is None:
        raise NotApplicable("expected_superusers not declared")
    sus = ctx.snap().get("superusers") or []
    have = set((s.get("email") or "").lower() for s in sus)
    missing = [e for e in expected if e.lower() not in have]
    if missing:
        return [bad("superuser:" + e, "declared superuser does not exist") for e in missing]
    return [ok("superusers", "all %d declared superusers exist" % len(expected))]


@control("PBG-ADM-004", title="MFA and OTP required for superusers", severity="high", scope="api", profile="strict",
         source=sources.CL_ADMIN,
         rationale="0.23+ supports native MFA; a stolen superuser password alone should not be enough.",
         remediation="PATCH _superusers with mfa.enabled and otp.enabled (pocketbase_policy), with SMTP configured.")
def check_adm_mfa(ctx):
    """Fails unless both MFA and OTP are enabled for _superusers; not applicable on 0.22."""
    snap = ctx.snap()
    if snap.get("generation") == "v022":
        raise NotApplicable("PocketBase 0.22 has no native MFA: protect /_/ at the proxy (PBG-NET-004)")
    auth = snap.get("superuser_auth") or {}
    if auth.get("mfa") and auth.get("otp"):
        return [ok("collection:_superusers.mfa", "MFA and OTP enabled for superusers")]
    missing = [k.upper() for k in ("mfa", "otp") if not auth.get(k)]
    return [bad("collection:_superusers.mfa", "%s disabled for superusers" % " and ".join(missing))]


@control("PBG-ADM-005", title="Superuser API limited to admin networks (superuserIPs)",
         severity="medium", scope="api", profile="strict",
         source=sources.CL_ADMIN + " (" + sources.BEYOND + ")",
         rationale="Since 0.38 PocketBase itself can refuse superuser requests from outside a network list, a second "
                   "line behind the proxy allowlist.",
         remediation="Set settings.superuserIPs to the admin networks (keep the address Ansible uses).")
def check_adm_superuser_ips(ctx):
    """Fails when superuserIPs is empty or allows every address; not applicable before 0.38."""
    ips = ctx.setting("superuserIPs")
    if ips is None:
        raise NotApplicable("this PocketBase version has no superuserIPs setting (added in 0.38.0)")
    if not ips:
        return [bad("setting:superuserIPs", "empty: superusers may log in from any address")]
    if any(ip in ("0.0.0.0/0", "::/0") for ip in ips):
        return [bad("setting:superuserIPs", "allows every address")]
    return [ok("setting:superuserIPs", "%d network(s) allowed" % len(ips))]


@control("PBG-ADM-006", title="No superuser with a common password",
         severity="critical", scope="probe", profile="strict",
         source=sources.P1 + "; " + sources.CL_ADMIN,
         rationale="The article's first attack is trying default credentials and common passwords on /_/.",
         remediation="Rotate the password to a long random one from a password manager; enable MFA.")
def check_adm_weak_password(ctx):
    """Fails per superuser the opt-in credential probe logged in as with a common password; error when
    a rate limit stopped it or an attempt was not refused (400/401); not applicable unless probe_credentials is on."""
    p = ctx.probe_facts()
    cred = p.get("credential_probe")
    if not cred or not cred.get("enabled"):
        raise NotApplicable("credential probe is opt-in (probe_credentials: true)")
    out = []
    for email in cred.get("weak") or []:
        out.append(bad("superuser:" + email, "a password from the built-in common-password list was accepted"))
    if out:
        return out
    attempts, rejected = cred.get("attempts", 0), cred.get("rejected", 0)
    if cred.get("rate_limited"):
        raise Unavailable("the credential probe was stopped by rate limiting (HTTP 429) after %d attempt(s), %d "
                          "refused: the passwords not tried are unknown; run it again from an address excluded "
                          "from rateLimits" % (attempts, rejected))
    if attempts == 0:
        raise Unavailable(cred.get("reason") or "no superuser email to probe")
    if rejected < attempts:
        raise Unavailable("%d of %d credential probe attempt(s) got no answer or an answer that decides nothing "
                          "(not HTTP 400/401): whether those passwords work is unknown" % (attempts - rejected,
                                                                                           attempts))
    return [ok("superusers", "%d attempt(s) on %d email(s), all refused"
               % (attempts, len(cred.get("emails") or [])))]


@control("PBG-ADM-007", title="Instance claimed before it is reachable (no installer account)",
         severity="critical", scope="api", profile="baseline",
         source=sources.P1 + " (" + sources.BEYOND + ")",
         rationale="Until a superuser exists a fresh PocketBase can be taken over: 0.22 lets anyone POST the first "
                   "admin, 0.23+ prints a 30-minute installer token (__pbinstaller@example.com) to the service "
                   "output.",
         remediation="Create the first superuser with the CLI before the first `serve` (role "
                     "pbguard.pocketbase.pocketbase) and delete any installer account.")
def check_adm_instance_claimed(ctx):
    """Fails when the installer account __pbinstaller@example.com exists or no superuser exists."""
    sus = ctx.snap().get("superusers")
    if sus is None:
        raise NotApplicable("superusers could not be listed")
    emails = [(s.get("email") or "").lower() for s in sus]
    if INSTALLER_EMAIL in emails:
        return [bad("superuser:" + INSTALLER_EMAIL,
                    "installer account present: `serve` printed a 30-minute superuser token to its output")]
    if not emails:
        return [bad("superusers", "no superuser: the first visitor can claim the instance")]
    return [ok("superusers", "instance claimed by %d superuser(s)" % len(emails))]
