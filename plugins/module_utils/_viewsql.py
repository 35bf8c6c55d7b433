# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which source columns reach each output column of a view collection's SQL query.

Private module_utils: the interface may change.

PocketBase derives a view's fields from its SELECT (core/view.go): a plain ``table.column`` keeps the
source field (and its ``hidden`` flag), anything else (an expression, a cast, a subquery column)
becomes a plain JSON/text field whose value is always exported. This reader is deliberately wider
than PocketBase's own parser: it follows aliases, ``*`` / ``t.*`` inside subqueries and CTEs, every
column named inside an expression, and UNION branches, so a value is traced back to every source
column it may come from.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^']|'')*'?)
  | (?P<quoted>"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
  | (?P<param>[?:@$][A-Za-z0-9_]*)
  | (?P<op>\|\||<=|>=|<>|!=|==|<<|>>|[(),.;*+\-/%<>=&|~])
  | (?P<other>.)
""", re.S | re.X)

_CLAUSE_ENDS = ("where", "group", "having", "order", "limit", "window", "union", "intersect", "except")
_JOIN_WORDS = ("join", "inner", "left", "right", "full", "outer", "cross", "natural")
_SET_OPS = ("union", "intersect", "except")
# words that never name a column inside an expression
_KEYWORDS = frozenset((
    "select", "distinct", "all", "from", "as", "and", "or", "not", "is", "null", "in", "like", "glob",
    "between", "case", "when", "then", "else", "end", "cast", "exists", "escape", "collate", "true",
    "false", "current_timestamp", "current_date", "current_time", "over", "partition", "by", "asc",
    "desc", "filter", "where", "on", "using", "regexp", "match", "isnull", "notnull", "rows", "range",
    "preceding", "following", "unbounded", "current", "row", "integer", "int", "text", "real", "numeric",
    "decimal", "boolean", "bool", "blob",
))


class ViewSQLError(ValueError):
    """The query could not be read."""


class Tok(object):
    __slots__ = ("kind", "text", "low")

    def __init__(self, kind, text):
        self.kind = kind
        self.text = text
        self.low = text.lower() if kind == "word" else text

    def __repr__(self):
        return "Tok(%s, %r)" % (self.kind, self.text)


def tokenize(sql):
    out = []
    for m in _TOKEN_RE.finditer(sql or ""):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        text = m.group(kind)
        if kind == "quoted":
            out.append(Tok("word", _unquote(text)))
            out[-1].low = out[-1].text.lower()
            out[-1].kind = "ident"
            continue
        out.append(Tok(kind, text))
    return out


def _unquote(text):
    if text[:1] in "\"`[":
        text = text[1:]
        if text[-1:] in "\"`]":
            text = text[:-1]
    return text.replace('""', '"')


def _is_word(tok, *words):
    return tok is not None and tok.kind == "word" and tok.low in words


def _split_top(tokens, sep_test):
    """Split ``tokens`` at top-level (outside parentheses) tokens for which ``sep_test`` is true."""
    parts, cur, depth = [], [], 0
    for tok in tokens:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        if depth == 0 and sep_test(tok):
            parts.append(cur)
            cur = []
            continue
        cur.append(tok)
    parts.append(cur)
    return parts


def _top_index(tokens, test, start=0):
    depth = 0
    for i in range(start, len(tokens)):
        tok = tokens[i]
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        elif depth == 0 and test(tok):
            return i
    return -1


def _strip_parens(tokens):
    while len(tokens) >= 2 and tokens[0].text == "(" and tokens[-1].text == ")" and \
            _top_index(tokens[1:-1], lambda t: False) == -1 and _balanced(tokens[1:-1]):
        tokens = tokens[1:-1]
    return tokens


def _balanced(tokens):
    depth = 0
    for tok in tokens:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


class Source(object):
    """A FROM item: a collection table or a derived table (subquery/CTE) with its own columns."""

    def __init__(self, alias, table=None, columns=None):
        self.alias = alias
        self.table = table        # collection name for a base table
        self.columns = columns    # [(name, set of (table, column))] for a derived table

    def resolve(self, column, fields_of):
        """Source columns behind ``column`` of this FROM item (set of (table, column))."""
        if self.table is not None:
            return set([(self.table, column)])
        found = set()
        for name, sources in self.columns or []:
            if name.lower() == column.lower():
                found |= sources
        return found

    def star(self, fields_of):
        """(name, sources) of every column ``alias.*`` yields."""
        if self.table is not None:
            return [(f, set([(self.table, f)])) for f in fields_of(self.table)]
        return list(self.columns or [])

    def has_column(self, column, fields_of):
        if self.table is not None:
            return column.lower() in [f.lower() for f in fields_of(self.table)]
        return any(name.lower() == column.lower() for name, _s in self.columns or [])


def select_columns(sql, fields_of):
    """``[(output name, direct, set of (table, column)), ...]`` for a view query.

    ``fields_of(table)`` lists the column names of a table (collection) so that bare names and ``*``
    resolve; ``direct`` is True when the column is a plain column reference (PocketBase then keeps
    the source field and its hidden flag). Raises :class:`ViewSQLError` when the query is not a
    SELECT this reader understands.
    """
    tokens = [t for t in tokenize(sql) if t.text != ";"]
    return _query(tokens, fields_of, {})


def _query(tokens, fields_of, ctes):
    tokens = _strip_parens(tokens)
    if _is_word(tokens[0] if tokens else None, "with"):
        tokens, ctes = _with(tokens[1:], fields_of, dict(ctes))
    branches = _split_top(tokens, lambda t: t.kind == "word" and t.low in _SET_OPS)
    result = None
    for branch in branches:
        while branch and _is_word(branch[0], "all", "distinct"):
            branch = branch[1:]
        cols = _select(_strip_parens(branch), fields_of, ctes)
        if result is None:
            result = cols
            continue
        # UNION: output names come from the first branch, sources from every branch by position
        merged = []
        for i, (name, direct, sources) in enumerate(result):
            extra = cols[i][2] if i < len(cols) else set()
            merged.append((name, False, sources | extra))
        result = merged
    if result is None:
        raise ViewSQLError("empty query")
    return result


def _with(tokens, fields_of, ctes):
    if _is_word(tokens[0] if tokens else None, "recursive"):
        tokens = tokens[1:]
    i = 0
    while i < len(tokens):
        name = tokens[i].text
        i += 1
        if i < len(tokens) and tokens[i].text == "(":   # WITH x(a, b) AS (...): column list
            end = _close(tokens, i)
            i = end + 1
        if not _is_word(tokens[i] if i < len(tokens) else None, "as"):
            raise ViewSQLError("expected AS in WITH clause")
        i += 1
        if _is_word(tokens[i] if i < len(tokens) else None, "materialized", "not"):
            while not tokens[i].text == "(":
                i += 1
        end = _close(tokens, i)
        ctes[name.lower()] = Source(name, columns=_pairs(_query(tokens[i + 1:end], fields_of, ctes)))
        i = end + 1
        if i < len(tokens) and tokens[i].text == ",":
            i += 1
            continue
        return tokens[i:], ctes
    raise ViewSQLError("WITH clause without a SELECT")


def _pairs(columns):
    return [(name, sources) for name, _direct, sources in columns]


def _close(tokens, i):
    if i >= len(tokens) or tokens[i].text != "(":
        raise ViewSQLError("expected '('")
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text == "(":
            depth += 1
        elif tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    raise ViewSQLError("unbalanced parentheses")


def _select(tokens, fields_of, ctes):
    if not _is_word(tokens[0] if tokens else None, "select", "values"):
        raise ViewSQLError("not a SELECT query")
    if _is_word(tokens[0], "values"):
        return []
    tokens = tokens[1:]
    while tokens and _is_word(tokens[0], "distinct", "all"):
        tokens = tokens[1:]
    from_at = _top_index(tokens, lambda t: _is_word(t, "from"))
    select_part = tokens if from_at < 0 else tokens[:from_at]
    sources = _from(tokens[from_at + 1:], fields_of, ctes) if from_at >= 0 else []
    out = []
    for item in _split_top(select_part, lambda t: t.text == ","):
        out.extend(_select_item(item, sources, fields_of, ctes))
    return out


def _from(tokens, fields_of, ctes):
    end = _top_index(tokens, lambda t: t.kind == "word" and t.low in _CLAUSE_ENDS)
    if end >= 0:
        tokens = tokens[:end]
    sources = []
    items = _split_top(tokens, lambda t: t.text == "," or (t.kind == "word" and t.low in _JOIN_WORDS))
    for item in items:
        on_at = _top_index(item, lambda t: _is_word(t, "on", "using"))
        if on_at >= 0:
            item = item[:on_at]
        if not item:
            continue
        sources.append(_from_item(item, fields_of, ctes))
    return sources


def _from_item(item, fields_of, ctes):
    if item[0].text == "(":
        end = _close(item, 0)
        inner = item[1:end]
        rest = [t for t in item[end + 1:] if not _is_word(t, "as")]
        alias = rest[0].text if rest else ""
        if inner and _is_word(inner[0], "select", "with", "values"):
            return Source(alias, columns=_pairs(_query(inner, fields_of, ctes)))
        # a parenthesized join list: flatten its sources into one derived table
        cols = []
        for src in _from(inner, fields_of, ctes):
            cols.extend(src.star(fields_of))
        return Source(alias, columns=cols)
    name_parts = [item[0].text]
    i = 1
    while i + 1 < len(item) and item[i].text == ".":     # schema.table
        name_parts.append(item[i + 1].text)
        i += 2
    table = name_parts[-1]
    rest = [t for t in item[i:] if not _is_word(t, "as")]
    alias = rest[0].text if rest and rest[0].kind in ("word", "ident") else table
    if table.lower() in ctes:
        return Source(alias, columns=ctes[table.lower()].columns)
    return Source(alias, table=table)


def _select_item(item, sources, fields_of, ctes):
    if not item:
        return []
    # star: * or alias.*
    if len(item) == 1 and item[0].text == "*":
        out = []
        for src in sources:
            out.extend((n, True, s) for n, s in src.star(fields_of))
        return out
    if len(item) == 3 and item[1].text == "." and item[2].text == "*":
        src = _source_by_alias(sources, item[0].text)
        return [(n, True, s) for n, s in src.star(fields_of)] if src else []
    expr, alias = _split_alias(item)
    refs = _column_refs(expr, sources, fields_of, ctes)
    direct = _is_plain_ref(expr)
    if alias is None:
        alias = expr[-1].text if direct else "".join(t.text for t in expr)
    return [(alias, direct, refs)]


def _split_alias(item):
    if len(item) >= 3 and _is_word(item[-2], "as"):
        return item[:-2], item[-1].text
    if len(item) >= 2 and item[-1].kind in ("word", "ident", "string") and item[-2].text not in (".",) \
            and not (item[-1].kind == "word" and item[-1].low in _KEYWORDS):
        prev = item[-2]
        if prev.text == ")" or prev.kind in ("word", "ident", "number", "string"):
            text = item[-1].text
            return item[:-1], text.strip("'") if item[-1].kind == "string" else text
    return item, None


def _is_plain_ref(expr):
    if len(expr) == 1 and expr[0].kind in ("word", "ident"):
        return True
    return len(expr) == 3 and expr[1].text == "." and all(t.kind in ("word", "ident") for t in (expr[0], expr[2]))


def _source_by_alias(sources, alias):
    for src in sources:
        if src.alias.lower() == alias.lower() or (src.table or "").lower() == alias.lower():
            return src
    return None


def _column_refs(expr, sources, fields_of, ctes):
    """Every source column an expression may read, including inside scalar subqueries."""
    refs = set()
    i = 0
    while i < len(expr):
        tok = expr[i]
        nxt = expr[i + 1] if i + 1 < len(expr) else None
        if tok.text == "(" and nxt is not None and _is_word(nxt, "select", "with"):
            end = _close(expr, i)
            for _n, _d, srcs in _query(expr[i + 1:end], fields_of, ctes):
                refs |= srcs
            i = end + 1
            continue
        if tok.kind not in ("word", "ident") or (tok.kind == "word" and tok.low in _KEYWORDS):
            i += 1
            continue
        if nxt is not None and nxt.text == "(":      # function name
            i += 1
            continue
        if nxt is not None and nxt.text == "." and i + 2 < len(expr):
            target = expr[i + 2]
            src = _source_by_alias(sources, tok.text)
            if src is not None:
                if target.text == "*":
                    for _n, s in src.star(fields_of):
                        refs |= s
                else:
                    refs |= src.resolve(target.text, fields_of)
            i += 3
            continue
        if i > 0 and expr[i - 1].text == ".":
            i += 1
            continue
        refs |= _bare(tok.text, sources, fields_of)
        i += 1
    return refs


def _bare(column, sources, fields_of):
    owners = [s for s in sources if s.has_column(column, fields_of)]
    if not owners and len(sources) == 1:
        owners = sources
    found = set()
    for src in owners:
        found |= src.resolve(column, fields_of)
    return found
