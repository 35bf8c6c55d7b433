# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PocketBase rule-expression tokenizer, parser (AST) and linter (private; may change).

The grammar follows PocketBase's filter parser (``ganigeorgiev/fexpr`` plus the
identifier rules of ``core/record_field_resolver.go``)::

    expr     := and ( "||" and )*
    and      := term ( "&&" term )*
    term     := "(" expr ")" | operand SIGN operand
    operand  := IDENT | FUNC "(" [ arg ( "," arg )* ] ")" | NUMBER | TEXT
    arg      := IDENT | FUNC(...) | NUMBER | TEXT          (functions nest <= 3 deep)
    SIGN     := = != > >= < <= ~ !~   and the any-of forms ?= ?!= ?> ?>= ?< ?<= ?~ ?!~

``&&`` binds tighter than ``||`` (PocketBase concatenates the groups into SQL,
where AND has precedence). Whitespace is space, tab or newline; ``//`` starts a
comment that runs to the end of the line. Text is single or double quoted; a
quote preceded by a backslash does not end it and ``\\'`` (``\\"``) stands for the
quote itself. ``true``, ``false`` and ``null`` are literals.

Both syntaxes are parsed: 0.22 (``@request.data``) and 0.23+ (``@request.body``,
``:lower``, ``:changed``, ``geoDistance()``, ``strftime()``, ``@yesterday``,
``@tomorrow``); the linter reports constructs that do not exist in the target
generation.

The parser is stricter than the server where the server accepts nonsense
(checked against real servers in tests/integration/test_rules_vs_server.py): an
operand written directly before a parenthesised group (``a (b = 1)``, the server
silently drops ``a``), unknown or repeated modifiers and empty path segments in
``@request.auth.*``/``@request.body.*`` (0.23+ accepts them at save time). It
mirrors the server's quirk that a bracket or quote inside a ``//`` comment within
parentheses is read as code. Identifiers are checked for shape only; whether a
field exists needs the collection schema.

Public API: ``parse``, ``RuleSyntaxError``, the node classes, ``lint_rule``,
``RuleFinding``, ``referenced_collections``, ``is_public_in_effect``,
``format_rule``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.pbguard.pocketbase.plugins.module_utils._version import version_tuple

__all__ = [
    "RuleSyntaxError", "parse", "format_rule", "lint_rule", "RuleFinding",
    "referenced_collections", "is_public_in_effect", "iter_nodes", "iter_operands",
    "Node", "Empty", "Or", "And", "Group", "Compare", "Identifier", "RequestRef",
    "CollectionRef", "Macro", "Literal", "Call",
    "ACTIONS", "MACROS", "MODIFIERS", "FUNCTIONS", "FINDING_CODES",
]

ACTIONS = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule",
           "authRule", "manageRule")

MACROS = frozenset((
    "@now", "@yesterday", "@tomorrow", "@second", "@minute", "@hour", "@day",
    "@month", "@weekday", "@year", "@todayStart", "@todayEnd", "@monthStart",
    "@monthEnd", "@yearStart", "@yearEnd",
))
MACROS_V023_ONLY = frozenset(("@yesterday", "@tomorrow"))

MODIFIERS = frozenset(("isset", "length", "each", "lower", "changed"))
MODIFIERS_V023_ONLY = frozenset(("lower", "changed"))

# name -> (min args, max args or None)
FUNCTIONS = {"geoDistance": (4, 4), "strftime": (1, None)}
MAX_FUNCTION_DEPTH = 3

REQUEST_KINDS = frozenset(("auth", "body", "data", "query", "headers", "method", "context"))

FINDING_CODES = (
    "public", "tautology", "auth_only_no_ownership", "client_body_decides",
    "collection_join", "joined_collection_readable",
    "identifier_generation_mismatch", "parse_error",
)

_SIGNS = frozenset(("=", "!=", "~", "!~", "<", "<=", ">", ">=",
                    "?=", "?!=", "?~", "?!~", "?<", "?<=", "?>", "?>="))

# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class RuleSyntaxError(ValueError):
    """A rule expression that PocketBase would not accept.

    ``message`` says what is wrong, ``position`` is the 0-based character
    offset in the expression where it was found.
    """

    def __init__(self, message, position, expr=None):
        self.message = message
        self.position = position
        self.expr = expr
        super(RuleSyntaxError, self).__init__(self.__str__())

    def excerpt(self):
        if self.expr is None:
            return ""
        start = max(0, self.position - 20)
        text = self.expr[start:self.position + 20]
        text = text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
        return ("..." if start else "") + text + ("..." if self.position + 20 < len(self.expr) else "")

    def __str__(self):
        return "%s at position %d: %s" % (self.message, self.position, self.excerpt())


# --------------------------------------------------------------------------
# AST
# --------------------------------------------------------------------------


class Node(object):
    """Base class of the AST. Nodes compare equal when their fields are equal;
    spacing, comments and quote style do not show in the tree."""

    __slots__ = ()
    _fields = ()

    def _key(self):
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((type(self).__name__,) + self._key())

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__,
                           ", ".join("%s=%r" % (f, getattr(self, f)) for f in self._fields))

    def __str__(self):
        return format_rule(self)


class Empty(Node):
    """The empty rule ``""``: the action is public."""

    __slots__ = ()

    def __init__(self):
        pass


_EMPTY = Empty()


class _Junction(Node):
    """Operands joined by one logical operator (``Or``: ``||``, ``And``: ``&&``)."""

    __slots__ = ("items",)
    _fields = ("items",)

    def _key(self):
        return (self.items,)

    def __init__(self, items):
        self.items = tuple(items)


class Or(_Junction):
    __slots__ = ()


class And(_Junction):
    __slots__ = ()


