# -*- coding: utf-8 -*-
"""Issue 11: no file in plugins/module_utils over 600 lines, no function over 60 lines unless a
``# long: <reason>`` comment sits on its ``def`` line or on the comment lines just above it."""
import ast
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60

# Today's justified exceptions (each carries its ``# long:`` reason in the source).
KNOWN_LONG = {("_api.py", "_raise_for")}


def _sources():
    out = []
    for base, dirs, files in os.walk(MODULE_UTILS):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        out.extend(os.path.join(base, f) for f in sorted(files) if f.endswith(".py"))
    return out


def _line_count(text):
    return len(text.splitlines())


def _long_reason(lines, def_line):
    """The reason of a ``# long:`` comment on the def line (1-based) or in the comment block above it."""
    candidates = [lines[def_line - 1]]
    i = def_line - 2
    while i >= 0 and lines[i].strip().startswith(("#", "@")):
        candidates.append(lines[i])
        i -= 1
    for line in candidates:
        if "# long:" in line:
            return line.split("# long:", 1)[1].strip()
    return None


def long_functions(text):
    """``[(name, first line, length, reason or None)]`` for functions over MAX_FUNCTION_LINES lines
    (decorators included)."""
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        length = node.end_lineno - first + 1
        if length > MAX_FUNCTION_LINES:
            found.append((node.name, node.lineno, length, _long_reason(lines, first)))
    return found


def _rel(path):
    return os.path.relpath(path, MODULE_UTILS)


def test_there_are_module_utils_to_check():
    assert len(_sources()) > 20


@pytest.mark.parametrize("path", _sources(), ids=_rel)
def test_module_utils_file_is_at_most_600_lines(path):
    with open(path, encoding="utf-8") as fh:
        count = _line_count(fh.read())
    assert count <= MAX_FILE_LINES, "%s has %d lines (limit %d): split it into cohesive modules" % (
        _rel(path), count, MAX_FILE_LINES)


@pytest.mark.parametrize("path", _sources(), ids=_rel)
def test_module_utils_functions_are_short_or_say_why(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    unexplained = ["%s (line %d, %d lines)" % (name, line, length)
                   for name, line, length, reason in long_functions(text) if not reason]
    assert not unexplained, "%s: functions over %d lines without a '# long: <reason>' comment: %s" % (
        _rel(path), MAX_FUNCTION_LINES, ", ".join(unexplained))


def test_known_long_functions_are_still_the_only_ones():
    """The exception list stays current: a new long function needs a reason and an entry here."""
    seen = set()
    for path in _sources():
        with open(path, encoding="utf-8") as fh:
            seen.update((_rel(path), name) for name, _l, _n, _r in long_functions(fh.read()))
    assert seen == KNOWN_LONG


SHORT = "def f():\n" + "    x = 1\n" * 10
LONG = "def g():\n" + "    x = 1\n" * 60


@pytest.mark.parametrize("text,expected", [
    (SHORT, []),
    (LONG, [("g", 1, 61, None)]),
    ("def g():  # long: a table\n" + "    x = 1\n" * 60, [("g", 1, 61, "a table")]),
    ("# long: one state machine\n# more words\n" + LONG, [("g", 3, 61, "one state machine")]),
    ("# long: too far above\n\n" + LONG, [("g", 3, 61, None)]),
    ("class C:\n    # long: a table\n    @staticmethod\n" + "\n".join("    " + l for l in LONG.splitlines()) + "\n",
     [("g", 4, 62, "a table")]),
])
def test_long_function_detection(text, expected):
    assert long_functions(text) == expected
