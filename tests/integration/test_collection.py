# -*- coding: utf-8 -*-
"""pocketbase_collection through Ansible against real PocketBase binaries (0.23+ generations)."""
import pytest

from conftest import http, run_tasks  # pylint: disable=import-error

ENFORCE_VERSIONS = ["0.30.4", "0.40.6"]

OWNER_RULES = {
    "listRule": "owner = @request.auth.id",
    "viewRule": "owner = @request.auth.id",
    "createRule": '@request.auth.id != "" && @request.body.owner = @request.auth.id',
    "updateRule": "owner = @request.auth.id && @request.body.owner:isset = false",  # owner not transferable (PBG-RUL-013)
    "deleteRule": "owner = @request.auth.id",
}
OPEN_RULES = dict((k, "") for k in OWNER_RULES)


def make_collections(srv):
    """posts (wide open, owner relation, file), notes (open list): the "before" of an audit."""
    body = {"name": "posts", "type": "base", "fields": [
        {"name": "title", "type": "text"},
        {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
        {"name": "doc", "type": "file", "maxSelect": 1, "maxSize": 1048576, "protected": False},
    ]}
    body.update(OPEN_RULES)
    resp = srv.api("POST", "/api/collections", body)
    assert resp.status == 200, resp
    notes = {"name": "notes", "type": "base", "listRule": "", "fields": [{"name": "body", "type": "text"}]}
    resp = srv.api("POST", "/api/collections", notes)
    assert resp.status == 200, resp
    alice = srv.create_user("alice@example.com", "alice-pass-123", verified=True)
    bob = srv.create_user("bob@example.com", "bob-pass-1234", verified=True)
    resp = srv.api("POST", "/api/collections/posts/records", {"title": "alice's", "owner": alice["id"]})
    assert resp.status == 200, resp
    return alice, bob, resp.json


def coll(srv, name):
    resp = srv.api("GET", "/api/collections/" + name)
    assert resp.status == 200, resp
    return resp.json


@pytest.fixture
def srvs(pb_server_factory):
    """One fresh server per enforced version; each step runs on all of them in ONE playbook."""
    return [pb_server_factory(v) for v in ENFORCE_VERSIONS]


def each(srvs, module, **kwargs):
    """The same call against every server in one ansible-playbook run: [(srv, result), ...]."""
    return list(zip(srvs, run_tasks([srv.task(module, **kwargs) for srv in srvs])))


def steps(srvs, *calls):
    """Several calls per server, all in one playbook: [(srv, [result per call]), ...].
    ``calls``: ``(kwargs)`` dicts for pocketbase_collection, or callables srv -> kwargs."""
    tasks = []
    for srv in srvs:
        for call in calls:
            kwargs = call(srv) if callable(call) else call
            tasks.append(srv.task("pocketbase_collection", **kwargs))
    results = run_tasks(tasks)
    n = len(calls)
    return [(srv, results[i * n:(i + 1) * n]) for i, srv in enumerate(srvs)]


def password_not_in(res, srv):
    return srv.password not in res.raw


def test_enforce_check_apply_idempotent(srvs):
    made = dict((srv.version, make_collections(srv)) for srv in srvs)
    spec = [{"name": "posts", "rules": OWNER_RULES, "files": {"doc": {"protected": True}}},
            {"name": "notes", "rules": {"listRule": None}}]

    # check mode: diff, changed, but the server stays as it was
    before_fields = {}
    for srv, res in each(srvs, "pocketbase_collection", check=True, diff=True, collections=spec):
        assert not res.failed, res
        assert res.changed
        assert res.diff["before"]["posts"]["listRule"] == ""
        assert res.diff["after"]["posts"]["listRule"] == OWNER_RULES["listRule"]
        assert res.diff["before"]["posts"]["fields"]["doc"]["protected"] is False
        assert res.diff["after"]["notes"] == {"listRule": None}
        assert set(res.diff["after"]["posts"]) == set(OWNER_RULES) | {"fields"}
        assert coll(srv, "posts")["listRule"] == "" and coll(srv, "notes")["listRule"] == ""
        assert res["requests"] == []
        before_fields[srv.version] = [f["name"] for f in coll(srv, "posts")["fields"]]

    # apply, then the same again (idempotent)
    for srv, (res, again) in steps(srvs, dict(diff=True, collections=spec), dict(diff=True, collections=spec)):
        assert not res.failed, res
        assert res.changed
        assert res["requests"] == [{"method": "PUT", "path": "/api/collections/import"}]
        posts = coll(srv, "posts")
        for key, value in OWNER_RULES.items():
            assert posts[key] == value
        assert coll(srv, "notes")["listRule"] is None
        assert [f["name"] for f in posts["fields"]] == before_fields[srv.version]
        assert next(f for f in posts["fields"] if f["name"] == "doc")["protected"] is True
        # data survived (fields were not dropped)
        post = made[srv.version][2]
        rec = srv.api("GET", "/api/collections/posts/records/" + post["id"])
        assert rec.status == 200 and rec.json["title"] == "alice's"
        assert not again.failed, again
        assert not again.changed
        assert not again.get("diff") or again.diff == {} or again.diff.get("before") in (None, {})
        assert password_not_in(again, srv)

    # a change of one rule touches only that rule
    spec[1]["rules"] = {"listRule": '@request.auth.id != "" && @request.auth.collectionName = "users"'}
    spec[1]["public"] = ["listRule"]
    for srv, res in each(srvs, "pocketbase_collection", diff=True, collections=spec):
        assert not res.failed, res
        assert res.changed and res.diff["after"] == {"notes": {"listRule": spec[1]["rules"]["listRule"]}}


def test_anonymous_and_other_user_are_locked_out(srvs):
    bob_auth = ("user", "bob@example.com", "bob-pass-1234")
    posts = {}
    for srv in srvs:
        _alice, _bob, post = make_collections(srv)
        posts[srv.version] = post
        # before: anyone lists, bob may update alice's post
        guest = srv.api("GET", "/api/collections/posts/records", auth="guest")
        assert guest.status == 200 and guest.json["totalItems"] == 1
        resp = srv.api("PATCH", "/api/collections/posts/records/" + post["id"], {"title": "bob was here"},
                       auth=bob_auth)
        assert resp.status == 200

    for srv, res in each(srvs, "pocketbase_collection", collections=[{"name": "posts", "rules": OWNER_RULES}]):
        assert not res.failed and res.changed, res
        post = posts[srv.version]
        guest = srv.api("GET", "/api/collections/posts/records", auth="guest")
        assert guest.status in (200, 403)
        assert guest.status == 403 or guest.json["items"] == []
        resp = srv.api("PATCH", "/api/collections/posts/records/" + post["id"], {"title": "bob again"},
                       auth=bob_auth)
        assert resp.status in (403, 404), resp
        assert srv.api("GET", "/api/collections/posts/records", auth=bob_auth).json["items"] == []
        # the owner still can
        alice_auth = ("user", "alice@example.com", "alice-pass-123")
        resp = srv.api("PATCH", "/api/collections/posts/records/" + post["id"], {"title": "mine"},
                       auth=alice_auth)
        assert resp.status == 200 and resp.json["title"] == "mine"


def test_bad_rule_fails_atomically_with_pocketbase_message(srvs):
    before = {}
    for srv in srvs:
        make_collections(srv)
        before[srv.version] = {n: coll(srv, n) for n in ("posts", "notes")}
    for srv, res in each(srvs, "pocketbase_collection", collections=[
            {"name": "posts", "rules": OWNER_RULES},
            {"name": "notes", "rules": {"listRule": "bogus_field = 1"}}]):
        assert res.failed
        # validated before any request (rule fields), else PocketBase's transactional import refuses it
        assert "nothing was changed" in res.msg or "no collection was changed" in res.msg, res.msg
        # the message names the bad field
        assert "notes" in res.msg and ("bogus_field" in res.msg or "Invalid rule" in res.msg), res.msg
        for name in ("posts", "notes"):
            after = coll(srv, name)
            for key in OWNER_RULES:
                assert after[key] == before[srv.version][name][key], (name, key)


def test_public_rule_refused_without_intent(srvs):
    for srv in srvs:
        make_collections(srv)
    for srv, res in each(srvs, "pocketbase_collection", collections=[
            {"name": "posts", "rules": dict(OWNER_RULES, listRule="", viewRule='id != ""')}]):
        assert res.failed
        assert "posts" in res.msg and "listRule" in res.msg and "viewRule" in res.msg
        assert "public: [listRule]" in res.msg
        assert coll(srv, "posts")["updateRule"] == ""  # nothing sent

    # with the intent declared the public rules pass; an empty authRule (PocketBase's default) is
    # never refused: an info finding, not a warning
    for srv, res in each(srvs, "pocketbase_collection", collections=[
            {"name": "posts", "public": ["listRule", "viewRule"],
             "rules": dict(OWNER_RULES, listRule="", viewRule="")},
            {"name": "users", "rules": {"authRule": "", "manageRule": None}}]):
        assert not res.failed and res.changed, res
        assert any(f["code"] == "public" and f["accepted"] for f in res["findings"])
        auth = [f for f in res["findings"] if f["rule"] == "authRule"]
        assert [(f["code"], f["severity"], f["accepted"]) for f in auth] == [("public", "info", True)], auth
        assert "unverified" in auth[0]["message"] and not res.get("warnings"), res
        posts = coll(srv, "posts")
        assert posts["listRule"] == "" and posts["updateRule"] == OWNER_RULES["updateRule"]


def test_auth_options(srvs):
    for srv in srvs:
        make_collections(srv)
    spec = [{"name": "users", "auth": {
        "only_verified": True, "min_password_length": 12,
        "password": {"enabled": True}, "oauth2": {"enabled": False},
        "otp": {"enabled": True, "duration": 300}, "mfa": {"enabled": True, "duration": 900},
        "token_durations": {"auth": 86400, "password_reset": 900, "verification": 86400, "file": 120}}}]
    for srv, (res, again) in steps(srvs, dict(diff=True, collections=spec), dict(collections=spec)):
        assert not res.failed and res.changed, res
        assert not again.failed and not again.changed, again
        users = coll(srv, "users")
        assert users["authRule"] == "verified = true"
        assert users["otp"]["enabled"] is True and users["otp"]["duration"] == 300
        assert users["mfa"]["enabled"] is True and users["mfa"]["duration"] == 900
        assert users["authToken"]["duration"] == 86400 and users["fileToken"]["duration"] == 120
        assert next(f for f in users["fields"] if f["name"] == "password")["min"] == 12
        # an unverified user can no longer log in
        srv.create_user("eve@example.com", "eve-password-123")
        resp = http("POST", srv.url + "/api/collections/users/auth-with-password",
                    {"identity": "eve@example.com", "password": "eve-password-123"})
        assert resp.status in (400, 403), resp


def test_missing_collection_wrong_type_open_manage_rule(srvs):
    for srv in srvs:
        make_collections(srv)
    for srv, (missing, wrong, manage) in steps(
            srvs, dict(collections=[{"name": "nope", "rules": {"listRule": None}}]),
            dict(collections=[{"name": "posts", "rules": {"authRule": ""}}]),
            dict(collections=[{"name": "users", "rules": {"manageRule": ""}}])):
        assert missing.failed and "nope" in missing.msg
        assert wrong.failed and "auth collections" in wrong.msg
        # an empty manageRule (anyone passing the update rule manages accounts) is refused like a public rule
        assert manage.failed and "manageRule" in manage.msg and "public: [manageRule]" in manage.msg, manage
        assert coll(srv, "users")["manageRule"] is None


def test_v022_fails_clearly(pb_server_factory):
    """Every enforcing module (collection, settings, superuser) refuses 0.22 clearly (one playbook)."""
    srv = pb_server_factory("0.22.27")
    results = run_tasks([
        srv.task("pocketbase_collection", collections=[{"name": "users", "rules": {"listRule": None}}]),
        srv.task("pocketbase_settings", settings={"logs": {"maxDays": 3}}),
        srv.task("pocketbase_superuser", superusers=[{"email": "a@example.com", "password": "a-pw-12345"}]),
    ])
    for res in results:
        assert res.failed and "0.23" in res.msg, res
    assert srv.password not in results[0].raw


def stored_providers(srv):
    import json  # pylint: disable=import-outside-toplevel
    import os  # pylint: disable=import-outside-toplevel
    import sqlite3  # pylint: disable=import-outside-toplevel
    con = sqlite3.connect(os.path.join(srv.data_dir, "data.db"))
    try:
        row = con.execute("SELECT options FROM _collections WHERE name = 'users'").fetchone()
    finally:
        con.close()
    return dict((p["name"], p) for p in json.loads(row[0])["oauth2"]["providers"])


def test_oauth2_providers_write_only_secret(srvs):
    secret = "gh-Client-Secret-0b7e"
    spec = [{"name": "users", "auth": {"oauth2": {"enabled": True, "providers": [
        {"name": "github", "clientId": "cid-1"}]}}}]
    # no secret declared: refused; declared: sent once; declared again (other value): not re-sent
    for srv, (refused, res, again) in steps(
            srvs, dict(collections=spec),
            dict(diff=True, collections=spec, oauth2_client_secrets={"users": {"github": secret}}),
            dict(collections=spec, oauth2_client_secrets={"users": {"github": "x"}})):
        assert refused.failed and "oauth2_client_secrets" in refused.msg
        assert not res.failed and res.changed, res
        assert res["secrets_sent"] == ["users.oauth2.github.clientSecret"]
        assert secret not in res.raw
        assert not again.failed and not again.changed and again["secrets_sent"] == [], again
        assert stored_providers(srv)["github"]["clientSecret"] == secret
        assert coll(srv, "users")["oauth2"]["enabled"] is True

    # another key changes: the provider (and its declared secret) is sent again; never shown
    spec[0]["auth"]["oauth2"]["providers"][0]["clientId"] = "cid-2"
    for srv, res in each(srvs, "pocketbase_collection", collections=spec,
                         oauth2_client_secrets={"users": {"github": "gh-Rotated-Secret-9"}}):
        assert res.changed and res["secrets_sent"] == ["users.oauth2.github.clientSecret"]
        assert "gh-Rotated-Secret-9" not in res.raw
        stored = stored_providers(srv)["github"]
        assert stored["clientId"] == "cid-2" and stored["clientSecret"] == "gh-Rotated-Secret-9"