class Group(Node):
    """A parenthesised expression."""

    __slots__ = ("expr",)
    _fields = ("expr",)

    def _key(self):
        return (self.expr,)

    def __init__(self, expr):
        self.expr = expr


class Compare(Node):
    """``left op right``; ``op`` is the base operator (``=``, ``!=``, ``~`` ...),
    ``any_of`` is True for the ``?``-forms (``?=`` ...)."""

    __slots__ = ("op", "left", "right", "any_of")
    _fields = ("op", "left", "right", "any_of")

    def _key(self):
        return (self.op, self.left, self.right, self.any_of)

    def __init__(self, op, left, right, any_of=False):
        self.op = op
        self.left = left
        self.right = right
        self.any_of = any_of

    @property
    def operator(self):
        return ("?" + self.op) if self.any_of else self.op


class Identifier(Node):
    """A field of the record: ``author.name:lower`` -> path ('author', 'name'), modifier 'lower'."""

    __slots__ = ("path", "modifier")
    _fields = ("path", "modifier")

    def _key(self):
        return (self.path, self.modifier)

    def __init__(self, path, modifier=None):
        self.path = tuple(path)
        self.modifier = modifier

    @property
    def modifiers(self):
        return (self.modifier,) if self.modifier else ()

    @property
    def name(self):
        return ".".join(self.path) + (":" + self.modifier if self.modifier else "")


class RequestRef(Node):
    """``@request.<kind>[.path][:modifier]``; kind is one of auth, body, data,
    query, headers, method, context."""

    __slots__ = ("kind", "path", "modifier")
    _fields = ("kind", "path", "modifier")

    def _key(self):
        return (self.kind, self.path, self.modifier)

    def __init__(self, kind, path=(), modifier=None):
        self.kind = kind
        self.path = tuple(path)
        self.modifier = modifier

    @property
    def name(self):
        return "@request." + ".".join((self.kind,) + self.path) + (
            ":" + self.modifier if self.modifier else "")


class CollectionRef(Node):
    """``@collection.<collection>[:alias].<path>[:modifier]``."""

    __slots__ = ("collection", "alias", "path", "modifier")
    _fields = ("collection", "alias", "path", "modifier")

    def _key(self):
        return (self.collection, self.alias, self.path, self.modifier)

    def __init__(self, collection, alias, path, modifier=None):
        self.collection = collection
        self.alias = alias
        self.path = tuple(path)
        self.modifier = modifier

    @property
    def name(self):
        return "@collection.%s%s.%s%s" % (
            self.collection, ":" + self.alias if self.alias else "", ".".join(self.path),
            ":" + self.modifier if self.modifier else "")


class Macro(Node):
    """A datetime macro such as ``@now`` or ``@todayStart``."""

    __slots__ = ("name",)
    _fields = ("name",)

    def _key(self):
        return (self.name,)

    def __init__(self, name):
        self.name = name


class Literal(Node):
    """kind: 'text' (value str), 'number' (value float), 'bool', 'null'."""

    __slots__ = ("value", "kind")
    _fields = ("value", "kind")

    def _key(self):
        return (self.value, self.kind)

    def __init__(self, value, kind):
        self.value = value
        self.kind = kind


_TRUE = Literal(True, "bool")
_FALSE = Literal(False, "bool")
_NULL = Literal(None, "null")


class Call(Node):
    """A function call, e.g. ``strftime('%Y', created)``."""

    __slots__ = ("fn", "args")
    _fields = ("fn", "args")

    def _key(self):
        return (self.fn, self.args)

    def __init__(self, fn, args):
        self.fn = fn
        self.args = tuple(args)


# --------------------------------------------------------------------------
# Tokenizer: one compiled regex; each match skips blanks/comments, then captures
# one token. ``findall`` gives all tokens in one C call; the token kind follows
# from its first character. Positions are only computed when reporting an error.
# --------------------------------------------------------------------------

_SCAN = re.compile(
    r"(?:[ \t\n]+|//[^\n]*)*"
    r"("
    r"[A-Za-z_@#][A-Za-z0-9_.:]*\(?"                # identifier, or function name + "("
    r"|-[0-9]*(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?"    # number
    r"|'(?:[^'\\]|\\+[^\\])*'"                      # single quoted text
    r'|"(?:[^"\\]|\\+[^\\])*"'                      # double quoted text
    r"|[=?!<>~]+"                                   # sign operator
    r"|[&|]+"                                       # join operator
    r"|[(),]"
    r"|."                                           # anything else (an error)
    r"|\Z"                                          # end
    r")",
    re.S,
)

K_IDENT, K_NUM, K_TEXT, K_SIGN, K_JOIN, K_LP, K_RP, K_COMMA, K_BAD, K_EOF = range(1, 11)
_KIND = {}
for _c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_@#":
    _KIND[_c] = K_IDENT
for _c in "-0123456789":
    _KIND[_c] = K_NUM
for _c in "'\"":
    _KIND[_c] = K_TEXT
for _c in "=?!<>~":
    _KIND[_c] = K_SIGN
_KIND["&"] = K_JOIN
_KIND["|"] = K_JOIN
_KIND["("] = K_LP
_KIND[")"] = K_RP
_KIND[","] = K_COMMA
del _c


# operand token text -> (node, flags); nodes are never mutated, so sharing is safe.
# flags: 1 = the linter's generation check needs it, 2 = @collection reference.
_OPCACHE = {}
_OPCACHE_MAX = 20000


def _operand_flags(node):
    t = type(node)
    if t is RequestRef:
        return 1 if (node.kind == "body" or node.kind == "data"
                     or node.modifier in MODIFIERS_V023_ONLY) else 0
    if t is CollectionRef:
        return 3 if node.modifier in MODIFIERS_V023_ONLY else 2
    if t is Identifier:
        return 1 if node.modifier in MODIFIERS_V023_ONLY else 0
    if t is Macro:
        return 1 if node.name in MACROS_V023_ONLY else 0
    return 0


