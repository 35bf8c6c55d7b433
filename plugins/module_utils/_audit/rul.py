# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RUL controls: collection API rules, read as logic by the rule linter (module_utils/_rules.py) and,
from PBG-RUL-011 on, by who can satisfy them (module_utils/_rule_logic.py, _rule_questions.py).

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rule_logic, _rule_questions, _viewsql
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine, sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, err, ok)


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


# --------------------------------------------------------------------------- rules read as logic

def _rule_schema(ctx):
    """One ``_rule_logic.Schema`` per audit (parsed branches and answers are cached on it)."""
    schema = getattr(ctx, "_rule_logic_schema", None)
    if schema is None:
        schema = _rule_logic.Schema(ctx.collections(), ctx.generation() or "v023")
        ctx._rule_logic_schema = schema  # pylint: disable=protected-access
    return schema


def _answer(ctx, question, ok_evidence, **kwargs):
    schema = _rule_schema(ctx)
    out = [bad("collection:%s.%s" % (i.collection, i.rule), i.message) for i in question(schema, **kwargs)]
    # unknown is not pass: a rule with too many || branches to expand was not read
    out.extend(err("collection:%s.%s" % key, "more than %d branches once expanded: not analysed"
                   % _rule_logic.DNF_LIMIT) for key in sorted(schema.too_large))
    return out or [ok("collections", ok_evidence)]


@control("PBG-RUL-011", title="Privilege fields cannot be set by their owner", severity="critical", scope="api",
         profile="baseline", source=sources.P2,
         rationale="A rule trusting `@request.auth.role = \"admin\"` (plan, isAdmin...) is public in effect when "
                   "users can set that field on their own record: at sign-up or through an updateRule without a "
                   "guard.",
         remediation="Lock the field in the auth collection's createRule and updateRule "
                     "(`@request.body.role:isset = false`, 0.34+: `@request.body.role:changed = false`), make it "
                     "hidden, or keep roles in a collection users cannot write.")
def check_rul_privilege_fields(ctx):
    """Fails when a field other rules trust (``@request.auth.role = "admin"``) can be set by the user on
    their own auth record (sign-up or self-update without ``:isset``/``:changed`` guards)."""
    return _answer(ctx, _rule_questions.privilege_escalations,
                   "no rule trusts an auth field that users can set on their own record")


@control("PBG-RUL-012", title="Owner relation bound to the caller on create", severity="high", scope="api",
         profile="baseline", source=sources.P2 + "; " + sources.CL_RULES,
         rationale="A createRule that never ties the owner relation to `@request.auth.id` lets a client create "
                   "records in another user's name (impersonation, planted data).",
         remediation="Add `@request.body.<owner> = @request.auth.id` to every branch of the createRule.")
def check_rul_owner_create(ctx):
    """Fails when a createRule does not bind the owner relation to ``@request.auth.id``."""
    return _answer(ctx, _rule_questions.unbound_owner_on_create,
                   "every createRule binds the owner relation to the caller")


@control("PBG-RUL-013", title="Ownership cannot be transferred on update", severity="medium", scope="api",
         profile="baseline", source=sources.P2 + "; " + sources.CL_RULES,
         rationale="An updateRule that does not lock the owner relation lets a record be handed to another user, "
                   "around the createRule's binding.",
         remediation="Add `@request.body.<owner>:isset = false` (or `= @request.auth.id`) to the updateRule.")
def check_rul_owner_transfer(ctx):
    """Fails when an updateRule lets the owner relation change."""
    return _answer(ctx, _rule_questions.transferable_owner, "no updateRule lets the owner relation change")


@control("PBG-RUL-014", title="Access not decided by client-sent headers or query parameters", severity="critical",
         scope="api", profile="baseline", source=sources.P2 + " (" + sources.BEYOND + ")",
         rationale="`@request.headers.*` and `@request.query.*` are whatever the client sends: a check on them is "
                   "no access control, and a shared secret in a rule is one leaked header away from public.",
         remediation="Decide access on @request.auth fields, ownership or roles; keep secrets out of rules.")
def check_rul_client_inputs(ctx):
    """Fails when a header or query value is all that stands between a guest or any user and access."""
    return _answer(ctx, _rule_questions.client_input_decides,
                   "no access decided by client-sent headers or query parameters")


