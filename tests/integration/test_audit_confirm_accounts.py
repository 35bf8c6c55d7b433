# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confirm mode's account and file attacks against real servers: an unverified account logs in
(PBG-AUT-002), a password shorter than the required minimum is accepted at sign-up or as one's own new
password (PBG-AUT-004), an unprotected file is downloaded without a file token (PBG-FIL-001), a
self-registered look-alike e-mail passes a ``~`` rule and an authRule (PBG-RUL-016).

Each is confirmed on the vulnerable fixture and not confirmed on its safe twin; record counts are identical
before and after, the records that existed before are unchanged, and no tagged account or file is left.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import PocketBaseClient
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import runner

from conftest import ok, record_state  # pylint: disable=import-error

V040 = "0.40.6"
V030 = "0.30.4"
CONTROLS = ["PBG-AUT-002", "PBG-AUT-004", "PBG-FIL-001", "PBG-RUL-016"]
TAGGED = 'email ~ "pbg-confirm-"'
ALICE_PASSWORD = "pbg-alice-password-1"

EXPECTED = [
    ("PBG-AUT-002", "collection:users.authRule"),   # open sign-up, then a password login
    ("PBG-AUT-002", "collection:staff.authRule"),   # closed sign-up: a superuser-created unverified account
    ("PBG-AUT-004", "collection:users.password"),   # a short password at sign-up
    ("PBG-AUT-004", "collection:staff.password"),   # closed sign-up: the user's own password change
    ("PBG-FIL-001", "collection:docs.attachment"),
    ("PBG-RUL-016", "collection:corpdocs.listRule"),
    ("PBG-RUL-016", "collection:partners.authRule"),
]


def patch_field(srv, coll, field, **changes):
    spec = ok(srv.api("GET", "/api/collections/" + coll), coll)
    fields = [dict(f, **changes) if f["name"] == field else f for f in spec["fields"]]
    ok(srv.api("PATCH", "/api/collections/" + coll, {"fields": fields}), "%s.%s" % (coll, field))


def plant(srv):
    """The vulnerable fixture; returns {collection: [existing record ids]} (records the audit must not touch)."""
    ok(srv.api("PATCH", "/api/collections/users", {"createRule": "", "authRule": ""}), "users")
    patch_field(srv, "users", "password", min=8)
    staff = {"name": "staff", "type": "auth", "createRule": None, "updateRule": "id = @request.auth.id", "authRule": ""}
    ok(srv.api("POST", "/api/collections", staff), "staff")
    patch_field(srv, "staff", "password", min=8)
    partners = {"name": "partners", "type": "auth", "createRule": "", "authRule": 'email ~ "@corp.test"'}
    ok(srv.api("POST", "/api/collections", partners), "partners")
    ok(srv.api("POST", "/api/collections", {
        "name": "docs", "type": "base", "listRule": '@request.auth.id != ""', "viewRule": '@request.auth.id != ""',
        "fields": [{"name": "title", "type": "text"},
                   {"name": "attachment", "type": "file", "maxSelect": 1, "maxSize": 1024, "protected": False}]}),
       "docs")
    ok(srv.api("POST", "/api/collections", {
        "name": "corpdocs", "type": "base", "listRule": '@request.auth.email ~ "@corp.test"',
        "fields": [{"name": "title", "type": "text"}]}), "corpdocs")
    existing = {"users": [srv.create_user("alice@corp.test", ALICE_PASSWORD)["id"]],
                "partners": [srv.create_user("bob@corp.test", ALICE_PASSWORD, collection="partners")["id"]]}
    for name in ("docs", "corpdocs"):
        rec = ok(srv.api("POST", "/api/collections/%s/records" % name, {"title": "existing " + name}), name)
        existing[name] = [rec["id"]]
    return existing


def make_safe(srv):
    ok(srv.api("PATCH", "/api/collections/users", {"authRule": "verified = true"}), "users")
    patch_field(srv, "users", "password", min=12)
    ok(srv.api("PATCH", "/api/collections/staff", {"authRule": "verified = true"}), "staff")
    patch_field(srv, "staff", "password", min=12)
    ok(srv.api("PATCH", "/api/collections/partners", {"authRule": 'email ~ "%@corp.test" && verified = true'}),
       "partners")
    patch_field(srv, "partners", "password", min=12)
    patch_field(srv, "docs", "attachment", protected=True)
    ok(srv.api("PATCH", "/api/collections/corpdocs", {"listRule": '@request.auth.email ~ "%@corp.test"'}),
       "corpdocs")


