# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side analysis of PocketBase JS hooks with a real JavaScript parser (tree-sitter).

Private plugin_utils: used by the ``pocketbase_audit`` action plugin. Taint flows from client-controlled
values (record fields, request body/query/headers, path params) through variables, destructuring,
aliases of the global objects (``const h = $http``, ``const {cmd} = $os``, ``$os["exec"]``) and helper
functions (arguments to parameters, tainted return values) to the sinks listed in ``_hooks_vocab``.
Findings have the shape of ``_hooks_lint.HookFinding`` and never carry source text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_lint as lint
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_vocab as V

try:
    import tree_sitter
    import tree_sitter_javascript
    HAS_TREE_SITTER = True
    TREE_SITTER_ERROR = None
except ImportError as _exc:  # pragma: no cover - exercised through the action plugin's fallback
    HAS_TREE_SITTER = False
    TREE_SITTER_ERROR = str(_exc)

_PARSER = None
_FUNCTIONS = ("function_declaration", "function_expression", "arrow_function", "generator_function_declaration")
_EQUALITY = ("===", "==", "!==", "!=")
# the action plugin analyses before the server generation is known: 0.22-only findings are then
# reported under V.V022_REALIP and the module keeps them only on 0.22
UNKNOWN_GENERATION = "unknown"


def analyser_name():
    try:
        from importlib.metadata import version
        return "tree-sitter %s / tree-sitter-javascript %s" % (version("tree-sitter"), version("tree-sitter-javascript"))
    except Exception:  # pylint: disable=broad-except
        return "tree-sitter"


def _parser():
    global _PARSER  # pylint: disable=global-statement
    if _PARSER is None:
        if not HAS_TREE_SITTER:
            raise RuntimeError("the hook analyser needs tree-sitter on the controller: %s" % TREE_SITTER_ERROR)
        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))
    return _PARSER


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.named_children))


def _text(node):
    return node.text.decode("utf-8", "replace") if node is not None else ""


def _line(node):
    return node.start_point[0] + 1


def _string_value(node):
    if node is not None and node.type == "string":
        return "".join(_text(c) for c in node.named_children)
    return None


def _args(call):
    a = call.child_by_field_name("arguments")
    return [c for c in a.named_children if c.type != "comment"] if a is not None else []


