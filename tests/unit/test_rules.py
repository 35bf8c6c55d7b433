# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the rule-expression tokenizer, parser and linter (plugins/module_utils/_rules.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import os

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules as R

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "rules")


_ESCAPES = {"n": "\n", "t": "\t", "s": " ", "r": "\r", "\\": "\\"}


def _decode(text):
    """Fixture escapes: \\n \\t \\s \\r \\\\; any other backslash stays as it is."""
    if text == "<empty>":
        return ""
    if text == "<null>":
        return None
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def load_corpus():
    with io.open(os.path.join(FIXTURES, "collections.json"), encoding="utf-8") as fh:
        contexts = json.load(fh)
    cases = []
    with io.open(os.path.join(FIXTURES, "corpus.txt"), encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            head, codes, rule = line.split(" | ", 2)
            words = head.split()
            action, generation = words[0], words[1]
            ctx = None
            for w in words[2:]:
                assert w.startswith("ctx="), "line %d: unknown option %r" % (lineno, w)
                ctx = contexts[w[4:]]
            expected = sorted(set(codes.split())) if codes.strip() != "-" else []
            cases.append(pytest.param(_decode(rule), action, generation, ctx, expected,
                                      id="L%03d-%s" % (lineno, action)))
    return cases


def _split_expected(expected):
    """``["public:info", "collection_join"]`` -> (codes, {code: severity}) (severity optional)."""
    codes, severities = [], {}
    for item in expected:
        code, _sep, severity = item.partition(":")
        codes.append(code)
        if severity:
            severities[code] = severity
    return sorted(set(codes)), severities


CORPUS = load_corpus()


def test_corpus_size():
    rules = set(c.values[0] for c in CORPUS)
    assert len(CORPUS) >= 150
    assert len(rules) >= 150


@pytest.mark.parametrize("rule, action, generation, collections, expected", CORPUS)
def test_corpus(rule, action, generation, collections, expected):
    expected, severities = _split_expected(expected)
    findings = R.lint_rule(rule, action, generation=generation, collections=collections)
    codes = sorted(set(f.code for f in findings))
    assert codes == expected, [tuple(f) for f in findings]
    for f in findings:
        if f.code in severities:
            assert f.severity == severities[f.code], tuple(f)
    for f in findings:
        assert f.code in R.FINDING_CODES
        assert f.severity in ("critical", "high", "medium", "low", "info")
        assert f.message and isinstance(f.detail, dict)
    # lint findings and parse() agree on validity
    if rule is not None:
        if "parse_error" in codes:
            with pytest.raises(R.RuleSyntaxError):
                R.parse(rule)
        else:
            R.parse(rule)


# --------------------------------------------------------------------------
# invalid inputs: error message and position
# --------------------------------------------------------------------------


def load_invalid():
    cases = []
    with io.open(os.path.join(FIXTURES, "invalid.txt"), encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            pos, needle, rule = line.split(" | ", 2)
            cases.append(pytest.param(_decode(rule), int(pos), needle, id="L%03d" % lineno))
    return cases


INVALID = load_invalid()


def test_invalid_fixture_size():
    assert len(INVALID) >= 50


@pytest.mark.parametrize("rule, position, needle", INVALID)
def test_invalid_rule_position(rule, position, needle):
    with pytest.raises(R.RuleSyntaxError) as info:
        R.parse(rule)
    err = info.value
    assert err.position == position, err
    assert needle in err.message
    assert str(err).startswith("%s at position %d: " % (err.message, position))
    assert isinstance(err, ValueError)
    findings = R.lint_rule(rule, "listRule")
    assert [f.code for f in findings] == ["parse_error"]
    assert findings[0].detail["position"] == position
    assert findings[0].detail["message"] == err.message


def test_error_excerpt_points_at_the_problem():
    err = pytest.raises(R.RuleSyntaxError, R.parse, 'owner = @request.auth.id && title == "x"').value
    assert err.position == 34
    assert str(err) == 'invalid operator \'==\' at position 34: ...st.auth.id && title == "x"'
    long_rule = "a = 1 && " * 10 + "b = = 2" + " && c = 3" * 10
    err = pytest.raises(R.RuleSyntaxError, R.parse, long_rule).value
    assert err.position == 94
    assert err.message.startswith("expected the right operand")
    assert str(err).endswith(" at position 94: ...= 1 && a = 1 && b = = 2 && c = 3 && c = ...")


# --------------------------------------------------------------------------
# spacing, quoting and comment variants give the same AST
# --------------------------------------------------------------------------

VARIANTS = [
    ['@request.auth.id != ""', "@request.auth.id != ''", '@request.auth.id!=""', "@request.auth.id\t!=\t''",
     '  @request.auth.id   !=\n"" ', '@request.auth.id != "" // signed in', '// signed in\n@request.auth.id != ""'],
    ["user = @request.auth.id && status = 'draft'", 'user=@request.auth.id&&status="draft"',
     "user = @request.auth.id\n&& status = 'draft'  // owner, drafts only",
     "user\n=\n@request.auth.id\t&&\tstatus\t=\t'draft'"],
    ['@collection.users.id ?= @request.auth.id && @collection.users.role = "admin"',
     "@collection.users.id?=@request.auth.id&&@collection.users.role='admin'"],
    ["title = 'it\\'s'", 'title = "it\'s"'],
    ['title = "say \\"hi\\""', "title = 'say \"hi\"'"],
    ["strftime('%Y', created) = '2026'", 'strftime( "%Y" ,created ) = "2026"',
     "strftime('%Y',\n// year\ncreated) = '2026'"],
    ["price > 10", "price>10", "price > 10.0"],
    ["(a = 1 || b = 2) && c = 3", "( a = 1 || b = 2 ) && c = 3", "(a=1||b=2)&&c=3"],
]


@pytest.mark.parametrize("group", VARIANTS, ids=lambda g: g[0][:30])
def test_variants_parse_to_the_same_ast(group):
    first = R.parse(group[0])
    for text in group[1:]:
        assert R.parse(text) == first, text
        assert hash(R.parse(text)) == hash(first)


def test_different_rules_differ():
    assert R.parse("a = 1") != R.parse("a != 1")
    assert R.parse("a = 1") != R.parse("a ?= 1")
    assert R.parse("a = '1'") != R.parse("a = 1")
    assert R.parse("(a = 1)") != R.parse("a = 1")
    assert R.parse("a = 1 || b = 2 && c = 3") != R.parse("(a = 1 || b = 2) && c = 3")


# --------------------------------------------------------------------------
# AST shape
# --------------------------------------------------------------------------


def test_ast_shape_and_precedence():
    node = R.parse("a = 1 || b = 2 && c = 3")
    assert node == R.Or([
        R.Compare("=", R.Identifier(["a"]), R.Literal(1.0, "number")),
        R.And([R.Compare("=", R.Identifier(["b"]), R.Literal(2.0, "number")),
               R.Compare("=", R.Identifier(["c"]), R.Literal(3.0, "number"))]),
    ])


def test_operands():
    node = R.parse('@collection.users:u.profile.name:lower ?!~ @request.body.name:lower '
                   '&& created > @todayStart && tags:each = true && x != null && y = -2.5')
    c1, c2, c3, c4, c5 = node.items
    assert c1.left == R.CollectionRef("users", "u", ["profile", "name"], "lower")
    assert (c1.op, c1.any_of, c1.operator) == ("!~", True, "?!~")
    assert c1.right == R.RequestRef("body", ["name"], "lower")
    assert c2.right == R.Macro("@todayStart")
    assert c3.left == R.Identifier(["tags"], "each") and c3.right == R.Literal(True, "bool")
    assert c4.right == R.Literal(None, "null")
    assert c5.right == R.Literal(-2.5, "number")
    assert R.parse("@request.method = 'GET'").left == R.RequestRef("method")
    assert R.parse("@request.data.a.b:isset = true").left == R.RequestRef("data", ["a", "b"], "isset")
    call = R.parse("geoDistance(a.lon, a.lat, 1, strftime('%s', @now)) < 5").left
    assert call == R.Call("geoDistance", [R.Identifier(["a", "lon"]), R.Identifier(["a", "lat"]),
                                          R.Literal(1.0, "number"),
                                          R.Call("strftime", [R.Literal("%s", "text"), R.Macro("@now")])])


@pytest.mark.parametrize("operator", ["=", "!=", ">", ">=", "<", "<=", "~", "!~",
                                      "?=", "?!=", "?>", "?>=", "?<", "?<=", "?~", "?!~"])
def test_all_operators(operator):
    node = R.parse("a %s 'x'" % operator)
    assert node.operator == operator
    assert node.any_of == operator.startswith("?")


@pytest.mark.parametrize("macro", sorted(R.MACROS))
def test_all_macros(macro):
    assert R.parse("created >= %s" % macro).right == R.Macro(macro)


@pytest.mark.parametrize("modifier", sorted(R.MODIFIERS))
def test_all_modifiers(modifier):
    assert R.parse("field:%s = 1" % modifier).left.modifier == modifier


def test_empty_and_none():
    assert R.parse("") == R.Empty()
    assert R.format_rule(R.parse("")) == ""
    with pytest.raises(TypeError):
        R.parse(None)
    assert R.lint_rule(None, "listRule") == []


@pytest.mark.parametrize("rule", [c.values[0] for c in CORPUS
                                  if c.values[0] and "parse_error" not in c.values[4]])
def test_format_rule_round_trip(rule):
    node = R.parse(rule)
    text = R.format_rule(node)
    assert R.parse(text) == node
    assert R.format_rule(R.parse(text)) == text


# --------------------------------------------------------------------------
# public helpers
# --------------------------------------------------------------------------


def test_referenced_collections():
    rule = ('@collection.users.id ?= @request.auth.id && @collection.roles:r.name = "x" '
            '|| @collection.users:u2.role = "admin"')
    assert R.referenced_collections(rule) == {"users", "roles"}
    assert R.referenced_collections(R.parse(rule)) == {"users", "roles"}
    assert R.referenced_collections("owner = @request.auth.id") == set()
    assert R.referenced_collections("") == set()
    assert R.referenced_collections(None) == set()
    with pytest.raises(R.RuleSyntaxError):
        R.referenced_collections("@collection.users.id ==")


@pytest.mark.parametrize("rule, public", [
    ("", True), ("id != ''", True), ("1 = 1 || owner = @request.auth.id", True),
    ("@request.auth.id = '' || @request.auth.id != ''", True),
    (None, False), ("@request.auth.id != ''", False), ("owner = @request.auth.id", False),
    ("status = 'published'", False), ("a ==", False), ("1 = 2", False),
])
def test_is_public_in_effect(rule, public):
    assert R.is_public_in_effect(rule) is public


def test_unknown_action_is_rejected():
    with pytest.raises(ValueError):
        R.lint_rule("", "readRule")


def test_view_collections_have_no_write_rules():
    view = {"name": "stats", "type": "view", "rules": {}}
    assert R.lint_rule("", "updateRule", collection=view) == []
    assert [f.code for f in R.lint_rule("", "listRule", collection=view)] == ["public"]


def test_severities():
    def sev(rule, action):
        return [(f.code, f.severity) for f in R.lint_rule(rule, action)]
    assert sev("", "updateRule") == [("public", "critical")]
    assert sev("", "listRule") == [("public", "high")]
    assert sev("", "createRule") == [("public", "medium")]
    assert sev("", "authRule") == [("public", "info")]
    assert sev("", "manageRule") == [("public", "high")]
    assert sev(None, "manageRule") == [] and sev(None, "authRule") == []
    assert sev("@request.body.token = 'x'", "authRule") == [("client_body_decides", "low")]
    assert sev("@request.body.token = 'x'", "updateRule") == [("client_body_decides", "high")]
    assert sev("@request.auth.id != ''", "deleteRule") == [("auth_only_no_ownership", "high")]
    assert sev("@request.auth.id != ''", "listRule") == [("auth_only_no_ownership", "medium")]
    assert sev("@collection.x.a = 1", "listRule") == [("collection_join", "info")]


def test_finding_details():
    f = R.lint_rule("@request.data.isAdmin = true", "createRule", "v023")
    by_code = dict((x.code, x) for x in f)
    mismatch = by_code["identifier_generation_mismatch"]
    assert mismatch.detail == {"identifier": "@request.data.isAdmin", "generation": "v023",
                               "suggestion": "@request.body.isAdmin"}
    assert by_code["client_body_decides"].detail["conditions"] == ["@request.data.isAdmin = true"]
    f = R.lint_rule("@request.body.x:isset = false && owner = @request.auth.id", "updateRule", "v022")
    assert f[0].detail["suggestion"] == "@request.data.x:isset"
    join = R.lint_rule("@collection.b.x = 1 && @collection.a.y = 2", "listRule")[0]
    assert join.detail["collections"] == ["a", "b"]
    collections = {"a": {"name": "a", "rules": {"listRule": "", "viewRule": None}}}
    readable = [x for x in R.lint_rule("@collection.a.y = 2", "listRule", collections=collections)
                if x.code == "joined_collection_readable"]
    assert readable[0].detail == {"action": "listRule", "collection": "a", "rule": "listRule",
                                  "exposure": "public"}
    assert readable[0].severity == "high"


@pytest.mark.parametrize("rule, version, expected", [
    ("title:lower = 'x'", "0.23.12", ["title:lower"]),
    ("created > @yesterday", "0.23.12", ["@yesterday"]),
    ("created > @yesterday", "0.24.0", []),
    ("title:lower = 'x'", "0.24.0", []),
    ("geoDistance(a.lon, a.lat, 1, 2) < 5", "0.26.6", ["geoDistance()"]),
    ("geoDistance(a.lon, a.lat, 1, 2) < 5", "0.27.0", []),
    ("@request.body.title:changed = false && strftime('%Y', created) = '2026'", "0.30.4",
     ["@request.body.title:changed", "strftime()"]),
    ("@request.body.title:changed = false && strftime('%Y', created) = '2026'", "0.36.0", []),
    ("@request.body.title:changed = false", "0.22.27", ["@request.body.title:changed"]),
    ("@request.data.title = 'x'", "0.22.27", []),
    ("@request.data.title = 'x'", "0.40.6", ["@request.data.title"]),
])
def test_version_specific_features(rule, version, expected):
    findings = [f for f in R.lint_rule(rule, "listRule", version=version)
                if f.code == "identifier_generation_mismatch"]
    assert [f.detail["identifier"] for f in findings] == expected
    for f in findings:
        assert f.detail["version"] == version


def test_large_expressions_do_not_explode():
    # 2^40 disjuncts in DNF: the linter falls back to a conservative view instead of expanding
    rule = " && ".join("(a%d = 1 || b%d = 2)" % (i, i) for i in range(40))
    assert R.lint_rule(rule, "updateRule") == []
    deep = "(" * 90 + "a = 1" + ")" * 90
    assert R.parse(deep)
    with pytest.raises(R.RuleSyntaxError):
        R.parse("(" * 500 + "a = 1" + ")" * 500)


# --------------------------------------------------------------------------
# what 0.22.27 accepted and rejected (samples/v022_rule_matrix.txt, docs/pocketbase-facts.md#rule-syntax)
# --------------------------------------------------------------------------


def load_matrix():
    rows = []
    with io.open(os.path.join(FIXTURES, "v022_rule_matrix.txt"), encoding="utf-8") as fh:
        for line in fh:
            m = line.rstrip("\n")
            if not m.strip():
                continue
            status = None
            for code in (" 200 ", " 400 "):
                idx = m.find(code)
                if idx > 0:
                    status = int(code)
                    rule = m[:idx].strip()
                    reason = m[idx + 5:].strip()
                    break
            if m.rstrip().endswith(" 200"):
                status, rule, reason = 200, m.rstrip()[:-4].strip(), ""
            rows.append(pytest.param(rule, status, reason, id=rule[:40]))
    return rows


MATRIX = load_matrix()


def test_matrix_loaded():
    assert len(MATRIX) >= 25


@pytest.mark.parametrize("rule, status, reason", MATRIX)
def test_v022_matrix(rule, status, reason):
    """Every rule 0.22 accepted parses and lints without a v022 mismatch; every rule it
    rejected for syntax or generation reasons is a parse error or a v022 mismatch.
    (Rejections for unknown fields need the schema and are out of the parser's reach.)"""
    codes = set(f.code for f in R.lint_rule(rule, "listRule", "v022"))
    if status == 200:
        assert "parse_error" not in codes
        if ":changed" not in rule:  # 0.22 accepted :changed but ignores it (docs/pocketbase-facts.md#rule-syntax)
            assert "identifier_generation_mismatch" not in codes
        else:
            assert "identifier_generation_mismatch" in codes
    elif "unknown field" in reason or "failed to resolve field \\\"owner" in reason:
        assert "parse_error" not in codes
    else:
        assert codes & {"parse_error", "identifier_generation_mismatch"}, codes


# ---------------------------------------------------------------- issue 17 item 9: long flat chains

def test_a_long_or_chain_finds_a_tautology_pair_far_apart():
    terms = ['owner = "u%d"' % i for i in range(1900)]
    terms.insert(1500, 'owner != "u3"')
    codes = [f.code for f in R.lint_rule(" || ".join(terms), "listRule", "v023")]
    assert "tautology" in codes


def test_the_tautology_scan_is_linear_in_the_number_of_terms(monkeypatch):
    """Count node comparisons on a chain mixing = and != (the old pairwise scan compared every
    = term with every != term: n*n/4 comparisons)."""
    calls = {"n": 0}
    real_eq = R.Node.__eq__

    def counting_eq(self, other):
        calls["n"] += 1
        return real_eq(self, other)

    monkeypatch.setattr(R.Node, "__eq__", counting_eq)
    for terms in (400, 1600):
        calls["n"] = 0
        expr = " || ".join(('owner = "u%d"' if i % 2 else 'owner != "v%d"') % i for i in range(terms))
        R.lint_rule(expr, "listRule", "v023")
        assert calls["n"] <= 20 * terms, (terms, calls["n"])


def test_a_rule_beyond_pocketbases_expression_limit_is_reported_not_analysed():
    expr = " || ".join('owner = "u%d"' % i for i in range(200000))
    findings = R.lint_rule(expr, "listRule", "v023")
    assert [f.code for f in findings] == ["parse_error"]
    assert "200 expressions" in findings[0].message
