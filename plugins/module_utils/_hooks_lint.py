# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static lint of PocketBase JS hooks (``pb_hooks/*.pb.js``), 0.22 and 0.23+ hook names.

Private module_utils: the interface may change. Pure functions, no I/O except ``lint_dir``.

A light taint analysis: values read from the record or from the request (``e.record.get(...)``,
``e.requestInfo().body``, ``$apis.requestInfo(...)``, ``e.request``...) are tainted, and so are
variables assigned from tainted expressions (to a fixpoint). Findings never carry source text
(hooks may hold API keys); they name the rule code, the line and the variable/call involved.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

HOOK_FILE_RE = re.compile(r"^.*\.pb\.(js|ts)$")

# codes -> audit controls (see _controls.py)
CODES = ("ssrf", "privilege_from_data", "unlimited_side_effect", "os_exec", "wrong_generation_hook",
         "read_error")

_SOURCE_RE = re.compile(
    r"(e\.record\.(get|getString|getInt|getBool|getStringSlice|original|publicExport|email|fieldsData)\b"
    r"|e\.record\s*\[|\brecord\.(get|getString|getBool|getInt)\s*\("
    r"|e\.requestInfo\s*\(|\$apis\.requestInfo\s*\(|e\.request\b|e\.httpContext|\binfo\.(body|data|query|headers)"
    r"|e\.data\b|\.body\b|\bc\.request\b|\bc\.queryParam\s*\(|\bc\.pathParam\s*\(|e\.request\.(url|header)"
    r"|\.queryParam\s*\(|\.pathParam\s*\(|\.formValue\s*\()"
)
_ASSIGN_RE = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([^;\n]+)")
_DESTRUCT_RE = re.compile(r"\b(?:const|let|var)\s+\{([^}]*)\}\s*=\s*([^;\n]+)")
_REASSIGN_RE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*=(?!=)\s*([^;\n]+)")
_HOOK_CALL_RE = re.compile(r"\b(on[A-Z]\w*)\s*\(")
_HTTP_RE = re.compile(r"\$http\.send\s*\(|\bfileFromURL\s*\(|(?<![\w$.])fetch\s*\(")
_OS_RE = re.compile(r"\$os\.(exec|cmd|command)\s*\(")
_MAIL_RE = re.compile(r"newMailClient\s*\(\s*\)\s*\.send\s*\(|\$mails\.\w+\s*\(|\bsendEmail\s*\(|\bsendMail\s*\(")
_PRIV_SET_RE = re.compile(
    r"\.set\s*\(\s*['\"](role|roles|is_?admin|admin|superuser|verified|level|permissions?|group|isStaff|staff)['\"]\s*,\s*",
    re.I)
_PRIV_COND_RE = re.compile(r"\b(role|is_?admin|admin|superuser|level|permission|staff)\b", re.I)
_LIMIT_RE = re.compile(r"rate.?limit|throttle|\$app\.store\(\)|\blimit(er)?\b|quota|cooldown", re.I)

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


