# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NET controls: network exposure, the reverse proxy in front of PocketBase, TLS and CORS.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pb_paths
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine, gather, proxyconf, sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, err, ok)


def superuser_api_paths(generation):
    """Request paths (decoded, as a proxy matcher sees them) that reach the superuser login: the whole
    spelling class of _pb_paths (names folded like PocketBase's strings.EqualFold, the id, encodings)."""
    return list(dict.fromkeys(_pb_paths.decoded_path(p) for p in _pb_paths.superuser_login_paths(generation)))


_PEER_VALUES_NGINX = ("$remote_addr", "$realip_remote_addr", "$binary_remote_addr")
_PEER_VALUES_CADDY = ("{remote_host}", "{remote}", "{http.request.remote.host}", "{http.request.remote}")


def _client_ip_headers(ctx):
    snap = ctx.snapshot or {}
    tp = (snap.get("settings") or {}).get("trustedProxy") if isinstance(snap.get("settings"), dict) else None
    headers = list((tp or {}).get("headers") or []) or list(ctx.params.get("client_ip_headers") or [])
    return headers or ["X-Forwarded-For"]


def _nginx_client_ip_problems(text, header):
    """Each location proxying to PocketBase must set ``header`` to the peer address. A location without any
    proxy_set_header inherits those of the server level (nginx inheritance)."""
    h = re.escape(header)
    wide = re.search(r"\bset_real_ip_from\s+(0\.0\.0\.0/0|::/0)\s*;", text) and re.search(r"\breal_ip_header\s", text)
    outer = re.sub(r"\blocation\b[^{]*\{", "", text)
    blocks = []
    for m in re.finditer(r"\blocation\s+([^{]*)\{", text):
        body = proxyconf.block_after(text, m.end() - 1)
        if re.search(r"\bproxy_pass\s", body):
            blocks.append((m.group(1).strip(), body if "proxy_set_header" in body else outer))
    problems = []
    for where, body in blocks or [("server", text)]:
        m = re.search(r"\bproxy_set_header\s+%s\s+(\"[^\"]*\"|\S+)\s*;" % h, body, re.I)
        value = m.group(1).strip("\"") if m else None
        if value is None:
            problems.append("location %s: %s not set, the client's own value reaches PocketBase" % (where, header))
        elif "$proxy_add_x_forwarded_for" in value or "$http_" in value:
            problems.append("location %s: %s is %s, client-supplied addresses are passed on" % (where, header, value))
        elif value not in _PEER_VALUES_NGINX:
            problems.append("location %s: %s set to %s, not the TCP peer" % (where, header, value))
        elif wide and value != "$realip_remote_addr":
            problems.append("location %s: %s is %s but set_real_ip_from trusts every address" % (where, header, value))
    return sorted(set(problems))


@control("PBG-NET-001", title="PocketBase listens on loopback only",
         severity="critical", scope="host", profile="baseline",
         source=sources.P1 + "; " + sources.CL_INFRA,
         rationale="Bound to 0.0.0.0 the server, its admin UI and API are reachable without the proxy's TLS, "
                   "allowlist and logs.",
         remediation="Run `pocketbase serve --http=127.0.0.1:8090` behind a reverse proxy (role "
                     "pbguard.pocketbase.pocketbase).")
def check_net_loopback(ctx):
    """Fails when PocketBase listens on a non-loopback address (sockets, else the unit's --http,
    --https or serve domains)."""
    h = ctx.host_facts()
    listeners = h.get("listeners")
    flags = gather.exec_flags(h)
    if listeners:
        exposed = [addr for addr in listeners if not engine.is_loopback_addr(addr)]
        if exposed:
            return [bad("listen:" + ",".join(exposed), "pocketbase listens on %s" % ", ".join(exposed))]
        return [ok("listen:" + ",".join(listeners), "pocketbase listens on loopback only")]
    if flags.get("--http"):
        addr = flags["--http"]
        if engine.is_loopback_addr(addr):
            return [ok("unit:ExecStart", "--http=%s" % addr)]
        return [bad("unit:ExecStart", "--http=%s is not a loopback address" % addr)]
    if h.get("exec_start"):
        if "--https" in flags or flags.get("domains"):
            return [bad("unit:ExecStart", "serve with domains/--https binds 0.0.0.0:80/443")]
        return [ok("unit:ExecStart", "no --http flag: PocketBase defaults to 127.0.0.1:8090")]
    raise Unavailable("neither listening sockets nor the unit's ExecStart could be read")