class _FileAnalysis(object):
    """Taint state of one file: names bound to client data, to IP headers, to headers, to built SQL."""

    def __init__(self, root, generation=None):
        self.root = root
        self.generation = generation
        self.global_auth = False
        self.header_maps = set()  # names bound to a request's header map (requestInfo().headers)
        self.aliases = {}        # local name -> canonical path of a global ($os.cmd, $http)
        self.tainted = set()     # names holding client-controlled data
        self.ip_names = set()    # names holding a client-supplied IP header value
        self.header_names = set()
        self.built_sql = set()   # names holding a string built by + or a template with ${}
        self.tainted_funcs = set()
        self.ip_funcs = set()     # helpers returning a client IP header value
        self.functions = {}      # name -> (param names, body node)
        self.bindings = []       # (target names, value node)
        self._collect()
        self._fixpoint()

    # ---------------------------------------------------------------- collection
    def _collect(self):
        for n in _walk(self.root):
            if n.type == "variable_declarator":
                self._bind(n.child_by_field_name("name"), n.child_by_field_name("value"))
            elif n.type in ("assignment_expression", "augmented_assignment_expression"):
                left = n.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    self.bindings.append(([_text(left)], n.child_by_field_name("right")))
            elif n.type in ("function_declaration", "generator_function_declaration"):
                self._function(_text(n.child_by_field_name("name")), n)

    def _bind(self, name, value):
        if name is None or value is None:
            return
        if name.type == "identifier":
            self.bindings.append(([_text(name)], value))
            if value.type in _FUNCTIONS:
                self._function(_text(name), value)
            canon = self.canonical(value)
            if canon.split(".")[0] in V.GLOBAL_OBJECTS:
                self.aliases[_text(name)] = canon
            if self._is_built_string(value):
                self.built_sql.add(_text(name))
            if value.type == "member_expression" and _text(value.child_by_field_name("property")) == "headers":
                self.header_maps.add(_text(name))
        elif name.type in ("object_pattern", "array_pattern"):
            names = []
            base = self.canonical(value)
            for p in name.named_children:
                if p.type == "shorthand_property_identifier_pattern":
                    names.append(_text(p))
                    if base in V.GLOBAL_OBJECTS:
                        self.aliases[_text(p)] = base + "." + _text(p)
                elif p.type == "pair_pattern":
                    key, val = p.child_by_field_name("key"), p.child_by_field_name("value")
                    if val is not None and val.type == "identifier":
                        names.append(_text(val))
                        if base in V.GLOBAL_OBJECTS:
                            self.aliases[_text(val)] = base + "." + (_string_value(key) or _text(key))
                elif p.type == "identifier":
                    names.append(_text(p))
            self.bindings.append((names, value))

    def _function(self, name, node):
        params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        names = []
        if params is not None:
            names = [_text(p) for p in ([params] if params.type == "identifier" else params.named_children)]
        self.functions[name] = (names, node.child_by_field_name("body"))

    # ---------------------------------------------------------------- naming
    def canonical(self, node):
        """Dotted path of a callee/value with aliases resolved: ``h.send`` -> ``$http.send``."""
        if node is None:
            return ""
        t = node.type
        if t == "identifier":
            return self.aliases.get(_text(node), _text(node))
        if t == "member_expression":
            return self.canonical(node.child_by_field_name("object")) + "." + \
                _text(node.child_by_field_name("property"))
        if t == "subscript_expression":
            key = _string_value(node.child_by_field_name("index"))
            return self.canonical(node.child_by_field_name("object")) + "." + (key if key is not None else "[]")
        if t == "call_expression":
            return self.canonical(node.child_by_field_name("function")) + "()"
        if t == "parenthesized_expression" and node.named_children:
            return self.canonical(node.named_children[0])
        return _text(node)

    @staticmethod
    def _is_built_string(node):
        if node.type == "binary_expression" and _text(node.child_by_field_name("operator")) == "+":
            return True
        return node.type == "template_string" and any(c.type == "template_substitution" for c in node.named_children)

    # ---------------------------------------------------------------- taint
    def _refs(self, node, names):
        for n in _walk(node):
            if n.type in ("identifier", "shorthand_property_identifier") and _text(n) in names:
                return _text(n)
        return None

    def tainted_by(self, node):
        """What makes ``node`` client-controlled (for the message), or None."""
        if node is None:
            return None
        name = self._refs(node, self.tainted)
        if name:
            return "variable `%s`" % name
        if V.SOURCE_RE.search(_text(node)):
            return "record/request data"
        for n in _walk(node):
            if n.type == "call_expression" and self.canonical(n.child_by_field_name("function")) in self.tainted_funcs:
                return "helper `%s`" % self.canonical(n.child_by_field_name("function"))
        return None

    def ip_header_in(self, node):
        if node is None:
            return None
        name = self._refs(node, self.ip_names)
        if name:
            return "variable `%s`" % name
        for n in _walk(node):
            if _ip_header_read(n, self):
                return _ip_header_read(n, self)
            if n.type == "call_expression" and self.canonical(n.child_by_field_name("function")) in self.ip_funcs:
                return "helper `%s`" % self.canonical(n.child_by_field_name("function"))
        return None

    def header_in(self, node):
        return self._refs(node, self.header_names) or (
            "header" if any(_header_read(n) for n in _walk(node)) else None)

    def _fixpoint(self):
        changed = True
        while changed:
            changed = False
            for names, value in self.bindings:
                for attr, test in (("tainted", self.tainted_by), ("ip_names", self.ip_header_in),
                                   ("header_names", self.header_in)):
                    target = getattr(self, attr)
                    if value is not None and value.type not in _FUNCTIONS and not all(n in target for n in names) \
                            and test(value):
                        target.update(names)
                        changed = True
            changed = self._flow_through_helpers() or changed

    def _flow_through_helpers(self):
        changed = False
        for n in _walk(self.root):
            if n.type != "call_expression":
                continue
            fname = self.canonical(n.child_by_field_name("function"))
            if fname not in self.functions:
                continue
            params, _body = self.functions[fname]
            for i, arg in enumerate(_args(n)):
                if i < len(params) and params[i] not in self.tainted and self.tainted_by(arg):
                    self.tainted.add(params[i])
                    changed = True
        for fname, (_params, body) in self.functions.items():
            if body is None:
                continue
            returns = [body] if body.type != "statement_block" else \
                [r for r in _walk(body) if r.type == "return_statement"]
            for funcs, test in ((self.tainted_funcs, self.tainted_by), (self.ip_funcs, self.ip_header_in)):
                if fname not in funcs and any(test(r) for r in returns):
                    funcs.add(fname)
                    changed = True
        return changed


def _header_read(n):
    if n.type == "call_expression":
        f = n.child_by_field_name("function")
        return f is not None and f.type == "member_expression" and _text(f).endswith(".header.get")
    return n.type == "member_expression" and _text(n.child_by_field_name("property")) == "headers"


