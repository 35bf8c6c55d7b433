# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The questions the audit asks of rules read as logic (private; may change).

Each takes a ``_rule_logic.Schema`` and returns ``Issue`` tuples (collection, rule, message) naming
the rule where the fix goes: PBG-RUL-011 ``privilege_escalations``, 012 ``unbound_owner_on_create``,
013 ``transferable_owner``, 014 ``client_input_decides``, 015 ``guest_satisfiable``, 016
``identity_contains``, 017 ``open_collection_access``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules as R
from ansible_collections.pbguard.pocketbase.plugins.module_utils._rule_logic import (
    CHOSEN_AUTH_FIELDS, IDENTITY_FIELDS, IDENTITY_RECORD_FIELD_HINTS, RULES, SYSTEM_AUTH_FIELDS, Issue,
    auth_ref, blank_lit, client_ref, masked, oriented, branch_text, locks_field, mentions_auth,
    satisfiable)


def _plain_users(schema, owns=False):
    return [schema.user(c, owns=owns) for c in schema.auth]


def _anyone(schema, branch, owns=False):
    """A guest or a plain (unprivileged) user of some auth collection satisfies the branch."""
    return satisfiable(branch, schema.guest) or any(satisfiable(branch, u) for u in _plain_users(schema, owns))


def self_settable(schema, coll, field):
    """(rule, branch) through which a user gives ``field`` any value on their own record of auth
    collection ``coll`` (sign-up or self-update without a lock), or None."""
    for branch in schema.rule_branches(coll, "createRule") or []:
        if satisfiable(branch, schema.guest) and not locks_field(branch, field):
            return "createRule", branch
    owner = schema.user(coll, owns=True)
    for branch in schema.rule_branches(coll, "updateRule") or []:
        if satisfiable(branch, owner) and not locks_field(branch, field):
            return "updateRule", branch
    return None


def _trusted_auth_fields(branch):
    return set(ref.path[0] for a in branch for ref in (a.left, a.right)
               if auth_ref(ref) and ref.path and ref.path[0] not in SYSTEM_AUTH_FIELDS
               and ref.path[0] not in CHOSEN_AUTH_FIELDS)


def privilege_escalations(schema):
    """Fields of an auth collection that rules trust (``@request.auth.role = "admin"``) and that a
    user can set on their own record: Issues on the auth collection's create/updateRule."""
    found = {}
    for coll, rule, bs in schema.targets():
        for branch in bs:
            fields = _trusted_auth_fields(branch)
            if not fields:
                continue
            for auth in schema.auth:
                plain = schema.user(auth, owns=True)
                if any(satisfiable(b, plain) for b in bs):
                    continue
                for field in sorted(fields.intersection(schema.settable_fields(auth))):
                    if not satisfiable(branch, schema.user(auth, (field,), owns=True)):
                        continue
                    how = self_settable(schema, auth, field)
                    if how:
                        key = (auth.get("name"), how[0], field)
                        found.setdefault(key, (how[1], []))[1].append(
                            "%s.%s `%s`" % (coll.get("name"), rule, branch_text(branch, 100)))
    out = []
    for (auth_name, how_rule, field), (branch, trusting) in sorted(found.items()):
        out.append(Issue(auth_name, how_rule, (
            "a user can set `%s` on their own %s record (%s `%s` does not lock it) and %s it: "
            "%s" % (field, auth_name, how_rule, branch_text(branch, 100),
                    "these rules trust" if len(trusting) > 1 else "this rule trusts", "; ".join(trusting[:3])))))
    return out


def unbound_owner_on_create(schema):
    """createRule branches that let a client create a record owned by someone else."""
    out = []
    for coll in schema.collections:
        if coll.get("type") == "view":
            continue
        owners = schema.owner_fields(coll)
        bs = schema.rule_branches(coll, "createRule")
        if not owners or not bs:
            continue
        for branch in bs:
            if not _anyone(schema, branch):
                continue
            loose = [f for f in owners if not locks_field(branch, f, allow_self=True)]
            if loose:
                out.append(Issue(coll.get("name"), "createRule", (
                    "owner relation %s is not bound to the caller: a client may create records owned by "
                    "another user when `%s` (add `@request.body.%s = @request.auth.id`)" % (
                        ", ".join(loose), branch_text(branch), loose[0]))))
                break
    return out


def transferable_owner(schema):
    """updateRule branches that let an owner (or anyone) move a record to another owner."""
    out = []
    for coll in schema.collections:
        if coll.get("type") == "view":
            continue
        owners = schema.owner_fields(coll)
        bs = schema.rule_branches(coll, "updateRule")
        if not owners or not bs:
            continue
        for branch in bs:
            if not _anyone(schema, branch, owns=True):
                continue
            loose = [f for f in owners if not locks_field(branch, f, allow_self=True)]
            if loose:
                out.append(Issue(coll.get("name"), "updateRule", (
                    "owner relation %s can be changed on update when `%s`: the record can be handed to "
                    "another user (add `@request.body.%s:isset = false`)" % (
                        ", ".join(loose), branch_text(branch), loose[0]))))
                break
    return out


