# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit control catalog: data plus one check function per control.

Private module_utils: the interface may change.

A control is a dict (``CONTROLS``): id, title, severity, scope (api/host/probe), profile
(baseline/strict), source (article pattern or checklist section, or "beyond the article"),
rationale, remediation and ``check``, a function ``check(ctx) -> [result, ...]`` where a result is
made by ``ok()``, ``bad()``, ``na()`` or ``err()`` (status, target, evidence). A check that lacks
what it needs raises ``Unavailable`` (-> ``error``) or ``NotApplicable``; unknown is never pass.

Facts come in through ``AuditContext``: the normalized snapshot (``_compat``), probe results and
host facts, each gathered once by the module (``gather_probe``, ``gather_host``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import fnmatch
import grp
import json
import os
import pwd
import re
import shlex
import stat

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _api, _hooks_lint

try:
    from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules
    HAS_RULES = True
except ImportError:  # pragma: no cover - the rule parser is part of the collection
    _rules = None
    HAS_RULES = False

SEVERITIES = ("info", "low", "medium", "high", "critical")
SCOPES = ("api", "host", "probe")
PROFILES = ("baseline", "strict")
CRUD_RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
RULE_ACTIONS = {"listRule": "list", "viewRule": "view", "createRule": "create", "updateRule": "update",
                "deleteRule": "delete", "manageRule": "manage", "authRule": "auth"}
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost", "[::1]")

# Built-in advisory table (FACTS.md section 11). Ranges: list of (min inclusive or None, max exclusive).
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

DEFAULT_LOOKING_EMAIL_RE = re.compile(
    r"^(admin|administrator|root|test|demo|user|superuser|pocketbase|pb)@(example\.(com|org|net)|test|"
    r"localhost|admin\.com|local|invalid)$|^__pbinstaller@|@example\.(com|org|net)$", re.I)
SHARED_EMAIL_RE = re.compile(r"^(admin|administrator|root|ops|devops|dev|team|info|it|support|webmaster|"
                             r"sysadmin|office|shared|backend|hello|contact)[@+]", re.I)
COMMON_PASSWORDS = ("1234567890", "password123", "admin123456", "changeme123", "pocketbase", "12345678",
                    "password", "qwertyuiop")
PRIVILEGED_FIELD_RE = re.compile(r"^(role|roles|is_?admin|admin|level|permissions?|superuser|staff|verified)$",
                                 re.I)


class Unavailable(Exception):
    """The check cannot run (missing fact): reported as ``error`` with this reason."""


class NotApplicable(Exception):
    """The check does not apply to this target: reported as ``not_applicable`` with this reason."""


def ok(target, evidence):
    return {"status": "pass", "target": target, "evidence": evidence}


def bad(target, evidence, **extra):
    res = {"status": "fail", "target": target, "evidence": evidence}
    res.update(extra)
    return res


def na(target, evidence):
    return {"status": "not_applicable", "target": target, "evidence": evidence}


def err(target, evidence):
    return {"status": "error", "target": target, "evidence": evidence}


def version_tuple(version):
    """An exact release only (``X.Y.Z``): advisory ranges and the pinned-version check need all three."""
    return _api.version_tuple(version, min_parts=3)


def affected(version, advisory):
    v = version_tuple(version)
    if v is None:
        return None
    for low, high in advisory["ranges"]:
        if (low is None or v >= low) and v < high:
            return True
    return False


# --------------------------------------------------------------------------- context

class AuditContext(object):
    """Everything a check may look at. Facts are gathered before the checks run."""

    def __init__(self, params=None, snapshot=None, snapshot_error=None, probe=None, probe_error=None,
                 host=None, host_error=None, url=None):
        self.params = dict(params or {})
        self.snapshot = snapshot
        self.snapshot_error = snapshot_error
        self.probe = probe
        self.probe_error = probe_error
        self.host = host
        self.host_error = host_error
        self.url = url or self.params.get("url") or ""
        self._rule_lint = None

    # -- accessors raising Unavailable
    def snap(self):
        if self.snapshot is None:
            raise Unavailable("no API snapshot: %s" % (self.snapshot_error or "api scope not selected"))
        return self.snapshot

    def generation(self):
        if self.snapshot is not None:
            return self.snapshot.get("generation")
        if self.host and self.host.get("generation"):
            return self.host["generation"]
        if self.probe and self.probe.get("generation"):
            return self.probe["generation"]
        return None

    def version(self):
        for src in (self.snapshot, self.host, self.probe):
            if src and src.get("version"):
                return src["version"]
        return None

    def settings(self):
        settings = self.snap().get("settings")
        if not isinstance(settings, dict):
            raise Unavailable("settings missing from the snapshot")
        return settings

    def setting(self, *path):
        cur = self.settings()
        for key in path:
            if not isinstance(cur, dict) or key not in cur:
                return None
            cur = cur[key]
        return cur

    def collections(self):
        return list(self.snap().get("collections") or [])

    def auth_collections(self, include_superusers=False):
        out = []
        for c in self.collections():
            if c.get("type") != "auth" or not c.get("auth"):
                continue
            if c.get("name") == "_superusers" and not include_superusers:
                continue
            out.append(c)
        return out

    def probe_facts(self):
        if self.probe is None:
            raise Unavailable("no probe results: %s" % (self.probe_error or "probe scope not selected"))
        return self.probe

    def host_facts(self):
        if self.host is None:
            raise Unavailable("no host facts: %s" % (self.host_error or "host scope not selected"))
        return self.host

    def public_declared(self, collection, rule):
        declared = self.params.get("public_rules") or {}
        return rule in (declared.get(collection) or [])

    def url_is_loopback(self):
        m = re.match(r"^[a-z]+://(\[[^\]]+\]|[^/:]+)", self.url or "", re.I)
        host = m.group(1) if m else ""
        return host in LOOPBACK_HOSTS or host.startswith("127.")

    # -- rule lint, computed once for all RUL controls
    def rule_lint(self):
        """[(collection, rule, expr, [finding, ...]), ...] for every set rule of every collection."""
        if self._rule_lint is not None:
            return self._rule_lint
        if not HAS_RULES:
            raise Unavailable("the rule parser (module_utils/_rules.py) is not available")
        generation = self.snap().get("generation")
        collections = self.collections()
        by_name = dict((c.get("name"), c) for c in collections)
        out = []
        for coll in collections:
            rules = coll.get("rules") or {}
            for rule in CRUD_RULES + ("manageRule",):
                expr = rules.get(rule)
                if expr is None:
                    continue
                try:
                    findings = list(_rules.lint_rule(expr, rule, generation, coll, by_name))
                except Exception as exc:  # pylint: disable=broad-except
                    findings = [_LintProxy("parse_error", "high", "linter failed: %s" % exc.__class__.__name__)]
                out.append((coll.get("name"), rule, expr, findings))
        self._rule_lint = out
        return out


class _LintProxy(object):
    def __init__(self, code, severity, message, detail=None):
        self.code = code
        self.severity = severity
        self.message = message
        self.detail = detail


def _finding_code(f):
    return getattr(f, "code", None) or (f.get("code") if isinstance(f, dict) else None)


def _finding_message(f):
    return getattr(f, "message", None) or (f.get("message") if isinstance(f, dict) else "") or ""


_LONG_LITERAL_RE = re.compile(r"(['\"])([^'\"]{12,})\1")


def _short_rule(expr, limit=120):
    """One-line rule for evidence; long string literals (possible shared secrets) masked."""
    expr = _LONG_LITERAL_RE.sub(lambda m: m.group(1) + "********" + m.group(1), " ".join(str(expr).split()))
    return expr if len(expr) <= limit else expr[:limit - 3] + "..."


# --------------------------------------------------------------------------- NET checks

def _exec_flags(host):
    return host.get("exec_flags") or {}


def check_net_loopback(ctx):
    h = ctx.host_facts()
    listeners = h.get("listeners")
    flags = _exec_flags(h)
    if listeners:
        exposed = [addr for addr in listeners if not _is_loopback_addr(addr)]
        if exposed:
            return [bad("listen:" + ",".join(exposed), "pocketbase listens on %s" % ", ".join(exposed))]
        return [ok("listen:" + ",".join(listeners), "pocketbase listens on loopback only")]
    if flags.get("--http"):
        addr = flags["--http"]
        if _is_loopback_addr(addr):
            return [ok("unit:ExecStart", "--http=%s" % addr)]
        return [bad("unit:ExecStart", "--http=%s is not a loopback address" % addr)]
    if h.get("exec_start"):
        if "--https" in flags or flags.get("domains"):
            return [bad("unit:ExecStart", "serve with domains/--https binds 0.0.0.0:80/443")]
        return [ok("unit:ExecStart", "no --http flag: PocketBase defaults to 127.0.0.1:8090")]
    raise Unavailable("neither listening sockets nor the unit's ExecStart could be read")


def _is_loopback_addr(addr):
    addr = str(addr).strip()
    host = addr.rsplit(":", 1)[0] if addr.count(":") == 1 or addr.startswith("[") else addr
    host = host.strip("[]")
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


SUPERUSERS_COLLECTION_ID = "pbc_3142635823"
_COMMENT_RE = re.compile(r"(?m)(^|[ \t])#.*$")
_RESTRICT_BODY_RE = re.compile(r"(\bdeny\s+all\b|\ballow\s+\S|\bauth_basic\s+(?!off\b)\S|\bauth_request\s|\breturn\s+40[134]\b"
                               r"|\bremote_ip\b|\bclient_ip\b|\bbasic_?auth\b|\bforward_auth\b)")


def _proxy_text(ctx):
    """{path: config text without comments}; raises Unavailable when no proxy configuration was read."""
    h = ctx.host_facts()
    configs = h.get("proxy_configs") or {}
    if not configs:
        raise Unavailable("no reverse proxy configuration found (looked at %s)"
                          % ", ".join(h.get("proxy_config_paths") or []))
    return dict((p, _COMMENT_RE.sub(r"\1", text or "")) for p, text in configs.items())


def _is_nginx(text):
    return bool(re.search(r"\bserver\s*\{|\blocation\s|\bproxy_pass\s|\bhttp\s*\{", text))


def _block_after(text, start):
    """Body of the brace block whose ``{`` is at or after ``start`` (nested blocks kept)."""
    i = text.find("{", start)
    if i < 0:
        return ""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j]
    return text[i + 1:]


def _safe_re(pattern, flags=0):
    try:
        return re.compile(pattern, flags)
    except re.error:
        return None