def _strip_comments(src):
    """Blank out comments and keep offsets/lines (string contents are kept: URLs matter)."""
    out = []
    i, n = 0, len(src)
    quote = None
    while i < n:
        ch = src[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(src[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in "'\"`":
            quote = ch
            out.append(ch)
            i += 1
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(c if c == "\n" else " " for c in src[i:j]))
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _call_args(src, open_idx):
    """Text between the paren at ``open_idx`` and its match (naive but string-aware)."""
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


def _tainted_names(src):
    """Variables assigned (transitively) from record/request data."""
    tainted = set()
    assigns = []
    for m in _ASSIGN_RE.finditer(src):
        assigns.append(([m.group(1)], m.group(2)))
    for m in _DESTRUCT_RE.finditer(src):
        names = [p.split(":")[-1].strip() for p in m.group(1).split(",") if p.strip()]
        assigns.append((names, m.group(2)))
    for m in _REASSIGN_RE.finditer(src):
        assigns.append(([m.group(1)], m.group(2)))
    changed = True
    while changed:
        changed = False
        for names, expr in assigns:
            if all(n in tainted for n in names):
                continue
            if is_tainted(expr, tainted):
                for n in names:
                    if n and n not in tainted:
                        tainted.add(n)
                        changed = True
    return tainted


def is_tainted(expr, tainted):
    if _SOURCE_RE.search(expr):
        return True
    for name in tainted:
        if re.search(r"(?<![\w$.])" + re.escape(name) + r"(?![\w$])", expr):
            return True
    return False


def _tainted_in(expr, tainted):
    """Name of the tainted thing in expr, for the message (a variable name or 'record/request data')."""
    for name in sorted(tainted):
        if re.search(r"(?<![\w$.])" + re.escape(name) + r"(?![\w$])", expr):
            return "variable `%s`" % name
    if _SOURCE_RE.search(expr):
        return "record/request data"
    return None


def _enclosing_condition(src, idx, window=600):
    """The condition of the nearest ``if (...)`` before idx within ``window`` chars, or ''."""
    start = max(0, idx - window)
    best = ""
    for m in re.finditer(r"\bif\s*\(", src[start:idx]):
        best = _call_args(src, start + m.end() - 1)
    return best


def lint_source(src, filename="hook.pb.js", generation=None):
    """Lint one hook file's source. ``generation`` ('v022'/'v023'/None) enables the hook-name check."""
    code = _strip_comments(src)
    tainted = _tainted_names(code)
    findings = []
    base = os.path.basename(filename)

    hooks = [(m.group(1), m.start()) for m in _HOOK_CALL_RE.finditer(code)]
    if generation in ("v022", "v023"):
        for name, idx in hooks:
            if generation == "v023" and _V022_HOOK_RE.match(name) and not _V023_HOOK_RE.match(name):
                findings.append(HookFinding(
                    "wrong_generation_hook", base, _line_of(code, idx),
                    "hook `%s` exists only on PocketBase 0.22: on 0.23+ it raises ReferenceError and the "
                    "file's hooks are silently not loaded" % name))
            elif generation == "v022" and _V023_HOOK_RE.match(name) and not _V022_HOOK_RE.match(name):
                findings.append(HookFinding(
                    "wrong_generation_hook", base, _line_of(code, idx),
                    "hook `%s` exists only on PocketBase 0.23+: on 0.22 the file's hooks are not loaded" % name))

    for m in _HTTP_RE.finditer(code):
        args = _call_args(code, m.end() - 1)
        call = m.group(0).rstrip("( ")
        url_m = re.search(r"\burl\s*:\s*([^,}\n]+)", args)
        url_expr = url_m.group(1) if (url_m and "$http" in call) else args.split(",")[0]
        what = _tainted_in(url_expr, tainted)
        if what:
            findings.append(HookFinding(
                "ssrf", base, _line_of(code, m.start()),
                "`%s` sends a request to a URL taken from %s (server-side request forgery)" % (call, what)))

    for m in _OS_RE.finditer(code):
        args = _call_args(code, m.end() - 1)
        what = _tainted_in(args, tainted)
        findings.append(HookFinding(
            "os_exec", base, _line_of(code, m.start()),
            "`$os.%s` runs a host command%s" % (m.group(1), (" with arguments from %s" % what) if what else "")))

    for m in _PRIV_SET_RE.finditer(code):
        args = _call_args(code, code.rfind("(", 0, m.end()))
        value = args.split(",", 1)[1] if "," in args else ""
        cond = _enclosing_condition(code, m.start())
        what = _tainted_in(value, tainted) or (_tainted_in(cond, tainted) if cond else None)
        if what:
            findings.append(HookFinding(
                "privilege_from_data", base, _line_of(code, m.start()),
                "access field `%s` is set based on %s (privilege escalation)" % (m.group(1), what)))

    if not _LIMIT_RE.search(code):
        request_hooks = [h for h in hooks if _REQUEST_HOOK_RE.search(h[0])]
        if request_hooks or "routerAdd" in code:
            for m in _MAIL_RE.finditer(code):
                findings.append(HookFinding(
                    "unlimited_side_effect", base, _line_of(code, m.start()),
                    "mail sent per request (`%s`) with no rate limit or quota in the hook"
                    % m.group(0).rstrip("( ")))
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
