# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MON controls: rate limiting, logs, backups, trusted proxy headers and proxy access logs.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine, proxyconf, sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, err, ok)


@control("PBG-MON-001", title="Rate limiting enabled", severity="high", scope="api", profile="baseline",
         source=sources.CL_MON,
         rationale="Without it logins, OTP and password-reset requests can be brute-forced.",
         remediation="Enable settings.rateLimits (pocketbase_policy).")
def check_mon_rate_limit(ctx):
    """Fails when rate limiting is off or every address is excluded from it; not applicable on 0.22."""
    rl = ctx.setting("rateLimits")
    if rl is None:
        raise NotApplicable("PocketBase 0.22 has no built-in rate limiter: limit at the proxy")
    if not rl.get("enabled"):
        return [bad("setting:rateLimits.enabled", "rate limiting is disabled")]
    excluded = rl.get("excludedIPs") or []
    if any(ip in ("0.0.0.0/0", "::/0") for ip in excluded):
        return [bad("setting:rateLimits.excludedIPs", "every address is excluded from rate limiting")]
    return [ok("setting:rateLimits.enabled", "rate limiting enabled")]


@control("PBG-MON-002", title="Rate limits cover auth, OTP and password reset",
         severity="medium", scope="api", profile="strict",
         source=sources.CL_MON,
         rationale="The `auth` tag covers only logins; requestOTP and requestPasswordReset fall to the generic /api/ "
                   "rule.",
         remediation="Add rules labelled *:auth, *:requestOTP and *:requestPasswordReset.")
def check_mon_rate_limit_rules(ctx):
    """Fails unless the limiter is on with rules for auth, requestOTP and requestPasswordReset; not
    applicable on 0.22."""
    rl = ctx.setting("rateLimits")
    if rl is None:
        raise NotApplicable("PocketBase 0.22 has no built-in rate limiter")
    labels = [str((r or {}).get("label") or "") for r in rl.get("rules") or []]
    need = {
        "auth": lambda l: l in ("*:auth", "auth") or l.endswith(":auth") or "auth-with-password" in l,
        "otp": lambda l: l.endswith(":requestOTP") or "request-otp" in l,
        "password reset": lambda l: l.endswith(":requestPasswordReset") or "request-password-reset" in l,
    }
    missing = [k for k, test in need.items() if not any(test(l) for l in labels)]
    if not rl.get("enabled"):
        missing.insert(0, "limiter disabled")
    if missing:
        return [bad("setting:rateLimits.rules", "no rule for: %s" % ", ".join(missing))]
    return [ok("setting:rateLimits.rules", "auth, OTP and password-reset requests limited")]


@control("PBG-MON-003", title="Request logs retained", severity="medium", scope="api", profile="baseline",
         source=sources.CL_MON,
         rationale="Logs with maxDays 0 are discarded: no trace of login attempts or abuse.",
         remediation="Set logs.maxDays > 0 (e.g. 14).")
def check_mon_logs_retention(ctx):
    """Fails when logs.maxDays is 0 (request logs are not kept)."""
    logs = ctx.setting("logs")
    if logs is None:
        raise Unavailable("logs settings missing")
    days = logs.get("maxDays")
    if not days or int(days) <= 0:
        return [bad("setting:logs.maxDays", "request logs are not kept (maxDays=%s)" % days)]
    return [ok("setting:logs.maxDays", "logs kept %s day(s)" % days)]


@control("PBG-MON-004", title="Client IPs logged", severity="low", scope="api", profile="strict",
         source=sources.CL_MON,
         rationale="Without IPs, log review cannot tell attackers apart.",
         remediation="Set logs.logIP (0.22: logIp) to true.")
def check_mon_log_ip(ctx):
    """Fails when logs.logIP (0.22 logIp) is off."""
    logs = ctx.setting("logs")
    if logs is None:
        raise Unavailable("logs settings missing")
    log_ip = logs.get("logIP", logs.get("logIp"))
    if log_ip is None:
        raise Unavailable("logs.logIP not in the settings")
    if not log_ip:
        return [bad("setting:logs.logIP", "client IPs are not logged")]
    return [ok("setting:logs.logIP", "client IPs logged")]


@control("PBG-MON-005", title="Backups scheduled", severity="medium", scope="api", profile="baseline",
         source=sources.CL_INFRA,
         rationale="Without backups a compromise or a bad migration is unrecoverable.",
         remediation="Set backups.cron and keep copies off the host.")
def check_mon_backups(ctx):
    """Fails when backups.cron is empty (no scheduled backups)."""
    cron = ctx.setting("backups", "cron")
    if cron is None:
        raise Unavailable("backups settings missing")
    if not str(cron).strip():
        return [bad("setting:backups.cron", "no scheduled backups")]
    return [ok("setting:backups.cron", "backups scheduled (%s)" % cron)]


