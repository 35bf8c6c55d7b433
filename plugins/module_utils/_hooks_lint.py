# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static lint of PocketBase JS hooks (``pb_hooks/*.pb.js``), 0.22 and 0.23+ hook names.

Private module_utils: the interface may change. Pure functions, no I/O except ``lint_dir``.

The target-side fallback of the controller's parser analysis (``plugins/plugin_utils/_hooks_ast``):
standard library only. A small scanner (``_js_scan``) tells code from comments and regex literals;
aliases of the global objects (``const h = $http``, ``const {cmd} = $os``) and bracket calls
(``$os["exec"]``) are rewritten to their canonical names first. Values read from the record or the
request are tainted, and so are variables assigned from tainted expressions and the parameters of
helper functions called with tainted arguments (to a fixpoint). Findings never carry source text
(hooks may hold API keys); they name the rule code, the line and the variable/call involved.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_vocab as V
from ansible_collections.pbguard.pocketbase.plugins.module_utils._js_scan import (
    mask_code, split_args, strip_strings)

HOOK_FILE_RE = re.compile(r"^.*\.pb\.(js|ts)$")

# codes -> audit controls: _hooks_vocab.CODE_CONTROLS
CODES = tuple(V.CODE_CONTROLS) + ("read_error",)

_NAME = r"[A-Za-z_$][\w$]*"
_ASSIGN_RE = re.compile(r"\b(?:const|let|var)\s+(" + _NAME + r")\s*=\s*([^;\n]+)")
_DESTRUCT_RE = re.compile(r"\b(?:const|let|var)\s+\{([^}]*)\}\s*=\s*([^;\n]+)")
_REASSIGN_RE = re.compile(r"(?<![\w$.])(" + _NAME + r")\s*\+?=(?![=>])\s*([^;\n]+)")
_GLOBAL = r"\$(?:http|os|app|apis|mails|dbx|filesystem|security)"
_ALIAS_RE = re.compile(r"\b(?:const|let|var)\s+(" + _NAME + r")\s*=\s*(" + _GLOBAL + r"(?:\.\w+)?)\s*(?=[;\n])")
_ALIAS_DESTRUCT_RE = re.compile(r"\b(?:const|let|var)\s*\{([^}]*)\}\s*=\s*(" + _GLOBAL + r")\s*(?=[;\n])")
_BRACKET_RE = re.compile(r"(" + _GLOBAL + r"|\.\w+)\s*\[\s*(['\"])(\w+)\2\s*\]")
_FUNC_DEF_RES = (
    re.compile(r"\bfunction\s+(" + _NAME + r")\s*\(([^)]*)\)"),
    re.compile(r"\b(?:const|let|var)\s+(" + _NAME + r")\s*=\s*(?:async\s*)?(?:function\s*" + _NAME
               + r"?\s*)?\(([^)]*)\)\s*(?:=>|\{)"),
    re.compile(r"\b(?:const|let|var)\s+(" + _NAME + r")\s*=\s*(?:async\s+)?(" + _NAME + r")\s*=>"),
)
_HOOK_CALL_RE = re.compile(r"\b(on[A-Z]\w*)\s*\(")
_HTTP_RE = re.compile(r"\$http\.send\s*\(|\bfileFromURL\s*\(|(?<![\w$.])fetch\s*\(")
_OS_RE = re.compile(r"\$os\.(exec|cmd|command)\s*\(")
_SQL_RE = re.compile(r"\.(newQuery|findRecordsByFilter|findFirstRecordByFilter|countRecords)\s*\(|\$dbx\.(exp)\s*\(")
_MAIL_RE = re.compile(r"newMailClient\s*\(\s*\)\s*\.send\s*\(|\$mails\.\w+\s*\(|\bsendEmail\s*\(|\bsendMail\s*\(")
PRIV_FIELD_RE = re.compile(
    r"^(role|roles|is_?admin|admin|superuser|verified|level|permissions?|group|isStaff|staff)$", re.I)
_PRIV_SET_RE = re.compile(
    r"\.set\s*\(\s*['\"](role|roles|is_?admin|admin|superuser|verified|level|permissions?|group|isStaff|staff)['\"]\s*,\s*",
    re.I)
