# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule-expression vocabulary, syntax error, AST nodes, formatting and traversal (private).

Part of the rule parser; import the public names from ``_rules.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


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