@control("PBG-MON-006", title="Trusted proxy configured coherently", severity="high", scope="api",
         profile="baseline", source=sources.BEYOND,
         rationale="Trusting X-Forwarded-For while reachable directly, or its leftmost entry (what the client sent, "
                   "before the proxy appended the real peer), lets clients choose their IP for logs, rate limits and "
                   "superuserIPs: a brute force escapes the limiter by rotating a forged address.",
         remediation="Trust the proxy header only while bound to loopback and keep useLeftmostIP false.")
def check_mon_trusted_proxy(ctx):
    """Fails when trustedProxy trusts the leftmost IP, trusts headers while PocketBase listens off
    loopback, or trusts no header behind a reverse proxy; not applicable on 0.22."""
    tp = ctx.setting("trustedProxy")
    if tp is None:
        raise NotApplicable("PocketBase 0.22 has no trustedProxy setting")
    headers = tp.get("headers") or []
    if tp.get("useLeftmostIP"):
        return [bad("setting:trustedProxy.useLeftmostIP",
                    "the leftmost X-Forwarded-For entry is trusted: any client chooses the address rate limits, "
                    "logs and superuserIPs see")]
    if headers and ctx.host is not None and ctx.host.get("listeners"):
        exposed = [a for a in ctx.host["listeners"] if not engine.is_loopback_addr(a)]
        if exposed:
            return [bad("setting:trustedProxy.headers",
                        "proxy headers trusted while PocketBase listens on %s" % ", ".join(exposed))]
    behind_proxy = not ctx.url_is_loopback() or bool(ctx.host is not None and ctx.host.get("proxy_configs"))
    if not headers and behind_proxy:
        return [bad("setting:trustedProxy.headers", "no trusted proxy header behind a reverse proxy: logs, rate "
                                                    "limits and superuserIPs see only the proxy address",
                    severity="medium")]
    return [ok("setting:trustedProxy", "headers %s, rightmost IP" % (", ".join(headers) or "none"))]


@control("PBG-MON-007", title="Proxy access log enabled and rotated",
         severity="medium", scope="host", profile="strict",
         source=sources.CL_INFRA + "; " + sources.CL_MON,
         rationale="The proxy's access log records every request, including those it refuses (allowlist 403s) that "
                   "never reach PocketBase's own logs; without rotation it fills the disk or is switched off.",
         remediation="Caddy `log { output file ... }` (rolled by Caddy unless roll_disabled), nginx `access_log` "
                     "with a logrotate rule covering it (role pbguard.pocketbase.pocketbase_proxy).")
def check_mon_proxy_logs(ctx):
    """Fails per forwarding proxy config whose access log is off or discarded, or never rotated
    (Caddy roll_disabled, nginx without a logrotate rule)."""
    configs = proxyconf.proxy_text(ctx)
    forwarding = proxyconf.forwarding_configs(ctx, configs)
    if not forwarding:
        raise Unavailable("no proxy configuration forwards to PocketBase")
    h = ctx.host_facts()
    out = []
    for path in forwarding:
        text = configs[path]
        target = "proxy:" + path
        if proxyconf.is_nginx(text):
            logs = [p for p in re.findall(r"\baccess_log\s+(\S+)", text) if p.startswith("/")]
            if not logs and re.search(r"\baccess_log\s+off\s*;", text):
                out.append(bad(target, "access_log off"))
                continue
            if not logs:
                everywhere = "\n".join(configs.values())
                logs = [p for p in re.findall(r"\baccess_log\s+(\S+)", everywhere) if p.startswith("/")] or \
                    ["/var/log/nginx/access.log"]
            lr = h.get("logrotate_configs")
            if lr is None:
                out.append(err(target, "access log %s; logrotate configuration not gathered" % ", ".join(logs)))
                continue
            unrotated = [p.rstrip(";") for p in logs if not proxyconf.rotated(p.rstrip(";"), lr)]
            if unrotated:
                out.append(bad(target, "access log not rotated by logrotate: %s" % ", ".join(unrotated)))
            else:
                out.append(ok(target, "access log %s rotated by logrotate" % ", ".join(p.rstrip(";") for p in logs)))
        else:
            m = re.search(r"(?m)^[ \t]*log(?:[ \t]+[\w.-]+)?[ \t]*(\{|$)", text)
            if not m:
                out.append(bad(target, "no `log` directive: Caddy writes no access log"))
                continue
            body = proxyconf.block_after(text, m.start(1)) if m.group(1) == "{" else ""
            om = re.search(r"\boutput\s+(\w+)\s*(\S*)", body)
            kind = om.group(1) if om else "stderr"
            if kind == "discard":
                out.append(bad(target, "access log output discard"))
            elif kind == "file" and re.search(r"\broll_disabled\b", body):
                out.append(bad(target, "access log %s with roll_disabled: never rotated" % om.group(2)))
            elif kind == "file":
                out.append(ok(target, "access log %s rolled by Caddy" % om.group(2)))
            else:
                out.append(ok(target, "access log to %s (journald rotates it)" % kind))
    return out