@control("PBG-NET-002", title="Traffic reaches PocketBase only through the reverse proxy",
         severity="high", scope="host", profile="baseline",
         source=sources.P1 + "; " + sources.CL_INFRA,
         rationale="The reverse proxy is where TLS, the admin allowlist, headers and access logs live.",
         remediation="Configure Caddy or nginx to reverse_proxy to 127.0.0.1:<port> (role "
                     "pbguard.pocketbase.pocketbase_proxy).")
def check_net_proxy(ctx):
    """Fails when no proxy configuration forwards to a loopback address on the PocketBase port."""
    configs = proxyconf.proxy_text(ctx)
    port = str(ctx.params.get("port") or 8090)
    hits = proxyconf.forwarding_configs(ctx, configs)
    if hits:
        return [ok("proxy:" + hits[0], "reverse proxy forwards to the loopback PocketBase port %s" % port)]
    return [bad("proxy", "no proxy configuration forwards to 127.0.0.1:%s" % port)]


@control("PBG-NET-003", title="TLS in front of PocketBase", severity="high", scope="probe", profile="baseline",
         source=sources.CL_INFRA,
         rationale="Superuser and user credentials and tokens travel in every request.",
         remediation="Serve the public URL over HTTPS at the proxy (Caddy does it automatically) and redirect HTTP.")
def check_net_tls(ctx):
    """Fails when the audited URL is plain HTTP, or plain HTTP does not redirect to HTTPS; not
    applicable when auditing through loopback."""
    p = ctx.probe_facts()
    if ctx.url_is_loopback():
        raise NotApplicable("the audited URL is loopback; TLS is terminated at the proxy")
    if not ctx.url.lower().startswith("https://"):
        return [bad("url:" + ctx.url, "the PocketBase URL is served over plain HTTP")]
    if p.get("http_probe_error"):
        raise Unavailable("whether plain HTTP redirects to HTTPS is unknown: %s" % p["http_probe_error"])
    if p.get("http_redirects_to_https") is False:
        return [bad("url:" + ctx.url, "plain HTTP on the same host does not redirect to HTTPS")]
    return [ok("url:" + ctx.url, "served over HTTPS")]


@control("PBG-NET-004", title="Admin UI /_/ restricted at the proxy",
         severity="high", scope="host", profile="baseline",
         source=sources.P1 + "; " + sources.CL_INFRA,
         rationale="The dashboard gives full database access behind a single email+password pair.",
         remediation="Allowlist /_/* by client IP (Caddy `remote_ip`, nginx `allow`/`deny`) or add an authentication "
                     "layer.")
def check_net_admin_proxy(ctx):
    """Fails when no proxy guard (deny, IP allowlist or authentication) covers the admin UI path /_/."""
    guards = proxyconf.proxy_guards(proxyconf.proxy_text(ctx))
    hit = proxyconf.guarded(guards, "/_/")
    if hit:
        return [ok("proxy:" + hit, "the admin UI /_/ is restricted at the proxy")]
    return [bad("proxy", "no IP allowlist or extra authentication for /_/ in the proxy configuration")]


@control("PBG-NET-005", title="Superuser API restricted at the proxy",
         severity="high", scope="host", profile="strict",
         source=sources.P1 + " (" + sources.BEYOND + ")",
         rationale="Blocking only /_/ leaves /api/collections/_superusers/auth-with-password (0.22: /api/admins) "
                   "open to credential guessing.",
         remediation="Apply the admin allowlist to /api/collections/_superusers/* and /api/admins/* as well.")
def check_net_superuser_api_proxy(ctx):
    """Fails when a spelling of the superuser login path (any case, U+017F for s, percent-encoded,
    collection id; 0.22 /api/admins) is not guarded at the proxy."""
    guards = proxyconf.proxy_guards(proxyconf.proxy_text(ctx))
    paths = superuser_api_paths(ctx.generation())
    open_paths = [p for p in paths if not proxyconf.guarded(guards, p)]
    if open_paths:
        return [bad("proxy", "%d of %d superuser API path spellings not restricted at the proxy, e.g. %s "
                             "(PocketBase matches the collection by its id %s and by a case-folded name: "
                             "U+017F is s)"
                    % (len(open_paths), len(paths), ", ".join(open_paths[:4]), gather.SUPERUSERS_COLLECTION_ID))]
    return [ok("proxy:" + proxyconf.guarded(guards, paths[0]),
               "the superuser API is restricted at the proxy (%d path form(s) checked)" % len(paths))]


