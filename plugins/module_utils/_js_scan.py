# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small JavaScript scanner for the stdlib hooks lint: tells code from comments and regex literals.

Private module_utils. ``mask_code`` returns the source with comments and the bodies of regex literals
blanked (same length, newlines kept, so offsets and line numbers stay valid). Strings and template
literals are kept (URLs and SQL text matter) and the code inside ``${...}`` is scanned as code.
Whether a ``/`` starts a regex literal or is a division is decided by the previous token, as the
ECMAScript grammar does for the common cases.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_WORD_RE = re.compile(r"[A-Za-z0-9_$]+")
# after these keywords an expression starts, so `/` opens a regex literal
_EXPR_KEYWORDS = frozenset(("return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void",
                            "throw", "instanceof", "yield", "await"))


def _regex_allowed(last):
    if last is None:
        return True
    if _WORD_RE.match(last):
        return last in _EXPR_KEYWORDS
    return last not in (")", "]", "}")


def _skip_string(src, i):
    """Index just after the string literal opening at ``i``."""
    quote, n = src[i], len(src)
    i += 1
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == quote or c == "\n":
            return i + 1
        i += 1
    return n


def _template_chunk(src, i):
    """Scan template text from ``i``; returns (index after it, True if it ended at a closing backtick)."""
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            return i + 1, True
        if c == "$" and src.startswith("${", i):
            return i + 2, False
        i += 1
    return n, True


def _regex_end(src, i):
    """Index of the closing ``/`` of a regex literal opening at ``i``, or -1 if it is not one."""
    in_class = False
    j, n = i + 1, len(src)
    while j < n:
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "\n":
            return -1
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "/":
            return j
        j += 1
    return -1


def mask_code(src):
    out = list(src)

    def blank(a, b):
        for k in range(a, min(b, len(out))):
            if out[k] != "\n":
                out[k] = " "

    i, n = 0, len(src)
    last = None
    depth = 0
    templates = []  # brace depth at which each open ${ started
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif c in "'\"":
            i, last = _skip_string(src, i), '"'
        elif c == "`" or (c == "}" and templates and depth - 1 == templates[-1]):
            if c == "}":
                templates.pop()
                depth -= 1
            i, ended = _template_chunk(src, i + 1)
            if not ended:
                templates.append(depth)
                depth += 1
            last = '"'
        elif c == "/" and _regex_allowed(last) and _regex_end(src, i) > 0:
            j = _regex_end(src, i)
            blank(i + 1, j)
            i = j + 1
            while i < n and (src[i].isalnum()):
                i += 1
            last = "regex"
        else:
            m = _WORD_RE.match(src, i)
            if m:
                last, i = m.group(0), m.end()
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            last, i = c, i + 1
    return "".join(out)


def split_args(text):
    """Split a call's argument text at top-level commas (string/template/bracket aware)."""
    parts, depth, quote, start, i = [], 0, None, 0, 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()] if any(p.strip() for p in parts) else []


def strip_strings(text):
    """``text`` with string literal contents removed (keeps template ${...} code)."""
    return re.sub(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|`(?:\\.|[^`\\$]|\$(?!\{))*(?:`|(?=\$\{))",
                  "''", text)