def _caddy_glob_re(glob):
    """Caddy ``path`` matcher: case-insensitive on the decoded path (patterns with %xx escapes compare the
    escaped path case-sensitively before Caddy 2.11.1: treated as case-sensitive here)."""
    glob = glob.strip("\"'")
    if not glob.startswith(("/", "*")):
        return None
    parts = glob.split("*")
    body = ""
    for i, part in enumerate(parts):
        if i:
            edge = (i == 1 and glob.startswith("*")) or (i == len(parts) - 1 and glob.endswith("*"))
            body += ".*" if edge else "[^/]*"
        body += re.escape(part)
    return _safe_re("^%s$" % body, 0 if "%" in glob else re.I)


def _caddy_guards(text):
    """Path patterns of a Caddyfile that refuse or authenticate requests: named matchers (typically
    ``path ...`` plus ``not remote_ip ...``) used by ``respond ... 40x``, ``abort``, ``error`` or basic/forward
    auth, plus inline path matchers of those directives."""
    matchers = {}
    for m in re.finditer(r"(?m)^[ \t]*(@[\w.-]+)[ \t]*(\{|[^\n]*)$", text):
        name, rest = m.group(1), m.group(2)
        body = _block_after(text, m.start(2)) if rest.strip() == "{" else rest
        pats = []
        for pm in re.finditer(r"(?m)(?:^|[ \t])path[ \t]+([^\n{}]+)$", body):
            pats.extend(p for p in (_caddy_glob_re(g) for g in pm.group(1).split()) if p is not None)
        for pm in re.finditer(r"(?m)(?:^|[ \t])path_regexp[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*$", body):
            p = _safe_re(pm.group(2) or pm.group(1))
            if p is not None:
                pats.append(p)
        matchers.setdefault(name, {"patterns": []})
        matchers[name]["patterns"].extend(pats)
    guards = []
    for name, info in matchers.items():
        n = re.escape(name)
        used = re.search(r"(respond[ \t]+%s\b[^\n]*\b40[134]\b|abort[ \t]+%s\b|error[ \t]+%s\b|"
                         r"basic_?auth[ \t]+%s\b|forward_auth[ \t]+%s\b)" % (n, n, n, n, n), text)
        if used:
            guards.extend(info["patterns"])
    for m in re.finditer(r"(?m)^[ \t]*(?:respond|abort|error|basic_?auth|forward_auth)[ \t]+(/\S*)", text):
        p = _caddy_glob_re(m.group(1))
        if p is not None:
            guards.append(p)
    return guards


def _nginx_guards(text):
    """Path patterns of an nginx config that refuse or authenticate requests: restricting locations, and
    ``map $uri`` entries whose result (directly or through another map) decides an ``if (...) { return 40x; }``."""
    guards = []
    for m in re.finditer(r"\blocation\s+(=|\^~|~\*|~)?\s*(\"[^\"]+\"|[^\s{]+)\s*\{", text):
        mod, pat = m.group(1) or "", m.group(2).strip("\"")
        if not _RESTRICT_BODY_RE.search(_block_after(text, m.end() - 1)):
            continue
        if mod in ("~", "~*"):
            p = _safe_re(pat, re.I if mod == "~*" else 0)
        elif mod == "=":
            p = _safe_re("^%s$" % re.escape(pat))
        else:
            p = _safe_re("^%s" % re.escape(pat))
        if p is not None:
            guards.append(p)
    maps = {}
    for m in re.finditer(r"\bmap\s+(\"[^\"]*\"|\S+)\s+\$(\w+)\s*\{", text):
        entries = []
        for em in re.finditer(r"(?m)^\s*(\"[^\"]*\"|\S+)\s+\S+\s*;", _block_after(text, m.end() - 1)):
            key = em.group(1).strip("\"")
            if key.startswith("~*"):
                entries.append(_safe_re(key[2:], re.I))
            elif key.startswith("~"):
                entries.append(_safe_re(key[1:]))
            elif key not in ("default", "hostnames", "volatile") and key.startswith("/"):
                entries.append(_safe_re("^%s$" % re.escape(key)))
        maps[m.group(2)] = {"source": m.group(1).strip("\""), "entries": [e for e in entries if e is not None]}
    for m in re.finditer(r"\bif\s*\(([^\n]*)\)\s*\{([^}]*)\}", text):
        cond, body = m.group(1), m.group(2)
        if not re.search(r"\breturn\s+40[134]\b|\bdeny\b", body):
            continue
        cm = re.match(r"\s*\$(?:uri|request_uri|document_uri)\s+(~\*?)\s*\"?([^\"]+?)\"?\s*$", cond)
        if cm:
            p = _safe_re(cm.group(2), re.I if cm.group(1) == "~*" else 0)
            if p is not None:
                guards.append(p)
            continue
        seen = set()
        todo = re.findall(r"\$(\w+)", cond)
        while todo:
            var = todo.pop()
            if var in seen or var not in maps:
                continue
            seen.add(var)
            if re.search(r"\$(uri|document_uri|request_uri)\b", maps[var]["source"]):
                guards.extend(maps[var]["entries"])
            todo.extend(re.findall(r"\$(\w+)", maps[var]["source"]))
    return guards


def _proxy_guards(configs):
    """[(path, compiled pattern)] over every proxy configuration file."""
    out = []
    for path, text in sorted(configs.items()):
        for p in (_nginx_guards(text) if _is_nginx(text) else _caddy_guards(text)):
            out.append((path, p))
    return out


def _guarded(guards, request_path):
    """The first config path with a guard covering ``request_path`` (decoded, normalized), else None."""
    for path, pattern in guards:
        if pattern.search(request_path):
            return path
    return None


def check_net_proxy(ctx):
    configs = _proxy_text(ctx)
    port = str(ctx.params.get("port") or 8090)
    hits = _forwarding_configs(ctx, configs)
    if hits:
        return [ok("proxy:" + hits[0], "reverse proxy forwards to the loopback PocketBase port %s" % port)]
    return [bad("proxy", "no proxy configuration forwards to 127.0.0.1:%s" % port)]


def _forwarding_configs(ctx, configs):
    port = str(ctx.params.get("port") or 8090)
    return sorted(p for p, text in configs.items()
                  if re.search(r"(127\.0\.0\.1|localhost|\[::1\]):%s\b" % re.escape(port), text))


def check_net_tls(ctx):
    p = ctx.probe_facts()
    if ctx.url_is_loopback():
        raise NotApplicable("the audited URL is loopback; TLS is terminated at the proxy")
    if not ctx.url.lower().startswith("https://"):
        return [bad("url:" + ctx.url, "the PocketBase URL is served over plain HTTP")]
    if p.get("http_redirects_to_https") is False:
        return [bad("url:" + ctx.url, "plain HTTP on the same host does not redirect to HTTPS")]
    return [ok("url:" + ctx.url, "served over HTTPS")]


def check_net_admin_proxy(ctx):
    guards = _proxy_guards(_proxy_text(ctx))
    hit = _guarded(guards, "/_/")
    if hit:
        return [ok("proxy:" + hit, "the admin UI /_/ is restricted at the proxy")]
    return [bad("proxy", "no IP allowlist or extra authentication for /_/ in the proxy configuration")]


def superuser_api_paths(generation):
    """Request paths (decoded) that reach the superuser login. PocketBase 0.23+ resolves a collection by
    name case-insensitively and by id: /api/collections/_SUPERUSERS/... and /api/collections/pbc_3142635823/...
    reach _superusers too (%5Fsuperusers decodes to _superusers before any proxy matcher sees it)."""
    v022 = ["/api/admins/auth-with-password"]
    v023 = ["/api/collections/_superusers/auth-with-password", "/api/collections/_SUPERUSERS/auth-with-password",
            "/api/collections/%s/auth-with-password" % SUPERUSERS_COLLECTION_ID]
    if generation == "v022":
        return v022
    if generation == "v023":
        return v023
    return v023 + v022


def check_net_superuser_api_proxy(ctx):
    guards = _proxy_guards(_proxy_text(ctx))
    paths = superuser_api_paths(ctx.generation())
    open_paths = [p for p in paths if not _guarded(guards, p)]
    if open_paths:
        return [bad("proxy", "superuser API paths not restricted at the proxy: %s (PocketBase matches the "
                             "collection case-insensitively and by its id %s)"
                    % (", ".join(open_paths), SUPERUSERS_COLLECTION_ID))]
    return [ok("proxy:" + _guarded(guards, paths[0]),
               "the superuser API is restricted at the proxy (%d path form(s) checked)" % len(paths))]


def check_net_admin_reachable(ctx):
    p = ctx.probe_facts()
    if ctx.url_is_loopback():
        raise NotApplicable("auditing through loopback: allowlists at the proxy do not apply to this address")
    out = []
    status = p.get("admin_ui_status")
    if status == 200:
        out.append(bad("url:%s/_/" % ctx.url, "the admin UI answers HTTP 200 from the auditing address"))
    else:
        out.append(ok("url:%s/_/" % ctx.url, "the admin UI answers HTTP %s" % status))
    login = p.get("superuser_login_status")
    if login in (400, 401):
        out.append(bad("url:%s%s" % (ctx.url, p.get("superuser_login_path", "")),
                       "the superuser login endpoint answers (HTTP %s) from the auditing address" % login))
    else:
        out.append(ok("url:%s%s" % (ctx.url, p.get("superuser_login_path", "")),
                      "superuser login blocked from the auditing address (HTTP %s)" % login))
    for path, st in sorted((p.get("superuser_login_variants") or {}).items()):
        if st in (400, 401):
            out.append(bad("url:%s%s" % (ctx.url, path),
                           "the superuser login answers (HTTP %s) through this spelling of _superusers" % st))
        else:
            out.append(ok("url:%s%s" % (ctx.url, path), "blocked (HTTP %s)" % st))
    return out


# security headers, client IP, body limit, access logs (what pocketbase_proxy enforces)

def check_net_headers(ctx):
    configs = _proxy_text(ctx)
    forwarding = _forwarding_configs(ctx, configs)
    if not forwarding:
        raise Unavailable("no proxy configuration forwards to PocketBase: headers cannot be attributed")
    text = "\n".join(configs.values())
    nginx = any(_is_nginx(configs[p]) for p in forwarding)
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
        body = _block_after(text, m.end() - 1)
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


def check_net_client_ip(ctx):
    configs = _proxy_text(ctx)
    forwarding = _forwarding_configs(ctx, configs)
    if not forwarding:
        raise Unavailable("no proxy configuration forwards to PocketBase")
    out = []
    for path in forwarding:
        text = configs[path]
        problems, fine = [], []
        for header in _client_ip_headers(ctx):
            h = re.escape(header)
            if _is_nginx(text):
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