def client_input_decides(schema, kinds=("headers", "query")):
    """Branches a guest or any plain user satisfies whose only gate is a header or query value."""
    out = []
    for coll, rule, bs in schema.targets():
        for branch in bs:
            if not any(client_ref(a.left, kinds) or client_ref(a.right, kinds) for a in branch):
                continue
            if _anyone(schema, branch):
                who = "anyone" if satisfiable(branch, schema.guest) else "any signed-in user"
                out.append(Issue(coll.get("name"), rule, (
                    "%s grants access on values the client sends (%s): %s passes `%s`" % (
                        rule, "/".join("@request." + k for k in kinds), who, branch_text(branch)))))
                break
    return out


def _explicit_guest(branch):
    for atom in branch:
        left, op, right = oriented(atom)
        if auth_ref(left) and left.path == ("id",) and op == "=" and blank_lit(right):
            return True
    return False


def guest_satisfiable(schema, public=lambda coll, rule: False):
    """Branches that check ``@request.auth`` and that a guest (all auth values NULL) satisfies:
    ``@request.auth.role != "banned"``, ``@request.auth.id = @request.body.user`` ..."""
    out = []
    for coll, rule, bs in schema.targets():
        if public(coll.get("name"), rule):
            continue
        for branch in bs:
            if mentions_auth(branch) and satisfiable(branch, schema.guest) and not _explicit_guest(branch):
                out.append(Issue(coll.get("name"), rule, (
                    "an anonymous client satisfies %s: its @request.auth values are empty, so `%s` holds "
                    "for a guest" % (rule, branch_text(branch)))))
                break
    return out


def _identity_side(node):
    if auth_ref(node):
        return bool(node.path) and node.path[0] in IDENTITY_FIELDS
    if isinstance(node, (R.Identifier, R.CollectionRef)):
        last = node.path[-1] if node.path else ""
        return last in IDENTITY_FIELDS or any(h in last.lower() for h in IDENTITY_RECORD_FIELD_HINTS)
    return False


def _id_in_relation(atom, relations):
    """``members ~ @request.auth.id`` on a relation: stored values are whole 15-character ids, so a
    contains match cannot be met by a look-alike (the old idiom for ``?=``)."""
    for ident, other in ((atom.left, atom.right), (atom.right, atom.left)):
        if isinstance(ident, R.Identifier) and ident.path[0] in relations and auth_ref(other) \
                and other.path == ("id",):
            return True
    return False


def _anchored_domain(pattern):
    """``%@example.com``: an ends-with match on a whole domain (no other wildcard)."""
    if not pattern.startswith("%") or not pattern[1:].startswith("@"):
        return False
    rest = pattern[1:].replace("\\%", "").replace("\\_", "")
    return "%" not in rest and "_" not in rest


def identity_contains(schema):
    """``~`` (a *contains*/LIKE match) on an identity: e-mail, id, username, owner fields."""
    out = []
    for coll, rule, bs in schema.targets(RULES + ("authRule",)):
        relations = set(f.get("name") for f in coll.get("fields") or [] if f.get("type") == "relation")
        seen = False
        for branch in bs:
            for atom in branch:
                if atom.op != "~" or seen or _id_in_relation(atom, relations):
                    continue
                sides = ((atom.left, atom.right), (atom.right, atom.left))
                if not any(_identity_side(a) for a, _b in sides):
                    continue
                lit = [b for _a, b in sides if isinstance(b, R.Literal) and b.kind == "text"]
                if lit and _anchored_domain(lit[0].value):
                    continue
                seen = True
                out.append(Issue(coll.get("name"), rule, (
                    "`%s` uses ~, a contains (LIKE) match, on an identity: look-alike values an attacker can "
                    "register match too (compare with =, or anchor a domain as \"%%@example.com\")"
                    % masked(atom))))
    return out


def _pinned(branch):
    for atom in branch:
        left, op, right = oriented(atom)
        if auth_ref(left) and left.path in (("collectionName",), ("collectionId",)) and op == "=" \
                and isinstance(right, R.Literal) and not blank_lit(right):
            return True
    return False


def _filters_records(branch):
    return any(not isinstance(a.left, R.RequestRef) and not isinstance(a.right, R.RequestRef)
               and not isinstance(a.left, R.CollectionRef) and not isinstance(a.right, R.CollectionRef)
               for a in branch)


def open_collection_access(schema, public=lambda coll, rule: False):
    """Branches every self-registered account passes although they require authentication: not
    pinned to a collection while several auth collections exist, or pinned to one anyone can join
    (rules declared public, open by intent, are left alone)."""
    opened = [c for c in schema.auth if schema.signup_open(c)]
    if not opened:
        return []
    several = len(schema.auth) >= 2
    out = []
    for coll, rule, bs in schema.targets():
        if public(coll.get("name"), rule):
            continue
        for branch in bs:
            if satisfiable(branch, schema.guest) or _filters_records(branch):
                continue
            pinned = _pinned(branch)
            if pinned and rule == "createRule":
                continue
            if not pinned and not several:
                continue
            hit = [c.get("name") for c in opened if satisfiable(branch, schema.user(c))]
            if not hit:
                continue
            what = ("pinned to %s, where anyone can sign up" % hit[0] if pinned else
                    "any record of any auth collection, including self-registered %s accounts, "
                    "(pin @request.auth.collectionName)" % hit[0])
            out.append(Issue(coll.get("name"), rule, "%s admits %s: `%s`" % (rule, what, branch_text(branch))))
            break
    return out