_LIMIT_RE = re.compile(r"rate.?limit|throttle|\$app\.store\(\)|\blimit(er)?\b|quota|cooldown", re.I)
_ROUTE_RE = re.compile(r"(?<![\w$.])routerAdd\s*\(")
_ROUTER_USE_RE = re.compile(r"(?<![\w$.])routerUse\s*\(")
_RESPONSE_RE = re.compile(r"\.(json|jsonp|string|html|xml|blob|stream|file|fileFS)\s*\(")
_HEADER_READ_RE = re.compile(r"\.header\.get\s*\(|\.headers\b")
_IP_HEADERS = V.IP_HEADER_NAMES
_IP_READ_RE = re.compile(
    r"\.header\.(?:get|values)\s*\(\s*['\"](" + _IP_HEADERS + r")['\"]|headers\s*\[\s*['\"](" + _IP_HEADERS
    + r")['\"]\s*\]|headers\.(" + _IP_HEADERS.replace("[-_]", "_") + r")\b|\$apis\.(realUserIp)\s*\(", re.I)
_V022_REALIP_RE = re.compile(r"\.(realIP)\s*\(")
_HEADER_MAP_RE = re.compile(r"\b(?:const|let|var)\s+(" + _NAME + r")\s*=\s*[^;\n]*\.headers\s*(?=[;\n])")
_DECISION_RE = re.compile(r"\b(?:if|while|switch)\s*\(|\.(?:includes|indexOf|has)\s*\(")

# 0.22-only hook names: (Before|After)...Request, onModelBefore/After*, onAdmin*, onMailerBefore/After*
_V022_HOOK_RE = re.compile(
    r"^on\w*(Before|After)\w*Request$|^onModel(Before|After)(Create|Update|Delete)$|^onAdmin\w*$"
    r"|^onMailer(Before|After)\w+$")
# 0.23+-only hook names
_V023_HOOK_RE = re.compile(
    r"^on\w+(Success|Error)$|^onRecord(Create|Update|Delete|Validate|Enrich|View|List)(Request|Execute)?$"
    r"|^onRecordAuth\w*Request$|^onRecordRequest\w+Request$|^onRecordConfirm\w+Request$|^onBootstrap$|^onServe$"
    r"|^onMailerSend$|^onMailerRecord\w+Send$|^onModel(Create|Update|Delete|Validate)(Execute)?$"
    r"|^onCollection(Create|Update|Delete|Validate)(Execute|Request)?$|^onSettings(Update|List)Request$"
    r"|^onBackup\w+$|^onFile\w+Request$|^onRealtime\w+$|^onBatchRequest$|^onTerminate$")
_REQUEST_HOOK_RE = re.compile(r"Request$|^routerAdd$|^onRecord(Create|Update)$|Success$")


class HookFinding(object):
    """One lint finding: code, file (base name), line, message."""

    __slots__ = ("code", "file", "line", "message")

    def __init__(self, code, file, line, message):
        self.code = code
        self.file = file
        self.line = line
        self.message = message

    def as_dict(self):
        return {"code": self.code, "file": self.file, "line": self.line, "message": self.message}

    def __repr__(self):
        return "HookFinding(%s, %s:%s)" % (self.code, self.file, self.line)