def check_net_body_limit(ctx):
    configs = _proxy_text(ctx)
    forwarding = _forwarding_configs(ctx, configs)
    if not forwarding:
        raise Unavailable("no proxy configuration forwards to PocketBase")
    out = []
    for path in forwarding:
        text = configs[path]
        target = "proxy:" + path
        if _is_nginx(text):
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


def _glob_re(glob):
    return re.compile("^" + "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
                                    for c in glob) + "$")


def _rotated(log_path, logrotate_configs):
    for conf, text in sorted((logrotate_configs or {}).items()):
        text = _COMMENT_RE.sub(r"\1", text or "")
        for m in re.finditer(r"(?m)^([^{}\n]+)\{", text):
            for glob in m.group(1).split():
                if glob.startswith("/") and _glob_re(glob.strip("\"")).match(log_path):
                    return conf
    return None


def check_mon_proxy_logs(ctx):
    configs = _proxy_text(ctx)
    forwarding = _forwarding_configs(ctx, configs)
    if not forwarding:
        raise Unavailable("no proxy configuration forwards to PocketBase")
    h = ctx.host_facts()
    out = []
    for path in forwarding:
        text = configs[path]
        target = "proxy:" + path
        if _is_nginx(text):
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
            unrotated = [p.rstrip(";") for p in logs if not _rotated(p.rstrip(";"), lr)]
            if unrotated:
                out.append(bad(target, "access log not rotated by logrotate: %s" % ", ".join(unrotated)))
            else:
                out.append(ok(target, "access log %s rotated by logrotate" % ", ".join(p.rstrip(";") for p in logs)))
        else:
            m = re.search(r"(?m)^[ \t]*log(?:[ \t]+[\w.-]+)?[ \t]*(\{|$)", text)
            if not m:
                out.append(bad(target, "no `log` directive: Caddy writes no access log"))
                continue
            body = _block_after(text, m.start(1)) if m.group(1) == "{" else ""
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


def check_net_origins(ctx):
    h = ctx.host_facts()
    if not h.get("exec_start"):
        raise Unavailable("the unit's ExecStart could not be read")
    origins = _exec_flags(h).get("--origins")
    if not h.get("serves_browser_app") and not ctx.params.get("browser_app"):
        raise NotApplicable("no browser app served (empty pb_public and browser_app not set)")
    if origins in (None, "", "*"):
        return [bad("unit:ExecStart", "CORS allows every origin (--origins %s)" % (origins or "not set: '*'"))]
    return [ok("unit:ExecStart", "--origins=%s" % origins)]


# --------------------------------------------------------------------------- ADM checks

def check_adm_default_superusers(ctx):
    sus = ctx.snap().get("superusers")
    if sus is None:
        raise Unavailable("superuser list missing from the snapshot")
    out = []
    for su in sus:
        email = su.get("email") or ""
        if DEFAULT_LOOKING_EMAIL_RE.search(email) and email not in (ctx.params.get("allow_default_emails") or []):
            out.append(bad("superuser:" + email, "default-looking superuser email"))
    return out or [ok("superusers", "%d superuser(s), none default-looking" % len(sus))]


def check_adm_shared_superusers(ctx):
    sus = ctx.snap().get("superusers")
    if sus is None:
        raise Unavailable("superuser list missing from the snapshot")
    out = [bad("superuser:" + su.get("email", ""), "role address, likely a shared account")
           for su in sus if SHARED_EMAIL_RE.search(su.get("email") or "")
           and not DEFAULT_LOOKING_EMAIL_RE.search(su.get("email") or "")]
    return out or [ok("superusers", "no role/shared superuser addresses")]


def check_adm_declared_present(ctx):
    expected = ctx.params.get("expected_superusers")
    if expected is None:
        raise NotApplicable("expected_superusers not declared")
    sus = ctx.snap().get("superusers") or []
    have = set((s.get("email") or "").lower() for s in sus)
    missing = [e for e in expected if e.lower() not in have]
    if missing:
        return [bad("superuser:" + e, "declared superuser does not exist") for e in missing]
    return [ok("superusers", "all %d declared superusers exist" % len(expected))]


INSTALLER_EMAIL = "__pbinstaller@example.com"


def check_adm_instance_claimed(ctx):
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


def check_adm_mfa(ctx):
    snap = ctx.snap()
    if snap.get("generation") == "v022":
        raise NotApplicable("PocketBase 0.22 has no native MFA: protect /_/ at the proxy (PBG-NET-004)")
    auth = snap.get("superuser_auth") or {}
    if auth.get("mfa") and auth.get("otp"):
        return [ok("collection:_superusers.mfa", "MFA and OTP enabled for superusers")]
    missing = [k.upper() for k in ("mfa", "otp") if not auth.get(k)]
    return [bad("collection:_superusers.mfa", "%s disabled for superusers" % " and ".join(missing))]


def check_adm_superuser_ips(ctx):
    ips = ctx.setting("superuserIPs")
    if ips is None:
        raise NotApplicable("this PocketBase version has no superuserIPs setting (added in 0.38.0)")
    if not ips:
        return [bad("setting:superuserIPs", "empty: superusers may log in from any address")]
    if any(ip in ("0.0.0.0/0", "::/0") for ip in ips):
        return [bad("setting:superuserIPs", "allows every address")]
    return [ok("setting:superuserIPs", "%d network(s) allowed" % len(ips))]


def check_adm_weak_password(ctx):
    p = ctx.probe_facts()
    cred = p.get("credential_probe")
    if not cred or not cred.get("enabled"):
        raise NotApplicable("credential probe is opt-in (probe_credentials: true)")
    out = []
    for email in cred.get("weak") or []:
        out.append(bad("superuser:" + email, "a password from the built-in common-password list was accepted"))
    if out:
        return out
    if cred.get("rate_limited"):
        return [ok("superusers", "probe stopped by rate limiting (HTTP 429) after %d attempt(s); no weak "
                                 "password found" % cred.get("attempts", 0))]
    if cred.get("attempts", 0) == 0:
        raise Unavailable(cred.get("reason") or "no superuser email to probe")
    return [ok("superusers", "%d attempt(s) on %d email(s), none accepted"
               % (cred.get("attempts", 0), len(cred.get("emails") or [])))]


# --------------------------------------------------------------------------- RUL checks

def _rule_failures(ctx, codes, respect_public=False):
    out = []
    lint = ctx.rule_lint()
    for coll, rule, expr, findings in lint:
        hits = [f for f in findings if _finding_code(f) in codes]
        if not hits:
            continue
        if respect_public and ctx.public_declared(coll, rule):
            continue
        out.append(bad("collection:%s.%s" % (coll, rule),
                       "%s: `%s`" % ("; ".join(sorted(set(_finding_message(f) for f in hits))), _short_rule(expr))))
    return out, len(lint)


def check_rul_public(ctx):
    out = []
    checked = 0
    for coll in ctx.collections():
        rules = coll.get("rules") or {}
        for rule in CRUD_RULES + ("manageRule",):
            expr = rules.get(rule)
            if expr is None:
                continue
            checked += 1
            # tautologies (public in effect) are PBG-RUL-002
            if expr.strip() == "" and not ctx.public_declared(coll.get("name"), rule):
                out.append(bad("collection:%s.%s" % (coll.get("name"), rule),
                               "empty rule: anyone, unauthenticated, may %s; not declared in public_rules"
                               % RULE_ACTIONS[rule]))
    return out or [ok("collections", "%d set rule(s): public only where declared" % checked)]


def check_rul_declared_public_drift(ctx):
    declared = ctx.params.get("public_rules") or {}
    if not declared:
        raise NotApplicable("public_rules not declared")
    by_name = dict((c.get("name"), c) for c in ctx.collections())
    out = []
    for name, rules in sorted(declared.items()):
        if name not in by_name:
            out.append(bad("collection:%s" % name, "declared in public_rules but the collection does not exist"))
    return out or [ok("public_rules", "every collection in public_rules exists")]


def _rule_finding_check(codes, ok_message, respect_public=False):
    """A check that fails every rule with a linter finding in ``codes``; ``ok_message`` takes the rule count."""
    def check(ctx):
        out, n = _rule_failures(ctx, codes, respect_public=respect_public)
        return out or [ok("collections", ok_message % n)]
    return check


check_rul_tautology = _rule_finding_check(("tautology",), "%d rule(s): no tautologies", respect_public=True)
check_rul_auth_only = _rule_finding_check(
    ("auth_only_no_ownership",), "%d rule(s): every auth-only rule has an ownership condition")
check_rul_body_decides = _rule_finding_check(
    ("client_body_decides",), "%d rule(s): no access decided by client-provided body data")
check_rul_collection_join = _rule_finding_check(("collection_join",), "%d rule(s): no @collection joins")
check_rul_join_readable = _rule_finding_check(
    ("joined_collection_readable",), "%d rule(s): no join over a readable collection")
check_rul_generation = _rule_finding_check(
    ("identifier_generation_mismatch",), "%d rule(s): identifiers match the server generation")
check_rul_parse = _rule_finding_check(("parse_error",), "%d rule(s) parsed")


def check_rul_default_deny(ctx):
    """Rules left null on user data are fine; a base collection whose five rules are all public is not."""
    out = []
    for coll in ctx.collections():
        if coll.get("system") or coll.get("type") == "view":
            continue
        rules = coll.get("rules") or {}
        writes = [r for r in ("createRule", "updateRule", "deleteRule") if rules.get(r) == ""
                  and not ctx.public_declared(coll.get("name"), r)]
        if len(writes) >= 2:
            out.append(bad("collection:%s" % coll.get("name"),
                           "anyone may %s records" % " and ".join(RULE_ACTIONS[w] for w in writes)))
    return out or [ok("collections", "no collection with several undeclared public write rules")]


# --------------------------------------------------------------------------- AUT checks

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


def check_aut_methods(ctx):
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


def check_aut_verified(ctx):
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


def check_aut_oauth2_linking(ctx):
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


def check_aut_password_length(ctx):
    minimum = int(ctx.params.get("min_password_length") or 10)
    out = []
    for coll in ctx.auth_collections(include_superusers=True):
        a = coll.get("auth") or {}
        if not (a.get("password") or {}).get("enabled"):
            continue
        length = a.get("min_password_length")
        target = "collection:%s.password" % coll["name"]
        if length is None:
            out.append(err(target, "minimum password length unknown"))
        elif int(length) < minimum:
            out.append(bad(target, "minimum password length %s < %d" % (length, minimum)))
        else:
            out.append(ok(target, "minimum password length %s" % length))
    if not out:
        raise NotApplicable("no collection with password auth")
    return out


def check_aut_token_durations(ctx):
    limits = {"auth": int(ctx.params.get("max_auth_token_duration") or 604800),
              "password_reset": 3600, "verification": 259200, "file": 3600}
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