@control("PBG-NET-006", title="Admin UI and superuser login do not answer from the auditing address",
         severity="high", scope="probe", profile="baseline",
         source=sources.P1,
         rationale="What the proxy configuration intends is verified from outside: /_/ and the superuser login must "
                   "not answer an address outside the allowlist.",
         remediation="Run the probe from an address outside the allowlist; fix the proxy rules until /_/ returns 403.")
def check_net_admin_reachable(ctx):
    """Fails when, from the auditing address, /_/ answers 200 or a spelling of the superuser login
    answers 400/401; error per path with no answer, 429 or 5xx; not applicable through loopback."""
    p = ctx.probe_facts()
    if ctx.url_is_loopback():
        raise NotApplicable("auditing through loopback: allowlists at the proxy do not apply to this address")
    out = []
    status = p.get("admin_ui_status")
    if status == 200:
        out.append(bad("url:%s/_/" % ctx.url, "the admin UI answers HTTP 200 from the auditing address"))
    elif is_undecided(status):
        out.append(err("url:%s/_/" % ctx.url, undecided(status)))
    else:
        out.append(ok("url:%s/_/" % ctx.url, "the admin UI answers HTTP %s" % status))
    logins = [(p.get("superuser_login_path", ""), p.get("superuser_login_status"))]
    logins += sorted((p.get("superuser_login_variants") or {}).items())
    for index, (path, st) in enumerate(logins):
        target = "url:%s%s" % (ctx.url, path)
        if st in (400, 401):
            out.append(bad(target, "the superuser login endpoint answers (HTTP %s) from the auditing address" % st
                           if index == 0 else
                           "the superuser login answers (HTTP %s) through this spelling of _superusers" % st))
        elif is_undecided(st):
            out.append(err(target, undecided(st)))
        else:
            out.append(ok(target, "superuser login blocked from the auditing address (HTTP %s)" % st
                          if index == 0 else "blocked (HTTP %s)" % st))
    return out


def is_undecided(status):
    """True for a probe answer that says nothing about a guard: no answer, a rate limiter's 429, or a
    5xx (the request got past the edge and broke upstream, or the edge failed)."""
    return status is None or status == 429 or (isinstance(status, int) and status >= 500)


def undecided(status):
    """Evidence for a probe answer that decides nothing (see ``is_undecided``)."""
    if status == 429:
        return ("still rate-limited (HTTP 429) after paced retries: whether this path is open is unknown; "
                "run the audit again later or exclude the auditing address from rateLimits")
    if status is not None:
        return ("answered HTTP %s (a server error, not a refusal): whether this path is open is unknown"
                % status)
    return "no answer (unreachable, timed out or not HTTP): whether this path is open is unknown"


@control("PBG-NET-007", title="CORS origins restricted when a browser app is served",
         severity="low", scope="host", profile="strict",
         source=sources.BEYOND,
         rationale="`--origins` defaults to `*`: any site may call the API with a user's token from the browser.",
         remediation="Set `--origins=https://app.example.com` (pocketbase_origins).")
def check_net_origins(ctx):
    """Fails when a browser app is served and --origins is unset or '*'; not applicable without one."""
    h = ctx.host_facts()
    if not h.get("exec_start"):
        raise Unavailable("the unit's ExecStart could not be read")
    origins = gather.exec_flags(h).get("--origins")
    if not h.get("serves_browser_app") and not ctx.params.get("browser_app"):
        raise NotApplicable("no browser app served (empty pb_public and browser_app not set)")
    if origins in (None, "", "*"):
        return [bad("unit:ExecStart", "CORS allows every origin (--origins %s)" % (origins or "not set: '*'"))]
    return [ok("unit:ExecStart", "--origins=%s" % origins)]


@control("PBG-NET-008", title="Security headers set at the proxy", severity="medium", scope="host", profile="strict",
         source=sources.CL_INFRA + " (" + sources.BEYOND + ")",
         rationale="HSTS keeps browsers from ever talking plain HTTP to the site (no TLS stripping of tokens), "
                   "nosniff and Referrer-Policy stop content-type confusion and token leaks in Referer, frame "
                   "protection keeps the dashboard out of clickjacking frames, and no version in Server headers "
                   "gives attackers less to match against advisories.",
         remediation="Set Strict-Transport-Security (max-age > 0), X-Content-Type-Options nosniff, a "
                     "Referrer-Policy, X-Frame-Options DENY or CSP frame-ancestors on /_/, and nginx `server_tokens "
                     "off` (role pbguard.pocketbase.pocketbase_proxy).")
