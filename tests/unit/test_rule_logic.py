# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules read as logic (module_utils/_rule_logic.py, _rule_questions.py): who can satisfy an expression."""

from __future__ import annotations

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rule_logic as L
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rule_questions as Q

USERS_ID = "_pb_users_auth_"
STAFF_ID = "pbc_staff000001"


def field(name, ftype="text", **kw):
    out = {"name": name, "type": ftype, "system": False, "hidden": False, "required": False,
           "protected": None, "max_select": None, "collection_id": None}
    out.update(kw)
    return out


def rel(name, target=USERS_ID, max_select=1):
    return field(name, "relation", collection_id=target, max_select=max_select)


def coll(name, ctype="base", fields=(), cid=None, **rules):
    base = {"listRule": None, "viewRule": None, "createRule": None, "updateRule": None,
            "deleteRule": None}
    if ctype == "auth":
        base.update(authRule="", manageRule=None)
    base.update(rules)
    return {"id": cid or "pbc_" + name, "name": name, "type": ctype, "system": False, "rules": base,
            "fields": list(fields), "auth": {} if ctype == "auth" else None}


def users(create="", update="id = @request.auth.id", extra=()):
    return coll("users", "auth", [field("email", "email", system=True), field("name"),
                                  field("role", "select"), field("plan", "select")] + list(extra),
                cid=USERS_ID, createRule=create, updateRule=update, listRule="id = @request.auth.id",
                viewRule="id = @request.auth.id")


def staff(create=None):
    return coll("staff", "auth", [field("email", "email", system=True), field("level")], cid=STAFF_ID,
                createRule=create, updateRule=None)


def schema(*colls, generation="v023"):
    return L.Schema(list(colls), generation)


ADMIN = '@request.auth.role = "admin"'


# --------------------------------------------------------------------------- principals / semantics

@pytest.mark.parametrize("expr,guest", [
    ('@request.auth.id != ""', False),
    ('@request.auth.id = ""', True),
    ('@request.auth.role != "banned"', True),          # NULL coalesces to "" != "banned"
    ('@request.auth.role !~ "banned"', False),         # NULL NOT LIKE ... is NULL
    ('@request.auth.level > 3', False),
    ('@request.auth.level < 3', False),
    ('@request.auth.id != author', True),
    ('author = @request.auth.id', False),
    ('@request.auth.id = @request.body.user', True),    # both empty when the guest omits it
    ('@request.headers.x_token = "abc"', True),
    ('@request.auth.collectionName != "staff"', True),
    ('@request.auth.verified = true', False),
    ('status = "published"', True),
    ('@request.auth.role = ""', True),
])
def test_guest(expr, guest):
    (branch,) = L.branches(expr)
    assert L.satisfiable(branch, L.GUEST) is guest


def test_user_principal_values():
    s = schema(users(), staff())
    u = s.user(s.by_name["users"])
    assert L.satisfiable(L.branches('@request.auth.collectionName = "users"')[0], u)
    assert not L.satisfiable(L.branches('@request.auth.collectionName = "staff"')[0], u)
    assert not L.satisfiable(L.branches(ADMIN)[0], u)
    assert L.satisfiable(L.branches(ADMIN)[0], s.user(s.by_name["users"], ("role",)))
    assert not L.satisfiable(L.branches("user = @request.auth.id")[0], u)
    assert L.satisfiable(L.branches("user = @request.auth.id")[0], s.user(s.by_name["users"], owns=True))
    assert L.satisfiable(L.branches('@request.auth.id != ""')[0], u)


def test_branches_split_or_and_drop_constant_false():
    bs = L.branches('(a = 1 || b = 2) && (1 = 2 || c = 3)')
    assert [L.branch_text(b) for b in bs] == ["a = 1 && c = 3", "b = 2 && c = 3"]
    assert L.branches("") == [[]]
    assert L.branches(None) is None
    assert L.branches("a = (") is None


# --------------------------------------------------------------------------- privilege fields