def check_aut_unused_methods(ctx):
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


# --------------------------------------------------------------------------- FIL checks

def check_fil_protected(ctx):
    out = []
    n = 0
    for coll in ctx.collections():
        view = (coll.get("rules") or {}).get("viewRule")
        for field in coll.get("fields") or []:
            if field.get("type") != "file":
                continue
            n += 1
            target = "collection:%s.%s" % (coll.get("name"), field.get("name"))
            if view == "":
                out.append(ok(target, "records are public; unprotected files match"))
            elif field.get("protected"):
                out.append(ok(target, "protected"))
            else:
                out.append(bad(target, "file field not protected while records are not public: anyone with the "
                                       "URL can download"))
    if n == 0:
        raise NotApplicable("no file field")
    return out


def check_fil_s3(ctx):
    s3 = ctx.setting("s3") or {}
    backups_s3 = ctx.setting("backups", "s3") or {}
    out = []
    for name, conf in (("s3", s3), ("backups.s3", backups_s3)):
        if not conf.get("enabled"):
            continue
        endpoint = conf.get("endpoint") or ""
        target = "setting:%s" % name
        if endpoint and not endpoint.lower().startswith("https://"):
            out.append(bad(target, "S3 endpoint %s is not HTTPS" % endpoint))
        elif not conf.get("bucket"):
            out.append(bad(target, "S3 enabled without a bucket"))
        else:
            out.append(ok(target, "S3 over HTTPS to bucket %s" % conf.get("bucket")))
    if not out:
        raise NotApplicable("S3 storage not enabled")
    return out


def check_fil_listing(ctx):
    configs = _proxy_text(ctx)
    out = []
    for path, text in sorted(configs.items()):
        if re.search(r"file_server\s+browse|autoindex\s+on", text):
            out.append(bad("proxy:" + path, "directory listing enabled"))
    return out or [ok("proxy", "no directory listing in %d proxy file(s)" % len(configs))]


# --------------------------------------------------------------------------- HOK checks

def _hooks(ctx):
    h = ctx.host_facts()
    hooks = h.get("hooks")
    if hooks is None:
        raise Unavailable("hooks dir not readable: %s" % (h.get("hooks_error") or "unknown"))
    return hooks


def _hook_check(ctx, code, what):
    hooks = _hooks(ctx)
    if not hooks["files"]:
        raise NotApplicable("no hook files in %s" % hooks["dir"])
    by = "analysed by: %s" % (hooks.get("analyser") or _hooks_lint.STDLIB_ANALYSER)
    out = []
    for f in hooks["findings"]:
        if f["code"] == code:
            out.append(bad("hook:%s:%d" % (f["file"], f["line"]), "%s (%s)" % (f["message"], by),
                           file=os.path.join(hooks["dir"], f["file"]), line=f["line"]))
    return out or [ok("hooks", "%d hook file(s): no %s (%s)" % (len(hooks["files"]), what, by))]


def check_hok_ssrf(ctx):
    return _hook_check(ctx, "ssrf", "outbound request to a record/request-controlled URL")


def check_hok_privilege(ctx):
    return _hook_check(ctx, "privilege_from_data", "access field set from record/request data")


def check_hok_side_effects(ctx):
    return _hook_check(ctx, "unlimited_side_effect", "per-request mail without a limit")


def check_hok_exec(ctx):
    return _hook_check(ctx, "os_exec", "$os.exec/$os.cmd")


def check_hok_command_injection(ctx):
    return _hook_check(ctx, "command_injection", "host command built from record/request data")


def check_hok_sql_injection(ctx):
    return _hook_check(ctx, "sql_injection", "SQL built from record/request data")


def check_hok_route_auth(ctx):
    return _hook_check(ctx, "route_no_auth", "custom route answering with data without authentication")


def check_hok_ip_headers(ctx):
    return _hook_check(ctx, "ip_header_trust", "access decision on a client-supplied IP header")


def check_hok_generation(ctx):
    hooks = _hooks(ctx)
    if not hooks.get("generation"):
        raise Unavailable("server generation unknown: cannot check hook names")
    return _hook_check(ctx, "wrong_generation_hook", "hook name of the wrong PocketBase generation")


def check_hok_unknown_files(ctx):
    hooks = _hooks(ctx)
    manifest = hooks.get("manifest")
    if manifest is None:
        raise Unavailable("hooks manifest not readable: %s" % (hooks.get("manifest_error") or "not configured"))
    out = [bad("hook:%s" % f, "hook file not in the deployed manifest (compromise indicator)")
           for f in hooks["files"] if f not in manifest]
    return out or [ok("hooks", "every hook file is in the manifest")]


# --------------------------------------------------------------------------- MON checks

def check_mon_rate_limit(ctx):
    rl = ctx.setting("rateLimits")
    if rl is None:
        raise NotApplicable("PocketBase 0.22 has no built-in rate limiter: limit at the proxy")
    if not rl.get("enabled"):
        return [bad("setting:rateLimits.enabled", "rate limiting is disabled")]
    excluded = rl.get("excludedIPs") or []
    if any(ip in ("0.0.0.0/0", "::/0") for ip in excluded):
        return [bad("setting:rateLimits.excludedIPs", "every address is excluded from rate limiting")]
    return [ok("setting:rateLimits.enabled", "rate limiting enabled")]


def check_mon_rate_limit_rules(ctx):
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


def check_mon_logs_retention(ctx):
    logs = ctx.setting("logs")
    if logs is None:
        raise Unavailable("logs settings missing")
    days = logs.get("maxDays")
    if not days or int(days) <= 0:
        return [bad("setting:logs.maxDays", "request logs are not kept (maxDays=%s)" % days)]
    return [ok("setting:logs.maxDays", "logs kept %s day(s)" % days)]


def check_mon_log_ip(ctx):
    logs = ctx.setting("logs")
    if logs is None:
        raise Unavailable("logs settings missing")
    log_ip = logs.get("logIP", logs.get("logIp"))
    if log_ip is None:
        raise Unavailable("logs.logIP not in the settings")
    if not log_ip:
        return [bad("setting:logs.logIP", "client IPs are not logged")]
    return [ok("setting:logs.logIP", "client IPs logged")]


def check_mon_backups(ctx):
    cron = ctx.setting("backups", "cron")
    if cron is None:
        raise Unavailable("backups settings missing")
    if not str(cron).strip():
        return [bad("setting:backups.cron", "no scheduled backups")]
    return [ok("setting:backups.cron", "backups scheduled (%s)" % cron)]


def check_mon_trusted_proxy(ctx):
    tp = ctx.setting("trustedProxy")
    if tp is None:
        raise NotApplicable("PocketBase 0.22 has no trustedProxy setting")
    headers = tp.get("headers") or []
    if tp.get("useLeftmostIP"):
        return [bad("setting:trustedProxy.useLeftmostIP", "the leftmost (client-supplied) IP is trusted")]
    if headers and ctx.host is not None and ctx.host.get("listeners"):
        exposed = [a for a in ctx.host["listeners"] if not _is_loopback_addr(a)]
        if exposed:
            return [bad("setting:trustedProxy.headers",
                        "proxy headers trusted while PocketBase listens on %s" % ", ".join(exposed))]
    behind_proxy = not ctx.url_is_loopback() or bool(ctx.host is not None and ctx.host.get("proxy_configs"))
    if not headers and behind_proxy:
        return [bad("setting:trustedProxy.headers", "no trusted proxy header behind a reverse proxy: logs, rate "
                                                    "limits and superuserIPs see only the proxy address")]
    return [ok("setting:trustedProxy", "headers %s, rightmost IP" % (", ".join(headers) or "none"))]


# --------------------------------------------------------------------------- VER checks

def check_ver_pinned(ctx):
    pinned = ctx.params.get("pinned_version")
    if not pinned:
        raise NotApplicable("pinned_version not declared")
    version = ctx.version()
    if not version:
        raise Unavailable("running version unknown")
    if version_tuple(version) != version_tuple(pinned):
        return [bad("version:" + version, "running %s, pinned %s" % (version, pinned))]
    return [ok("version:" + version, "running the pinned version")]


def check_ver_advisories(ctx):
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


def check_ver_disclosure(ctx):
    p = ctx.probe_facts()
    if ctx.url_is_loopback():
        raise NotApplicable("auditing through loopback: the dashboard is expected to answer here")
    if p.get("disclosed_version"):
        return [bad("url:%s/_/" % ctx.url, "/_/ discloses PocketBase v%s to unauthenticated clients"
                    % p["disclosed_version"])]
    return [ok("url:%s/_/" % ctx.url, "no version fingerprint from /_/")]


# --------------------------------------------------------------------------- IOC checks

def check_ioc_unknown_superusers(ctx):
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
           and not (s.get("email") or "").startswith("__pbinstaller@")]
    return out or [ok("superusers", "only declared superusers exist")]


def check_ioc_unknown_collections(ctx):
    expected = ctx.params.get("expected_collections")
    if expected is None:
        raise NotApplicable("expected_collections not declared")
    allowed = set(expected)
    out = [bad("collection:%s" % c.get("name"), "collection not in expected_collections")
           for c in ctx.collections() if not c.get("system") and c.get("name") not in allowed]
    return out or [ok("collections", "only declared collections exist")]


def check_ioc_changed_hooks(ctx):
    hooks = _hooks(ctx)
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


def check_ioc_writable(ctx):
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


# --------------------------------------------------------------------------- SYS checks

def check_sys_user(ctx):
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


def check_sys_modes(ctx):
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


def check_sys_sandbox(ctx):
    h = ctx.host_facts()
    threshold = float(ctx.params.get("max_exposure") or 2.0)
    exposure = h.get("exposure")
    if exposure is None:
        raise Unavailable("`systemd-analyze security %s` gave no exposure level (%s)"
                          % (h.get("unit"), h.get("exposure_error") or "not run"))
    if exposure > threshold:
        return [bad("unit:%s" % h.get("unit"), "systemd exposure level %.1f > %.1f" % (exposure, threshold))]
    return [ok("unit:%s" % h.get("unit"), "systemd exposure level %.1f" % exposure)]


def check_sys_encryption(ctx):
    h = ctx.host_facts()
    if not h.get("exec_start"):
        raise Unavailable("the unit's ExecStart could not be read")
    if "--encryptionEnv" in _exec_flags(h):
        return [ok("unit:ExecStart", "settings encrypted at rest (--encryptionEnv)")]
    return [bad("unit:ExecStart", "settings (SMTP/S3 secrets) stored in plaintext: no --encryptionEnv")]


# --------------------------------------------------------------------------- catalog

