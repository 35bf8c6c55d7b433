# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules read as logic: who can satisfy a PocketBase rule expression (private; may change).

Stdlib only, over the AST of ``_rules``. A rule is split into its ``||`` branches (disjunctive
normal form); each branch is a conjunction of comparisons, and a principal satisfies the branch
when it can make every comparison true for some record. Principals:

* the guest: every ``@request.auth.*`` value is NULL;
* a user of auth collection X: ``id`` is their own, ``collectionName``/``collectionId`` are X's,
  ``verified``/``email``/``username`` are theirs to choose (they own their inbox), the fields they
  can set on their own record are whatever they like, every other field holds its default (blank);
* acting on any record or on their own record (``owns``): ``field = @request.auth.id`` is true only
  on their own.

Client-controlled inputs (``@request.body``/``data``, ``headers``, ``query``) are whatever the
client sends; ``@request.method`` and ``@request.context`` (``default``, ``oauth2``, ``otp``,
``password``, ``realtime``, ``protectedFile``) follow from the endpoint the client calls and are read
as "may hold"; record data, joins, macros and functions may match some record. Semantics follow
PocketBase's ``tools/search/filter.go`` and ``core/record_field_resolver*.go``: a guest's
``@request.auth.*`` resolves to NULL; ``=``/``!=`` treat NULL as ``""`` (``COALESCE``), so
``@request.auth.role != "banned"`` is true for a guest, while ``<``, ``>``, ``~``, ``!~`` on NULL are
not; ``~`` without ``%`` is a *contains* match (``LIKE '%v%'``).

Public API: ``Schema``, ``Principal``, ``GUEST``, ``Issue``, ``branches``, ``satisfiable``,
``atom_possible``, ``locks_field``, ``branch_text``; the questions asked of it live in
``_rule_questions``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules as R

Issue = namedtuple("Issue", ("collection", "rule", "message"))

CLIENT_KINDS = frozenset(("body", "data", "headers", "query"))
BODY_KINDS = frozenset(("body", "data"))
RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule", "manageRule")
# auth record fields a user never sets through create/update without manage access
# (0.23+ apis/record_crud.go + forms/record_upsert.go; 0.22 likewise)
SYSTEM_AUTH_FIELDS = frozenset(("id", "collectionId", "collectionName", "verified", "password", "tokenKey",
                                "emailVisibility", "created", "updated", "lastResetSentAt",
                                "lastVerificationSentAt", "passwordHash"))
# fields a self-registered user picks freely (their own inbox and name)
CHOSEN_AUTH_FIELDS = frozenset(("email", "username", "verified"))
IDENTITY_FIELDS = frozenset(("id", "email", "username", "collectionName", "collectionId"))
IDENTITY_RECORD_FIELD_HINTS = ("email", "username", "domain", "owner", "user", "author", "member")
UNSETTABLE_TYPES = frozenset(("autodate", "password", "file"))
_BLANK, _ANY, _OWN = "blank", "any", "own"
DNF_LIMIT = 256


# --------------------------------------------------------------------------- principals

class Principal(object):
    """Who asks. ``collection``: auth collection name (None = guest); ``settable``: fields of that
    collection the principal gives any value; ``owns``: acting on their own record."""

    __slots__ = ("collection", "collection_id", "settable", "owns", "memo")

    def __init__(self, collection=None, collection_id=None, settable=(), owns=False, memo=None):
        self.collection = collection
        self.collection_id = collection_id
        self.settable = frozenset(settable)
        self.owns = owns
        self.memo = memo  # id(branch) -> (branch, answer)

    @property
    def is_guest(self):
        return self.collection is None

    def value(self, ref):
        """What ``@request.auth.<path>`` holds for this principal: (_BLANK|_ANY|_OWN|literal text)."""
        if self.is_guest:
            return _BLANK
        field = ref.path[0]
        if field == "id" and len(ref.path) == 1:
            return _OWN
        if field == "collectionName":
            return self.collection
        if field == "collectionId":
            return self.collection_id or _ANY
        if field in CHOSEN_AUTH_FIELDS or field in self.settable:
            return _ANY
        return _BLANK


