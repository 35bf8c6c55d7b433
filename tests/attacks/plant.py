# -*- coding: utf-8 -*-
"""Plant the article's seven findings into a real PocketBase (0.23+) over plain HTTP.

No Ansible, stdlib only: it runs on the controller or inside a test container.

    plant.py plant  --url URL --email E --password P --state state.json [--hooks-dir DIR]
    plant.py count  --url URL --email E --password P          # record counts per collection (JSON)
    plant.py harden-api --url URL --email E --password P [--hooks-dir DIR]
                                                              # API-only fixes (local mode of the suite)

What "plant" creates (pattern -> state):
  1  nothing here: binding to 0.0.0.0 without a proxy is how the service is started
  2  tickets: listRule/viewRule "" with two customers' tickets;
     profiles: updateRule '@request.auth.id != ""' (any user edits any profile)
  3  permissions: viewRule "" and listRule auth-only, joined by admin_reports'
     '@collection.permissions...' rules; alice is level=admin
  4  users: authRule "" and a never-verified user eve who can sign in anyway
  5  users.idcard file field protected=false while users.viewRule is owner-only; alice has one
  6  pb_hooks: memberships.pb.js (role from the client's isAdmin flag) and webhooks.pb.js
     ($http.send to the record's url) -- copied when --hooks-dir is given
  7  nothing here: the version is whatever binary runs
The state file (0600) holds the planted users' credentials and ids the attacker "knows".
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbhttp import Client, multipart  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
USERS_ID = "_pb_users_auth_"
AUTH_ONLY = '@request.auth.id != ""'
JOIN_RULE = ('@collection.permissions.user ?= @request.auth.id && '
             '@collection.permissions.level ?= "admin"')
IDCARD = b"PBGUARD-IDCARD alice: passport no. X1234567 (planted test data)\n"
PLANTED = ("users", "tickets", "profiles", "permissions", "admin_reports", "memberships", "webhooks")


# Seconds per request: creating a collection runs a schema migration, which on a loaded two-core
# machine can take longer than the client's 10 s default (the attack scenario's prepare once timed out).
REQUEST_TIMEOUT = 30.0
LOGIN_ATTEMPTS = 60


class PlantError(Exception):
    pass


def superuser_client(url, email, password, connect=None):
    c = Client(url, connect=connect, timeout=REQUEST_TIMEOUT)
    for attempt in range(LOGIN_ATTEMPTS):
        try:
            r = c.post("/api/collections/_superusers/auth-with-password",
                       {"identity": email, "password": password})
        except Exception as exc:  # not up yet
            if attempt == LOGIN_ATTEMPTS - 1:
                raise PlantError("PocketBase at %s unreachable: %s" % (url, exc))
            time.sleep(1)
            continue
        if r.status == 200:
            c.token = r.json()["token"]
            return c
        if r.status == 429:
            time.sleep(3)
            continue
        raise PlantError("superuser login failed: HTTP %s" % r.status)
    raise PlantError("superuser login kept failing")


def _ok(r, what):
    if r.status not in (200, 204):
        raise PlantError("%s failed: HTTP %s %s" % (what, r.status, r.text[:300]))
    return r.json() if r.body else None


def rel(name, required=False):
    return {"name": name, "type": "relation", "collectionId": USERS_ID, "maxSelect": 1,
            "required": required, "cascadeDelete": False}


def text(name):
    return {"name": name, "type": "text"}


COLLECTIONS = [
    {"name": "tickets", "type": "base",
     "fields": [rel("customer"), text("subject"), text("body")],
     "listRule": "", "viewRule": "", "createRule": AUTH_ONLY, "updateRule": None, "deleteRule": None},
    {"name": "profiles", "type": "base",
     "fields": [rel("user"), text("bio")],
     "listRule": AUTH_ONLY, "viewRule": AUTH_ONLY, "createRule": AUTH_ONLY,
     "updateRule": AUTH_ONLY, "deleteRule": None},
    {"name": "permissions", "type": "base",
     "fields": [rel("user"), {"name": "level", "type": "select", "maxSelect": 1,
                              "values": ["user", "admin"]}],
     "listRule": AUTH_ONLY, "viewRule": "", "createRule": None, "updateRule": None, "deleteRule": None},
    {"name": "admin_reports", "type": "base",
     "fields": [text("title")],
     "listRule": JOIN_RULE, "viewRule": JOIN_RULE, "createRule": JOIN_RULE,
     "updateRule": JOIN_RULE, "deleteRule": JOIN_RULE},
    {"name": "memberships", "type": "base",
     "fields": [rel("user"), text("team"), {"name": "isAdmin", "type": "bool"}, text("role")],
     "listRule": "user = @request.auth.id", "viewRule": "user = @request.auth.id",
     "createRule": AUTH_ONLY, "updateRule": None, "deleteRule": "user = @request.auth.id"},
    {"name": "webhooks", "type": "base",
     "fields": [rel("owner"), text("url")],
     "listRule": "owner = @request.auth.id", "viewRule": "owner = @request.auth.id",
     "createRule": AUTH_ONLY, "updateRule": None, "deleteRule": "owner = @request.auth.id"},
]


def _pw():
    return "pbg-" + secrets.token_urlsafe(12)


def plant(url, email, password, state_path, hooks_dir=None, connect=None):
    su = superuser_client(url, email, password, connect)
    existing = {c["name"] for c in _ok(su.get("/api/collections", query={"perPage": 500}),
                                       "list collections")["items"]}
    if "tickets" in existing:
        raise PlantError("already planted (collection tickets exists)")

    # pattern 4 + 5: users collection
    users = _ok(su.get("/api/collections/users"), "get users")
    fields = users["fields"]
    if not any(f["name"] == "idcard" for f in fields):
        fields.append({"name": "idcard", "type": "file", "maxSelect": 1, "maxSize": 1048576,
                       "protected": False})
    _ok(su.patch("/api/collections/users",
                 {"fields": fields, "authRule": "", "viewRule": "id = @request.auth.id"}),
        "patch users")

    state = {"url": url, "users": {}, "records": {}}
    for name, verified in (("alice", True), ("bob", True), ("mallory", True), ("eve", False)):
        pw = _pw()
        rec = _ok(su.post("/api/collections/users/records",
                          {"email": "%s@example.test" % name, "password": pw, "passwordConfirm": pw,
                           "verified": verified, "name": name}),
                  "create user %s" % name)
        state["users"][name] = {"id": rec["id"], "email": rec["email"], "password": pw,
                                "verified": verified}
    alice = state["users"]["alice"]["id"]
    raw, ctype = multipart({}, {"idcard": ("idcard.txt", IDCARD)})
    rec = _ok(su.request("PATCH", "/api/collections/users/records/%s" % alice, raw=raw,
                         content_type=ctype), "upload idcard")
    state["records"]["alice_idcard"] = rec["idcard"]
    state["idcard_sha_prefix"] = IDCARD[:14].decode()

    for spec in COLLECTIONS:
        _ok(su.post("/api/collections", spec), "create collection %s" % spec["name"])

    ids = {k: v["id"] for k, v in state["users"].items()}
    tickets = []
    for who in ("alice", "alice", "bob", "bob"):
        r = _ok(su.post("/api/collections/tickets/records",
                        {"customer": ids[who], "subject": "%s's ticket" % who,
                         "body": "confidential support request of %s" % who}), "ticket")
        tickets.append(r["id"])
    state["records"]["tickets"] = tickets
    profiles = {}
    for who in ("alice", "bob", "mallory"):
        r = _ok(su.post("/api/collections/profiles/records",
                        {"user": ids[who], "bio": "%s's bio" % who}), "profile")
        profiles[who] = r["id"]
    state["records"]["profiles"] = profiles
    for who, level in (("alice", "admin"), ("bob", "user"), ("mallory", "user")):
        _ok(su.post("/api/collections/permissions/records", {"user": ids[who], "level": level}),
            "permission")
    _ok(su.post("/api/collections/admin_reports/records", {"title": "Q3 revenue (admins only)"}),
        "report")
    # rate limits explicitly off (the default), as found on the audited servers
    _ok(su.patch("/api/settings", {"rateLimits": {"enabled": False}}), "settings")

    if hooks_dir:
        copy_hooks(hooks_dir, "vulnerable")
    fd = os.open(state_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh, indent=2)
    return state


def copy_hooks(hooks_dir, flavour):
    src = os.path.join(HERE, "hooks", flavour)
    os.makedirs(hooks_dir, exist_ok=True)
    for fn in sorted(os.listdir(src)):
        if fn.endswith(".pb.js"):
            shutil.copyfile(os.path.join(src, fn), os.path.join(hooks_dir, fn))


def count(url, email, password, connect=None):
    su = superuser_client(url, email, password, connect)
    cols = _ok(su.get("/api/collections", query={"perPage": 500}), "list collections")["items"]
    out = {}
    for c in sorted(cols, key=lambda c: c["name"]):
        if c["type"] == "view" or c["name"].startswith("_") and c["name"] != "_superusers":
            continue
        r = _ok(su.get("/api/collections/%s/records" % c["name"], query={"perPage": 1}),
                "count %s" % c["name"])
        out[c["name"]] = r["totalItems"]
    return out


# The hardened rule set the policy role is asked to enforce (also used by the example inventory).
HARDENED_RULES = {
    "tickets": {"listRule": "customer = @request.auth.id", "viewRule": "customer = @request.auth.id"},
    "profiles": {"listRule": "user = @request.auth.id", "viewRule": "user = @request.auth.id",
                 "updateRule": "user = @request.auth.id && @request.body.user:isset = false"},
    "permissions": {"listRule": "user = @request.auth.id", "viewRule": "user = @request.auth.id"},
    "users": {"authRule": "verified = true"},
}


def harden_api(url, email, password, hooks_dir=None, connect=None, superuser_ips=None):
    """API-level fixes for the local mode of the suite (the product does this via Ansible)."""
    su = superuser_client(url, email, password, connect)
    if superuser_ips is not None:
        settings = _ok(su.get("/api/settings"), "get settings")
        if "superuserIPs" not in settings:
            raise PlantError("superuserIPs needs PocketBase 0.38+")
        _ok(su.patch("/api/settings", {"superuserIPs": superuser_ips}), "superuserIPs")
        return
    for name, rules in HARDENED_RULES.items():
        _ok(su.patch("/api/collections/%s" % name, rules), "harden %s" % name)
    users = _ok(su.get("/api/collections/users"), "get users")
    for f in users["fields"]:
        if f["type"] == "file":
            f["protected"] = True
    _ok(su.patch("/api/collections/users", {"fields": users["fields"]}), "protect files")
    _ok(su.patch("/api/settings", {"rateLimits": {"enabled": True}}), "rate limits")
    if hooks_dir:
        for fn in os.listdir(hooks_dir):
            if fn.endswith(".pb.js"):
                os.unlink(os.path.join(hooks_dir, fn))
        copy_hooks(hooks_dir, "safe")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    ap.add_argument("action", choices=["plant", "count", "harden-api"])
    ap.add_argument("--url", default=os.environ.get("POCKETBASE_URL", "http://127.0.0.1:8090"))
    ap.add_argument("--connect", default=None)
    ap.add_argument("--email", default=os.environ.get("POCKETBASE_EMAIL"))
    ap.add_argument("--password-file", default=None,
                    help="file holding the superuser password (else env POCKETBASE_PASSWORD)")
    ap.add_argument("--state", default="attack-state.json")
    ap.add_argument("--hooks-dir", default=None)
    a = ap.parse_args(argv)
    password = os.environ.get("POCKETBASE_PASSWORD")
    if a.password_file:
        with open(a.password_file) as fh:
            password = fh.read().strip()
    if not (a.email and password):
        ap.error("superuser email and password are required (POCKETBASE_EMAIL/POCKETBASE_PASSWORD)")
    try:
        if a.action == "plant":
            st = plant(a.url, a.email, password, a.state, a.hooks_dir, a.connect)
            print(json.dumps({"planted": True, "users": sorted(st["users"]),
                              "collections": list(PLANTED)}))
        elif a.action == "count":
            print(json.dumps(count(a.url, a.email, password, a.connect), sort_keys=True))
        else:
            harden_api(a.url, a.email, password, a.hooks_dir, a.connect)
            print(json.dumps({"hardened": True}))
    except PlantError as exc:
        print("plant.py: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
