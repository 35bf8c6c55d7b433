# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit controls PBG-RUL-011..017: rules read as logic (who can satisfy them), over
``_rule_logic``. Private module_utils: the interface may change.

Each check takes the audit context (``_controls.AuditContext``) and returns result dicts
(status, target, evidence); ``CONTROLS`` holds the catalog data the control catalog adds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rule_logic as L, _rule_questions as Q

P2 = "Pattern 2: permissive record rules"
CL_RULES = "Checklist: Collections and rules"
BEYOND = "Beyond the article"


def _schema(ctx):
    """One ``Schema`` per audit (parsed branches are cached on it)."""
    schema = getattr(ctx, "_rule_logic_schema", None)
    if schema is None:
        schema = L.Schema(ctx.collections(), ctx.generation() or "v023")
        ctx._rule_logic_schema = schema  # pylint: disable=protected-access
    return schema


def _results(issues, ok_evidence, schema):
    out = [{"status": "fail", "target": "collection:%s.%s" % (i.collection, i.rule), "evidence": i.message}
           for i in issues]
    # unknown is not pass: a rule with too many || branches to expand was not read
    out.extend({"status": "error", "target": "collection:%s.%s" % key,
                "evidence": "more than %d branches once expanded: not analysed" % L.DNF_LIMIT}
               for key in sorted(schema.too_large))
    return out or [{"status": "pass", "target": "collections", "evidence": ok_evidence}]


def _answer(ctx, question, ok_evidence, **kwargs):
    schema = _schema(ctx)
    return _results(question(schema, **kwargs), ok_evidence, schema)


def check_rul_privilege_fields(ctx):
    """Fails when a field other rules trust (``@request.auth.role = "admin"``) can be set by the user
    on their own auth record (sign-up or self-update without ``:isset``/``:changed`` guards)."""
    return _answer(ctx, Q.privilege_escalations, "no rule trusts an auth field that users can set on their own record")


def check_rul_owner_create(ctx):
    """Fails when a createRule does not bind the owner relation to ``@request.auth.id``."""
    return _answer(ctx, Q.unbound_owner_on_create, "every createRule binds the owner relation to the caller")


def check_rul_owner_transfer(ctx):
    """Fails when an updateRule lets the owner relation change."""
    return _answer(ctx, Q.transferable_owner, "no updateRule lets the owner relation change")


def check_rul_client_inputs(ctx):
    """Fails when a header or query value is all that stands between a guest/any user and access."""
    return _answer(ctx, Q.client_input_decides, "no access decided by client-sent headers or query parameters")


def check_rul_guest(ctx):
    """Fails when a rule that checks ``@request.auth`` is satisfied by a guest (inequalities and
    negations on empty auth fields, ``||`` branches), unless declared public."""
    return _answer(ctx, Q.guest_satisfiable, "no rule that checks @request.auth lets a guest through",
                   public=ctx.public_declared)


def check_rul_identity_like(ctx):
    """Fails when ``~`` (contains) compares an identity (e-mail, id, username, owner)."""
    return _answer(ctx, Q.identity_contains, "no identity compared with ~ (contains)")


def check_rul_open_collection(ctx):
    """Fails when self-registered accounts pass a rule meant for another (or any vetted) auth collection."""
    return _answer(ctx, Q.open_collection_access, "no rule admits accounts of an auth collection anyone can sign up to")