def _c(cid, title, severity, scope, profile, source, rationale, remediation, check):
    return {"id": cid, "area": cid.split("-")[1], "title": title, "severity": severity, "scope": scope,
            "profile": profile, "source": source, "rationale": rationale, "remediation": remediation,
            "check": check}


P1 = "Pattern 1: admin panel exposed"
P2 = "Pattern 2: permissive record rules"
P3 = "Pattern 3: @collection join leak"
P4 = "Pattern 4: auth-method confusion"
P5 = "Pattern 5: file storage enumeration"
P6 = "Pattern 6: hook misuse"
P7 = "Pattern 7: outdated versions"
CL_INFRA = "Checklist: Infrastructure"
CL_ADMIN = "Checklist: Admin access"
CL_RULES = "Checklist: Collections and rules"
CL_AUTH = "Checklist: Authentication"
CL_FILES = "Checklist: Files"
CL_HOOKS = "Checklist: Hooks"
CL_MON = "Checklist: Monitoring"
DETECT = "Detection: signs of compromise"
BEYOND = "Beyond the article"

CONTROLS = [
    _c("PBG-NET-001", "PocketBase listens on loopback only", "critical", "host", "baseline", P1 + "; " + CL_INFRA,
       "Bound to 0.0.0.0 the server, its admin UI and API are reachable without the proxy's TLS, allowlist "
       "and logs.",
       "Run `pocketbase serve --http=127.0.0.1:8090` behind a reverse proxy (role pbguard.pocketbase.pocketbase).",
       check_net_loopback),
    _c("PBG-NET-002", "Traffic reaches PocketBase only through the reverse proxy", "high", "host", "baseline",
       P1 + "; " + CL_INFRA,
       "The reverse proxy is where TLS, the admin allowlist, headers and access logs live.",
       "Configure Caddy or nginx to reverse_proxy to 127.0.0.1:<port> (role pbguard.pocketbase.pocketbase_proxy).",
       check_net_proxy),
    _c("PBG-NET-003", "TLS in front of PocketBase", "high", "probe", "baseline", CL_INFRA,
       "Superuser and user credentials and tokens travel in every request.",
       "Serve the public URL over HTTPS at the proxy (Caddy does it automatically) and redirect HTTP.",
       check_net_tls),
    _c("PBG-NET-004", "Admin UI /_/ restricted at the proxy", "high", "host", "baseline", P1 + "; " + CL_INFRA,
       "The dashboard gives full database access behind a single email+password pair.",
       "Allowlist /_/* by client IP (Caddy `remote_ip`, nginx `allow`/`deny`) or add an authentication layer.",
       check_net_admin_proxy),
    _c("PBG-NET-005", "Superuser API restricted at the proxy", "high", "host", "strict", P1 + " (" + BEYOND + ")",
       "Blocking only /_/ leaves /api/collections/_superusers/auth-with-password (0.22: /api/admins) open to "
       "credential guessing.",
       "Apply the admin allowlist to /api/collections/_superusers/* and /api/admins/* as well.",
       check_net_superuser_api_proxy),
    _c("PBG-NET-006", "Admin UI and superuser login do not answer from the auditing address", "high", "probe",
       "baseline", P1,
       "What the proxy configuration intends is verified from outside: /_/ and the superuser login must not "
       "answer an address outside the allowlist.",
       "Run the probe from an address outside the allowlist; fix the proxy rules until /_/ returns 403.",
       check_net_admin_reachable),
    _c("PBG-NET-007", "CORS origins restricted when a browser app is served", "low", "host", "strict", BEYOND,
       "`--origins` defaults to `*`: any site may call the API with a user's token from the browser.",
       "Set `--origins=https://app.example.com` (pocketbase_origins).",
       check_net_origins),
    _c("PBG-NET-008", "Security headers set at the proxy", "medium", "host", "strict", CL_INFRA + " (" + BEYOND + ")",
       "HSTS keeps browsers from ever talking plain HTTP to the site (no TLS stripping of tokens), nosniff and "
       "Referrer-Policy stop content-type confusion and token leaks in Referer, frame protection keeps the "
       "dashboard out of clickjacking frames, and no version in Server headers gives attackers less to match "
       "against advisories.",
       "Set Strict-Transport-Security (max-age > 0), X-Content-Type-Options nosniff, a Referrer-Policy, "
       "X-Frame-Options DENY or CSP frame-ancestors on /_/, and nginx `server_tokens off` "
       "(role pbguard.pocketbase.pocketbase_proxy).",
       check_net_headers),
    _c("PBG-NET-009", "Client-IP header overwritten with the TCP peer at the proxy", "medium", "host", "strict",
       CL_MON + " (" + BEYOND + ")",
       "PocketBase takes the client address from the trusted proxy header (trustedProxy.headers) for its rate "
       "limiter, logs and superuserIPs. A proxy that appends to, or passes on, the client's own header lets "
       "anyone choose the address PocketBase sees.",
       "Overwrite the header with the TCP peer: nginx `proxy_set_header X-Forwarded-For $remote_addr` (not "
       "$proxy_add_x_forwarded_for), Caddy without wide trusted_proxies (or `header_up NAME {remote_host}` for "
       "another header name).",
       check_net_client_ip),
    _c("PBG-NET-010", "Request body size limited at the proxy", "low", "host", "strict", BEYOND,
       "Unbounded request bodies let one client tie up bandwidth, memory and disk at the edge before "
       "PocketBase's own limit applies.",
       "nginx `client_max_body_size` (not 0), Caddy `request_body { max_size ... }` "
       "(pocketbase_proxy_max_body_size_mb).",
       check_net_body_limit),
    _c("PBG-ADM-001", "No default-looking superuser accounts", "high", "api", "baseline", P1 + "; " + CL_ADMIN,
       "admin@example.com and similar are the first identities attackers try.",
       "Create personal superusers with real addresses and delete the default-looking ones.",
       check_adm_default_superusers),
    _c("PBG-ADM-002", "No shared superuser accounts", "medium", "api", "strict", CL_ADMIN,
       "Shared role addresses (admin@, ops@) hide who did what and survive staff changes.",
       "Give each administrator a personal superuser and remove shared ones.",
       check_adm_shared_superusers),
    _c("PBG-ADM-003", "Declared superusers exist", "low", "api", "strict", CL_ADMIN,
       "The declared set is the reviewed list of who has admin access; drift means the review is stale.",
       "Create the declared superusers (pbguard.pocketbase.pocketbase_superuser) or update expected_superusers.",
       check_adm_declared_present),
    _c("PBG-ADM-004", "MFA and OTP required for superusers", "high", "api", "strict", CL_ADMIN,
       "0.23+ supports native MFA; a stolen superuser password alone should not be enough.",
       "PATCH _superusers with mfa.enabled and otp.enabled (pocketbase_policy), with SMTP configured.",
       check_adm_mfa),
    _c("PBG-ADM-005", "Superuser API limited to admin networks (superuserIPs)", "medium", "api", "strict",
       CL_ADMIN + " (" + BEYOND + ")",
       "Since 0.38 PocketBase itself can refuse superuser requests from outside a network list, a second line "
       "behind the proxy allowlist.",
       "Set settings.superuserIPs to the admin networks (keep the address Ansible uses).",
       check_adm_superuser_ips),
    _c("PBG-ADM-006", "No superuser with a common password", "critical", "probe", "strict", P1 + "; " + CL_ADMIN,
       "The article's first attack is trying default credentials and common passwords on /_/.",
       "Rotate the password to a long random one from a password manager; enable MFA.",
       check_adm_weak_password),
    _c("PBG-ADM-007", "Instance claimed before it is reachable (no installer account)", "critical", "api",
       "baseline", P1 + " (" + BEYOND + ")",
       "Until a superuser exists a fresh PocketBase can be taken over: 0.22 lets anyone POST the first admin, "
       "0.23+ prints a 30-minute installer token (__pbinstaller@example.com) to the service output.",
       "Create the first superuser with the CLI before the first `serve` (role pbguard.pocketbase.pocketbase) "
       "and delete any installer account.",
       check_adm_instance_claimed),
    _c("PBG-RUL-001", "No rule public unless declared", "critical", "api", "baseline", P2 + "; " + CL_RULES,
       "An empty rule lets anyone, unauthenticated, perform the action: the tickets listRule finding.",
       "Set an explicit rule (null = superusers only) or declare the rule in public_rules when public is "
       "intended.",
       check_rul_public),
    _c("PBG-RUL-002", "Rules are not tautologies", "high", "api", "baseline", P2,
       "An always-true filter (`id != \"\"`, `1 = 1`) is public in effect while looking restricted.",
       "Replace it with a real condition or declare it public with an empty rule.",
       check_rul_tautology),
    _c("PBG-RUL-003", "Authenticated-only rules check ownership", "high", "api", "baseline", P2 + "; " + CL_RULES,
       "`@request.auth.id != \"\"` lets any logged-in user act on every record.",
       "Add an ownership condition such as `user = @request.auth.id`.",
       check_rul_auth_only),
    _c("PBG-RUL-004", "Access not decided by client-provided body data", "critical", "api", "baseline", P2,
       "`@request.body.isAdmin = true` (0.22 `@request.data`) lets the client declare itself admin.",
       "Decide access on stored data or @request.auth fields, never on the request body.",
       check_rul_body_decides),
    _c("PBG-RUL-005", "Cross-collection joins minimized", "low", "api", "strict", P3 + "; " + CL_RULES,
       "@collection joins widen what a rule depends on and are easy to get wrong.",
       "Prefer relation fields and @request.auth; keep @collection references few and reviewed.",
       check_rul_collection_join),
    _c("PBG-RUL-006", "Joined collections are not readable by the same users", "high", "api", "baseline", P3,
       "If the collection a rule joins (e.g. permissions) is readable, users can enumerate who is admin.",
       "Restrict list/view rules of joined collections to superusers or to the owner.",
       check_rul_join_readable),
    _c("PBG-RUL-007", "Rule identifiers match the server generation", "medium", "api", "baseline",
       P2 + " (" + BEYOND + ")",
       "0.23 renamed @request.data to @request.body; a mismatched identifier fails or silently changes meaning.",
       "Rewrite rules for the running version (@request.body on 0.23+, @request.data on 0.22).",
       check_rul_generation),
    _c("PBG-RUL-008", "Every rule parses", "medium", "api", "baseline", CL_RULES,
       "A rule the linter cannot parse cannot be checked: unknown is not pass.",
       "Fix the rule syntax; check it with the rule tester in the dashboard.",
       check_rul_parse),
    _c("PBG-RUL-009", "No collection with several undeclared public write rules", "high", "api", "baseline",
       P2 + "; " + CL_RULES,
       "Public create/update/delete on the same collection means anyone can tamper with its data.",
       "Default-deny: restrict write rules to owners or superusers.",
       check_rul_default_deny),
    _c("PBG-RUL-010", "Declared public rules refer to existing collections", "info", "api", "strict", CL_RULES,
       "public_rules naming a missing collection hides drift between intent and state.",
       "Update public_rules.",
       check_rul_declared_public_drift),
    _c("PBG-AUT-001", "Only declared auth methods enabled", "medium", "api", "strict", P4 + "; " + CL_AUTH,
       "Every enabled method is attack surface; the article's auth-method confusion starts there.",
       "Disable methods not listed in expected_auth_methods (collection passwordAuth/oauth2/otp).",
       check_aut_methods),
    _c("PBG-AUT-002", "Verified email required to authenticate", "medium", "api", "baseline", P4 + "; " + CL_AUTH,
       "Without verification anyone can sign up with an address they do not own.",
       "Set authRule to `verified = true` (0.22: options.onlyVerified).",
       check_aut_verified),
    _c("PBG-AUT-003", "OAuth2 not combined with unverified-email authentication", "high", "api", "baseline",
       P4 + "; " + CL_AUTH,
       "Account linking by an unverified email enables takeover (CVE-2024-38351, CVE-2026-44166 class).",
       "Require verified emails (authRule `verified = true`) or disable OAuth2.",
       check_aut_oauth2_linking),
    _c("PBG-AUT-004", "Strong password minimum length", "medium", "api", "baseline", CL_AUTH,
       "The default minimum is 8 characters.",
       "Raise the password field `min` (0.22: minPasswordLength) to min_password_length (default 10).",
       check_aut_password_length),
    _c("PBG-AUT-005", "Token durations bounded", "low", "api", "strict", CL_AUTH,
       "Long-lived auth, reset and file tokens widen the window for stolen tokens.",
       "Lower authToken (<= max_auth_token_duration), passwordResetToken (<= 1h), verificationToken (<= 3d), "
       "fileToken (<= 1h).",
       check_aut_token_durations),
    _c("PBG-AUT-006", "No unusable OTP/OAuth2 left enabled", "low", "api", "strict", CL_AUTH,
       "OAuth2 without providers or OTP without mail delivery is configuration drift and surface.",
       "Disable the unused method or configure it properly.",
       check_aut_unused_methods),
    _c("PBG-FIL-001", "File fields protected where records are not public", "high", "api", "baseline",
       P5 + "; " + CL_FILES,
       "Unprotected files are downloadable by anyone with the URL even when the record is private.",
       "Set `protected: true` on file fields of non-public collections (file tokens then apply).",
       check_fil_protected),
    _c("PBG-FIL-002", "S3 storage over HTTPS with a bucket", "medium", "api", "strict", P5 + "; " + CL_FILES,
       "Files and backups travel to and sit in the S3 bucket.",
       "Use an https:// endpoint, a private bucket and dedicated credentials.",
       check_fil_s3),
    _c("PBG-FIL-003", "No directory listing at the proxy", "medium", "host", "baseline", P5 + "; " + CL_FILES,
       "Directory listing of pb_public or storage enables enumeration.",
       "Remove `file_server browse` (Caddy) / `autoindex on` (nginx).",
       check_fil_listing),
    _c("PBG-HOK-001", "Hooks send no requests to record- or request-controlled URLs", "high", "host",
       "baseline", P6 + "; " + CL_HOOKS,
       "`$http.send({url: e.record.get('webhookUrl')})` is SSRF into the server's network.",
       "Send only to an allowlist of destinations; never use a URL from user data.",
       check_hok_ssrf),
    _c("PBG-HOK-002", "Hooks do not grant access from record/body data", "critical", "host", "baseline",
       P6 + "; " + CL_HOOKS,
       "Hooks run with full privileges: setting role/admin from user-supplied data is privilege escalation.",
       "Derive roles from server-side state; validate user-provided data.",
       check_hok_privilege),
    _c("PBG-HOK-003", "Per-request side effects are rate-limited", "medium", "host", "baseline",
       P6 + "; " + CL_HOOKS,
       "A hook that mails on every create lets an attacker send thousands of emails.",
       "Add a limit (counter, quota, rate limit) around the side effect or enable rate limiting for the route.",
       check_hok_side_effects),
    _c("PBG-HOK-004", "Hooks run no host commands", "high", "host", "strict", P6 + " (" + BEYOND + ")",
       "`$os.exec`/`$os.cmd` turns any hook bug into command execution.",
       "Remove host command execution from hooks.",
       check_hok_exec),
    _c("PBG-HOK-005", "Hook files are all in the deployed manifest", "critical", "host", "baseline",
       P6 + "; " + DETECT,
       "An unknown *.pb.js in pb_hooks is a classic persistence and exfiltration foothold.",
       "Investigate the file; deploy hooks only through the pocketbase role (hooks manifest).",
       check_hok_unknown_files),
    _c("PBG-HOK-006", "Hook names match the server generation", "medium", "host", "baseline",
       P6 + " (" + BEYOND + ")",
       "0.22 hook names raise ReferenceError on 0.23+ and the server keeps running without that file's hooks: "
       "security checks silently disappear.",
       "Port hooks to the running version's names (onRecordCreateRequest ... e.next()).",
       check_hok_generation),
    _c("PBG-HOK-007", "No record or request data reaches host commands", "critical", "host", "baseline",
       P6 + " (" + BEYOND + ")",
       "`$os.cmd('sh', '-c', 'ping ' + query.host)` lets any caller run commands as the service user.",
       "Never pass client data to $os.exec/$os.cmd; if a command is unavoidable, use a fixed argv and validate "
       "values against an allowlist.",
       check_hok_command_injection),
    _c("PBG-HOK-008", "Hook SQL uses bound parameters, never concatenated request data", "critical", "host",
       "baseline", P6 + " (" + BEYOND + ")",
       "SQL or filters built with + or template strings from client data read other users' rows (SQL/filter "
       "injection), bypassing every API rule.",
       "Use placeholders: `newQuery('... {:id}').bind({id})`, `findRecordsByFilter(c, 'x = {:x}', ..., {x})`.",
       check_hok_sql_injection),
    _c("PBG-HOK-009", "Custom routes that return data require authentication", "high", "host", "baseline",
       P6 + "; " + CL_HOOKS,
       "A routerAdd() handler runs outside the collection API rules: without an auth middleware or an auth "
       "check it answers anyone, and a header that only has to be present is no check at all.",
       "Add $apis.requireAuth(...)/requireSuperuserAuth() to the route or check e.auth in the handler; compare "
       "API keys with $security.equal against a secret.",
       check_hok_route_auth),
    _c("PBG-HOK-010", "Hooks decide no access on client-supplied IP headers", "high", "host", "baseline",
       P6 + " (" + BEYOND + ")",
       "X-Forwarded-For, X-Real-IP and the like are set by the client unless a proxy overwrites them: an "
       "allowlist on them is bypassed with one forged header (0.22's realIP()/realUserIp read them too).",
       "Use e.realIP() on 0.23+ with settings.trustedProxy naming the proxy, or e.remoteIP(); restrict at the proxy.",
       check_hok_ip_headers),
    _c("PBG-MON-001", "Rate limiting enabled", "high", "api", "baseline", CL_MON,
       "Without it logins, OTP and password-reset requests can be brute-forced.",
       "Enable settings.rateLimits (pocketbase_policy).",
       check_mon_rate_limit),
    _c("PBG-MON-002", "Rate limits cover auth, OTP and password reset", "medium", "api", "strict", CL_MON,
       "The `auth` tag covers only logins; requestOTP and requestPasswordReset fall to the generic /api/ rule.",
       "Add rules labelled *:auth, *:requestOTP and *:requestPasswordReset.",
       check_mon_rate_limit_rules),
    _c("PBG-MON-003", "Request logs retained", "medium", "api", "baseline", CL_MON,
       "Logs with maxDays 0 are discarded: no trace of login attempts or abuse.",
       "Set logs.maxDays > 0 (e.g. 14).",
       check_mon_logs_retention),
    _c("PBG-MON-004", "Client IPs logged", "low", "api", "strict", CL_MON,
       "Without IPs, log review cannot tell attackers apart.",
       "Set logs.logIP (0.22: logIp) to true.",
       check_mon_log_ip),
    _c("PBG-MON-005", "Backups scheduled", "medium", "api", "baseline", CL_INFRA,
       "Without backups a compromise or a bad migration is unrecoverable.",
       "Set backups.cron and keep copies off the host.",
       check_mon_backups),
    _c("PBG-MON-006", "Trusted proxy configured coherently", "medium", "api", "strict", BEYOND,
       "Trusting X-Forwarded-For while reachable directly, or its leftmost entry, lets clients forge their IP "
       "for logs, rate limits and superuserIPs.",
       "Trust the proxy header only while bound to loopback and keep useLeftmostIP false.",
       check_mon_trusted_proxy),
    _c("PBG-MON-007", "Proxy access log enabled and rotated", "medium", "host", "strict", CL_INFRA + "; " + CL_MON,
       "The proxy's access log records every request, including those it refuses (allowlist 403s) that never "
       "reach PocketBase's own logs; without rotation it fills the disk or is switched off.",
       "Caddy `log { output file ... }` (rolled by Caddy unless roll_disabled), nginx `access_log` with a "
       "logrotate rule covering it (role pbguard.pocketbase.pocketbase_proxy).",
       check_mon_proxy_logs),
    _c("PBG-VER-001", "Running the pinned version", "medium", "api", "baseline", P7 + "; " + CL_INFRA,
       "Drift from the pinned version means updates happen outside review, or not at all.",
       "Upgrade through the pocketbase role (pocketbase_version).",
       check_ver_pinned),
    _c("PBG-VER-002", "No known advisory affects the running version", "high", "api", "baseline", P7,
       "Built-in table: CVE-2024-38351 (<0.22.14), CVE-2026-44166 (<0.22.42, 0.30.0-0.37.3), CVE-2026-82410 "
       "(<0.22.48, 0.23.0-0.39.6).",
       "Upgrade to a fixed release (0.39.7+ on the 0.23+ line).",
       check_ver_advisories),
    _c("PBG-VER-003", "Version not disclosed to unauthenticated clients", "low", "probe", "strict", P1 + "; " + P7,
       "/_/assets/index-*.js carries `PocketBase vX.Y.Z`: attackers match it to advisories.",
       "Block /_/ at the proxy for non-admin addresses.",
       check_ver_disclosure),
    _c("PBG-IOC-001", "No unexpected superusers", "critical", "api", "baseline", DETECT,
       "An unknown superuser is the first sign of compromise the article lists.",
       "Treat as compromise: remove the account, rotate credentials, review logs.",
       check_ioc_unknown_superusers),
    _c("PBG-IOC-002", "No unknown collections", "medium", "api", "strict", DETECT,
       "Collections nobody declared may be an attacker's staging area.",
       "Review and remove, or add to expected_collections.",
       check_ioc_unknown_collections),
    _c("PBG-IOC-003", "Deployed hooks unchanged", "critical", "host", "baseline", DETECT,
       "A hook whose content differs from the manifest was modified outside deployment.",
       "Treat as compromise: compare with the source, redeploy, rotate credentials.",
       check_ioc_changed_hooks),
    _c("PBG-IOC-004", "Binary and hooks not writable by the service user", "high", "host", "baseline",
       DETECT + " (" + BEYOND + ")",
       "If PocketBase can rewrite its binary or hooks, one bug becomes persistence.",
       "root-owned binary, binary dir and hooks dir, not writable by the service user.",
       check_ioc_writable),
    _c("PBG-SYS-001", "Dedicated non-root service user", "high", "host", "baseline", BEYOND,
       "Running as root turns any hook or parser bug into host compromise.",
       "Run the unit as a system user with a nologin shell (role pbguard.pocketbase.pocketbase).",
       check_sys_user),
    _c("PBG-SYS-002", "Restrictive file modes", "medium", "host", "baseline", BEYOND,
       "data.db holds settings secrets and password hashes; the env file the encryption key.",
       "data dir 0700/0750, data.db 0600/0640, env file 0600.",
       check_sys_modes),
    _c("PBG-SYS-003", "systemd sandboxing", "medium", "host", "strict", BEYOND,
       "Sandboxing (ProtectSystem, NoNewPrivileges, SystemCallFilter...) limits what a compromised process can do.",
       "Use the hardened unit of the pocketbase role (exposure <= max_exposure, default 2.0).",
       check_sys_sandbox),
    _c("PBG-SYS-004", "Settings encrypted at rest", "low", "host", "strict", BEYOND,
       "Without --encryptionEnv SMTP/S3 secrets sit in plaintext in data.db and in every backup.",
       "Set pocketbase_encryption_key (--encryptionEnv with a root-only EnvironmentFile).",
       check_sys_encryption),
]