# PocketBase cuts a parenthesised group out of the raw text by counting brackets
# (skipping quoted text but not comments) before parsing it, so a bracket or a quote
# inside a // comment within a group is read as code. Checked only when both appear.
_GROUP_SCAN = re.compile(
    r"'(?:[^'\\]|\\+[^\\])*'|\"(?:[^\"\\]|\\+[^\\])*\"|//[^\n]*|[()]", re.S)


def _check_comment_brackets(expr):
    depth = 0
    for m in _GROUP_SCAN.finditer(expr):
        tok = m.group(0)
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        elif tok[0] == "/" and depth > 0:
            found = [i for i in (tok.find(c) for c in "()'\"") if i >= 0]
            if found:
                raise RuleSyntaxError("a bracket or quote inside a // comment within (...) is read "
                                      "as code by PocketBase's parser; remove it from the comment",
                                      m.start() + min(found), expr)


def _token_positions(expr):
    return [m.start(1) for m in _SCAN.finditer(expr)]


def _describe(tok):
    if tok == "":
        return "end of expression"
    kind = _KIND.get(tok[0], K_BAD)
    if kind == K_IDENT:
        return ("function %s" if tok[-1] == "(" else "identifier %s") % tok
    if kind == K_TEXT and len(tok) > 1:
        return "text %s" % tok
    if kind == K_NUM:
        return "number %s" % tok
    if kind == K_SIGN:
        return "operator %s" % tok
    return repr(tok)