def _ip_header_read(n, fa):
    """Name of the client IP header ``n`` reads (``.header.get("X-Forwarded-For")``, ``headers.x_real_ip``)."""
    key = None
    if n.type == "call_expression":
        canon = fa.canonical(n.child_by_field_name("function"))
        if V.IP_HEADER_HELPER_RE.search(canon + "("):
            return "$apis.realUserIp"
        if fa.generation in ("v022", UNKNOWN_GENERATION) and canon.endswith(".realIP"):
            return V.V022_REALIP
        if canon.endswith(".header.get") or canon.endswith(".header.values") or canon.endswith(".header"):
            args = _args(n)
            key = _string_value(args[0]) if args else None
    elif n.type == "subscript_expression" and _is_header_map(n.child_by_field_name("object"), fa):
        key = _string_value(n.child_by_field_name("index"))
    elif n.type == "member_expression" and _is_header_map(n.child_by_field_name("object"), fa):
        key = _text(n.child_by_field_name("property"))
    if key and V.IP_HEADER_RE.match(key):
        return key
    return None


def _is_header_map(node, fa):
    return _text(node).endswith("headers") or _text(node) in fa.header_maps


def _finding(out, code, base, node, message):
    out.append(lint.HookFinding(code, base, _line(node), message))


def _is_literal(node):
    if node.type in ("string", "number", "true", "false", "null", "undefined"):
        return True
    if node.type == "template_string":
        return not any(c.type == "template_substitution" for c in node.named_children)
    if node.type in ("object", "array"):
        for c in node.named_children:
            v = c.child_by_field_name("value") if c.type == "pair" else c
            if v is None or not _is_literal(v):
                return False
        return True
    return False


def _check_call(fa, n, base, out, generation):
    callee = fa.canonical(n.child_by_field_name("function"))
    args = _args(n)
    msg = V.messages()
    method = callee.rsplit(".", 1)[-1]
    if callee in V.HTTP_CALLS or method == "fileFromURL":
        url = args[0] if args else None
        if url is not None and url.type == "object":
            url = _object_value(url, "url")
        what = fa.tainted_by(url)
        if what:
            _finding(out, "ssrf", base, n, msg["ssrf"] % (callee, what))
    elif callee in V.OS_EXEC_CALLS:
        what = next((fa.tainted_by(a) for a in args if fa.tainted_by(a)), None)
        _finding(out, "os_exec", base, n, msg["os_exec"] % (callee, (" with arguments from %s" % what) if what else ""))
        if what:
            _finding(out, "command_injection", base, n, msg["command_injection"] % (callee, what))
    elif V.SQL_CALL_RE.search(callee) and (method != "exp" or callee == "$dbx.exp"):
        idx = V.sql_arg_index(method)
        arg = args[idx] if len(args) > idx else None
        built = arg is not None and (fa._is_built_string(arg) or (arg.type == "identifier" and _text(arg) in fa.built_sql))
        what = fa.tainted_by(arg) if built else None
        if what:
            _finding(out, "sql_injection", base, n, msg["sql_injection"] % (callee, what))
    elif method == "set" and args and _string_value(args[0]) and \
            lint.PRIV_FIELD_RE.match(_string_value(args[0])):
        value = args[1] if len(args) > 1 else None
        what = fa.tainted_by(value) or _tainted_condition(fa, n)
        if what:
            _finding(out, "privilege_from_data", base, n,
                     "access field `%s` is set based on %s (privilege escalation)" % (_string_value(args[0]), what))
    elif callee == "routerAdd" and len(args) >= 3:
        _check_route(fa, n, args, base, out)
    elif generation and n.child_by_field_name("function").type == "identifier":
        f = lint.generation_finding(callee, generation, base, _line(n))
        if f:
            out.append(f)


def _object_value(obj, key):
    for c in obj.named_children:
        if c.type == "pair" and (_string_value(c.child_by_field_name("key")) or _text(c.child_by_field_name("key"))) == key:
            return c.child_by_field_name("value")
        if c.type == "shorthand_property_identifier" and _text(c) == key:
            return c
    return None


def _tainted_condition(fa, node):
    p = node.parent
    while p is not None:
        if p.type == "if_statement":
            what = fa.tainted_by(p.child_by_field_name("condition"))
            if what:
                return what
        if p.type in _FUNCTIONS:
            return None
        p = p.parent
    return None