@pytest.mark.parametrize("create,update,how", [
    ("", "id = @request.auth.id", "createRule"),                                  # sign up as admin
    (None, "id = @request.auth.id", "updateRule"),                                # promote yourself
    ("@request.body.role:isset = false", "id = @request.auth.id", "updateRule"),
    (None, 'id = @request.auth.id && @request.body.plan:isset = false', "updateRule"),  # wrong field
    (None, 'id = @request.auth.id && (@request.body.role:isset = false || @request.body.name = "x")',
     "updateRule"),                                                               # one branch open
])
def test_privilege_field_settable(create, update, how):
    s = schema(users(create=create, update=update), coll("reports", listRule=ADMIN))
    issues = Q.privilege_escalations(s)
    assert [(i.collection, i.rule) for i in issues] == [("users", how)], issues
    assert "role" in issues[0].message and "reports.listRule" in issues[0].message


@pytest.mark.parametrize("create,update", [
    ("@request.body.role:isset = false", "id = @request.auth.id && @request.body.role:isset = false"),
    ('@request.body.role = "member"', "id = @request.auth.id && @request.body.role:changed = false"),
    (None, None),
    ("@request.body.role:isset = false", 'id = @request.auth.id && @request.body.role = role'),
    ("@request.body.role:isset != true", ADMIN),
    ('@request.body.role:each != "admin"', 'id = @request.auth.id && @request.body.role:length = 0'),
])
def test_privilege_field_locked(create, update):
    s = schema(users(create=create, update=update), coll("reports", listRule=ADMIN))
    assert Q.privilege_escalations(s) == []


def test_privilege_hidden_field_not_settable_on_v023_but_on_v022():
    hidden = users(create="", extra=[field("isAdmin", "bool", hidden=True)])
    reports = coll("reports", listRule="@request.auth.isAdmin = true")
    assert Q.privilege_escalations(schema(hidden, reports)) == []
    assert Q.privilege_escalations(schema(hidden, reports, generation="v022"))


def test_privilege_relation_to_team_is_settable():
    s = schema(users(create=None, extra=[rel("team", "pbc_teams")]), coll("teams"),
               coll("docs", listRule="team = @request.auth.team"))
    assert [i.rule for i in Q.privilege_escalations(s)] == ["updateRule"]


def test_privilege_not_reported_when_plain_user_passes_anyway():
    s = schema(users(), coll("notes", listRule='@request.auth.id != "" || @request.auth.role = "x"'))
    assert Q.privilege_escalations(s) == []


# --------------------------------------------------------------------------- ownership

def posts(create, update="author = @request.auth.id", **kw):
    return coll("posts", fields=[rel("author"), field("title")], listRule="author = @request.auth.id",
                createRule=create, updateRule=update, **kw)


@pytest.mark.parametrize("create,bad", [
    ('@request.auth.id != ""', True),
    ('@request.auth.id != "" && @request.body.author = @request.auth.id', False),
    ('@request.auth.id != "" && @request.auth.id = @request.body.author', False),
    ('@request.auth.id != "" && (@request.body.author = @request.auth.id || @request.auth.role = "x")', False),
    ('@request.auth.id != "" && (@request.body.author = @request.auth.id || title = "x")', True),
    ('@request.auth.collectionName = "users"', True),
    (ADMIN, False),            # only admins create: handing records to others is their job
    (None, False),
])
def test_owner_bound_on_create(create, bad):
    issues = Q.unbound_owner_on_create(schema(users(create=None), posts(create)))
    assert bool(issues) is bad, issues


def test_owner_field_needs_rule_use_and_single_relation():
    s = schema(users(), coll("posts", fields=[rel("author"), rel("members", max_select=5)],
                             listRule="members ?= @request.auth.id", createRule='@request.auth.id != ""'))
    assert s.owner_fields(s.by_name["posts"]) == []
    assert Q.unbound_owner_on_create(s) == []


@pytest.mark.parametrize("update,bad", [
    ("author = @request.auth.id", True),
    ("author = @request.auth.id && @request.body.author:isset = false", False),
    ("author = @request.auth.id && @request.body.author:changed = false", False),
    ("author = @request.auth.id && (@request.body.author:isset = false || @request.body.author = @request.auth.id)",
     False),
    ("author = @request.auth.id && @request.body.author = author", False),
    ('@request.auth.id != ""', True),
    ("author.id = @request.auth.id", True),
    (None, False),
])
def test_owner_transferable(update, bad):
    s = schema(users(), posts('@request.auth.id != "" && @request.body.author = @request.auth.id', update))
    assert bool(Q.transferable_owner(s)) is bad