def tagged_accounts(srv):
    return sum(ok(srv.api("GET", "/api/collections/%s/records" % c, query={"filter": TAGGED}), c)["totalItems"]
               for c in ("users", "staff", "partners"))


def stored_files(srv, coll):
    """Files kept in ``coll``'s storage dir (PocketBase removes a deleted record's files right after the delete)."""
    root = os.path.join(srv.data_dir, "storage", ok(srv.api("GET", "/api/collections/" + coll), coll)["id"])
    deadline = time.monotonic() + 5
    while True:
        files = [os.path.join(d, f) for d, _s, fs in os.walk(root) for f in fs]
        if not files or time.monotonic() > deadline:
            return files
        time.sleep(0.2)


def confirm_args(srv):
    return dict(controls=CONTROLS, fail_on="never", fail_on_error=False,
                confirm={"enabled": True, "i_have_permission_for": srv.url, "pace": 0})


@pytest.mark.parametrize("version", [V040, V030])
def test_account_and_file_attacks(pb_server_factory, version):
    srv = pb_server_factory(version)
    existing = plant(srv)
    before = record_state(srv, existing)
    res = srv.run_module("pocketbase_audit", **confirm_args(srv))
    assert not res.failed, res.msg
    findings = dict(((f["control"], f["target"]), f) for f in res["report"]["findings"])
    for key in EXPECTED:
        assert key in findings and findings[key]["status"] == "fail", (key, sorted(findings))
        conf = findings[key]["confirmation"]
        assert conf["status"] == "confirmed", (key, conf)
        assert conf["evidence"] and "HTTP" in conf["evidence"][0], (key, conf)
    superusers = findings.get(("PBG-AUT-004", "collection:_superusers.password"))
    if superusers and superusers["status"] == "fail":  # no throwaway superuser is ever created
        assert superusers["confirmation"]["status"] == "not_testable", superusers
    assert record_state(srv, existing) == before
    assert res["confirm"]["counts_identical"] and not res["confirm"]["cleanup_problems"], res["confirm"]
    assert tagged_accounts(srv) == 0 and stored_files(srv, "docs") == []
    # evidence names fields, never values: no e-mail (look-alike or tagged), password, token or record data
    text = json.dumps(res["report"])
    assert "pbg-confirm-" not in text and "pbguard.invalid" not in text and "existing " not in text
    assert ALICE_PASSWORD not in text and srv.password not in text

    # the safe twin: the same findings, replayed against the corrected server, are not confirmed
    make_safe(srv)
    before = record_state(srv, existing)
    replay = []
    for key in EXPECTED:
        f = dict(findings[key])
        f.pop("confirmation")
        replay.append(f)
    client = PocketBaseClient(srv.url, email=srv.email, password=srv.password, timeout=10)
    client.login()
    info = runner.confirm_findings(replay, client, "v023")
    outcomes = dict(((f["control"], f["target"]), f["confirmation"]) for f in replay)
    wrong = dict((k, o) for k, o in outcomes.items() if o["status"] != "not_confirmed")
    assert not wrong, wrong
    assert info["counts_identical"] and not info["cleanup_problems"], info
    assert record_state(srv, existing) == before and tagged_accounts(srv) == 0 and stored_files(srv, "docs") == []
    # a killed run's look-alike account is swept by the next run like any tagged account
    srv.create_user("pbg-confirm-ffffffffffff-l1-boss@corp.test.pbguard.invalid", "pbg-leftover-password-1")
    assert tagged_accounts(srv) == 1
    # and the audit of the safe twin finds nothing of these to confirm
    res = srv.run_module("pocketbase_audit", **confirm_args(srv))
    assert res["confirm"]["swept_before"] == {"users": 1}, res["confirm"]
    assert tagged_accounts(srv) == 0 and record_state(srv, existing) == before
    left = [(f["control"], f["target"]) for f in res["report"]["findings"]
            if (f.get("confirmation") or {}).get("status") == "confirmed"]
    assert left == [], left