@control("PBG-RUL-015", title="No rule that checks @request.auth lets a guest through", severity="high",
         scope="api", profile="baseline", source=sources.P2,
         rationale="For a guest every @request.auth value is empty: `@request.auth.role != \"banned\"`, "
                   "`@request.auth.id != owner` or `@request.auth.id = @request.body.user` hold for anonymous "
                   "clients.",
         remediation="Start each branch with `@request.auth.id != \"\"`; compare with = on stored fields; or "
                     "declare the rule public in public_rules when guests are meant.")
def check_rul_guest(ctx):
    """Fails when a rule that checks ``@request.auth`` is satisfied by a guest (inequalities and
    negations on empty auth fields, ``||`` branches), unless declared in public_rules."""
    return _answer(ctx, _rule_questions.guest_satisfiable, "no rule that checks @request.auth lets a guest through",
                   public=ctx.public_declared)


@control("PBG-RUL-016", title="No contains match (~) on identities", severity="high", scope="api",
         profile="baseline", source=sources.P2 + " (" + sources.BEYOND + ")",
         rationale="`~` is LIKE '%value%': `@request.auth.email ~ \"@corp.com\"` admits `x@corp.com.evil.net`, "
                   "which anyone can register.",
         remediation="Compare identities with =; pin the collection; anchor a domain with `~ \"%@corp.com\"` and "
                     "require verified = true.")
def check_rul_identity_like(ctx):
    """Fails when ``~`` (contains) compares an identity (e-mail, username, id outside a relation)."""
    return _answer(ctx, _rule_questions.identity_contains, "no identity compared with ~ (contains)")


@control("PBG-RUL-017", title="Rules admit only the intended auth collection", severity="high", scope="api",
         profile="baseline", source=sources.P2 + "; " + sources.CL_RULES,
         rationale="With several auth collections, `@request.auth.id != \"\"` admits every account of every one, "
                   "including a collection anyone can sign up to; pinning a collection anyone can join checks "
                   "nothing.",
         remediation="Add `@request.auth.collectionName = \"<collection>\"` for a collection with closed sign-up, "
                     "or a role users cannot set.")
def check_rul_open_collection(ctx):
    """Fails when self-registered accounts pass a rule meant for another (or any vetted) auth collection,
    unless declared in public_rules."""
    return _answer(ctx, _rule_questions.open_collection_access,
                   "no rule admits accounts of an auth collection anyone can sign up to", public=ctx.public_declared)


# control id -> the question it asks; pocketbase_collection asks the same (harden and audit agree)
RULE_LOGIC = (
    ("PBG-RUL-011", _rule_questions.privilege_escalations),
    ("PBG-RUL-012", _rule_questions.unbound_owner_on_create),
    ("PBG-RUL-013", _rule_questions.transferable_owner),
    ("PBG-RUL-014", _rule_questions.client_input_decides),
    ("PBG-RUL-015", _rule_questions.guest_satisfiable),
    ("PBG-RUL-016", _rule_questions.identity_contains),
    ("PBG-RUL-017", _rule_questions.open_collection_access),
)


def rule_logic_issues(collections, generation, public=lambda collection, rule: False):
    """[(control id, severity, Issue)] for normalized collections; ``public(collection, rule)`` marks rules
    open by intent (PBG-RUL-015 and PBG-RUL-017 leave them alone)."""
    severity = dict((c["id"], c["severity"]) for c in engine.all_controls())
    schema = _rule_logic.Schema(collections, generation)
    out = []
    for cid, question in RULE_LOGIC:
        who_gets_in = question in (_rule_questions.guest_satisfiable, _rule_questions.open_collection_access)
        issues = question(schema, public=public) if who_gets_in else question(schema)
        out.extend((cid, severity[cid], issue) for issue in issues)
    return out


# --------------------------------------------------------------------------- view collections (PBG-RUL-020)

_AUDIENCE_RANK = {"public": 2, "authenticated": 1, None: 0}
_AUDIENCE_TEXT = {"public": "anyone", "authenticated": "any authenticated user"}
# auth collection columns that are not listed as fields on 0.22 (system columns)
_AUTH_SYSTEM_COLUMNS = ("id", "email", "emailVisibility", "username", "verified", "tokenKey", "password",
                        "passwordHash", "lastResetSentAt", "lastVerificationSentAt", "lastLoginAlertSentAt")
_CREDENTIAL_COLUMNS = ("password", "passwordhash", "tokenkey")