class _Parser(object):
    """Recursive descent over the token strings of one expression."""

    __slots__ = ("expr", "toks", "i", "specials", "collections")

    def __init__(self, expr):
        self.expr = expr
        self.toks = _SCAN.findall(expr)
        self.i = 0
        # nodes the linter needs without walking the tree
        self.specials = []       # RequestRef body/data or modifiers, Call, v0.23-only macros
        self.collections = []    # CollectionRef nodes

    def error(self, message, i=None):
        """The RuleSyntaxError for token ``i`` (default: the current token), to raise."""
        if i is None:
            i = self.i
        positions = _token_positions(self.expr)
        pos = positions[i] if i < len(positions) else len(self.expr)
        return RuleSyntaxError(message, pos, self.expr)

    def check_token(self, i):
        """Raise for a token the scanner could only take as a single bad character."""
        tok = self.toks[i]
        kind = _KIND.get(tok[0], K_BAD) if tok else K_EOF
        if kind == K_TEXT and len(tok) == 1:
            raise self.error("unterminated quoted text (missing closing %s)" % tok, i)
        if kind == K_BAD:
            if tok == "/":
                raise self.error("invalid comment (a comment starts with //)", i)
            raise self.error("unexpected character %r" % tok, i)

    def parse_or(self, depth):
        toks = self.toks
        first = self.parse_and(depth)
        if toks[self.i] != "||":
            return first
        items = [first]
        while toks[self.i] == "||":
            self.i += 1
            items.append(self.parse_and(depth))
        return Or(items)

    def parse_and(self, depth):
        toks = self.toks
        first = self.parse_term(depth)
        if toks[self.i] != "&&":
            self.check_after_term()
            return first
        items = [first]
        while toks[self.i] == "&&":
            self.i += 1
            items.append(self.parse_term(depth))
        self.check_after_term()
        return And(items)

    def check_after_term(self):
        tok = self.toks[self.i]
        if tok == "" or tok == "||" or tok == ")" or tok == "&&":
            return
        self.check_token(self.i)
        if tok[0] in "&|":
            raise self.error("invalid join operator %r (expected && or ||)" % tok)
        raise self.error("expected && or ||, got %s" % _describe(tok))

    def parse_term(self, depth):
        toks = self.toks
        i = self.i
        tok = toks[i]
        if tok == "(":
            if toks[i + 1] == ")":
                raise self.error("empty group ()", i)
            if depth > 100:
                raise self.error("too deeply nested parentheses", i)
            self.i = i + 1
            inner = self.parse_or(depth + 1)
            if toks[self.i] != ")":
                if toks[self.i] == "":
                    raise self.error("missing closing bracket for the group opened at position %d"
                                     % _token_positions(self.expr)[i])
                self.check_token(self.i)
                raise self.error("expected ) or && or ||, got %s" % _describe(toks[self.i]))
            self.i += 1
            return Group(inner)
        ent = _OPCACHE.get(tok)
        if ent is None:
            left = self.parse_operand("left", 0)
        else:
            left = ent[0]
            self.i = i + 1
            if ent[1]:
                self.note(left, ent[1])
        sign = toks[self.i]
        if sign not in _SIGNS:
            if sign == "":
                raise self.error("incomplete expression: expected an operator after %s" % format_rule(left))
            if sign[0] in "=?!<>~":
                raise self.error("invalid operator %r" % sign)
            self.check_token(self.i)
            raise self.error("expected an operator (= != > >= < <= ~ !~ or ?=...), got %s" % _describe(sign))
        i = self.i + 1
        ent = _OPCACHE.get(toks[i])
        if ent is None:
            self.i = i
            right = self.parse_operand("right", 0)
        else:
            right = ent[0]
            self.i = i + 1
            if ent[1]:
                self.note(right, ent[1])
        if sign[0] == "?":
            return Compare(sign[1:], left, right, True)
        return Compare(sign, left, right, False)

    def note(self, node, flags):
        if flags & 1:
            self.specials.append(node)
        if flags & 2:
            self.collections.append(node)

    def parse_operand(self, side, fdepth):
        i = self.i
        tok = self.toks[i]
        kind = _KIND.get(tok[0], K_BAD) if tok else K_EOF
        node = None
        if kind == K_IDENT:
            if tok[-1] == "(":
                return self.parse_call(fdepth)
            node = self.ident(tok, i)
        elif kind == K_TEXT and len(tok) > 1:
            q = tok[0]
            v = tok[1:-1]
            if "\\" in v:
                v = v.replace("\\" + q, q)
            node = Literal(v, "text")
        elif kind == K_NUM:
            if tok == "-" or tok[-1] == ".":
                raise self.error("invalid number %r" % tok)
            node = Literal(float(tok), "number")
        if node is not None:
            self.i = i + 1
            flags = _operand_flags(node)
            if flags:
                self.note(node, flags)
            if len(_OPCACHE) >= _OPCACHE_MAX:
                _OPCACHE.clear()
            _OPCACHE[tok] = (node, flags)
            return node
        if kind == K_EOF:
            raise self.error("incomplete expression: expected the %s operand" % side)
        self.check_token(i)
        raise self.error("expected the %s operand (field, @request/@collection identifier, macro, "
                         "function, text or number), got %s" % (side, _describe(tok)))

    def parse_call(self, fdepth):
        i = self.i
        name = self.toks[i][:-1]
        if fdepth >= MAX_FUNCTION_DEPTH:
            raise self.error("max nested function arguments reached (max: %d)" % MAX_FUNCTION_DEPTH)
        if name not in FUNCTIONS:
            raise self.error("unknown function %r (known: %s)" % (name, ", ".join(sorted(FUNCTIONS))))
        self.i = i + 1
        args = []
        toks = self.toks
        if toks[self.i] == ")":
            self.i += 1
        else:
            while True:
                tok = toks[self.i]
                if tok == "":
                    raise self.error("invalid or incomplete function %r (expected ')')" % name)
                if tok in ("(", ")", ","):
                    raise self.error("unsupported argument %r in function %r" % (tok, name))
                args.append(self.parse_operand("argument", fdepth + 1))
                tok = toks[self.i]
                if tok == ")":
                    self.i += 1
                    break
                if tok == ",":
                    self.i += 1
                    continue
                if tok == "":
                    raise self.error("invalid or incomplete function %r (expected ')')" % name)
                self.check_token(self.i)
                raise self.error("expected comma after the last argument in function %r, got %s"
                                 % (name, _describe(tok)))
        lo, hi = FUNCTIONS[name]
        if len(args) < lo or (hi is not None and len(args) > hi):
            raise self.error("function %s() expects %s argument(s), got %d" % (
                name, lo if lo == hi else "at least %d" % lo, len(args)), i)
        node = Call(name, args)
        self.specials.append(node)
        return node

    def ident(self, lit, i):
        """Classify an identifier into an operand node (validating its shape)."""
        if lit[-1] in ".:" or (len(lit) == 1 and lit in "@_#"):
            raise self.error("invalid identifier %r" % lit, i)
        first = lit[0]
        if first == "@":
            if lit in MACROS:
                return Macro(lit)
            parts = lit.split(".")
            root = parts[0]
            if root == "@request":
                return self.request_node(lit, parts, i)
            if root == "@collection":
                return self.collection_node(lit, parts, i)
            raise self.error("unknown identifier or macro %r" % lit, i)
        if first == "#":
            raise self.error("invalid identifier %r (fields start with a letter or _)" % lit, i)
        if lit == "true":
            return _TRUE
        if lit == "false":
            return _FALSE
        if lit == "null":
            return _NULL
        if ":" in lit or ".." in lit:
            path, modifier = self.split_path(lit, lit.split("."), i)
            return Identifier(path, modifier)
        return Identifier(lit.split("."), None)

    def split_path(self, lit, parts, i):
        """Validate path segments; return (path tuple, modifier or None)."""
        modifier = None
        last = len(parts) - 1
        for k, seg in enumerate(parts):
            if not seg:
                raise self.error("empty path segment in %r" % lit, i)
            if ":" in seg:
                if k != last:
                    raise self.error("a modifier may only follow the last path segment in %r" % lit, i)
                name, _sep, modifier = seg.partition(":")
                if not name or ":" in modifier:
                    raise self.error("invalid modifier in %r" % lit, i)
                if modifier not in MODIFIERS:
                    raise self.error("unknown modifier %r in %r (known: %s)" % (
                        modifier, lit, ", ".join(sorted(MODIFIERS))), i)
                parts = parts[:last] + [name]
        return tuple(parts), modifier

    def request_node(self, lit, parts, i):
        if len(parts) < 2 or parts[1] not in REQUEST_KINDS:
            raise self.error("unknown request identifier %r (known: @request.%s)" % (
                lit, ", @request.".join(sorted(REQUEST_KINDS))), i)
        kind = parts[1]
        rest = parts[2:]
        if kind == "method" or kind == "context":
            if rest:
                raise self.error("@request.%s has no sub-fields (%r)" % (kind, lit), i)
            return RequestRef(kind, (), None)
        if not rest:
            raise self.error("%r needs a field name (e.g. %s.id)" % (lit, lit), i)
        if ":" in lit or "" in rest:
            path, modifier = self.split_path(lit, rest, i)
        else:
            path, modifier = tuple(rest), None
        return RequestRef(kind, path, modifier)

    def collection_node(self, lit, parts, i):
        if len(parts) < 3:
            raise self.error("%r needs a collection and a field (@collection.name.field)" % lit, i)
        name, sep, alias = parts[1].partition(":")
        if not name or (sep and not alias) or ":" in alias:
            raise self.error("invalid collection reference %r" % lit, i)
        path, modifier = self.split_path(lit, parts[2:], i)
        return CollectionRef(name, alias or None, path, modifier)