CONTROLS_BY_ID = dict((c["id"], c) for c in CONTROLS)


def catalog():
    """The catalog without check functions (for docs and SARIF)."""
    return [dict((k, v) for k, v in c.items() if k != "check") for c in CONTROLS]


def select_controls(scopes, profile, include=None, exclude=None):
    out = []
    for c in CONTROLS:
        if c["scope"] not in scopes:
            continue
        if profile == "baseline" and c["profile"] != "baseline":
            continue
        if include and not any(fnmatch.fnmatchcase(c["id"], pat) for pat in include):
            continue
        if exclude and any(fnmatch.fnmatchcase(c["id"], pat) for pat in exclude):
            continue
        out.append(c)
    return out


def run_controls(ctx, controls):
    """Run each control's check; returns findings (dicts, contract shape)."""
    findings = []
    for c in controls:
        try:
            results = c["check"](ctx)
        except Unavailable as exc:
            results = [err("control", str(exc))]
        except NotApplicable as exc:
            results = [na("control", str(exc))]
        except Exception as exc:  # pylint: disable=broad-except
            results = [err("control", "check failed: %s: %s" % (exc.__class__.__name__, exc))]
        if not results:
            results = [err("control", "check returned no result")]
        for r in results:
            f = {"control": c["id"], "area": c["area"], "title": c["title"], "severity": c["severity"],
                 "scope": c["scope"], "profile": c["profile"], "status": r["status"], "target": r["target"],
                 "evidence": r["evidence"], "remediation": c["remediation"]}
            for key in ("file", "line", "rule"):
                if key in r:
                    f[key] = r[key]
            if "advisory_severity" in r:
                f["severity"] = r["advisory_severity"]
            findings.append(f)
    return findings