def _readable_by(coll):
    """Who can read a collection through its list/view rules: 'public', 'authenticated' or None."""
    if not engine.HAS_RULES:
        raise Unavailable("the rule parser (module_utils/_rules.py) is not available")
    return engine._rules._readability(coll.get("name"), coll)[0]  # pylint: disable=protected-access


def _column_sensitivity(coll, column):
    """('credential'|'email'|'hidden', why) for a source column, or (None, None)."""
    low = column.lower()
    is_auth = coll.get("type") == "auth" or coll.get("name") == "_superusers"
    field = dict((str(f.get("name")).lower(), f) for f in coll.get("fields") or []).get(low) or {}
    if (is_auth and low in _CREDENTIAL_COLUMNS) or field.get("type") == "password":
        return "credential", "%s.%s (%s)" % (coll["name"], column,
                                             "token signing key" if low == "tokenkey" else "password hash")
    if is_auth and low == "email":
        return "email", "%s.email (a view does not apply emailVisibility)" % coll["name"]
    if field.get("hidden"):
        return "hidden", "%s.%s (a hidden field)" % (coll["name"], column)
    return None, None


def _view_exposures(view, by_name, audience, declared_public):
    """[(column, severity, why), ...] for the columns of ``view`` that ``audience`` should not read."""
    def fields_of(table):
        coll = by_name.get(table.lower()) or {}
        names = [f.get("name") for f in coll.get("fields") or []]
        if coll.get("type") == "auth":
            names += [n for n in _AUTH_SYSTEM_COLUMNS if n not in names]
        return names

    view_fields = dict((f.get("name"), f) for f in view.get("fields") or [])
    out = []
    for column, _direct, sources_ in _viewsql.select_columns(view.get("view_query") or "", fields_of):
        # the server keeps a plain reference's hidden flag on the view field: that column is not exported
        if column == "id" or (view_fields.get(column) or {}).get("hidden"):
            continue
        for table, source_column in sorted(sources_):
            coll = by_name.get(table.lower())
            if coll is None or source_column.lower() == "id":
                continue
            kind, why = _column_sensitivity(coll, source_column)
            if kind:
                out.append((column, "critical" if kind == "credential" else "high", why))
            elif not declared_public and _AUDIENCE_RANK[_readable_by(coll)] < _AUDIENCE_RANK[audience]:
                out.append((column, "high", "%s.%s, which %s cannot read in %s itself" % (
                    coll["name"], source_column, _AUDIENCE_TEXT[audience], coll["name"])))
    return out


@control("PBG-RUL-020", title="View collections expose no sensitive or otherwise unreadable columns",
         severity="high", scope="api", profile="baseline", source=sources.P2 + "; " + sources.CL_RULES,
         rationale="A view's rules replace those of the collections it reads: a column taken from an auth "
                   "collection's email bypasses emailVisibility, a password hash or tokenKey passed through an "
                   "expression loses its hidden flag, and a private collection's data becomes readable by whoever "
                   "may list the view.",
         remediation="Drop the column from viewQuery, or lock the view's listRule/viewRule to superusers (null), the "
                     "owner (`id = @request.auth.id`) or a role. Declare intentional public views in public_rules.")
def check_rul_view_exposure(ctx):
    """Fails per view column anyone or any signed-in user may read that carries an auth email, a password hash
    or tokenKey (critical), a hidden field, or data its readers cannot read at the source (unless declared)."""
    collections = ctx.collections()
    by_name = dict((str(c.get("name")).lower(), c) for c in collections)
    views = [c for c in collections if c.get("type") == "view"]
    if not views:
        raise NotApplicable("no view collection")
    out = []
    for view in views:
        audience = _readable_by(view)
        target = "collection:%s" % view["name"]
        if audience is None:
            out.append(ok(target, "readable only by superusers, owners or roles"))
            continue
        declared = any(ctx.public_declared(view["name"], r) for r in ("listRule", "viewRule"))
        try:
            exposures = _view_exposures(view, by_name, audience, declared)
        except _viewsql.ViewSQLError as exc:
            out.append(err(target, "view query not understood: %s" % exc))
            continue
        for column, severity, why in exposures:
            out.append(bad("collection:%s.%s" % (view["name"], column),
                           "%s may read column %r, taken from %s" % (_AUDIENCE_TEXT[audience], column, why),
                           severity=severity))
        if not exposures:
            out.append(ok(target, "%s may read it; no sensitive or otherwise unreadable column"
                          % _AUDIENCE_TEXT[audience]))
    return out