def _parse(expr):
    """Parse; return the parser (its ``specials``/``collections``) and the root node."""
    if not isinstance(expr, str):
        raise TypeError("rule expression must be a string, not %s" % type(expr).__name__)
    if expr == "":
        return None, _EMPTY
    p = _Parser(expr)
    if "//" in expr and "(" in expr:
        _check_comment_brackets(expr)
    if p.toks[0] == "":
        raise RuleSyntaxError("empty filter expression (only blanks or comments)", 0, expr)
    node = p.parse_or(0)
    tok = p.toks[p.i]
    if tok != "":
        if tok == ")":
            raise p.error("unexpected ) without a matching (")
        p.check_token(p.i)
        raise p.error("expected && or ||, got %s" % _describe(tok))
    return p, node


def parse(expr):
    """Parse a rule expression into an AST.

    ``""`` gives ``Empty()`` (a public rule). Anything that PocketBase would
    reject raises :class:`RuleSyntaxError` (this includes a rule made only of
    blanks or comments, which the server rejects as an empty filter).
    ``None`` (superusers only) is not an expression: pass it to ``lint_rule``.
    """
    return _parse(expr)[1]

# --------------------------------------------------------------------------
# Formatting and traversal
# --------------------------------------------------------------------------


def _fmt_number(v):
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def format_rule(node):
    """Canonical text of a node (single spaces, double quotes)."""
    t = type(node)
    if t is Compare:
        return "%s %s %s" % (format_rule(node.left), node.operator, format_rule(node.right))
    if t is And:
        return " && ".join(format_rule(n) for n in node.items)
    if t is Or:
        return " || ".join(format_rule(n) for n in node.items)
    if t is Group:
        return "(%s)" % format_rule(node.expr)
    if t is Identifier or t is RequestRef or t is CollectionRef or t is Macro:
        return node.name
    if t is Literal:
        if node.kind == "text":
            return '"%s"' % node.value.replace('"', '\\"')
        if node.kind == "number":
            return _fmt_number(node.value)
        if node.kind == "bool":
            return "true" if node.value else "false"
        return "null"
    if t is Call:
        return "%s(%s)" % (node.fn, ", ".join(format_rule(a) for a in node.args))
    if t is Empty:
        return ""
    raise TypeError("not a rule node: %r" % (node,))