def _call_args(src, open_idx):
    """Text between the paren at ``open_idx`` and its match (string-aware; regexes are masked)."""
    depth = 0
    quote = None
    i = open_idx
    while i < len(src):
        ch = src[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return src[open_idx + 1:i]
        i += 1
    return src[open_idx + 1:]


def _line_of(src, idx):
    return src.count("\n", 0, idx) + 1


def _canonicalize(code):
    """Rewrite aliases of the global objects and bracket calls to canonical dotted names."""
    code = _BRACKET_RE.sub(lambda m: m.group(1) + "." + m.group(3), code)
    for _round in range(3):
        aliases = {}
        for m in _ALIAS_RE.finditer(code):
            aliases[m.group(1)] = m.group(2)
        for m in _ALIAS_DESTRUCT_RE.finditer(code):
            for part in m.group(1).split(","):
                key, _sep, local = part.partition(":")
                local = (local or key).strip()
                if local and key.strip():
                    aliases[local] = m.group(2) + "." + key.strip()
        aliases = dict((k, v) for k, v in aliases.items() if k != v and not k.startswith("$"))
        if not aliases:
            break
        pattern = re.compile(r"(?<![\w$.])(" + "|".join(re.escape(k) for k in aliases) + r")(?=\s*[.(\[])")
        new = _BRACKET_RE.sub(lambda m: m.group(1) + "." + m.group(3), pattern.sub(lambda m: aliases[m.group(1)], code))
        if new == code:
            break
        code = new
    return code


def _functions(code):
    """Helper functions: name -> list of parameter names."""
    out = {}
    for rx in _FUNC_DEF_RES:
        for m in rx.finditer(code):
            params = [p.split("=")[0].strip().lstrip(".") for p in m.group(2).split(",")]
            out[m.group(1)] = [p for p in params if re.match(_NAME + "$", p)]
    return out


def _assignments(code):
    assigns = []
    for m in _ASSIGN_RE.finditer(code):
        assigns.append(([m.group(1)], m.group(2)))
    for m in _DESTRUCT_RE.finditer(code):
        names = [p.split(":")[-1].split("=")[0].strip() for p in m.group(1).split(",") if p.strip()]
        assigns.append((names, m.group(2)))
    for m in _REASSIGN_RE.finditer(code):
        assigns.append(([m.group(1)], m.group(2)))
    return assigns


def _helper_flows(code, functions, tainted, test):
    """Parameters of helpers called with an argument ``test`` accepts (one pass)."""
    found = set()
    for name, params in functions.items():
        for m in re.finditer(r"(?<![\w$.])" + re.escape(name) + r"\s*\(", code):
            if re.search(r"function\s+$", code[max(0, m.start() - 12):m.start()]):
                continue
            for i, arg in enumerate(split_args(_call_args(code, m.end() - 1))):
                if i < len(params) and params[i] not in tainted and test(arg, tainted):
                    found.add(params[i])
    return found


def _helper_returns(code, functions, tainted, test=None):
    """Helpers whose body returns a value ``test`` accepts (default: tainted): a call to them is a source."""
    test = test or is_tainted
    found = set()
    for name in functions:
        m = re.search(r"(?:\bfunction\s+" + re.escape(name) + r"\s*\([^)]*\)\s*|\b" + re.escape(name)
                      + r"\s*=\s*[^;\n]*?=>\s*)\{", code)
        if not m or name in tainted:
            continue
        body = _call_args(code, m.end() - 1)
        if any(test(r, tainted) for r in re.findall(r"\breturn\b([^;\n]*)", body)):
            found.add(name)
    return found


def _propagate(code, test, functions=None):
    """Names (variables, helper params, helpers returning taint) reached by ``test``, to a fixpoint."""
    tainted = set()
    assigns = _assignments(code)
    changed = True
    while changed:
        changed = False
        for names, expr in assigns:
            if not all(n in tainted for n in names) and test(expr, tainted):
                tainted.update(n for n in names if n)
                changed = True
        if functions:
            more = _helper_flows(code, functions, tainted, test) | _helper_returns(code, functions, tainted, test)
            if more - tainted:
                tainted |= more
                changed = True
    return tainted


def is_tainted(expr, tainted):
    if V.SOURCE_RE.search(expr):
        return True
    return _names_in(expr, tainted) is not None


def _names_in(expr, names):
    for name in sorted(names):
        if re.search(r"(?<![\w$.])" + re.escape(name) + r"(?![\w$])", expr):
            return name
    return None


def _tainted_in(expr, tainted):
    """Name of the tainted thing in expr, for the message (a variable name or 'record/request data')."""
    name = _names_in(expr, tainted)
    if name:
        return "variable `%s`" % name
    if V.SOURCE_RE.search(expr):
        return "record/request data"
    return None


def _enclosing_condition(src, idx, window=600):
    """The condition of the nearest ``if (...)`` before idx within ``window`` chars, or ''."""
    start = max(0, idx - window)
    best = ""
    for m in re.finditer(r"\bif\s*\(", src[start:idx]):
        best = _call_args(src, start + m.end() - 1)
    return best


def generation_finding(name, generation, base, line):
    """A wrong_generation_hook finding when hook ``name`` does not exist on ``generation``, else None."""
    if generation == "v023" and _V022_HOOK_RE.match(name) and not _V023_HOOK_RE.match(name):
        return HookFinding("wrong_generation_hook", base, line,
                           "hook `%s` exists only on PocketBase 0.22: on 0.23+ it raises ReferenceError and the "
                           "file's hooks are silently not loaded" % name)
    if generation == "v022" and _V023_HOOK_RE.match(name) and not _V022_HOOK_RE.match(name):
        return HookFinding("wrong_generation_hook", base, line,
                           "hook `%s` exists only on PocketBase 0.23+: on 0.22 the file's hooks are not loaded" % name)
    return None


def unlimited_side_effects(code, base, mail_sites):
    """Findings for mail sent from request-driven hooks when nothing in the file limits it.

    ``mail_sites``: (line, call) pairs; ``code``: the source without comments."""
    if _LIMIT_RE.search(code):
        return []
    hooks = [m.group(1) for m in _HOOK_CALL_RE.finditer(code)]
    if not (any(_REQUEST_HOOK_RE.search(h) for h in hooks) or "routerAdd" in code):
        return []
    return [HookFinding("unlimited_side_effect", base, line,
                        "mail sent per request (`%s`) with no rate limit or quota in the hook" % call)
            for line, call in mail_sites]


def _lint_ssrf_exec_sql(code, tainted, built, base):
    msg = V.messages()
    out = []
    for m in _HTTP_RE.finditer(code):
        args = _call_args(code, m.end() - 1)
        call = m.group(0).rstrip("( ")
        url_m = re.search(r"\burl\s*:\s*([^,}\n]+)|\{[^}]*(?<![\w$])(url)\s*[,}]", args)
        url_expr = (url_m.group(1) or url_m.group(2)) if (url_m and "$http" in call) else (split_args(args) or [""])[0]
        what = _tainted_in(url_expr, tainted)
        if what:
            out.append(HookFinding("ssrf", base, _line_of(code, m.start()), msg["ssrf"] % (call, what)))
    for m in _OS_RE.finditer(code):
        what = _tainted_in(_call_args(code, m.end() - 1), tainted)
        call = "$os." + m.group(1)
        line = _line_of(code, m.start())
        out.append(HookFinding("os_exec", base, line,
                               msg["os_exec"] % (call, (" with arguments from %s" % what) if what else "")))
        if what:
            out.append(HookFinding("command_injection", base, line, msg["command_injection"] % (call, what)))
    for m in _SQL_RE.finditer(code):
        method = m.group(1) or m.group(2)
        args = split_args(_call_args(code, m.end() - 1))
        idx = V.sql_arg_index(method)
        arg = args[idx].strip() if len(args) > idx else ""
        is_built = "+" in strip_strings(arg) or "${" in arg or arg in built
        what = _tainted_in(arg, tainted) if is_built else None
        if what:
            out.append(HookFinding("sql_injection", base, _line_of(code, m.start()),
                                   msg["sql_injection"] % (method, what)))
    return out


def _lint_privilege(code, tainted, base):
    out = []
    for m in _PRIV_SET_RE.finditer(code):
        args = _call_args(code, code.rfind("(", 0, m.end()))
        value = args.split(",", 1)[1] if "," in args else ""
        cond = _enclosing_condition(code, m.start())
        what = _tainted_in(value, tainted) or (_tainted_in(cond, tainted) if cond else None)
        if what:
            out.append(HookFinding(
                "privilege_from_data", base, _line_of(code, m.start()),
                "access field `%s` is set based on %s (privilege escalation)" % (m.group(1), what)))
    return out


def _answers_with_data(handler):
    for m in _RESPONSE_RE.finditer(handler):
        data = split_args(_call_args(handler, m.end() - 1))[1:]
        bare = strip_strings(" ".join(data))
        if re.search(r"(?<![\w$])(?!(?:true|false|null|undefined)\b)[A-Za-z_$][\w$]*(?![\w$])(?!\s*:)", bare):
            return True
    return False


def _header_only_guard(handler, header_names):
    """(checks a header, compares it to a secret) for a route handler's text."""
    checks = compares = False
    for m in re.finditer(r"\bif\s*\(", handler):
        cond = _call_args(handler, m.end() - 1)
        if _HEADER_READ_RE.search(cond) or _names_in(cond, header_names):
            checks = True
            if re.search(r"[!=]==?", cond) and not re.search(r"[!=]==?\s*(''|\"\"|null|undefined)\s*$", cond.strip()):
                compares = True
    if re.search(r"\$security\.equal\s*\(", handler):
        compares = True
    return checks, compares


def _address_guard(handler, ip_names):
    """An ``if`` on the caller's address (e.realIP()/remoteIP(), or a header-derived one: PBG-HOK-010's business)."""
    for m in re.finditer(r"\bif\s*\(", handler):
        cond = _call_args(handler, m.end() - 1)
        if re.search(r"\.(realIP|remoteIP)\s*\(", cond) or _names_in(cond, ip_names) or _IP_READ_RE.search(cond):
            return True
    return False


def _lint_routes(code, functions, base, ip_names):
    out = []
    if any(V.AUTH_MIDDLEWARE_RE.search(_call_args(code, m.end() - 1)) for m in _ROUTER_USE_RE.finditer(code)):
        return out
    header_names = _propagate(code, lambda e, t: bool(_HEADER_READ_RE.search(e)) or _names_in(e, t) is not None)
    for m in _ROUTE_RE.finditer(code):
        args = split_args(_call_args(code, m.end() - 1))
        if len(args) < 3 or any(V.AUTH_MIDDLEWARE_RE.search(a) for a in args[3:]):
            continue
        handler = args[2]
        if handler.strip() in functions:
            hm = re.search(r"\bfunction\s+" + re.escape(handler.strip()) + r"\s*\([^)]*\)\s*\{", code)
            handler = _call_args(code, hm.end() - 1) if hm else handler
        if V.AUTH_REF_RE.search(handler) or not _answers_with_data(handler) or _address_guard(handler, ip_names):
            continue
        checks, compares = _header_only_guard(handler, header_names)
        if compares:
            continue
        route = " ".join(re.sub(r"^\s*['\"`]|['\"`]\s*$", "", a) for a in args[:2])
        out.append(HookFinding("route_no_auth", base, _line_of(code, m.start()), V.messages()["route_no_auth"] % (
            route, " (it only checks that a request header is present)" if checks else "")))
    return out


def _lint_ip_headers(code, generation, base):
    maps = [m.group(1) for m in _HEADER_MAP_RE.finditer(code)]
    if maps:  # `const h = e.requestInfo().headers; h["x_real_ip"]` reads like `headers["x_real_ip"]`
        code = re.sub(r"(?<![\w$.])(" + "|".join(re.escape(n) for n in maps) + r")(?=\s*[.\[])", "headers", code)

    def reads(expr, names):
        return bool(_IP_READ_RE.search(expr) or (generation == "v022" and _V022_REALIP_RE.search(expr))
                    or _names_in(expr, names))
    ip_names = _propagate(code, reads, _functions(code))
    out, lines = [], set()
    for m in _DECISION_RE.finditer(code):
        test = _call_args(code, m.end() - 1)
        if _line_of(code, m.start()) not in lines and reads(test, ip_names):
            lines.add(_line_of(code, m.start()))
            r = _IP_READ_RE.search(test) or (_V022_REALIP_RE.search(test) if generation == "v022" else None)
            what = next((g for g in r.groups() if g), "header") if r else "variable `%s`" % _names_in(test, ip_names)
            out.append(HookFinding("ip_header_trust", base, _line_of(code, m.start()),
                                   V.messages()["ip_header_trust"] % what))
    return out, ip_names


def lint_source(src, filename="hook.pb.js", generation=None):
    """Lint one hook file's source. ``generation`` ('v022'/'v023'/None) enables the hook-name check."""
    code = _canonicalize(mask_code(src))
    functions = _functions(code)
    tainted = _propagate(code, is_tainted, functions)
    built = set(n for names, expr in _assignments(code) for n in names
                if "+" in strip_strings(expr) or "${" in expr)
    base = os.path.basename(filename)
    findings = []
    if generation in ("v022", "v023"):
        for m in _HOOK_CALL_RE.finditer(code):
            f = generation_finding(m.group(1), generation, base, _line_of(code, m.start()))
            if f:
                findings.append(f)
    findings.extend(_lint_ssrf_exec_sql(code, tainted, built, base))
    findings.extend(_lint_privilege(code, tainted, base))
    ip_findings, ip_names = _lint_ip_headers(code, generation, base)
    findings.extend(_lint_routes(code, functions, base, ip_names))
    findings.extend(ip_findings)
    findings.extend(unlimited_side_effects(
        code, base, [(_line_of(code, m.start()), m.group(0).rstrip("( ")) for m in _MAIL_RE.finditer(code)]))
    findings.sort(key=lambda f: (f.file, f.line, f.code))
    return findings


def hook_files(hooks_dir):
    """Top-level files PocketBase loads from a hooks dir (``*.pb.js``/``*.pb.ts``), sorted."""
    return sorted(n for n in os.listdir(hooks_dir)
                  if HOOK_FILE_RE.match(n) and os.path.isfile(os.path.join(hooks_dir, n)))


def lint_dir(hooks_dir, generation=None):
    """Lint every loadable hook file. Returns (files, findings); raises OSError if the dir is unreadable."""
    files = hook_files(hooks_dir)
    findings = []
    for name in files:
        path = os.path.join(hooks_dir, name)
        try:
            with open(path, "r", encoding="utf-8", errors="replace") as fh:
                src = fh.read()
        except (IOError, OSError) as exc:
            findings.append(HookFinding("read_error", name, 0, "cannot read: %s" % exc.__class__.__name__))
            continue
        findings.extend(lint_source(src, name, generation))
    return files, findings


STDLIB_ANALYSER = "stdlib lint on the target"


def _controller_findings(name, digest, controller, generation):
    """The controller's findings for one file when it analysed exactly these bytes, else None."""
    entry = ((controller or {}).get("files") or {}).get(name)
    if not isinstance(entry, dict) or entry.get("sha256") != digest:
        return None
    out = []
    for f in entry.get("findings") or []:
        if f.get("code") == "ip_header_trust" and V.V022_REALIP in str(f.get("message")) and generation != "v022":
            continue  # 0.23+ realIP() honours settings.trustedProxy
        if f.get("code") in V.CODE_CONTROLS and f.get("code") != "wrong_generation_hook":
            out.append(HookFinding(f["code"], name, int(f.get("line") or 0), str(f.get("message") or "")))
    return out


def analyse_dir(hooks_dir, generation=None, controller=None):
    """Every loadable hook file, analysed by the controller's parser when its analysis covers the file's
    current bytes (``controller``: ``{"analyser", "dir", "files": {name: {"sha256", "findings"}}}``),
    else by this lint. Hook names are checked here (the generation is known on the target).

    Returns ``{"files", "findings" (dicts), "sha256", "analyser"}``; raises OSError if the dir is unreadable."""
    if controller and controller.get("dir") not in (None, hooks_dir):
        controller = dict(controller, files={})
    files = hook_files(hooks_dir)
    findings, digests, used = [], {}, set()
    for name in files:
        try:
            with open(os.path.join(hooks_dir, name), "rb") as fh:
                data = fh.read()
        except (IOError, OSError) as exc:
            findings.append(HookFinding("read_error", name, 0, "cannot read: %s" % exc.__class__.__name__))
            continue
        digests[name] = hashlib.sha256(data).hexdigest()
        src = data.decode("utf-8", "replace")
        from_controller = _controller_findings(name, digests[name], controller, generation)
        if from_controller is None:
            used.add(STDLIB_ANALYSER)
            findings.extend(lint_source(src, name, generation))
            continue
        used.add(controller.get("analyser") or "controller")
        findings.extend(from_controller)
        code = mask_code(src)
        for m in _HOOK_CALL_RE.finditer(code) if generation in ("v022", "v023") else ():
            f = generation_finding(m.group(1), generation, name, _line_of(code, m.start()))
            if f:
                findings.append(f)
    analyser = " + ".join(sorted(used)) or (controller or {}).get("analyser") or STDLIB_ANALYSER
    if STDLIB_ANALYSER in used and (controller or {}).get("unavailable"):
        analyser += " (%s)" % controller["unavailable"]
    findings.sort(key=lambda f: (f.file, f.line, f.code))
    return {"files": files, "findings": [f.as_dict() for f in findings], "sha256": digests, "analyser": analyser}
