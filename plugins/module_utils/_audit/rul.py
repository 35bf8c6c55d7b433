# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RUL controls: collection API rules, read as logic by the rule linter (module_utils/_rules.py).

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine, sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import NotApplicable, bad, control, ok


RULE_ACTIONS = {"listRule": "list", "viewRule": "view", "createRule": "create", "updateRule": "update",
                "deleteRule": "delete", "manageRule": "manage", "authRule": "auth"}


def _finding_code(f):
    return getattr(f, "code", None) or (f.get("code") if isinstance(f, dict) else None)


def _finding_message(f):
    return getattr(f, "message", None) or (f.get("message") if isinstance(f, dict) else "") or ""


_LONG_LITERAL_RE = re.compile(r"(['\"])([^'\"]{12,})\1")


def _short_rule(expr, limit=120):
    """One-line rule for evidence; long string literals (possible shared secrets) masked."""
    expr = _LONG_LITERAL_RE.sub(lambda m: m.group(1) + "********" + m.group(1), " ".join(str(expr).split()))
    return expr if len(expr) <= limit else expr[:limit - 3] + "..."


def _rule_failures(ctx, codes, respect_public=False):
    out = []
    lint = ctx.rule_lint()
    for coll, rule, expr, findings in lint:
        hits = [f for f in findings if _finding_code(f) in codes]
        if not hits:
            continue
        if respect_public and ctx.public_declared(coll, rule):
            continue
        out.append(bad("collection:%s.%s" % (coll, rule),
                       "%s: `%s`" % ("; ".join(sorted(set(_finding_message(f) for f in hits))), _short_rule(expr))))
    return out, len(lint)


def _rule_finding_results(ctx, codes, ok_message, respect_public=False):
    """Fail every rule with a linter finding in ``codes``; ``ok_message`` takes the number of rules checked."""
    out, n = _rule_failures(ctx, codes, respect_public=respect_public)
    return out or [ok("collections", ok_message % n)]


@control("PBG-RUL-001", title="No rule public unless declared", severity="critical", scope="api", profile="baseline",
         source=sources.P2 + "; " + sources.CL_RULES,
         rationale="An empty rule lets anyone, unauthenticated, perform the action: the tickets listRule finding.",
         remediation="Set an explicit rule (null = superusers only) or declare the rule in public_rules when public "
                     "is intended.")
def check_rul_public(ctx):
    """Fails per empty (public) rule not declared in public_rules; tautologies are PBG-RUL-002."""
    out = []
    checked = 0
    for coll in ctx.collections():
        rules = coll.get("rules") or {}
        for rule in engine.CRUD_RULES + ("manageRule",):
            expr = rules.get(rule)
            if expr is None:
                continue
            checked += 1
            # tautologies (public in effect) are PBG-RUL-002
            if expr.strip() == "" and not ctx.public_declared(coll.get("name"), rule):
                out.append(bad("collection:%s.%s" % (coll.get("name"), rule),
                               "empty rule: anyone, unauthenticated, may %s; not declared in public_rules"
                               % RULE_ACTIONS[rule]))
    return out or [ok("collections", "%d set rule(s): public only where declared" % checked)]


@control("PBG-RUL-002", title="Rules are not tautologies", severity="high", scope="api", profile="baseline",
         source=sources.P2,
         rationale="An always-true filter (`id != \"\"`, `1 = 1`) is public in effect while looking restricted.",
         remediation="Replace it with a real condition or declare it public with an empty rule.")
def check_rul_tautology(ctx):
    """Fails per rule the linter finds always true (public in effect) unless declared in public_rules."""
    return _rule_finding_results(ctx, ("tautology",), "%d rule(s): no tautologies", respect_public=True)


@control("PBG-RUL-003", title="Authenticated-only rules check ownership",
         severity="high", scope="api", profile="baseline",
         source=sources.P2 + "; " + sources.CL_RULES,
         rationale="`@request.auth.id != \"\"` lets any logged-in user act on every record.",
         remediation="Add an ownership condition such as `user = @request.auth.id`.")
def check_rul_auth_only(ctx):
    """Fails per rule that only requires a logged-in user, without an ownership condition."""
    return _rule_finding_results(ctx, ("auth_only_no_ownership",),
                                 "%d rule(s): every auth-only rule has an ownership condition")


@control("PBG-RUL-004", title="Access not decided by client-provided body data",
         severity="critical", scope="api", profile="baseline",
         source=sources.P2,
         rationale="`@request.body.isAdmin = true` (0.22 `@request.data`) lets the client declare itself admin.",
         remediation="Decide access on stored data or @request.auth fields, never on the request body.")