def iter_nodes(node):
    """Yield every node of the tree (pre-order)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        t = type(n)
        if t is And or t is Or:
            stack.extend(reversed(n.items))
        elif t is Group:
            stack.append(n.expr)
        elif t is Compare:
            stack.append(n.right)
            stack.append(n.left)
        elif t is Call:
            stack.extend(reversed(n.args))


def iter_operands(node):
    """Yield every operand (leaf or call argument) of the tree."""
    for n in iter_nodes(node):
        if type(n) not in (And, Or, Group, Compare, Empty):
            yield n


def referenced_collections(expr_or_node):
    """Names of the collections joined with ``@collection.<name>``.

    Accepts a string (``None``/``""`` give an empty set; invalid text raises
    :class:`RuleSyntaxError`) or a parsed node.
    """
    if expr_or_node is None:
        return set()
    if isinstance(expr_or_node, str):
        parser, _node = _parse(expr_or_node)
        return set(n.collection for n in parser.collections) if parser else set()
    node = expr_or_node
    return set(n.collection for n in iter_nodes(node) if isinstance(n, CollectionRef))


# --------------------------------------------------------------------------
# Linter
# --------------------------------------------------------------------------

RuleFinding = namedtuple("RuleFinding", ("code", "severity", "message", "detail"))

# atom classes
_C_AUTHN = "authentication"        # @request.auth.id != "", verified = true
_C_GUEST = "guest"                 # @request.auth.id = ""
_C_OWNER = "ownership"             # field = @request.auth.id, tenant = @request.auth.org
_C_ROLE = "role"                   # @request.auth.role = "admin", collectionName = "staff", user id
_C_JOIN_AUTH = "join_auth"         # @collection.x.user ?= @request.auth.id
_C_JOIN = "join"                   # @collection.x.level = "admin"
_C_BODY_OWNER = "body_owner"       # @request.body.user = @request.auth.id
_C_BODY_LOCK = "body_lock"         # @request.body.role:isset = false, body.x != "admin"
_C_BODY = "body_decides"           # @request.body.isAdmin = true
_C_CLIENT = "client_other"         # @request.headers.x = "..", @request.query.x = ".."
_C_FILTER = "filter"               # status = "published", created > @now
_C_OTHER = "other"

# collectionName/collectionId = "staff" names who may act: a role (PBG-RUL-017 checks the collection
# is not open to self-registration), not "authenticated only"
_AUTHN_FIELDS = frozenset(("verified",))
_NEGATE = {"=": "!=", "!=": "=", "~": "!~", "!~": "~", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_MIRROR = {"=": "=", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_DNF_LIMIT = 256
# PocketBase 0.23+ builds at most 200 expressions from one rule (tools/search: DefaultFilterExprLimit, used by
# FilterData.BuildExpr for rules); a rule far beyond that cannot work on the server and is not analysed.
PB_RULE_EXPR_LIMIT = 200
MAX_RULE_TERMS = 10 * PB_RULE_EXPR_LIMIT
MAX_RULE_CHARS = 8 * 1024 * 1024


def _is_blank(o):
    return isinstance(o, Literal) and (o.kind == "null" or (o.kind == "text" and o.value == ""))


def _lit_truth(op, a, b):
    """Compare two literals; None when not decidable."""
    if a.kind == "null" or b.kind == "null":
        av = "" if a.kind == "null" else a.value
        bv = "" if b.kind == "null" else b.value
    else:
        av, bv = a.value, b.value
    if op == "=":
        return av == bv
    if op == "!=":
        return av != bv
    if type(av) is not type(bv) or op in ("~", "!~"):
        if op in ("~", "!~") and isinstance(av, str) and isinstance(bv, str) and "%" not in bv and "_" not in bv:
            return (bv in av) == (op == "~")
        return None
    try:
        if op == "<":
            return av < bv
        if op == "<=":
            return av <= bv
        if op == ">":
            return av > bv
        if op == ">=":
            return av >= bv
    except TypeError:
        return None
    return None


def _truth(c):
    """Constant value of a comparison atom: True, False or None (depends on data/request)."""
    left = c.left
    right = c.right
    tl = type(left)
    tr = type(right)
    if tl is Literal and tr is Literal:
        return _lit_truth(c.op, left, right)
    if left == right and tl is not Call and tl is not Macro:
        if c.op in ("=", "<=", ">=", "~"):
            return True
        if c.op in ("!=", "<", ">", "!~"):
            return False
    # record id is never empty
    if tl is Identifier and tr is Literal:
        ident, lit = left, right
    elif tr is Identifier and tl is Literal:
        ident, lit = right, left
    else:
        return None
    if ident.path == ("id",) and ident.modifier is None and _is_blank(lit) and not c.any_of:
        if c.op == "!=":
            return True
        if c.op == "=":
            return False
    return None


def _classify(c, action):
    left = c.left
    right = c.right
    tl = type(left)
    tr = type(right)
    # orient: put the "most interesting" side left
    if tr is RequestRef and (tl is not RequestRef or (right.kind == "auth" and left.kind != "auth")):
        left, right, tl, tr = right, left, tr, tl
    if tl is CollectionRef or tr is CollectionRef:
        if (tl is RequestRef and left.kind == "auth") or (tr is RequestRef and right.kind == "auth"):
            return _C_JOIN_AUTH
        return _C_JOIN
    if tl is RequestRef:
        kind = left.kind
        if kind == "auth":
            if tr is Identifier or tr is Call:
                return _C_OWNER
            if tr is RequestRef:
                if right.kind in ("body", "data"):
                    return _C_BODY_OWNER
                return _C_OTHER
            field = left.path[0] if len(left.path) == 1 else None
            if left.modifier == "isset" and isinstance(right, Literal) and right.kind == "bool":
                present = right.value == (c.op == "=")
                return _C_AUTHN if present else _C_GUEST
            if _is_blank(right):
                if c.op == "!=" or (c.op == ">" and not c.any_of):
                    return _C_AUTHN
                if c.op == "=":
                    return _C_GUEST
                return _C_OTHER
            if c.op == "!=" or c.op == "!~":
                # "anyone but X": guests pass it too
                return _C_OTHER
            if field in _AUTHN_FIELDS and left.modifier is None:
                return _C_AUTHN
            return _C_ROLE
        if kind in ("body", "data"):
            if tr is Identifier:
                return _C_BODY_LOCK
            if tr is RequestRef:
                return _C_OTHER
            mod = left.modifier
            if c.op in ("!=", "!~"):
                return _C_BODY_LOCK
            if isinstance(right, Literal) and right.kind == "bool":
                if mod in ("isset", "changed"):
                    if right.value == (c.op != "="):
                        return _C_BODY_LOCK
                elif right.value is False and c.op == "=":
                    return _C_BODY_LOCK
            return _C_BODY
        return _C_CLIENT
    return _C_FILTER


def _unwrap(node):
    while isinstance(node, Group):
        node = node.expr
    return node


def _dnf(node):
    """Disjunctive normal form: list of conjunctions (lists of Compare atoms).
    Returns None when it would exceed _DNF_LIMIT disjuncts."""
    node = _unwrap(node)
    t = type(node)
    if t is Compare:
        return [[node]]
    if t is Or:
        out = []
        for item in node.items:
            if isinstance(item, Compare):
                out.append([item])
                continue
            sub = _dnf(item)
            if sub is None:
                return None
            out.extend(sub)
            if len(out) > _DNF_LIMIT:
                return None
        return out
    if t is And:
        out = [[]]
        for item in node.items:
            if isinstance(item, Compare):
                for conj in out:
                    conj.append(item)
                continue
            sub = _dnf(item)
            if sub is None:
                return None
            if len(sub) == 1:
                s0 = sub[0]
                for conj in out:
                    conj.extend(s0)
                continue
            if len(out) * len(sub) > _DNF_LIMIT:
                return None
            out = [a + b for a in out for b in sub]
        return out
    return [[]]


def _all_atoms(node):
    return [n for n in iter_nodes(node) if isinstance(n, Compare)]


def _simplify(disjuncts):
    """Fold constant atoms. Returns (live disjuncts, tautology?)."""
    live = []
    for conj in disjuncts:
        keep = []
        dead = False
        for atom in conj:
            v = _truth(atom)
            if v is None:
                keep.append(atom)
            elif v is False:
                dead = True
                break
        if dead:
            continue
        if not keep:
            return live, True
        live.append(keep)
    if len(live) < 2:
        return live, False
    # A || !A over single-atom disjuncts: one pass with a set (a pairwise scan is quadratic on long chains)
    seen = set()
    for conj in live:
        if len(conj) != 1 or conj[0].any_of or conj[0].op not in _NEGATE:
            continue
        a = conj[0]
        neg = _NEGATE[a.op]
        if (neg, a.left, a.right) in seen or (_MIRROR.get(neg), a.right, a.left) in seen:
            return live, True
        seen.add((a.op, a.left, a.right))
    return live, False


# An empty (or always-true) authRule is PocketBase's default: every account of the collection with
# valid credentials may authenticate. It opens no records by itself, hence info; whether unverified
# accounts should log in is the audit's PBG-AUT-002. An open manageRule lets whoever passes the
# create/update rule also set `verified`, email and password without the old one: high.
_SEV_PUBLIC = {"listRule": "high", "viewRule": "high", "createRule": "medium",
               "updateRule": "critical", "deleteRule": "critical", "manageRule": "high",
               "authRule": "info"}
# client_body_decides: on authRule it only means the restriction is ineffective (back to the default)
_SEV_BODY = {"authRule": "low"}
_SEV_AUTH_ONLY = {"listRule": "medium", "viewRule": "medium", "updateRule": "high",
                  "deleteRule": "high", "manageRule": "high"}
_READ_ACTIONS = ("listRule", "viewRule")


# 0.23+ features that arrived in later releases (docs/pocketbase-facts.md#rule-syntax)
FEATURE_SINCE = {":lower": (0, 24, 0), "@yesterday": (0, 24, 0), "@tomorrow": (0, 24, 0),
                 "geoDistance()": (0, 27, 0), ":changed": (0, 34, 0), "strftime()": (0, 36, 0)}


def _mismatches(specials, generation, version=None):
    """identifier_generation_mismatch findings from the parser's special nodes."""
    out = []
    seen = set()
    vt = version_tuple(version, min_parts=1) if version else None
    for n in specials:
        t = type(n)
        problem = None
        if vt is not None and generation == "v023":
            if t is Call:
                feature = n.fn + "()"
            elif t is Macro:
                feature = n.name
            else:
                feature = (":" + n.modifier) if n.modifier else None
            since = FEATURE_SINCE.get(feature)
            if since and vt < since:
                problem = (n.name if t is not Call else n.fn + "()",
                           "%s needs PocketBase %s or later (server: %s)" % (
                               feature, ".".join(str(x) for x in since), version), None)
        if t is RequestRef:
            rest = ".".join(n.path) + (":" + n.modifier if n.modifier else "")
            if generation == "v023" and n.kind == "data":
                problem = (n.name, "@request.data was renamed to @request.body in 0.23 "
                           "(0.23+ rejects it)", "@request.body." + rest)
            elif problem:
                pass
            elif generation == "v022" and n.kind == "body":
                problem = (n.name, "@request.body does not exist before 0.23 (0.22 rejects it; "
                           "use @request.data)", "@request.data." + rest)
            elif generation == "v022" and n.modifier in MODIFIERS_V023_ONLY:
                problem = (n.name, "modifier :%s does not exist in 0.22" % n.modifier, None)
        elif problem:
            pass
        elif t is Identifier or t is CollectionRef:
            if generation == "v022" and n.modifier in MODIFIERS_V023_ONLY:
                problem = (n.name, "modifier :%s does not exist in 0.22" % n.modifier, None)
        elif t is Call:
            if generation == "v022":
                problem = (n.fn + "()", "function %s() does not exist in 0.22" % n.fn, None)
        elif t is Macro:
            if generation == "v022" and n.name in MACROS_V023_ONLY:
                problem = (n.name, "macro %s does not exist in 0.22" % n.name, None)
        if problem and problem[0] not in seen:
            seen.add(problem[0])
            detail = {"identifier": problem[0], "generation": generation}
            if version:
                detail["version"] = version
            if problem[2]:
                detail["suggestion"] = problem[2]
            out.append(RuleFinding("identifier_generation_mismatch", "high",
                                   "%s: %s" % (problem[0], problem[1]), detail))
    return out


