# -*- coding: utf-8 -*-
"""pocketbase_collection through Ansible against real PocketBase binaries (0.23+ generations)."""
import pytest

ENFORCE_VERSIONS = ["0.30.4", "0.40.6"]

OWNER_RULES = {
    "listRule": "owner = @request.auth.id",
    "viewRule": "owner = @request.auth.id",
    "createRule": '@request.auth.id != "" && @request.body.owner = @request.auth.id',
    "updateRule": "owner = @request.auth.id",
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


@pytest.fixture(params=ENFORCE_VERSIONS, ids=lambda v: "pb" + v)
def srv(request, pb_server_factory):
    return pb_server_factory(request.param)


def test_enforce_check_apply_idempotent(srv):
    alice, bob, post = make_collections(srv)
    spec = [{"name": "posts", "rules": OWNER_RULES, "files": {"doc": {"protected": True}}},
            {"name": "notes", "rules": {"listRule": None}}]

    # check mode: diff, changed, but the server stays as it was
    res = srv.run_module("pocketbase_collection", check=True, diff=True, collections=spec)
    assert not res.failed, res
    assert res.changed
    assert res.diff["before"]["posts"]["listRule"] == ""
    assert res.diff["after"]["posts"]["listRule"] == OWNER_RULES["listRule"]
    assert res.diff["before"]["posts"]["fields"]["doc"]["protected"] is False
    assert res.diff["after"]["notes"] == {"listRule": None}
    assert set(res.diff["after"]["posts"]) == set(OWNER_RULES) | {"fields"}
    assert coll(srv, "posts")["listRule"] == "" and coll(srv, "notes")["listRule"] == ""
    assert res["requests"] == []

    before_fields = [f["name"] for f in coll(srv, "posts")["fields"]]
    res = srv.run_module("pocketbase_collection", diff=True, collections=spec)
    assert not res.failed, res
    assert res.changed
    assert res["requests"] == [{"method": "PUT", "path": "/api/collections/import"}]
    posts = coll(srv, "posts")
    for key, value in OWNER_RULES.items():
        assert posts[key] == value
    assert coll(srv, "notes")["listRule"] is None
    assert [f["name"] for f in posts["fields"]] == before_fields
    assert next(f for f in posts["fields"] if f["name"] == "doc")["protected"] is True
    # data survived (fields were not dropped)
    rec = srv.api("GET", "/api/collections/posts/records/" + post["id"])
    assert rec.status == 200 and rec.json["title"] == "alice's"

    res = srv.run_module("pocketbase_collection", diff=True, collections=spec)
    assert not res.failed, res
    assert not res.changed
    assert not res.get("diff") or res.diff == {} or res.diff.get("before") in (None, {})
    assert password_not_in(res, srv)

    # a change of one rule touches only that rule
    spec[1]["rules"] = {"listRule": '@request.auth.id != "" && @request.auth.collectionName = "users"'}
    spec[1]["public"] = ["listRule"]
    res = srv.run_module("pocketbase_collection", diff=True, collections=spec)
    assert not res.failed, res
    assert res.changed and res.diff["after"] == {"notes": {"listRule": spec[1]["rules"]["listRule"]}}


def password_not_in(res, srv):
    return srv.password not in res.raw


def test_anonymous_and_other_user_are_locked_out(srv):
    alice, bob, post = make_collections(srv)
    # before: anyone lists, bob may update alice's post
    guest = srv.api("GET", "/api/collections/posts/records", auth="guest")
    assert guest.status == 200 and guest.json["totalItems"] == 1
    resp = srv.api("PATCH", "/api/collections/posts/records/" + post["id"], {"title": "bob was here"},
                   auth=("user", "bob@example.com", "bob-pass-1234"))
    assert resp.status == 200

    res = srv.run_module("pocketbase_collection", collections=[{"name": "posts", "rules": OWNER_RULES}])
    assert not res.failed and res.changed, res

    guest = srv.api("GET", "/api/collections/posts/records", auth="guest")
    assert guest.status in (200, 403)
    assert guest.status == 403 or guest.json["items"] == []
    bob_auth = ("user", "bob@example.com", "bob-pass-1234")
    resp = srv.api("PATCH", "/api/collections/posts/records/" + post["id"], {"title": "bob again"}, auth=bob_auth)
    assert resp.status in (403, 404), resp
    assert srv.api("GET", "/api/collections/posts/records", auth=bob_auth).json["items"] == []
    # the owner still can
    alice_auth = ("user", "alice@example.com", "alice-pass-123")
    resp = srv.api("PATCH", "/api/collections/posts/records/" + post["id"], {"title": "mine"}, auth=alice_auth)
    assert resp.status == 200 and resp.json["title"] == "mine"


def test_bad_rule_fails_atomically_with_pocketbase_message(srv):
    make_collections(srv)
    before = {n: coll(srv, n) for n in ("posts", "notes")}
    res = srv.run_module("pocketbase_collection", collections=[
        {"name": "posts", "rules": OWNER_RULES},
        {"name": "notes", "rules": {"listRule": "bogus_field = 1"}},
    ])
    assert res.failed
    assert "no collection was changed" in res.msg
    # PocketBase's own validation message, naming the bad field
    assert "notes" in res.msg and ("bogus_field" in res.msg or "Invalid rule" in res.msg), res.msg
    for name in ("posts", "notes"):
        after = coll(srv, name)
        for key in OWNER_RULES:
            assert after[key] == before[name][key], (name, key)


def test_public_rule_refused_without_intent(srv):
    make_collections(srv)
    res = srv.run_module("pocketbase_collection", collections=[
        {"name": "posts", "rules": dict(OWNER_RULES, listRule="", viewRule='id != ""')},
    ])
    assert res.failed
    assert "posts" in res.msg and "listRule" in res.msg and "viewRule" in res.msg
    assert "public: [listRule]" in res.msg
    assert coll(srv, "posts")["updateRule"] == ""  # nothing sent

    res = srv.run_module("pocketbase_collection", collections=[
        {"name": "posts", "public": ["listRule", "viewRule"],
         "rules": dict(OWNER_RULES, listRule="", viewRule="")},
    ])
    assert not res.failed and res.changed, res
    assert any(f["code"] == "public" and f["accepted"] for f in res["findings"])
    posts = coll(srv, "posts")
    assert posts["listRule"] == "" and posts["updateRule"] == OWNER_RULES["updateRule"]


def test_auth_options(srv):
    make_collections(srv)
    spec = [{"name": "users", "auth": {
        "only_verified": True, "min_password_length": 12,
        "password": {"enabled": True}, "oauth2": {"enabled": False},
        "otp": {"enabled": True, "duration": 300}, "mfa": {"enabled": True, "duration": 900},
        "token_durations": {"auth": 86400, "password_reset": 900, "verification": 86400, "file": 120}}}]
    res = srv.run_module("pocketbase_collection", diff=True, collections=spec)
    assert not res.failed and res.changed, res
    users = coll(srv, "users")
    assert users["authRule"] == "verified = true"
    assert users["otp"]["enabled"] is True and users["otp"]["duration"] == 300
    assert users["mfa"]["enabled"] is True and users["mfa"]["duration"] == 900
    assert users["authToken"]["duration"] == 86400 and users["fileToken"]["duration"] == 120
    assert next(f for f in users["fields"] if f["name"] == "password")["min"] == 12
    res = srv.run_module("pocketbase_collection", collections=spec)
    assert not res.failed and not res.changed, res
    # an unverified user can no longer log in
    srv.create_user("eve@example.com", "eve-password-123")
    from conftest import http  # pylint: disable=import-outside-toplevel
    resp = http("POST", srv.url + "/api/collections/users/auth-with-password",
                {"identity": "eve@example.com", "password": "eve-password-123"})
    assert resp.status in (400, 403), resp


def test_missing_collection_and_wrong_type(srv):
    make_collections(srv)
    res = srv.run_module("pocketbase_collection", collections=[{"name": "nope", "rules": {"listRule": None}}])
    assert res.failed and "nope" in res.msg
    res = srv.run_module("pocketbase_collection", collections=[{"name": "posts", "rules": {"authRule": ""}}])
    assert res.failed and "auth collections" in res.msg


def test_v022_fails_clearly(pb_server_factory):
    srv = pb_server_factory("0.22.27")
    res = srv.run_module("pocketbase_collection", collections=[{"name": "users", "rules": {"listRule": None}}])
    assert res.failed and "0.23" in res.msg
    assert srv.password not in res.raw


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


def test_oauth2_providers_write_only_secret(srv):
    secret = "gh-Client-Secret-0b7e"
    spec = [{"name": "users", "auth": {"oauth2": {"enabled": True, "providers": [
        {"name": "github", "clientId": "cid-1"}]}}}]
    res = srv.run_module("pocketbase_collection", collections=spec)
    assert res.failed and "oauth2_client_secrets" in res.msg

    res = srv.run_module("pocketbase_collection", diff=True, collections=spec,
                         oauth2_client_secrets={"users": {"github": secret}})
    assert not res.failed and res.changed, res
    assert res["secrets_sent"] == ["users.oauth2.github.clientSecret"]
    assert secret not in res.raw
    assert stored_providers(srv)["github"]["clientSecret"] == secret
    assert coll(srv, "users")["oauth2"]["enabled"] is True

    res = srv.run_module("pocketbase_collection", collections=spec, oauth2_client_secrets={"users": {"github": "x"}})
    assert not res.failed and not res.changed and res["secrets_sent"] == [], res
    assert stored_providers(srv)["github"]["clientSecret"] == secret

    # another key changes: the provider (and its declared secret) is sent again; never shown
    spec[0]["auth"]["oauth2"]["providers"][0]["clientId"] = "cid-2"
    res = srv.run_module("pocketbase_collection", collections=spec,
                         oauth2_client_secrets={"users": {"github": "gh-Rotated-Secret-9"}})
    assert res.changed and res["secrets_sent"] == ["users.oauth2.github.clientSecret"]
    assert "gh-Rotated-Secret-9" not in res.raw
    stored = stored_providers(srv)["github"]
    assert stored["clientId"] == "cid-2" and stored["clientSecret"] == "gh-Rotated-Secret-9"