def _check_route(fa, call, args, base, out):
    """routerAdd(method, path, handler, ...middlewares): data out with no authentication."""
    if any(V.AUTH_MIDDLEWARE_RE.search(_text(m)) for m in args[3:]) or fa.global_auth:
        return
    handler = args[2]
    if handler.type == "identifier" and _text(handler) in fa.functions:
        body = fa.functions[_text(handler)][1]
    else:
        body = handler.child_by_field_name("body") or handler
    if V.AUTH_REF_RE.search(_text(body)) or _address_guard(fa, body):
        return
    answers = [n for n in _walk(body) if n.type == "call_expression"
               and V.RESPONSE_CALL_RE.search(fa.canonical(n.child_by_field_name("function")))
               and any(not _is_literal(a) for a in _args(n)[1:])]
    if not answers:
        return
    header_checked = secret_compared = False
    for n in _walk(body):
        if n.type == "if_statement" and fa.header_in(n.child_by_field_name("condition")):
            header_checked = True
        if n.type == "binary_expression" and _text(n.child_by_field_name("operator")) in _EQUALITY:
            sides = [n.child_by_field_name("left"), n.child_by_field_name("right")]
            if any(fa.header_in(s) for s in sides) and not any(
                    _is_literal(s) and _text(s) in ('""', "''", "null", "undefined") for s in sides):
                secret_compared = True
        if n.type == "call_expression" and fa.canonical(n.child_by_field_name("function")) == "$security.equal" \
                and any(fa.header_in(a) for a in _args(n)):
            secret_compared = True
    if secret_compared:
        return
    path = _string_value(args[1]) or "?"
    method = _string_value(args[0]) or "?"
    _finding(out, "route_no_auth", base, call, V.messages()["route_no_auth"] % (
        "%s %s" % (method, path), " (it only checks that a request header is present)" if header_checked else ""))


def _address_guard(fa, body):
    """An ``if`` on the caller's address (e.realIP()/remoteIP() or a header-derived one, PBG-HOK-010's business)."""
    for n in _walk(body):
        if n.type == "if_statement":
            cond = n.child_by_field_name("condition")
            if fa.ip_header_in(cond) or any(
                    c.type == "call_expression" and fa.canonical(c.child_by_field_name("function")).rsplit(".", 1)[-1]
                    in ("realIP", "remoteIP") for c in _walk(cond)):
                return True
    return False


def _check_ip_decisions(fa, base, out):
    seen = set()
    for n in _walk(fa.root):
        test = None
        if n.type in ("if_statement", "while_statement"):
            test = n.child_by_field_name("condition")
        elif n.type == "switch_statement":
            test = n.child_by_field_name("value")
        elif n.type == "call_expression" and fa.canonical(n.child_by_field_name("function")).rsplit(".", 1)[-1] \
                in ("includes", "indexOf", "has"):
            test = n.child_by_field_name("arguments")
        what = fa.ip_header_in(test) if test is not None else None
        if what and _line(n) not in seen:
            seen.add(_line(n))
            _finding(out, "ip_header_trust", base, n, V.messages()["ip_header_trust"] % what)


def analyse_source(src, filename="hook.pb.js", generation=None):
    """Findings (``HookFinding``) for one hook file's source (str or bytes)."""
    data = src.encode("utf-8", "replace") if not isinstance(src, bytes) else src
    root = _parser().parse(data).root_node
    base = os.path.basename(filename)
    fa = _FileAnalysis(root, generation)
    fa.global_auth = any(
        n.type == "call_expression" and fa.canonical(n.child_by_field_name("function")) == "routerUse"
        and any(V.AUTH_MIDDLEWARE_RE.search(_text(a)) for a in _args(n)) for n in _walk(root))
    out = []
    mails = []
    for n in _walk(root):
        if n.type == "call_expression":
            _check_call(fa, n, base, out, generation)
            callee = fa.canonical(n.child_by_field_name("function"))
            if V.MAIL_CALL_RE.search(callee):
                mails.append((n, callee))
    _check_ip_decisions(fa, base, out)
    out.extend(lint.unlimited_side_effects(_code_text(root), base, [(_line(n), c) for n, c in mails]))
    if root.has_error:  # e.g. TypeScript in a .pb.ts: the lint reads what the parser could not
        seen = set((f.code, f.line) for f in out)
        out.extend(f for f in lint.lint_source(data.decode("utf-8", "replace"), base, generation)
                   if (f.code, f.line) not in seen)
    out.sort(key=lambda f: (f.file, f.line, f.code))
    return out


def _code_text(root):
    """Source without comments (so a `// rate limit` comment is not taken for a limit)."""
    data = bytearray(root.text)
    for n in _walk(root):
        if n.type == "comment":
            data[n.start_byte:n.end_byte] = b" " * (n.end_byte - n.start_byte)
    return data.decode("utf-8", "replace")