def _text(conj):
    return " && ".join(format_rule(a) for a in conj)


def _analyse(node, action):
    """Findings that come from the logic of the expression (not from joins)."""
    findings = []
    disjuncts = [[node]] if isinstance(node, Compare) else _dnf(node)
    approximate = disjuncts is None
    if approximate:
        disjuncts = [_all_atoms(node)]
    live, tautology = _simplify(disjuncts)
    if tautology and not approximate:
        findings.append(RuleFinding(
            "tautology", _SEV_PUBLIC.get(action, "high"), _public_message(action, always_true=True),
            {"action": action, "expression": format_rule(node)}))
        return findings, True
    auth_only = []
    body = []
    for conj in live:
        classes = set()
        for a in conj:
            classes.add(_classify(a, action))
        owner = _C_OWNER in classes or _C_ROLE in classes or _C_JOIN_AUTH in classes
        if _C_BODY_OWNER in classes:
            if action == "createRule":
                # @request.body.user = @request.auth.id binds the new record to its creator
                owner = True
            else:
                # on update/delete it only makes the client send its own id: any user
                # (or a guest omitting the field) passes it for any record
                classes.add(_C_AUTHN)
        if _C_BODY in classes and not owner:
            body.append(conj)
        if (action in _SEV_AUTH_ONLY and _C_AUTHN in classes and not owner
                and _C_FILTER not in classes and _C_JOIN not in classes):
            auth_only.append(conj)
    if auth_only:
        findings.append(RuleFinding(
            "auth_only_no_ownership", _SEV_AUTH_ONLY[action],
            "%s only checks that the client is authenticated: any signed-in user may %s "
            "any record (no ownership or role check), e.g. when %s" % (
                action, _VERB.get(action, "act on"), _text(auth_only[0])),
            {"action": action, "conditions": [_text(c) for c in auth_only[:5]]}))
    if body:
        if action == "authRule":
            message = ("authRule depends on client-provided request body values, so the client can "
                       "satisfy it: it does not restrict which accounts may authenticate: %s" % _text(body[0]))
        else:
            message = ("%s grants access on client-provided request body values without an ownership "
                       "or role check: %s" % (action, _text(body[0])))
        findings.append(RuleFinding(
            "client_body_decides", _SEV_BODY.get(action, "high"), message,
            {"action": action, "conditions": [_text(c) for c in body[:5]]}))
    return findings, False