# (id, title, severity, scope, profile, source, rationale, remediation, check)
CONTROLS = (
    ("PBG-RUL-011", "Privilege fields cannot be set by their owner", "critical", "api", "baseline", P2,
     "A rule trusting `@request.auth.role = \"admin\"` (plan, isAdmin...) is public in effect when users can "
     "set that field on their own record: at sign-up or through an updateRule without a guard.",
     "Lock the field in the auth collection's createRule and updateRule (`@request.body.role:isset = false`, "
     "0.34+: `@request.body.role:changed = false`), make it hidden, or keep roles in a collection users "
     "cannot write.",
     check_rul_privilege_fields),
    ("PBG-RUL-012", "Owner relation bound to the caller on create", "high", "api", "baseline", P2 + "; " + CL_RULES,
     "A createRule that never ties the owner relation to `@request.auth.id` lets a client create records "
     "in another user's name (impersonation, planted data).",
     "Add `@request.body.<owner> = @request.auth.id` to every branch of the createRule.",
     check_rul_owner_create),
    ("PBG-RUL-013", "Ownership cannot be transferred on update", "medium", "api", "baseline",
     P2 + "; " + CL_RULES,
     "An updateRule that does not lock the owner relation lets a record be handed to another user, "
     "around the createRule's binding.",
     "Add `@request.body.<owner>:isset = false` (or `= @request.auth.id`) to the updateRule.",
     check_rul_owner_transfer),
    ("PBG-RUL-014", "Access not decided by client-sent headers or query parameters", "critical", "api",
     "baseline", P2 + " (" + BEYOND + ")",
     "`@request.headers.*` and `@request.query.*` are whatever the client sends: a check on them is no "
     "access control, and a shared secret in a rule is one leaked header away from public.",
     "Decide access on @request.auth fields, ownership or roles; keep secrets out of rules.",
     check_rul_client_inputs),
    ("PBG-RUL-015", "No rule that checks @request.auth lets a guest through", "high", "api", "baseline", P2,
     "For a guest every @request.auth value is empty: `@request.auth.role != \"banned\"`, "
     "`@request.auth.id != owner` or `@request.auth.id = @request.body.user` hold for anonymous clients.",
     "Start each branch with `@request.auth.id != \"\"`; compare with = on stored fields; or declare the "
     "rule public in public_rules when guests are meant.",
     check_rul_guest),
    ("PBG-RUL-016", "No contains match (~) on identities", "high", "api", "baseline", P2 + " (" + BEYOND + ")",
     "`~` is LIKE '%value%': `@request.auth.email ~ \"@corp.com\"` admits `x@corp.com.evil.net`, which "
     "anyone can register.",
     "Compare identities with =; pin the collection; anchor a domain with `~ \"%@corp.com\"` and require "
     "verified = true.",
     check_rul_identity_like),
    ("PBG-RUL-017", "Rules admit only the intended auth collection", "high", "api", "baseline",
     P2 + "; " + CL_RULES,
     "With several auth collections, `@request.auth.id != \"\"` admits every account of every one, "
     "including a collection anyone can sign up to; pinning a collection anyone can join checks nothing.",
     "Add `@request.auth.collectionName = \"<collection>\"` for a collection with closed sign-up, or a role "
     "users cannot set.",
     check_rul_open_collection),
)

# control id -> the question it asks (also used by pocketbase_collection: harden and audit agree)
QUESTIONS = (
    ("PBG-RUL-011", Q.privilege_escalations),
    ("PBG-RUL-012", Q.unbound_owner_on_create),
    ("PBG-RUL-013", Q.transferable_owner),
    ("PBG-RUL-014", Q.client_input_decides),
    ("PBG-RUL-015", Q.guest_satisfiable),
    ("PBG-RUL-016", Q.identity_contains),
    ("PBG-RUL-017", Q.open_collection_access),
)
SEVERITY = dict((entry[0], entry[2]) for entry in CONTROLS)


def all_issues(collections, generation, public=lambda collection, rule: False):
    """[(control id, severity, Issue)] for normalized collections; ``public(collection, rule)`` marks
    rules meant for guests (PBG-RUL-015 leaves them alone)."""
    schema = L.Schema(collections, generation)
    out = []
    for control, question in QUESTIONS:
        issues = question(schema, public=public) if question is Q.guest_satisfiable else question(schema)
        out.extend((control, SEVERITY[control], issue) for issue in issues)
    return out
