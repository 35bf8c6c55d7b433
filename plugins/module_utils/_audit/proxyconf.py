# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reverse proxy configuration reading (Caddyfile and nginx) for the NET, FIL and MON controls:
which files forward to PocketBase and which request paths they refuse or authenticate.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import Unavailable

COMMENT_RE = re.compile(r"(?m)(^|[ \t])#.*$")
RESTRICT_BODY_RE = re.compile(r"(\bdeny\s+all\b|\ballow\s+\S|\bauth_basic\s+(?!off\b)\S|\bauth_request\s|\breturn\s+40[134]\b"
                              r"|\bremote_ip\b|\bclient_ip\b|\bbasic_?auth\b|\bforward_auth\b)")


def proxy_text(ctx):
    """{path: config text without comments}; raises Unavailable when no proxy configuration was read."""
    h = ctx.host_facts()
    configs = h.get("proxy_configs") or {}
    if not configs:
        raise Unavailable("no reverse proxy configuration found (looked at %s)"
                          % ", ".join(h.get("proxy_config_paths") or []))
    return dict((p, COMMENT_RE.sub(r"\1", text or "")) for p, text in configs.items())


def is_nginx(text):
    """nginx syntax (server/location/http blocks, proxy_pass); anything else is read as a Caddyfile."""
    return bool(re.search(r"\bserver\s*\{|\blocation\s|\bproxy_pass\s|\bhttp\s*\{", text))


def block_after(text, start):
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


def safe_re(pattern, flags=0):
    """The compiled pattern, or None when the configuration holds an invalid regular expression."""
    try:
        return re.compile(pattern, flags)
    except re.error:
        return None


def caddy_glob_re(glob):
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
    return safe_re("^%s$" % body, 0 if "%" in glob else re.I)


def caddy_guards(text):
    """Path patterns of a Caddyfile that refuse or authenticate requests: named matchers (typically
    ``path ...`` plus ``not remote_ip ...``) used by ``respond ... 40x``, ``abort``, ``error`` or basic/forward
    auth, plus inline path matchers of those directives."""
    matchers = {}
    for m in re.finditer(r"(?m)^[ \t]*(@[\w.-]+)[ \t]*(\{|[^\n]*)$", text):
        name, rest = m.group(1), m.group(2)
        body = block_after(text, m.start(2)) if rest.strip() == "{" else rest
        pats = []
        for pm in re.finditer(r"(?m)(?:^|[ \t])path[ \t]+([^\n{}]+)$", body):
            pats.extend(p for p in (caddy_glob_re(g) for g in pm.group(1).split()) if p is not None)
        for pm in re.finditer(r"(?m)(?:^|[ \t])path_regexp[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*$", body):
            p = safe_re(pm.group(2) or pm.group(1))
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
        p = caddy_glob_re(m.group(1))
        if p is not None:
            guards.append(p)
    return guards


def nginx_guards(text):
    """Path patterns of an nginx config that refuse or authenticate requests: restricting locations, and
    ``map $uri`` entries whose result (directly or through another map) decides an ``if (...) { return 40x; }``."""
    guards = []
    for m in re.finditer(r"\blocation\s+(=|\^~|~\*|~)?\s*(\"[^\"]+\"|[^\s{]+)\s*\{", text):
        mod, pat = m.group(1) or "", m.group(2).strip("\"")
        if not RESTRICT_BODY_RE.search(block_after(text, m.end() - 1)):
            continue
        if mod in ("~", "~*"):
            p = safe_re(pat, re.I if mod == "~*" else 0)
        elif mod == "=":
            p = safe_re("^%s$" % re.escape(pat))
        else:
            p = safe_re("^%s" % re.escape(pat))
        if p is not None:
            guards.append(p)
    maps = {}
    for m in re.finditer(r"\bmap\s+(\"[^\"]*\"|\S+)\s+\$(\w+)\s*\{", text):
        entries = []
        for em in re.finditer(r"(?m)^\s*(\"[^\"]*\"|\S+)\s+\S+\s*;", block_after(text, m.end() - 1)):
            key = em.group(1).strip("\"")
            if key.startswith("~*"):
                entries.append(safe_re(key[2:], re.I))
            elif key.startswith("~"):
                entries.append(safe_re(key[1:]))
            elif key not in ("default", "hostnames", "volatile") and key.startswith("/"):
                entries.append(safe_re("^%s$" % re.escape(key)))
        maps[m.group(2)] = {"source": m.group(1).strip("\""), "entries": [e for e in entries if e is not None]}
    for m in re.finditer(r"\bif\s*\(([^\n]*)\)\s*\{([^}]*)\}", text):
        cond, body = m.group(1), m.group(2)
        if not re.search(r"\breturn\s+40[134]\b|\bdeny\b", body):
            continue
        cm = re.match(r"\s*\$(?:uri|request_uri|document_uri)\s+(~\*?)\s*\"?([^\"]+?)\"?\s*$", cond)
        if cm:
            p = safe_re(cm.group(2), re.I if cm.group(1) == "~*" else 0)
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


def proxy_guards(configs):
    """[(path, compiled pattern)] over every proxy configuration file."""
    out = []
    for path, text in sorted(configs.items()):
        for p in (nginx_guards(text) if is_nginx(text) else caddy_guards(text)):
            out.append((path, p))
    return out


def guarded(guards, request_path):
    """The first config path with a guard covering ``request_path`` (decoded, normalized), else None."""
    for path, pattern in guards:
        if pattern.search(request_path):
            return path
    return None


def forwarding_configs(ctx, configs):
    """Config paths that proxy to the loopback PocketBase port (``port`` param, default 8090), sorted."""
    port = str(ctx.params.get("port") or 8090)
    return sorted(p for p, text in configs.items()
                  if re.search(r"(127\.0\.0\.1|localhost|\[::1\]):%s\b" % re.escape(port), text))


def glob_re(glob):
    """A logrotate/shell glob (``*``, ``?`` within one path segment) as an anchored regular expression."""
    return re.compile("^" + "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
                                    for c in glob) + "$")


def rotated(log_path, logrotate_configs):
    """The logrotate config file whose rule covers ``log_path``, else None."""
    for conf, text in sorted((logrotate_configs or {}).items()):
        text = COMMENT_RE.sub(r"\1", text or "")
        for m in re.finditer(r"(?m)^([^{}\n]+)\{", text):
            for glob in m.group(1).split():
                if glob.startswith("/") and glob_re(glob.strip("\"")).match(log_path):
                    return conf
    return None