_VERB = {"listRule": "list", "viewRule": "view", "updateRule": "update",
         "deleteRule": "delete", "manageRule": "manage"}


def _readability(name, coll):
    """('public'|'authenticated'|None, rule name) for a joined collection."""
    rules = coll.get("rules") or {}
    worst = None
    for rule_name in _READ_ACTIONS:
        expr = rules.get(rule_name)
        if expr is None:
            continue
        if expr == "":
            return "public", rule_name
        try:
            node = parse(expr)
        except RuleSyntaxError:
            continue
        found, taut = _analyse(node, rule_name)
        if taut:
            return "public", rule_name
        if worst is None and any(f.code == "auth_only_no_ownership" for f in found):
            worst = ("authenticated", rule_name)
    return worst if worst else (None, None)


def _too_large(action, size):
    return RuleFinding("parse_error", "high",
                       "%s is too large to analyse (%s): PocketBase evaluates at most %d expressions per rule, "
                       "so it would fail on the server; split it or use a relation/field check"
                       % (action, size, PB_RULE_EXPR_LIMIT),
                       {"action": action, "message": "rule too large", "position": None})


def lint_rule(expr, action, generation="v023", collection=None, collections=None, version=None):
    """Lint one rule. Returns a list of :data:`RuleFinding` (empty = nothing to report).

    ``expr``: the rule (``None`` = superusers only, ``""`` = public).
    ``action``: one of :data:`ACTIONS`. ``generation``: ``v022`` or ``v023``.
    ``collection``: the normalized collection the rule belongs to (optional).
    ``collections``: ``{name: normalized collection}`` to check whether a
    collection joined with ``@collection`` is itself readable.
    ``version`` (optional, e.g. ``"0.30.4"``): also report 0.23+ features newer than
    that release (``:lower``, ``@yesterday``, ``@tomorrow`` 0.24, ``geoDistance()`` 0.27,
    ``:changed`` 0.34, ``strftime()`` 0.36); a version before 0.23 implies generation ``v022``.
    """
    if version:
        vt = version_tuple(version, min_parts=1)
        if vt is not None and vt < (0, 23, 0):
            generation = "v022"
    if action not in ACTIONS:
        raise ValueError("unknown rule action %r (expected one of %s)" % (action, ", ".join(ACTIONS)))
    if expr is None:
        return []
    if collection is not None and collection.get("type") == "view" and action not in _READ_ACTIONS:
        return []
    if len(expr) > MAX_RULE_CHARS:
        return [_too_large(action, "%d characters" % len(expr))]
    try:
        parser, node = _parse(expr)
    except RuleSyntaxError as exc:
        return [RuleFinding("parse_error", "high", "%s does not parse: %s" % (action, exc),
                            {"action": action, "message": exc.message, "position": exc.position})]
    if isinstance(node, Empty):
        return [RuleFinding("public", _SEV_PUBLIC[action], _public_message(action), {"action": action})]
    terms = len(_all_atoms(node))
    if terms > MAX_RULE_TERMS:
        return [_too_large(action, "%d comparisons" % terms)]
    findings = _mismatches(parser.specials, generation, version) if parser.specials else []
    logic, _taut = _analyse(node, action)
    if logic:
        findings.extend(logic)
    if not parser.collections:
        return findings
    joined = sorted(set(n.collection for n in parser.collections))
    if joined:
        findings.append(RuleFinding(
            "collection_join", "info",
            "%s joins other collection(s) with @collection: %s" % (action, ", ".join(joined)),
            {"action": action, "collections": joined}))
        if collections:
            for name in joined:
                coll = collections.get(name)
                if not coll:
                    continue
                exposure, rule_name = _readability(name, coll)
                if exposure:
                    findings.append(RuleFinding(
                        "joined_collection_readable", "high" if exposure == "public" else "medium",
                        "%s relies on collection %r, whose %s lets %s read it" % (
                            action, name, rule_name,
                            "anyone" if exposure == "public" else "any authenticated user"),
                        {"action": action, "collection": name, "rule": rule_name,
                         "exposure": exposure}))
    return findings


_PUBLIC_VERB = {"listRule": "list the records", "viewRule": "view any record",
                "createRule": "create records", "updateRule": "update any record",
                "deleteRule": "delete any record"}


def _public_message(action, always_true=False):
    """Message of a ``public`` (empty rule) or ``tautology`` (always true) finding."""
    what = ("%s is always true, the same as an empty rule" % action if always_true
            else "%s is empty" % action)
    if action == "authRule":
        return ("%s (PocketBase's default): every account of the collection with valid credentials may "
                "authenticate, including unverified ones; it opens no records by itself (`verified = true` "
                "limits logins to verified accounts)" % what)
    if action == "manageRule":
        return ("%s: every client that passes the create/update rule may also manage the auth records: "
                "set `verified`, change email or password without the old one (null = superusers only)"
                % what)
    if always_true:
        return "%s: anyone, including anonymous clients, may %s (public in effect)" % (what, _PUBLIC_VERB[action])
    return "%s: anyone, including anonymous clients, may %s" % (what, _PUBLIC_VERB[action])


def is_public_in_effect(expr):
    """True when the rule lets anyone through: ``""`` or a tautology.
    ``None`` and rules that do not parse are not public."""
    if expr is None:
        return False
    try:
        node = parse(expr)
    except RuleSyntaxError:
        return False
    if isinstance(node, Empty):
        return True
    disjuncts = _dnf(node)
    if disjuncts is None:
        return False
    return _simplify(disjuncts)[1]