# --------------------------------------------------------------------------- client inputs

@pytest.mark.parametrize("expr,bad", [
    ('@request.headers.x_role = "admin"', True),
    ('@request.query.all = "1"', True),
    ('@request.auth.id != "" && @request.query.all = "1"', True),
    ('@request.headers.x_api_key = "0123456789abcdef0123"', True),
    ('author = @request.auth.id && @request.headers.x_client = "web"', False),
    ('@request.auth.role = "admin" && @request.headers.x_client = "web"', False),
    ('@request.body.title != ""', False),
])
def test_client_input_decides(expr, bad):
    s = schema(users(), coll("docs", fields=[rel("author")], listRule=expr))
    issues = Q.client_input_decides(s)
    assert bool(issues) is bad
    assert "0123456789abcdef" not in repr(issues)


# --------------------------------------------------------------------------- guests

@pytest.mark.parametrize("rule,expr,bad", [
    ("listRule", '@request.auth.role != "banned"', True),
    ("listRule", '@request.auth.collectionName != "blocked"', True),
    ("listRule", 'author = @request.auth.id || @request.auth.id != author', True),
    ("createRule", '@request.auth.id = @request.body.author', True),
    ("listRule", '@request.auth.id != "" && @request.auth.role != "banned"', False),
    ("listRule", 'author = @request.auth.id', False),
    ("listRule", '@request.auth.id = "" && status = "public"', False),  # explicitly for guests
    ("listRule", 'status = "public"', False),                           # no auth check meant
    ("updateRule", '@request.auth.verified != false', True),
])
def test_guest_satisfiable(rule, expr, bad):
    s = schema(users(), coll("docs", fields=[rel("author"), field("status")], **{rule: expr}))
    assert bool(Q.guest_satisfiable(s)) is bad
    assert Q.guest_satisfiable(s, public=lambda c, r: True) == []


# --------------------------------------------------------------------------- ~ on identities

@pytest.mark.parametrize("expr,bad", [
    ('@request.auth.email ~ "@corp.test"', True),
    ('@request.auth.email ~ "corp.test"', True),
    ('@request.auth.email ~ "%@corp.test"', False),
    ('@request.auth.email ~ "%@corp_test"', True),
    ('@request.auth.email ~ "%@corp.test%"', True),
    ('@request.auth.email = "boss@corp.test"', False),
    ('@request.auth.username ~ "admin"', True),
    ('members ~ @request.auth.id', True),
    ('author ~ @request.auth.id', False),       # a relation holds whole ids
    ('author.email ~ "@corp.test"', True),
    ('title ~ "news"', False),
    ('@request.auth.email !~ "@spam.test"', False),
])
def test_identity_contains(expr, bad):
    s = schema(users(), coll("docs", fields=[rel("author"), field("members"), field("title")],
                             listRule=expr, viewRule="author = @request.auth.id"))
    assert bool(Q.identity_contains(s)) is bad


def test_identity_contains_in_auth_rule():
    s = schema(users(extra=()), staff())
    s.by_name["staff"]["rules"]["authRule"] = 'email ~ "@corp.test"'
    assert [(i.collection, i.rule) for i in Q.identity_contains(s)] == [("staff", "authRule")]


# --------------------------------------------------------------------------- several auth collections

@pytest.mark.parametrize("expr,users_create,bad", [
    ('@request.auth.id != ""', "", True),                                  # customers read staff docs
    ('@request.auth.collectionName = "staff"', "", False),
    ('@request.auth.collectionName = "staff" && @request.auth.id != ""', "", False),
    ('@request.auth.id != ""', None, False),                               # nobody can sign up
    ('@request.auth.collectionName = "users"', "", True),                  # pinned to an open one
    ('@request.auth.id != "" && status = "published"', "", False),         # filtered records
    ('@request.auth.level = "3"', "", False),
])
def test_open_collection_access(expr, users_create, bad):
    s = schema(users(create=users_create), staff(), coll("docs", fields=[field("status")], listRule=expr))
    assert bool(Q.open_collection_access(s)) is bad