def check_net_headers(ctx):
    """Fails per security header missing or weak at the proxy: HSTS, nosniff, Referrer-Policy, frame
    protection, a version in Server, an added X-Powered-By."""
    configs = proxyconf.proxy_text(ctx)
    forwarding = proxyconf.forwarding_configs(ctx, configs)
    if not forwarding:
        raise Unavailable("no proxy configuration forwards to PocketBase: headers cannot be attributed")
    text = "\n".join(configs.values())
    nginx = any(proxyconf.is_nginx(configs[p]) for p in forwarding)
    hsts = re.search(r"Strict-Transport-Security\"?\s+\"?max-age=(\d+)", text, re.I)
    referrer = re.search(r"Referrer-Policy\"?\s+\"?([\w-]+)", text, re.I)
    checks = [
        ("Strict-Transport-Security", bool(hsts and int(hsts.group(1)) > 0),
         "HSTS max-age=%s" % (hsts.group(1) if hsts else "not set")),
        ("X-Content-Type-Options", bool(re.search(r"X-Content-Type-Options\"?\s+\"?nosniff", text, re.I)),
         "nosniff"),
        ("Referrer-Policy", bool(referrer and referrer.group(1).lower() not in ("unsafe-url",
                                                                                "no-referrer-when-downgrade")),
         "Referrer-Policy %s" % (referrer.group(1) if referrer else "not set")),
        ("X-Frame-Options", bool(re.search(r"X-Frame-Options\"?\s+\"?(DENY|SAMEORIGIN)|frame-ancestors", text, re.I)),
         "frame protection (X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors)"),
    ]
    if nginx:
        checks.append(("Server", bool(re.search(r"\bserver_tokens\s+off\s*;", text)),
                       "nginx server_tokens off (no version in Server and error pages)"))
    else:
        checks.append(("Server", not re.search(r"header_down\s+\+?Server\b|header\s+\+Server\b", text),
                       "Caddy sends no version; no Server header added"))
    checks.append(("X-Powered-By", not re.search(r"header[^\n]*\+?X-Powered-By\s+\S|add_header\s+X-Powered-By\b",
                                                 text, re.I), "no X-Powered-By added"))
    out = []
    for name, good, what in checks:
        target = "proxy:header:%s" % name
        out.append(ok(target, what) if good else bad(target, "missing or weak at the proxy: %s" % what))
    return out


@control("PBG-NET-009", title="Client-IP header overwritten with the TCP peer at the proxy",
         severity="medium", scope="host", profile="strict",
         source=sources.CL_MON + " (" + sources.BEYOND + ")",
         rationale="PocketBase takes the client address from the trusted proxy header (trustedProxy.headers) for its "
                   "rate limiter, logs and superuserIPs. A proxy that appends to, or passes on, the client's own "
                   "header lets anyone choose the address PocketBase sees.",
         remediation="Overwrite the header with the TCP peer: nginx `proxy_set_header X-Forwarded-For $remote_addr` "
                     "(not $proxy_add_x_forwarded_for), Caddy without wide trusted_proxies (or `header_up NAME "
                     "{remote_host}` for another header name).")
def check_net_client_ip(ctx):
    """Fails per forwarding proxy config where the client-IP header PocketBase trusts is appended to,
    passed on from the client, or not the TCP peer."""
    configs = proxyconf.proxy_text(ctx)
    forwarding = proxyconf.forwarding_configs(ctx, configs)
    if not forwarding:
        raise Unavailable("no proxy configuration forwards to PocketBase")
    out = []
    for path in forwarding:
        text = configs[path]
        problems, fine = [], []
        for header in _client_ip_headers(ctx):
            h = re.escape(header)
            if proxyconf.is_nginx(text):
                problems.extend(_nginx_client_ip_problems(text, header))
                if not problems:
                    fine.append("%s = the TCP peer in every proxied location" % header)
            else:
                if re.search(r"\btrusted_proxies\s+(static\s+)?[^\n]*(0\.0\.0\.0/0|::/0)", text):
                    problems.append("trusted_proxies trusts every address: client X-Forwarded-For is believed")
                    continue
                m = re.search(r"\bheader_up\s+(\+?)%s\s+(\"[^\"]*\"|\S+)" % h, text, re.I)
                if m and m.group(1):
                    problems.append("header_up +%s appends to the client's value" % header)
                elif m:
                    value = m.group(2).strip("\"")
                    if value in _PEER_VALUES_CADDY:
                        fine.append("%s = %s" % (header, value))
                    else:
                        problems.append("%s set to %s, not the TCP peer" % (header, value))
                elif header.lower() == "x-forwarded-for":
                    fine.append("X-Forwarded-For set by Caddy from the TCP peer (no trusted_proxies)")
                else:
                    problems.append("%s not set: the client's own value reaches PocketBase" % header)
        if problems:
            out.append(bad("proxy:" + path, "; ".join(problems)))
        else:
            out.append(ok("proxy:" + path, "; ".join(fine)))
    return out


