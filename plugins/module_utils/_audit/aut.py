# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AUT controls: authentication options of auth collections.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, bad, control, err, ok)


NIST_MIN_WITH_MFA = 8
TOKEN_LIFETIME_LIMITS = {"auth": 2592000, "verification": 604800, "password_reset": 86400, "email_change": 86400,
                         "file": 3600}


def _methods(coll):
    a = coll.get("auth") or {}
    methods = []
    if (a.get("password") or {}).get("enabled"):
        methods.append("password")
    if (a.get("oauth2") or {}).get("enabled"):
        methods.append("oauth2")
    if (a.get("otp") or {}).get("enabled"):
        methods.append("otp")
    return methods


def _require_auth_collections(ctx):
    colls = ctx.auth_collections()
    if not colls:
        raise NotApplicable("no auth collection besides superusers")
    return colls


@control("PBG-AUT-001", title="Only declared auth methods enabled", severity="medium", scope="api", profile="strict",
         source=sources.P4 + "; " + sources.CL_AUTH,
         rationale="Every enabled method is attack surface; the article's auth-method confusion starts there.",
         remediation="Disable methods not listed in expected_auth_methods (collection passwordAuth/oauth2/otp).")
def check_aut_methods(ctx):
    """Fails per auth collection with an enabled method not listed for it in expected_auth_methods;
    not applicable when that is not declared."""
    expected = ctx.params.get("expected_auth_methods")
    if expected is None:
        raise NotApplicable("expected_auth_methods not declared")
    out = []
    for coll in _require_auth_collections(ctx):
        allowed = expected.get(coll["name"])
        methods = _methods(coll)
        extra = [m for m in methods if allowed is None or m not in allowed]
        target = "collection:%s.auth" % coll["name"]
        if extra:
            out.append(bad(target, "enabled but not declared: %s" % ", ".join(extra)))
        else:
            out.append(ok(target, "enabled: %s" % (", ".join(methods) or "none")))
    return out


@control("PBG-AUT-002", title="Verified email required to authenticate",
         severity="medium", scope="api", profile="baseline",
         source=sources.P4 + "; " + sources.CL_AUTH,
         rationale="Without verification anyone can sign up with an address they do not own.",
         remediation="Set authRule to `verified = true` (0.22: options.onlyVerified).")
def check_aut_verified(ctx):
    """Fails per auth collection with an enabled method that lets unverified accounts authenticate."""
    out = []
    for coll in _require_auth_collections(ctx):
        a = coll.get("auth") or {}
        target = "collection:%s.authRule" % coll["name"]
        if not _methods(coll):
            out.append(ok(target, "no auth method enabled"))
        elif a.get("only_verified"):
            out.append(ok(target, "only verified accounts may authenticate"))
        else:
            out.append(bad(target, "unverified accounts may authenticate (authRule/onlyVerified)"))
    return out


@control("PBG-AUT-003", title="OAuth2 not combined with unverified-email authentication",
         severity="high", scope="api", profile="baseline",
         source=sources.P4 + "; " + sources.CL_AUTH,
         rationale="Account linking by an unverified email enables takeover (CVE-2024-38351, CVE-2026-44166 class).",
         remediation="Require verified emails (authRule `verified = true`) or disable OAuth2.")
def check_aut_oauth2_linking(ctx):
    """Fails per auth collection with OAuth2 enabled while unverified emails may authenticate."""
    out = []
    for coll in _require_auth_collections(ctx):
        a = coll.get("auth") or {}
        oauth = a.get("oauth2") or {}
        target = "collection:%s.oauth2" % coll["name"]
        if not oauth.get("enabled"):
            out.append(ok(target, "OAuth2 disabled"))
        elif not a.get("only_verified"):
            out.append(bad(target, "OAuth2 enabled while unverified emails may authenticate (account linking "
                                   "by unverified email)"))
        else:
            out.append(ok(target, "OAuth2 enabled with verified emails only"))
    return out


@control("PBG-AUT-004", title="Strong password minimum length", severity="medium", scope="api", profile="baseline",
         source=sources.CL_AUTH,
         rationale="The default minimum is 8 characters; NIST 800-63B accepts 8 only with a second factor.",
         remediation="Raise the password field `min` (0.22: minPasswordLength) to min_password_length (default 10).")
def check_aut_password_length(ctx):
    """Fails per password-auth collection with a minimum length below min_password_length (default 10),
    or below 8 with MFA enabled (NIST 800-63B); an unknown minimum is an error."""
    minimum = int(ctx.params.get("min_password_length") or 10)
    out = []
    for coll in ctx.auth_collections(include_superusers=True):
        a = coll.get("auth") or {}
        if not (a.get("password") or {}).get("enabled"):
            continue
        length = a.get("min_password_length")
        target = "collection:%s.password" % coll["name"]
        with_mfa = bool((a.get("mfa") or {}).get("enabled"))
        if length is None:
            out.append(err(target, "minimum password length unknown"))
        elif with_mfa and int(length) >= NIST_MIN_WITH_MFA:
            out.append(ok(target, "minimum password length %s with MFA enabled (NIST 800-63B: 8 with a second "
                                  "factor)" % length))
        elif int(length) < minimum:
            out.append(bad(target, "minimum password length %s < %d" % (length, minimum)))
        else:
            out.append(ok(target, "minimum password length %s" % length))
    if not out:
        raise NotApplicable("no collection with password auth")
    return out