GUEST = Principal()


# --------------------------------------------------------------------------- schema

class Schema(object):
    """The normalized collections (``_compat`` shape) with the facts the questions need."""

    def __init__(self, collections, generation="v023"):
        self.collections = [c for c in collections or [] if isinstance(c, dict)]
        self.generation = generation
        self.by_name = dict((c.get("name"), c) for c in self.collections)
        self.auth = [c for c in self.collections if c.get("type") == "auth" and c.get("name") != "_superusers"]
        self.auth_ids = dict((c.get("id"), c.get("name")) for c in self.auth if c.get("id"))
        self._memo = {}
        self._by_text = {}
        self.too_large = set()  # (collection, rule): parses, but too many branches to expand
        self.guest = Principal(memo={})

    def rules(self, coll):
        return coll.get("rules") or {}

    def rule_branches(self, coll, rule):
        """Live branches of a rule (None when unset, unparsable or too large to expand)."""
        expr = self.rules(coll).get(rule)
        # collections often share rule texts: one analysis per text (answers depend on the text only), and no
        # cache entry per (collection, rule): 50,000 of them at 10,000 collections
        if expr not in self._by_text:
            found = branches(expr)
            self._by_text[expr] = (found, found is None and expr is not None and parses(expr))
        found, too_large = self._by_text[expr]
        if too_large:
            self.too_large.add((coll.get("name"), rule))
        return found

    def user(self, coll, settable=(), owns=False):
        key = ("user", coll.get("name"), frozenset(settable), owns)
        if key not in self._memo:
            self._memo[key] = Principal(coll.get("name"), coll.get("id"), settable, owns, memo={})
        return self._memo[key]

    def signup_open(self, coll):
        """Anyone can create an account in this auth collection (createRule a guest satisfies)."""
        bs = self.rule_branches(coll, "createRule")
        return bool(bs) and any(satisfiable(b, self.guest) for b in bs)

    def targets(self, rules=RULES):
        """[(collection, rule, branches)] of every set, readable rule (views: list/view only)."""
        key = ("targets", rules)
        if key not in self._memo:
            self._memo[key] = list(_targets(self, rules))
        return self._memo[key]

    def settable_fields(self, coll):
        """Non-system fields a user could set on their own auth record (hidden ones are kept from
        non-superusers on 0.23+)."""
        out = []
        for f in coll.get("fields") or []:
            name = f.get("name")
            if not name or f.get("system") or name in SYSTEM_AUTH_FIELDS or f.get("type") in UNSETTABLE_TYPES:
                continue
            if f.get("hidden") and self.generation != "v022":
                continue
            out.append(name)
        return out

    def owner_fields(self, coll):
        """Single relations to an auth collection that the collection's rules compare with
        ``@request.auth.id`` (the record's owner)."""
        key = ("owners", coll.get("name"))
        if key not in self._memo:
            self._memo[key] = self._owner_fields(coll)
        return self._memo[key]

    def _owner_fields(self, coll):
        candidates = {}
        for f in coll.get("fields") or []:
            if f.get("type") == "relation" and f.get("collection_id") in self.auth_ids \
                    and (f.get("max_select") or 1) <= 1:
                candidates[f.get("name")] = f
        if not candidates:
            return []
        used = set()
        for rule in ("listRule", "viewRule", "updateRule", "deleteRule"):
            for b in self.rule_branches(coll, rule) or []:
                for atom in b:
                    name = _owner_atom_field(atom)
                    if name in candidates:
                        used.add(name)
        return sorted(used)


# --------------------------------------------------------------------------- expressions