@control("PBG-NET-010", title="Request body size limited at the proxy",
         severity="low", scope="host", profile="strict",
         source=sources.BEYOND,
         rationale="Unbounded request bodies let one client tie up bandwidth, memory and disk at the edge before "
                   "PocketBase's own limit applies.",
         remediation="nginx `client_max_body_size` (not 0), Caddy `request_body { max_size ... }` "
                     "(pocketbase_proxy_max_body_size_mb).")
def check_net_body_limit(ctx):
    """Fails per forwarding proxy config without a request body limit (nginx client_max_body_size 0,
    Caddy without request_body max_size)."""
    configs = proxyconf.proxy_text(ctx)
    forwarding = proxyconf.forwarding_configs(ctx, configs)
    if not forwarding:
        raise Unavailable("no proxy configuration forwards to PocketBase")
    out = []
    for path in forwarding:
        text = configs[path]
        target = "proxy:" + path
        if proxyconf.is_nginx(text):
            sizes = re.findall(r"\bclient_max_body_size\s+(\S+)\s*;", text)
            if any(s in ("0", "0m", "0M", "0k", "0K") for s in sizes):
                out.append(bad(target, "client_max_body_size 0: request bodies are unlimited"))
            else:
                out.append(ok(target, "client_max_body_size %s" % (", ".join(sizes) or "1m (nginx default)")))
        else:
            m = re.search(r"\brequest_body\b[^{\n]*\{[^}]*\bmax_size\s+(\S+)", text)
            if m:
                out.append(ok(target, "request_body max_size %s" % m.group(1)))
            else:
                out.append(bad(target, "no request_body max_size: Caddy accepts request bodies of any size"))
    return out


@control("PBG-NET-011", title="Served TLS certificate not close to expiry",
         severity="medium", scope="probe", profile="baseline",
         source=sources.CL_INFRA,
         rationale="An expired certificate takes the site down for every client, or trains users and scripts to "
                   "click through warnings and set validate_certs=false. Certificates made once and never renewed "
                   "(internal CAs, hand-made files) expire silently.",
         remediation="Renew ahead of expiry: Caddy renews its own certificates; the pocketbase_proxy role renews its "
                     "nginx internal CA and server certificate pocketbase_proxy_tls_internal_renew_days ahead; renew "
                     "files you provide yourself. The threshold is the audit's cert_min_days (default 21), or a "
                     "fifth of the lifetime of short-lived certificates (Caddy's internal 12-hour ones, ACME).")
def check_net_cert_expiry(ctx):
    """Fails when the served certificate expires within ``cert_min_days`` (short-lived, automatically renewed
    certificates: within a fifth of their lifetime); error when none could be read or verified."""
    p = ctx.probe_facts()
    if not ctx.url.lower().startswith("https://"):
        if ctx.url_is_loopback():
            raise NotApplicable("the audited URL is loopback plain HTTP; TLS is terminated at the proxy")
        raise Unavailable("no certificate to read: %s is plain HTTP (see PBG-NET-003)" % ctx.url)
    cert = p.get("tls_certificate") or {}
    if "seconds_left" not in cert:
        raise Unavailable("could not read the served certificate: %s" % cert.get("error", "not probed"))
    min_days = int(ctx.params.get("cert_min_days") or 21)
    # Caddy's internal certificates live 12 h, ACME ones 90 days or less: they are renewed at a third of
    # their lifetime, so a longer window would fail every correct deployment.
    window = min(min_days * 86400, int(cert.get("lifetime_seconds") or 0) // 5 or min_days * 86400)
    left, target = cert["seconds_left"], "certificate:" + ctx.url
    when = ("expired %d day(s) ago" % (-left // 86400) if left < 0 else "expires in %s" % _span(left))
    if left < window:
        result = bad(target, "the served certificate %s (%s), under the renewal threshold of %s"
                     % (when, cert["not_after"], _span(window)))
        if left < 0:
            result["advisory_severity"] = "high"
        return [result]
    return [ok(target, "the served certificate %s (%s); threshold %s" % (when, cert["not_after"], _span(window)))]


def _span(seconds):
    return "%d day(s)" % (seconds // 86400) if seconds >= 86400 else "%.1f hour(s)" % (seconds / 3600.0)
