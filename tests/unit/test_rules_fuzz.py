# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the rule parser: no input crashes it, valid rules round-trip."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules as R

FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = [
    "@request.auth.id", "@request.body.x", "@request.data.x:isset", "@request.query.q", "@request.method",
    "@request.headers.h", "@request.context", "@request", "@request.", "@collection.users.id",
    "@collection.users:u.role", "@collection.", "@now", "@todayStart", "@yesterday", "@bogus",
    "owner", "a.b.c", "tags:each", "tags:length", "x:lower", "x:changed", "x:nope", "a..b", "a.",
    "true", "false", "null", "#x", "_", "@", "1", "-1", "2.5", "-", "1.", ".5", "1.2.3",
    "''", '""', "'a'", '"b"', "'it\\'s'", '"\\"q\\""', "'", '"', "'\\'", "\\",
    "=", "!=", ">", ">=", "<", "<=", "~", "!~", "?=", "?!=", "?~", "?>", "==", "=!", "?", "!",
    "&&", "||", "&", "|", "|||", "(", ")", "()", ",", "//", "/", "// c\n", "\n", "\t", "\r",
    "strftime(", "geoDistance(", "foo(", "strftime('%Y', created)", "geoDistance(1,2,3,4)",
    "é", "\x00", "\u2028", "{:x}",
]
SEPARATORS = st.sampled_from(["", " ", "  ", "\n", "\t"])


def _check(expr):
    try:
        node = R.parse(expr)
    except R.RuleSyntaxError as exc:
        assert isinstance(exc.message, str) and exc.message
        assert 0 <= exc.position <= len(expr)
        assert str(exc).startswith(exc.message + " at position %d: " % exc.position)
        findings = R.lint_rule(expr, "updateRule")
        assert [f.code for f in findings] == ["parse_error"]
        return None
    assert isinstance(node, R.Node)
    for action in ("listRule", "updateRule", "createRule"):
        for gen in ("v022", "v023"):
            findings = R.lint_rule(expr, action, gen)
            assert all(isinstance(f, R.RuleFinding) for f in findings)
            assert "parse_error" not in [f.code for f in findings]
    assert isinstance(R.is_public_in_effect(expr), bool)
    assert isinstance(R.referenced_collections(expr), set)
    return node


@FUZZ
@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes(expr):
    _check(expr)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), SEPARATORS), max_size=14))
def test_token_soup_never_crashes(parts):
    _check("".join(frag + sep for frag, sep in parts))


# grammar-directed generation of valid rules --------------------------------

_NAMES = ["owner", "user", "id", "status", "tags", "a1", "_x", "members", "created", "trueish", "nullable"]
_FIELD = st.lists(st.sampled_from(_NAMES), min_size=1, max_size=3).map(".".join)
_MOD = st.sampled_from(["", "", ":isset", ":length", ":each", ":lower", ":changed"])
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


def _quote(s, q):
    # the scanner ends a text at the first quote not preceded by a backslash: keep
    # backslashes out of generated text so that only the quote escape is in play
    s = s.replace("\\", "")
    return q + s.replace(q, "\\" + q) + q


_OPERAND = st.one_of(
    st.builds(lambda f, m: f + m, _FIELD, _MOD),
    st.builds(lambda f, m: "@request.auth." + f + m, _FIELD, _MOD),
    st.builds(lambda f, m: "@request.body." + f + m, _FIELD, _MOD),
    st.builds(lambda c, a, f: "@collection." + c + a + "." + f,
              st.sampled_from(["users", "roles"]), st.sampled_from(["", ":a"]), _FIELD),
    st.sampled_from(sorted(R.MACROS) + ["true", "false", "null", "@request.method", "@request.context"]),
    st.builds(_quote, _TEXT, st.sampled_from(["'", '"'])),
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: "%.3f" % f),
    st.builds(lambda f: "strftime('%Y', " + f + ")", _FIELD),
)
_OP = st.sampled_from(["=", "!=", ">", ">=", "<", "<=", "~", "!~",
                       "?=", "?!=", "?>", "?>=", "?<", "?<=", "?~", "?!~"])
_WS = st.sampled_from([" ", "", "  ", "\n", "\t", " // note\n"])


def _compare(t):
    left, ws1, op, ws2, right = t
    return left + ws1 + op + ws2 + right


_ATOM = st.tuples(_OPERAND, _WS, _OP, _WS, _OPERAND).map(_compare)


def _extend(children):
    return st.one_of(
        st.tuples(children, _WS, st.sampled_from(["&&", "||"]), _WS, children).map("".join),
        st.tuples(_WS, children, _WS).map(lambda t: "(" + "".join(t) + ")"),
    )


VALID = st.recursive(_ATOM, _extend, max_leaves=8)


@FUZZ
@given(VALID)
def test_generated_valid_rules_parse_and_round_trip(expr):
    node = _check(expr)
    assert node is not None, expr
    text = R.format_rule(node)
    assert R.parse(text) == node
    assert R.format_rule(R.parse(text)) == text
