# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule-expression linter: reads a parsed rule as logic and reports findings (private).

Import ``lint_rule``/``RuleFinding``/``is_public_in_effect`` from ``_rules.py``, the public facade.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.pbguard.pocketbase.plugins.module_utils._rules_ast import (
    ACTIONS, And, Call, CollectionRef, Compare, Empty, Group, Identifier, Literal,
    MACROS_V023_ONLY, MODIFIERS_V023_ONLY, Macro, Or, RequestRef, RuleSyntaxError, format_rule,
    iter_nodes,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._rules_parser import (
    parse, _parse,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._version import version_tuple


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
    if tl is tr:
        if tl is Literal:
            return _lit_truth(c.op, left, right)
        # x = x; a call or macro may differ between evaluations
        if tl is not Call and tl is not Macro and (left is right or left == right):
            return _SAME_TRUTH.get(c.op)
        return None
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


_SAME_TRUTH = {"=": True, "<=": True, ">=": True, "~": True, "!=": False, "<": False, ">": False, "!~": False}


def _classify(c):
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
    singles = [conj[0] for conj in live if len(conj) == 1 and not conj[0].any_of and conj[0].op in _NEGATE]
    ops = set([a.op for a in singles])
    if not any(_NEGATE[op] in ops or _MIRROR.get(_NEGATE[op]) in ops for op in ops):
        return live, False  # no two operators that could negate each other: no node hashing needed
    seen = set()
    for a in singles:
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
    # after expansion an atom often sits in several branches: classify it once
    known = {}
    for conj in live:
        classes = set()
        for a in conj:
            cls = known.get(id(a))
            if cls is None:
                cls = known[id(a)] = _classify(a)
            classes.add(cls)
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
    # a comparison takes at least three tokens: only a rule with many tokens can have too many
    if len(parser.toks) > 3 * MAX_RULE_TERMS:
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
        findings.extend(_join_findings(action, joined, collections))
    return findings


def _join_findings(action, joined, collections):
    """``collection_join`` for the joined collections, plus ``joined_collection_readable`` for each one
    (among ``collections``) that guests or any signed-in user can read."""
    findings = [RuleFinding(
        "collection_join", "info",
        "%s joins other collection(s) with @collection: %s" % (action, ", ".join(joined)),
        {"action": action, "collections": joined})]
    for name in joined if collections else ():
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