def test_open_collection_respects_declared_intent():
    s = schema(users(create=""), coll("docs", listRule='@request.auth.collectionName = "users"'))
    assert Q.open_collection_access(s)
    assert Q.open_collection_access(s, public=lambda c, r: (c, r) == ("docs", "listRule")) == []


def test_open_collection_single_collection_left_to_rul003():
    s = schema(users(create=""), coll("docs", listRule='@request.auth.id != ""'))
    assert Q.open_collection_access(s) == []


def test_policy_rulesets_pass_every_question():
    """The shipped rulesets (user_owned, public_read_owner_write, admin_only) with a locked users
    collection raise nothing."""
    owned = ('user = @request.auth.id', '@request.auth.id != "" && @request.body.user = @request.auth.id',
             'user = @request.auth.id && (@request.body.user:isset = false || @request.body.user = @request.auth.id)')
    admin = '@request.auth.collectionName = "users" && @request.auth.role = "admin"'
    s = schema(
        users(create="@request.body.role:isset = false",
              update="id = @request.auth.id && @request.body.role:isset = false"),
        coll("profiles", fields=[rel("user")], listRule=owned[0], viewRule=owned[0], createRule=owned[1],
             updateRule=owned[2], deleteRule=owned[0]),
        coll("admin_reports", listRule=admin, viewRule=admin, createRule=admin, updateRule=admin,
             deleteRule=admin))
    for question in (Q.privilege_escalations, Q.unbound_owner_on_create, Q.transferable_owner,
                     Q.client_input_decides, Q.guest_satisfiable, Q.identity_contains,
                     Q.open_collection_access):
        assert question(s) == [], question.__name__


def test_request_data_locks_on_v022():
    s = schema(users(create='@request.data.role:isset = false',
                     update='id = @request.auth.id && @request.data.role:isset = false'),
               coll("reports", listRule=ADMIN), generation="v022")
    assert Q.privilege_escalations(s) == []
    s = schema(users(create=None, update='id = @request.auth.id'), coll("reports", listRule=ADMIN),
               generation="v022")
    assert [i.rule for i in Q.privilege_escalations(s)] == ["updateRule"]


# --------------------------------------------------------------------------- the controls

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C  # noqa: E402


def _run(collections, control, public_rules=None):
    snap = {"version": "0.40.6", "generation": "v023", "collections": collections, "settings": {}}
    ctx = C.AuditContext({"public_rules": public_rules or {}}, snapshot=snap)
    return [(f["status"], f["target"]) for f in C.run_controls(ctx, [C.CONTROLS_BY_ID[control]])]


@pytest.mark.parametrize("control,bad,good,target", [
    ("PBG-RUL-011", [users(), coll("reports", listRule=ADMIN)],
     [users(create=None, update=None), coll("reports", listRule=ADMIN)], "collection:users.createRule"),
    ("PBG-RUL-012", [users(create=None), posts('@request.auth.id != ""')],
     [users(create=None), posts('@request.auth.id != "" && @request.body.author = @request.auth.id')],
     "collection:posts.createRule"),
    ("PBG-RUL-013", [users(create=None), posts(None)],
     [users(create=None), posts(None, "author = @request.auth.id && @request.body.author:isset = false")],
     "collection:posts.updateRule"),
    ("PBG-RUL-014", [users(), coll("docs", listRule='@request.headers.x_k = "v"')],
     [users(), coll("docs", listRule=None)], "collection:docs.listRule"),
    ("PBG-RUL-015", [users(), coll("docs", listRule='@request.auth.role != "x"')],
     [users(), coll("docs", listRule='@request.auth.id != "" && @request.auth.role != "x"')],
     "collection:docs.listRule"),
    ("PBG-RUL-016", [users(), coll("docs", listRule='@request.auth.email ~ "@corp.test"')],
     [users(), coll("docs", listRule='@request.auth.email = "a@corp.test"')], "collection:docs.listRule"),
    ("PBG-RUL-017", [users(), staff(), coll("docs", listRule='@request.auth.id != ""')],
     [users(), staff(), coll("docs", listRule='@request.auth.collectionName = "staff"')],
     "collection:docs.listRule"),
])
def test_controls_fail_and_pass(control, bad, good, target):
    assert ("fail", target) in _run(bad, control)
    assert _run(good, control) == [("pass", "collections")]
    entry = C.CONTROLS_BY_ID[control]
    assert entry["profile"] == "baseline" and entry["check"].__doc__