def branches(expr):
    """The ``||`` branches of a rule as lists of comparisons, constant-false branches dropped.
    ``[]`` for a public rule (``""`` or always true); None when unset, unparsable or too large."""
    if expr is None:
        return None
    try:
        node = R.parse(expr)
    except R.RuleSyntaxError:
        return None
    if isinstance(node, R.Empty):
        return [[]]
    dnf = _dnf(node)
    if dnf is None:
        return None
    out = []
    for conj in dnf:
        truths = [constant(a) for a in conj]
        if False in truths:
            continue
        out.append([a for a, t in zip(conj, truths) if t is None])
    return out


def _text_compare(op, value, lit):
    """``value op lit`` for a known text value; None when it depends on more than text equality."""
    other = "" if lit.kind == "null" else lit.value
    if not isinstance(other, str):
        return None
    if op == "=":
        return value == other
    if op == "!=":
        return value != other
    if op in ("~", "!~") and "%" not in other and "_" not in other:
        return (other.lower() in value.lower()) == (op == "~")
    return None


def constant(atom):
    """True/False for a comparison that does not depend on data or request (``1 = 1``, ``id = ""``,
    ``x = x``), else None."""
    left, right = atom.left, atom.right
    if isinstance(left, R.Literal) and isinstance(right, R.Literal):
        if left.kind in ("text", "null") and atom.op in ("=", "!=", "~", "!~"):
            return _text_compare(atom.op, "" if left.kind == "null" else left.value, right)
        if left.kind == right.kind and atom.op in ("=", "!="):
            return (left.value == right.value) == (atom.op == "=")
        return None
    if left == right and not isinstance(left, (R.Call, R.Macro)):
        return {"=": True, "<=": True, ">=": True, "~": True, "!=": False, "<": False, ">": False,
                "!~": False}.get(atom.op)
    for ident, lit in ((left, right), (right, left)):
        if isinstance(ident, R.Identifier) and ident.path == ("id",) and ident.modifier is None \
                and blank_lit(lit) and not atom.any_of and atom.op in ("=", "!="):
            return atom.op == "!="  # a record id is never empty
    return None


def parses(expr):
    try:
        R.parse(expr)
    except R.RuleSyntaxError:
        return False
    return True


def _dnf(node):
    while isinstance(node, R.Group):
        node = node.expr
    if isinstance(node, R.Compare):
        return [[node]]
    if isinstance(node, R.Or):
        out = []
        for item in node.items:
            sub = _dnf(item)
            if sub is None or len(out) + len(sub) > DNF_LIMIT:
                return None
            out.extend(sub)
        return out
    if isinstance(node, R.And):
        out = [[]]
        for item in node.items:
            sub = _dnf(item)
            if sub is None or len(out) * len(sub) > DNF_LIMIT:
                return None
            out = [a + b for a in out for b in sub]
        return out
    return [[]]


def auth_ref(node):
    return isinstance(node, R.RequestRef) and node.kind == "auth"


def client_ref(node, kinds=CLIENT_KINDS):
    return isinstance(node, R.RequestRef) and node.kind in kinds


def oriented(atom):
    """(left, op, right) with an ``@request.auth`` reference on the left when there is one."""
    if auth_ref(atom.right) and not auth_ref(atom.left):
        return atom.right, _MIRROR.get(atom.op, atom.op), atom.left
    return atom.left, atom.op, atom.right


_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


def blank_lit(node):
    return isinstance(node, R.Literal) and (node.kind == "null" or (node.kind == "text" and node.value == ""))


def _null_compare(op, right):
    """A NULL (guest or unset) ``@request.auth`` value compared with a literal."""
    if op == "=":
        return blank_lit(right)
    if op == "!=":
        return not blank_lit(right)
    return False


def _auth_atom_possible(op, left, right, who):
    value = who.value(left)
    if value == _ANY or client_ref(right) or auth_ref(right):
        return True
    if isinstance(right, R.Literal):
        if value == _BLANK:
            return _null_compare(op, right)
        if value == _OWN:
            # the principal's own id is random: it equals no literal, differs from every one
            return op in ("!=", "!~")
        truth = _text_compare(op, value, right)
        return truth is not False
    if isinstance(right, (R.Identifier, R.CollectionRef)):
        if op in ("!=", "!~"):
            return True
        if value == _OWN:
            return who.owns and isinstance(right, R.Identifier)
        return False
    return True