@control("PBG-AUT-005", title="Token durations bounded", severity="low", scope="api", profile="strict",
         source=sources.CL_AUTH,
         rationale="Long-lived auth, reset and file tokens widen the window for stolen tokens.",
         remediation="Lower authToken (<= max_auth_token_duration), passwordResetToken (<= 1h), verificationToken "
                     "(<= 3d), fileToken (<= 1h).")
def check_aut_token_durations(ctx):
    """Fails per auth collection whose auth, password-reset, verification or file token lifetime
    exceeds its limit."""
    limits = {"auth": int(ctx.params.get("max_auth_token_duration") or 604800),
              "password_reset": 3600, "verification": 259200, "file": 3600, "email_change": 3600}
    out = []
    for coll in ctx.auth_collections(include_superusers=True):
        durations = (coll.get("auth") or {}).get("token_durations") or {}
        target = "collection:%s.tokens" % coll["name"]
        long_ = ["%s %ss > %ss" % (k, durations[k], v) for k, v in sorted(limits.items())
                 if durations.get(k) is not None and int(durations[k]) > v]
        if long_:
            out.append(bad(target, "token durations too long: %s" % ", ".join(long_)))
        else:
            out.append(ok(target, "token durations within limits"))
    if not out:
        raise NotApplicable("no auth collection")
    return out


@control("PBG-AUT-006", title="No unusable OTP/OAuth2 left enabled", severity="low", scope="api", profile="strict",
         source=sources.CL_AUTH,
         rationale="OAuth2 without providers or OTP without mail delivery is configuration drift and surface.",
         remediation="Disable the unused method or configure it properly.")
def check_aut_unused_methods(ctx):
    """Fails per auth collection with OAuth2 on without a provider (0.23+) or OTP on while SMTP is off."""
    smtp_on = bool(ctx.setting("smtp", "enabled"))
    out = []
    gen = ctx.snap().get("generation")
    for coll in ctx.auth_collections():
        a = coll.get("auth") or {}
        oauth = a.get("oauth2") or {}
        target = "collection:%s.auth" % coll["name"]
        problems = []
        if oauth.get("enabled") and not oauth.get("providers") and gen != "v022":
            problems.append("OAuth2 enabled without any provider")
        if (a.get("otp") or {}).get("enabled") and not smtp_on:
            problems.append("OTP enabled but SMTP is off (codes cannot be delivered)")
        out.append(bad(target, "; ".join(problems)) if problems else ok(target, "no unusable auth method enabled"))
    if not out:
        raise NotApplicable("no auth collection besides superusers")
    return out


@control("PBG-AUT-007", title="Token lifetimes not far beyond need", severity="medium", scope="api",
         profile="baseline", source=sources.CL_AUTH,
         rationale="A stolen or leaked token (auth, file, verification, password reset, e-mail change) works for its "
                   "whole lifetime; lifetimes of weeks or months turn a one-time leak into lasting access.",
         remediation="Per auth collection (0.22: global settings record*Token) keep auth <= 30 days, verification <= "
                     "7 days, password reset and e-mail change <= 1 day, file <= 1 hour, or the limits in "
                     "max_token_durations (pocketbase_policy: auth.token_durations).")
def check_aut_token_lifetimes(ctx):
    """Fails per auth collection with a token type living longer than TOKEN_LIFETIME_LIMITS (or
    max_token_durations); unknown durations are an error."""
    limits = dict(TOKEN_LIFETIME_LIMITS)
    limits.update((k, int(v)) for k, v in (ctx.params.get("max_token_durations") or {}).items()
                  if k in limits and v is not None)
    out = []
    where = " (0.22: global settings record*Token)" if ctx.snap().get("generation") == "v022" else ""
    for coll in ctx.auth_collections(include_superusers=True):
        durations = (coll.get("auth") or {}).get("token_durations") or {}
        target = "collection:%s.tokens" % coll["name"]
        if all(durations.get(k) is None for k in limits):
            out.append(err(target, "token durations unknown"))
            continue
        long_ = ["%s %ss > %ss" % (k, durations[k], limits[k]) for k in sorted(limits)
                 if durations.get(k) is not None and int(durations[k]) > limits[k]]
        if long_:
            out.append(bad(target, "tokens stay valid far beyond their purpose%s: %s" % (where, ", ".join(long_))))
        else:
            out.append(ok(target, "every token lifetime within its limit%s" % where))
    if not out:
        raise NotApplicable("no auth collection")
    return out