def check_rul_body_decides(ctx):
    """Fails per rule whose access depends on client-sent body data (@request.body, 0.22
    @request.data)."""
    return _rule_finding_results(ctx, ("client_body_decides",),
                                 "%d rule(s): no access decided by client-provided body data")


@control("PBG-RUL-005", title="Cross-collection joins minimized", severity="low", scope="api", profile="strict",
         source=sources.P3 + "; " + sources.CL_RULES,
         rationale="@collection joins widen what a rule depends on and are easy to get wrong.",
         remediation="Prefer relation fields and @request.auth; keep @collection references few and reviewed.")
def check_rul_collection_join(ctx):
    """Fails per rule that joins another collection with @collection."""
    return _rule_finding_results(ctx, ("collection_join",), "%d rule(s): no @collection joins")


@control("PBG-RUL-006", title="Joined collections are not readable by the same users",
         severity="high", scope="api", profile="baseline",
         source=sources.P3,
         rationale="If the collection a rule joins (e.g. permissions) is readable, users can enumerate who is admin.",
         remediation="Restrict list/view rules of joined collections to superusers or to the owner.")
def check_rul_join_readable(ctx):
    """Fails per rule joining a collection that the same users may list or view."""
    return _rule_finding_results(ctx, ("joined_collection_readable",),
                                 "%d rule(s): no join over a readable collection")


@control("PBG-RUL-007", title="Rule identifiers match the server generation",
         severity="medium", scope="api", profile="baseline",
         source=sources.P2 + " (" + sources.BEYOND + ")",
         rationale="0.23 renamed @request.data to @request.body; a mismatched identifier fails or silently changes "
                   "meaning.",
         remediation="Rewrite rules for the running version (@request.body on 0.23+, @request.data on 0.22).")
def check_rul_generation(ctx):
    """Fails per rule using an identifier of the other PocketBase generation (@request.data on 0.23+,
    @request.body on 0.22)."""
    return _rule_finding_results(ctx, ("identifier_generation_mismatch",),
                                 "%d rule(s): identifiers match the server generation")


@control("PBG-RUL-008", title="Every rule parses", severity="medium", scope="api", profile="baseline",
         source=sources.CL_RULES,
         rationale="A rule the linter cannot parse cannot be checked: unknown is not pass.",
         remediation="Fix the rule syntax; check it with the rule tester in the dashboard.")
def check_rul_parse(ctx):
    """Fails per rule the parser cannot parse (or the linter failed on)."""
    return _rule_finding_results(ctx, ("parse_error",), "%d rule(s) parsed")


@control("PBG-RUL-009", title="No collection with several undeclared public write rules",
         severity="high", scope="api", profile="baseline",
         source=sources.P2 + "; " + sources.CL_RULES,
         rationale="Public create/update/delete on the same collection means anyone can tamper with its data.",
         remediation="Default-deny: restrict write rules to owners or superusers.")
def check_rul_default_deny(ctx):
    """Fails per base collection with two or more of create/update/delete public (empty) and not
    declared in public_rules; system and view collections are skipped."""
    out = []
    for coll in ctx.collections():
        if coll.get("system") or coll.get("type") == "view":
            continue
        rules = coll.get("rules") or {}
        writes = [r for r in ("createRule", "updateRule", "deleteRule") if rules.get(r) == ""
                  and not ctx.public_declared(coll.get("name"), r)]
        if len(writes) >= 2:
            out.append(bad("collection:%s" % coll.get("name"),
                           "anyone may %s records" % " and ".join(RULE_ACTIONS[w] for w in writes)))
    return out or [ok("collections", "no collection with several undeclared public write rules")]


@control("PBG-RUL-010", title="Declared public rules refer to existing collections",
         severity="info", scope="api", profile="strict",
         source=sources.CL_RULES,
         rationale="public_rules naming a missing collection hides drift between intent and state.",
         remediation="Update public_rules.")
def check_rul_declared_public_drift(ctx):
    """Fails per collection named in public_rules that does not exist; not applicable when
    public_rules is empty."""
    declared = ctx.params.get("public_rules") or {}
    if not declared:
        raise NotApplicable("public_rules not declared")
    by_name = dict((c.get("name"), c) for c in ctx.collections())
    out = []
    for name, rules in sorted(declared.items()):
        if name not in by_name:
            out.append(bad("collection:%s" % name, "declared in public_rules but the collection does not exist"))
    return out or [ok("public_rules", "every collection in public_rules exists")]