def atom_possible(atom, who):
    """Can ``who`` make this comparison true for some record?"""
    left, op, right = oriented(atom)
    if auth_ref(left):
        return _auth_atom_possible(op, left, right, who)
    return True


def satisfiable(branch, who):
    memo = who.memo
    if memo is None:
        return all(atom_possible(a, who) for a in branch)
    hit = memo.get(id(branch))
    if hit is None or hit[0] is not branch:
        # the entry keeps the branch alive, so its id cannot be reused while cached
        hit = memo[id(branch)] = (branch, all(atom_possible(a, who) for a in branch))
    return hit[1]


def mentions_auth(branch):
    return any(auth_ref(a.left) or auth_ref(a.right) for a in branch)


def _body_field(node, field):
    return client_ref(node, BODY_KINDS) and node.path == (field,)


def locks_field(branch, field, allow_self=False):
    """The branch keeps the client from choosing ``field``: ``@request.body.F:isset = false``,
    ``:changed = false``, ``@request.body.F = <literal>`` or ``= F`` (unchanged); with
    ``allow_self`` also ``@request.body.F = @request.auth.id`` (binds it to the caller)."""
    for atom in branch:
        for body, other in ((atom.left, atom.right), (atom.right, atom.left)):
            if not _body_field(body, field):
                continue
            if body.modifier in ("isset", "changed"):
                if isinstance(other, R.Literal) and other.kind == "bool" and other.value == (atom.op == "!="):
                    return True
                continue
            if body.modifier == "length" and isinstance(other, R.Literal) and other.kind == "number" \
                    and ((atom.op == "=" and other.value == 0) or (atom.op == "<" and other.value <= 1)):
                return True
            if body.modifier == "each" and atom.op in ("=", "!=") and isinstance(other, R.Literal) \
                    and not blank_lit(other):
                return True  # every value sent must (not) be this one
            if body.modifier is not None or atom.op != "=":
                continue
            if isinstance(other, R.Literal) and not blank_lit(other):
                return True
            if isinstance(other, R.Identifier) and other.path == (field,):
                return True
            if allow_self and auth_ref(other) and other.path == ("id",):
                return True
    return False


def _owner_atom_field(atom):
    """``F`` for ``F = @request.auth.id`` / ``F.id ?= @request.auth.id`` (either side), else None."""
    for ident, other in ((atom.left, atom.right), (atom.right, atom.left)):
        if isinstance(ident, R.Identifier) and auth_ref(other) and other.path == ("id",) \
                and atom.op == "=" and ident.modifier is None and ident.path[-1:] != ("",) \
                and (len(ident.path) == 1 or ident.path[1:] == ("id",)):
            return ident.path[0]
    return None


def _targets(schema, rules=RULES):
    for coll in schema.collections:
        if coll.get("type") == "view":
            rules_here = [r for r in rules if r in ("listRule", "viewRule")]
        else:
            rules_here = rules
        for rule in rules_here:
            bs = schema.rule_branches(coll, rule)
            if bs:
                yield coll, rule, bs


def masked(atom):
    """Canonical text of a comparison; text compared with headers/query (shared secrets) masked."""
    left, right = atom.left, atom.right
    if client_ref(left, ("headers", "query")) and isinstance(right, R.Literal) and right.kind == "text":
        right = R.Literal("********", "text")
    elif client_ref(right, ("headers", "query")) and isinstance(left, R.Literal) and left.kind == "text":
        left = R.Literal("********", "text")
    return R.format_rule(R.Compare(atom.op, left, right, atom.any_of))


def branch_text(branch, limit=160):
    text = " && ".join(masked(a) for a in branch) or '""'
    return text if len(text) <= limit else text[:limit - 3] + "..."