# --------------------------------------------------------------------------- waivers

def validate_waivers(waivers):
    """Return a list of problems (strings); empty when valid."""
    problems = []
    if not isinstance(waivers, list):
        return ["waivers must be a list"]
    for i, w in enumerate(waivers):
        if not isinstance(w, dict):
            problems.append("waiver %d is not a mapping" % i)
            continue
        if not w.get("control"):
            problems.append("waiver %d has no control" % i)
        if not str(w.get("justification") or "").strip():
            problems.append("waiver %d (%s) has no justification" % (i, w.get("control")))
        exp = w.get("expires")
        if exp in (None, ""):
            problems.append("waiver %d (%s) has no expires date" % (i, w.get("control")))
        elif _parse_date(exp) is None:
            problems.append("waiver %d (%s): expires %r is not YYYY-MM-DD" % (i, w.get("control"), exp))
    return problems


def _parse_date(value):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.datetime.strptime(str(value).strip()[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


def apply_waivers(findings, waivers, today=None):
    """Mark fail/error findings matched by a waiver as waived; expired waivers keep them failing.

    A waiver matches on ``control`` (glob) and optional ``target`` (glob). Expired: ``expires`` < today.
    """
    today = today or datetime.date.today()
    out = []
    for f in findings:
        f = dict(f)
        if f["status"] in ("fail", "error"):
            for w in waivers or []:
                if not fnmatch.fnmatchcase(f["control"], str(w.get("control"))):
                    continue
                if w.get("target") and not fnmatch.fnmatchcase(f["target"], str(w["target"])):
                    continue
                expires = _parse_date(w.get("expires"))
                info = {"control": w.get("control"), "target": w.get("target"),
                        "justification": str(w.get("justification") or ""),
                        "expires": expires.isoformat() if expires else str(w.get("expires"))}
                if expires is not None and expires < today:
                    info["expired"] = True
                    f["waiver"] = info
                    f["status"] = "fail"
                    f["evidence"] = "waiver expired on %s: %s" % (info["expires"], f["evidence"])
                else:
                    f["waiver"] = info
                    f["status"] = "waived"
                break
        out.append(f)
    return out


# --------------------------------------------------------------------------- probe gathering

def gather_probe(url, open_url, timeout=10, validate_certs=True, emails=None, probe_credentials=False,
                 max_attempts=20, passwords=COMMON_PASSWORDS, sleep=None):
    """Unauthenticated requests only. ``open_url`` is ansible.module_utils.urls.open_url."""
    url = url.rstrip("/")
    facts = {"url": url, "requests": []}

    def get(path, method="GET", body=None):
        headers = {"Accept": "*/*"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            resp = open_url(url + path, data=data, method=method, headers=headers, timeout=timeout,
                            validate_certs=validate_certs, follow_redirects="none", http_agent="pbguard-audit")
            status, text = resp.getcode(), resp.read()
        except Exception as exc:  # pylint: disable=broad-except
            status = getattr(exc, "code", None)
            try:
                text = exc.read() if hasattr(exc, "read") else b""
            except Exception:  # pylint: disable=broad-except
                text = b""
            if status is None:
                facts["requests"].append((method, path, None))
                return None, ""
        facts["requests"].append((method, path, status))
        return status, text.decode("utf-8", "replace") if isinstance(text, bytes) else (text or "")

    status, html = get("/_/")
    facts["admin_ui_status"] = status
    version = None
    m = re.search(r"PocketBase v(\d+\.\d+\.\d+)", html or "")
    if m:
        version = m.group(1)
    elif status == 200:
        for asset in re.findall(r"assets/(index-[A-Za-z0-9_.-]+\.js)", html or "")[:2]:
            s2, js = get("/_/assets/" + asset)
            m = re.search(r"PocketBase v(\d+\.\d+\.\d+)", js or "") if s2 == 200 else None
            if m:
                version = m.group(1)
                break
    facts["disclosed_version"] = version
    facts["version"] = version
    hs, _body = get("/api/health")
    facts["health_status"] = hs
    s, body = get("/api/collections/_superusers/auth-methods")
    generation = None
    if s == 200:
        generation = "v023"
        try:
            am = json.loads(body)
            facts["superuser_mfa"] = bool((am.get("mfa") or {}).get("enabled"))
            facts["superuser_otp"] = bool((am.get("otp") or {}).get("enabled"))
        except (ValueError, AttributeError):
            pass
    elif s in (400, 404):
        generation = "v022" if '"code"' in (body or "") else None
    facts["generation"] = generation
    login_path = "/api/admins/auth-with-password" if generation == "v022" else \
        "/api/collections/_superusers/auth-with-password"
    facts["superuser_login_path"] = login_path
    s, _body = get(login_path, "POST",
                   {"identity": "pbguard-probe@invalid.invalid", "password": "pbguard-not-a-password"})
    facts["superuser_login_status"] = s
    # PocketBase 0.23+ resolves _superusers case-insensitively and by id: each spelling must be blocked too.
    variants = {}
    if generation != "v022":
        for path in ("/api/collections/_SUPERUSERS/auth-with-password",
                     "/api/collections/%5Fsuperusers/auth-with-password",
                     "/api/collections/%s/auth-with-password" % SUPERUSERS_COLLECTION_ID):
            variants[path] = get(path, "POST", {"identity": "pbguard-probe@invalid.invalid",
                                                "password": "pbguard-not-a-password"})[0]
    facts["superuser_login_variants"] = variants

    cred = {"enabled": bool(probe_credentials), "attempts": 0, "weak": [], "rate_limited": False,
            "emails": []}
    if probe_credentials:
        emails = list(dict.fromkeys([e for e in (emails or []) if e] + ["admin@example.com"]))[:5]
        cred["emails"] = emails
        if s in (403, 404, None):
            cred["reason"] = "superuser login not reachable (HTTP %s)" % s
        else:
            for email in emails:
                if cred["rate_limited"] or cred["attempts"] >= max_attempts:
                    break
                for pw in passwords:
                    if cred["attempts"] >= max_attempts:
                        break
                    cred["attempts"] += 1
                    st, b = get(login_path, "POST", {"identity": email, "password": pw})
                    if st == 429:
                        cred["rate_limited"] = True
                        break
                    if st == 200 or (st == 401 and "mfaId" in (b or "")):
                        cred["weak"].append(email)
                        break
                    if sleep:
                        sleep(0.05)
    facts["credential_probe"] = cred
    return facts


# --------------------------------------------------------------------------- host gathering

UNIT_PROPERTIES = ("LoadState", "ActiveState", "User", "ExecStart", "FragmentPath", "MainPID")


def parse_listeners(ss_output, main_pid=None, port=8090):
    """Listening addresses of PocketBase from ``ss -ltnpH``: the unit's main PID when ss shows it, else
    pocketbase processes listening on ``port`` (other pocketbase processes on the host are ignored), else
    (ss without process info, e.g. no CAP_SYS_PTRACE) any listener on ``port``."""
    by_pid, by_name, by_port = [], [], []
    pid_re = re.compile(r"pid=%s," % re.escape(str(main_pid))) if main_pid not in (None, "", "0") else None
    for line in (ss_output or "").splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        addr = parts[3]
        on_port = addr.rsplit(":", 1)[-1] == str(port)
        if pid_re is not None and pid_re.search(line):
            by_pid.append(addr)
        elif '"pocketbase"' in line and on_port:
            by_name.append(addr)
        elif "users:" not in line and on_port:
            by_port.append(addr)
    return sorted(set(by_pid or by_name or by_port))


DEFAULT_LOGROTATE_PATHS = ("/etc/logrotate.conf", "/etc/logrotate.d")
DEFAULT_PROXY_PATHS = ("/etc/caddy/Caddyfile", "/etc/caddy/conf.d", "/etc/caddy/sites", "/etc/nginx/nginx.conf",
                       "/etc/nginx/conf.d", "/etc/nginx/sites-enabled")


def parse_exec_start(text):
    """``systemctl show -p ExecStart`` value or a raw command line -> (argv, flags)."""
    m = re.search(r"argv\[\]=([^;]*);", text or "")
    line = m.group(1) if m else (text or "")
    try:
        argv = shlex.split(line)
    except ValueError:
        argv = line.split()
    flags = {}
    domains = []
    after_serve = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            if "=" in a:
                k, v = a.split("=", 1)
                flags[k] = v
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-") and a not in ("--dev",):
                flags[a] = argv[i + 1]
                i += 1
            else:
                flags[a] = ""
        elif a == "serve":
            after_serve = True
        elif after_serve:
            domains.append(a)
        i += 1
    if domains:
        flags["domains"] = domains
    return argv, flags


def _writable_by(st, uid, gids):
    mode = st.st_mode
    if uid == 0:
        return True
    if st.st_uid == uid and mode & stat.S_IWUSR:
        return True
    if st.st_gid in gids and mode & stat.S_IWGRP:
        return True
    return bool(mode & stat.S_IWOTH)


def _path_info(path, user):
    info = {"path": path}
    try:
        st = os.stat(path)
    except OSError:
        info["missing"] = True
        return info
    info["mode"] = stat.S_IMODE(st.st_mode)
    info["uid"] = st.st_uid
    if user and user.get("uid") is not None:
        info["writable_by_service_user"] = _writable_by(st, user["uid"], user.get("gids") or [])
    return info


def load_manifest(path):
    """hooks manifest -> {file name: sha256}. Accepts {"files": {name: sha}}, {"files": [{name|path, sha256}]},
    {name: sha}, {name: {"sha256": sha}} and [{name|path, sha256}]."""
    with open(path, "r") as fh:
        doc = json.load(fh)
    entries = doc.get("files", doc.get("hooks", doc)) if isinstance(doc, dict) else doc
    out = {}
    if isinstance(entries, dict):
        for name, val in entries.items():
            if name in ("version", "generated", "generated_at", "hooks_dir", "dir"):
                continue
            digest = val.get("sha256") if isinstance(val, dict) else val
            out[os.path.basename(name)] = str(digest or "").lower()
    elif isinstance(entries, list):
        for item in entries:
            name = item.get("name") or item.get("path") or item.get("file")
            out[os.path.basename(name)] = str(item.get("sha256") or item.get("checksum") or "").lower().replace(
                "sha256:", "")
    else:
        raise ValueError("unrecognized manifest shape")
    return out


def locate_hooks_dir(params, run_command):
    """The hooks dir ``gather_host`` reads: the option, else the unit's --hooksDir, else pb_hooks beside the data dir."""
    if params.get("hooks_dir"):
        return params["hooks_dir"]
    unit = params.get("service_name") or "pocketbase"
    rc, out, _e = _run(run_command, ["systemctl", "show", unit if unit.endswith(".service") else unit + ".service",
                                     "--no-pager", "-pLoadState", "-pExecStart"])
    props = dict(line.split("=", 1) for line in (out or "").splitlines() if "=" in line) if rc == 0 else {}
    _argv, flags = parse_exec_start((props.get("ExecStart") if props.get("LoadState") == "loaded" else "") or "")
    data_dir = params.get("data_dir") or flags.get("--dir") or "/var/lib/pocketbase/pb_data"
    return flags.get("--hooksDir") or os.path.join(os.path.dirname(data_dir.rstrip("/")), "pb_hooks")


def gather_host(params, run_command, generation=None):
    """Host facts for host-scope controls; each missing part is recorded, never fatal."""
    unit = params.get("service_name") or "pocketbase"
    if not unit.endswith(".service"):
        unit += ".service"
    facts = {"unit": unit, "paths": {}}
    # systemd unit
    rc, out, errout = _run(run_command, ["systemctl", "show", unit, "--no-pager"] +
                           ["-p%s" % p for p in UNIT_PROPERTIES])
    props = {}
    if rc == 0:
        for line in out.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                props[k] = v
    facts["unit_props_error"] = None if rc == 0 else (errout or "systemctl unavailable").strip()[:200]
    facts["unit_loaded"] = (props.get("LoadState") == "loaded") if props else None
    facts["unit_user"] = props.get("User") if props.get("LoadState") == "loaded" else None
    exec_start = props.get("ExecStart") if props.get("LoadState") == "loaded" else None
    facts["exec_start"] = exec_start or None
    argv, flags = parse_exec_start(exec_start or "")
    facts["exec_flags"] = flags
    # systemd-analyze security
    facts["exposure"] = None
    if facts["unit_loaded"]:
        rc, out, errout = _run(run_command, ["systemd-analyze", "security", "--no-pager", unit])
        m = re.search(r"Overall exposure level for \S+:\s*([0-9.]+)", out or "")
        if m:
            facts["exposure"] = float(m.group(1))
        else:
            facts["exposure_error"] = (errout or out or "").strip()[-200:]
    # listeners
    facts["listeners"] = parse_listeners(_run(run_command, ["ss", "-ltnpH"])[1], props.get("MainPID"),
                                         params.get("port") or 8090)
    # service user
    name = params.get("service_user") or facts["unit_user"] or "pocketbase"
    user = {"name": name, "uid": None}
    try:
        pw = pwd.getpwnam(name)
        gids = [pw.pw_gid] + [g.gr_gid for g in grp.getgrall() if name in g.gr_mem]
        user.update(uid=pw.pw_uid, gids=gids, shell=pw.pw_shell)
    except KeyError:
        pass
    facts["service_user"] = user
    # paths
    binary = params.get("binary_path") or (argv[0] if argv else None) or "/usr/local/bin/pocketbase"
    data_dir = params.get("data_dir") or flags.get("--dir") or "/var/lib/pocketbase/pb_data"
    hooks_dir = params.get("hooks_dir") or flags.get("--hooksDir") or \
        os.path.join(os.path.dirname(data_dir.rstrip("/")), "pb_hooks")
    paths = facts["paths"]
    paths["binary"] = _path_info(binary, user)
    paths["binary_dir"] = _path_info(os.path.dirname(os.path.realpath(binary)), user)
    paths["data_dir"] = _path_info(data_dir, user)
    paths["data_db"] = _path_info(os.path.join(data_dir, "data.db"), user)
    paths["hooks_dir"] = _path_info(hooks_dir, user)
    if params.get("hooks_manifest"):
        paths["hooks_manifest"] = _path_info(params["hooks_manifest"], user)
    if params.get("env_file"):
        paths["env_file"] = _path_info(params["env_file"], user)
    public_dir = flags.get("--publicDir") or os.path.join(os.path.dirname(data_dir.rstrip("/")), "pb_public")
    facts["serves_browser_app"] = os.path.isdir(public_dir) and bool(os.listdir(public_dir))
    # version from the binary
    facts["version"] = None
    if os.access(binary, os.X_OK):
        rc, out, _e = _run(run_command, [binary, "--version"])
        m = re.search(r"(\d+\.\d+\.\d+)", out or "")
        if m:
            facts["version"] = m.group(1)
    # hooks
    facts["hooks"] = None
    try:
        gen = generation or (("v022" if version_tuple(facts["version"]) < (0, 23, 0) else "v023")
                             if facts["version"] else None)
        analysis = _hooks_lint.analyse_dir(hooks_dir, gen, params.get("_hooks_analysis"))
        hooks = dict(analysis, dir=hooks_dir, generation=gen, manifest=None)
        if params.get("hooks_manifest"):
            try:
                hooks["manifest"] = load_manifest(params["hooks_manifest"])
            except (OSError, IOError, ValueError, AttributeError, TypeError) as exc:
                hooks["manifest_error"] = "%s: %s" % (params["hooks_manifest"], exc.__class__.__name__)
        else:
            hooks["manifest_error"] = "hooks_manifest not set"
        facts["hooks"] = hooks
    except OSError as exc:
        facts["hooks_error"] = "%s: %s" % (hooks_dir, exc.strerror or exc.__class__.__name__)
    # proxy configs
    proxy_paths = params.get("proxy_config_paths") or list(DEFAULT_PROXY_PATHS)
    facts["proxy_config_paths"] = proxy_paths
    configs = {}
    for p in proxy_paths:
        files = []
        if os.path.isdir(p):
            files = [os.path.join(p, n) for n in sorted(os.listdir(p)) if os.path.isfile(os.path.join(p, n))]
        elif os.path.isfile(p):
            files = [p]
        for f in files:
            try:
                with open(f, "r") as fh:
                    configs[f] = fh.read()
            except (OSError, IOError, UnicodeDecodeError):
                continue
    facts["proxy_configs"] = configs
    # logrotate rules (which proxy access logs are rotated)
    logrotate = {}
    for p in params.get("logrotate_paths") or list(DEFAULT_LOGROTATE_PATHS):
        files = [os.path.join(p, n) for n in sorted(os.listdir(p))] if os.path.isdir(p) else [p]
        for f in files:
            if not os.path.isfile(f):
                continue
            try:
                with open(f, "r") as fh:
                    logrotate[f] = fh.read()
            except (OSError, IOError, UnicodeDecodeError):
                continue
    facts["logrotate_configs"] = logrotate
    return facts


def _run(run_command, argv):
    try:
        rc, out, errout = run_command(argv)
        return rc, out or "", errout or ""
    except Exception as exc:  # pylint: disable=broad-except
        return 127, "", str(exc)
