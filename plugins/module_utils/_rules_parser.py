# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule-expression tokenizer and recursive-descent parser (private).

The grammar and the deliberate strictness are described in ``_rules.py``, the public facade.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._rules_ast import (
    And, Call, CollectionRef, Compare, FUNCTIONS, Group, Identifier, Literal, MACROS,
    MACROS_V023_ONLY, MAX_FUNCTION_DEPTH, MODIFIERS, MODIFIERS_V023_ONLY, Macro, Or,
    REQUEST_KINDS, RequestRef, RuleSyntaxError, format_rule, iter_nodes, _EMPTY, _FALSE, _NULL,
    _SIGNS, _TRUE,
)


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