def test_rul003_pinned_collection_is_a_role():
    cols = [users(), staff(), coll("docs", listRule='@request.auth.collectionName = "staff"')]
    assert ("fail", "collection:docs.listRule") not in _run(cols, "PBG-RUL-003")
    cols[2]["rules"]["listRule"] = '@request.auth.verified = true'
    assert ("fail", "collection:docs.listRule") in _run(cols, "PBG-RUL-003")


def test_unparsable_snapshot_is_error_not_pass():
    ctx = C.AuditContext({}, snapshot=None, snapshot_error="unreachable")
    res = C.run_controls(ctx, [C.CONTROLS_BY_ID["PBG-RUL-011"]])
    assert [f["status"] for f in res] == ["error"]


def test_rule_too_large_to_expand_is_error():
    wide = " && ".join("(a%d = 1 || b%d = 2)" % (i, i) for i in range(10))   # 1024 branches
    res = _run([users(), coll("docs", listRule=wide)], "PBG-RUL-015")
    assert ("error", "collection:docs.listRule") in res


# --------------------------------------------------------------------------- shipped policy

def _example_schema(generation):
    import os

    import jinja2
    import yaml

    root = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, "playbooks", "inventory", "example", "group_vars", "pocketbase", "main.yml")) as fh:
        entries = yaml.safe_load(fh)["pocketbase_policy_collections"]
    owners = {"profiles": "user", "posts": "author", "tickets": "customer"}
    # the example's users collection as it would be with the role field admin_reports trusts
    colls = {"users": users(create="", update="id = @request.auth.id")}
    for name, owner in owners.items():
        colls[name] = coll(name, fields=[rel(owner), field("title")])
    colls["admin_reports"] = coll("admin_reports", fields=[field("title")])
    for entry in entries:
        if entry["name"] not in colls:
            continue
        rules = {}
        if entry.get("ruleset"):
            path = os.path.join(root, "roles", "pocketbase_policy", "templates", "rulesets", generation,
                                entry["ruleset"] + ".yml.j2")
            with open(path) as fh:
                params = dict((k, v) for k, v in entry.items() if k in ("owner_field", "role_field", "admin_value"))
                rules.update(yaml.safe_load(jinja2.Template(fh.read()).render(**params))["rules"])
        rules.update(entry.get("rules") or {})
        if generation == "v022":
            rules = dict((k, v.replace("@request.body", "@request.data") if v else v) for k, v in rules.items())
        colls[entry["name"]]["rules"].update(rules)
    return schema(*colls.values(), generation=generation)


@pytest.mark.parametrize("generation", ["v023", "v022"])
def test_example_inventory_and_rulesets_pass_every_question(generation):
    s = _example_schema(generation)
    assert s.settable_fields(s.by_name["users"]) == ["name", "role", "plan"]
    public = {("posts", "listRule"), ("posts", "viewRule"), ("users", "createRule")}
    for question in (Q.privilege_escalations, Q.unbound_owner_on_create, Q.transferable_owner,
                     Q.client_input_decides, Q.identity_contains, Q.open_collection_access):
        assert question(s) == [], question.__name__
    assert Q.guest_satisfiable(s, public=lambda c, r: (c, r) in public) == []


def test_example_inventory_without_the_users_lock_fails_rul011():
    s = _example_schema("v023")
    s.by_name["users"]["rules"].update(createRule="", updateRule="id = @request.auth.id")
    # branches are cached per rule text, so the changed rules are read afresh
    assert [(i.collection, i.rule) for i in Q.privilege_escalations(s)] == [("users", "createRule")]
