# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confirm mode of pocketbase_audit against real servers.

A server planted with one vulnerable collection per attack class: every finding with an attack class
is confirmed; the same attacks aimed at the safe twins are not confirmed; record counts are identical
before and after every run and the records that existed before are byte-for-byte unchanged. A run
killed mid-way leaves tagged data that the next run sweeps. Without the opt-in (or with an
acknowledgement naming another URL) nothing is sent; 0.22 reports not_testable.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import PocketBaseClient
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import runner

from conftest import collections_path, ok, record_state  # pylint: disable=import-error

V040 = "0.40.6"
V030 = "0.30.4"
V022 = "0.22.27"
TAGGED = 'email ~ "pbg-confirm-"'

# (control, target) each vulnerable fixture must confirm
EXPECTED = [
    ("PBG-RUL-001", "collection:pub_posts.listRule"),
    ("PBG-RUL-001", "collection:pub_posts.viewRule"),
    ("PBG-RUL-001", "collection:pub_posts.createRule"),
    ("PBG-RUL-001", "collection:pub_posts.updateRule"),
    ("PBG-RUL-001", "collection:pub_posts.deleteRule"),
    ("PBG-RUL-009", "collection:pub_posts"),
    ("PBG-RUL-002", "collection:taut.listRule"),
    ("PBG-RUL-003", "collection:shared.listRule"),
    ("PBG-RUL-003", "collection:shared.updateRule"),
    ("PBG-RUL-011", "collection:users.createRule"),
    ("PBG-RUL-012", "collection:notes.createRule"),
    ("PBG-RUL-013", "collection:notes.updateRule"),
    ("PBG-RUL-014", "collection:internal.listRule"),
    ("PBG-RUL-015", "collection:guestneg.listRule"),
    ("PBG-RUL-017", "collection:staffdocs.listRule"),
]
CONTROLS = sorted(set(c for c, _t in EXPECTED))


def rel(srv, name="author", target="users"):
    target_id = ok(srv.api("GET", "/api/collections/" + target), target)["id"]
    return {"name": name, "type": "relation", "collectionId": target_id, "maxSelect": 1}


TITLE = {"name": "title", "type": "text"}


def plant(srv):
    """The vulnerable fixture; returns {collection: [existing record ids]} (records the audit must not touch)."""
    users = ok(srv.api("GET", "/api/collections/users"), "users")
    ok(srv.api("PATCH", "/api/collections/users", {"fields": users["fields"] + [
        {"name": "role", "type": "select", "values": ["user", "admin", "banned"], "maxSelect": 1}]}), "role")
    ok(srv.api("POST", "/api/collections", {"name": "staff", "type": "auth", "fields": [], "createRule": None}),
       "staff")
    admin = '@request.auth.collectionName = "users" && @request.auth.role = "admin"'
    specs = [
        ("pub_posts", [TITLE], dict(listRule="", viewRule="", createRule="", updateRule="", deleteRule="")),
        ("taut", [TITLE], dict(listRule='id != ""')),
        ("shared", [TITLE, rel(srv)], dict(listRule='@request.auth.id != ""', updateRule='@request.auth.id != ""')),
        ("admin_reports", [TITLE], dict(listRule=admin, viewRule=admin)),
        ("notes", [TITLE, rel(srv)], dict(listRule="author = @request.auth.id", viewRule="author = @request.auth.id",
                                          createRule='@request.auth.id != ""', updateRule="author = @request.auth.id")),
        ("internal", [TITLE], dict(listRule='@request.headers.x_internal = "yes"')),
        ("guestneg", [TITLE], dict(listRule='@request.auth.role != "banned"')),
        ("staffdocs", [TITLE], dict(listRule='@request.auth.id != ""')),
    ]
    alice = srv.create_user("alice@corp.test", "pbg-alice-password-1", role="user")
    existing = {"users": [alice["id"]]}
    for name, fields, rules in specs:
        ok(srv.api("POST", "/api/collections", dict(rules, name=name, type="base", fields=fields)), name)
        body = {"title": "existing " + name}
        if any(f["name"] == "author" for f in fields):
            body["author"] = alice["id"]
        existing[name] = [ok(srv.api("POST", "/api/collections/%s/records" % name, body), "record")["id"]]
    return existing


def make_safe(srv):
    def rules(name, **kw):
        ok(srv.api("PATCH", "/api/collections/" + name, kw), name)
    owner = "author = @request.auth.id"
    rules("pub_posts", listRule=None, viewRule=None, createRule=None, updateRule=None, deleteRule=None)
    rules("taut", listRule=None)
    rules("shared", listRule=owner, updateRule=owner + " && @request.body.author:isset = false")
    rules("users", createRule="@request.body.role:isset = false",
          updateRule="id = @request.auth.id && @request.body.role:isset = false")
    rules("notes", createRule='@request.auth.collectionName = "users" && @request.body.author = @request.auth.id',
          updateRule=owner + " && @request.body.author:isset = false")
    rules("internal", listRule='@request.headers.x_internal = "yes" && @request.auth.role = "admin"')
    rules("guestneg", listRule='@request.auth.collectionName = "users" && @request.auth.role = "admin"')
    rules("staffdocs", listRule='@request.auth.collectionName = "staff"')


def tagged_users(srv):
    return ok(srv.api("GET", "/api/collections/users/records", query={"filter": TAGGED}), "tagged")["totalItems"]


def findings_by_key(result):
    return dict(((f["control"], f["target"]), f) for f in result["report"]["findings"])


def confirm_args(srv, **extra):
    args = dict(controls=CONTROLS, public_rules={"users": ["createRule"]}, fail_on="never", fail_on_error=False,
                confirm={"enabled": True, "i_have_permission_for": srv.url, "pace": 0})
    args.update(extra)
    return args


@pytest.mark.parametrize("version", [V040, V030])
def test_confirmed_on_vulnerable_not_on_safe_twin(pb_server_factory, version, tmp_path):
    srv = pb_server_factory(version)
    existing = plant(srv)
    before = record_state(srv, existing)
    # fail_on can require confirmation: the confirmed critical findings fail the module (reports written first)
    res = srv.run_module("pocketbase_audit", report_dir=str(tmp_path),
                         **confirm_args(srv, fail_on="critical", fail_on_confirmed_only=True))
    assert res.failed and res.msg.startswith("Audit failed"), res.msg
    assert res["failing"] and all(findings_by_key(res)[(f["control"], f["target"])]["confirmation"]["status"]
                                  == "confirmed" for f in res["failing"])
    findings = findings_by_key(res)
    for key in EXPECTED:
        assert key in findings and findings[key]["status"] == "fail", (key, sorted(findings))
        conf = findings[key]["confirmation"]
        assert conf["status"] == "confirmed", (key, conf)
        assert conf["evidence"] and "HTTP" in conf["evidence"][0]
    assert record_state(srv, existing) == before
    assert res["confirm"]["counts_identical"] and not res["confirm"]["cleanup_problems"]
    assert tagged_users(srv) == 0
    # no secret or record data in the evidence: the throwaway passwords/tokens never appear, nor record titles
    text = json.dumps(res["report"])
    assert "existing " not in text and "pbg-alice-password-1" not in text and srv.password not in text
    # reports carry the confidence
    sarif = json.loads(open(res["report_files"]["sarif"]).read())
    ranked = [r for r in sarif["runs"][0]["results"] if r["properties"].get("confirmation")]
    assert ranked and all(r["rank"] == 95.0 for r in ranked
                          if r["properties"]["confirmation"]["status"] == "confirmed")
    assert "confirmed: " in open(res["report_files"]["markdown"]).read()
    assert 'name="confirmation" value="confirmed"' in open(res["report_files"]["junit"]).read()

    # the safe twin: the same attacks, aimed at the corrected collections, are not confirmed
    make_safe(srv)
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
    assert info["counts_identical"] and not info["cleanup_problems"]
    assert record_state(srv, existing)[1] == before[1]
    # and the audit of the safe twin has nothing left to confirm: fail_on_confirmed_only lets it pass
    res = srv.run_module("pocketbase_audit", **confirm_args(srv, fail_on="critical", fail_on_confirmed_only=True))
    assert not res.failed, res.msg
    confirmed = [(f["control"], f["target"]) for f in res["report"]["findings"]
                 if (f.get("confirmation") or {}).get("status") == "confirmed"]
    assert confirmed == [], confirmed
    assert res["confirm"]["counts_identical"] and tagged_users(srv) == 0


def test_refused_without_opt_in(pb_server_factory, run_tasks):
    srv = pb_server_factory(V040)
    existing = plant(srv)
    before = record_state(srv, existing)
    wrong, missing, off, only = run_tasks([
        srv.task("pocketbase_audit", **confirm_args(srv, confirm={
            "enabled": True, "i_have_permission_for": "http://staging.example.com"})),
        srv.task("pocketbase_audit", **confirm_args(srv, confirm={"enabled": True})),
        srv.task("pocketbase_audit", **confirm_args(srv, confirm={"enabled": False})),
        srv.task("pocketbase_audit", **confirm_args(srv, confirm=None, fail_on_confirmed_only=True)),
    ])
    assert wrong.failed and wrong.msg.startswith("confirm mode refused") and "\n" not in wrong.msg
    assert "report" not in wrong  # refused before the audit ran, nothing sent
    assert missing.failed and missing.msg.startswith("confirm mode refused")
    assert not off.failed, off.msg
    assert not any("confirmation" in f for f in off["report"]["findings"])
    assert off["confirm"] == {} and "confirm" not in off["report"]
    assert only.failed and "confirm.enabled" in only.msg
    assert record_state(srv, existing) == before and tagged_users(srv) == 0


def _module_args_file(srv, pace):
    args = confirm_args(srv, controls=["PBG-RUL-003"],
                        confirm={"enabled": True, "i_have_permission_for": srv.url, "pace": pace})
    args.update(url=srv.url, email=srv.email, password=srv.password)
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, fh)
    return path


def test_killed_run_is_swept_by_the_next(pb_server_factory):
    srv = pb_server_factory(V040)
    existing = plant(srv)
    before = record_state(srv, existing)
    args_file = _module_args_file(srv, pace=1.0)  # PBG-RUL-003's attacker is the first throwaway user
    try:
        env = dict(os.environ, PYTHONPATH=collections_path())
        proc = subprocess.Popen([sys.executable, "-m", "ansible_collections.pbguard.pocketbase.plugins.modules."
                                 "pocketbase_audit", args_file], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while tagged_users(srv) == 0:
                assert proc.poll() is None, "the run ended before its first throwaway user existed"
                assert time.monotonic() < deadline
                time.sleep(0.2)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    finally:
        os.unlink(args_file)
    assert tagged_users(srv) >= 1  # the killed run could not clean up
    res = srv.run_module("pocketbase_audit", **confirm_args(srv, controls=["PBG-RUL-001"]))
    assert res["confirm"]["swept_before"].get("users", 0) >= 1, res["confirm"]
    assert tagged_users(srv) == 0
    assert record_state(srv, existing) == before


def test_v022_not_testable(pb_server_factory):
    srv = pb_server_factory(V022)
    body = {"name": "pub_posts", "type": "base", "listRule": "", "schema": [{"name": "title", "type": "text"}]}
    ok(srv.api("POST", "/api/collections", body), "pub_posts")
    res = srv.run_module("pocketbase_audit", **confirm_args(srv, controls=["PBG-RUL-001"]))
    fails = [f for f in res["report"]["findings"] if f["status"] == "fail"]
    assert fails and all(f["confirmation"]["status"] == "not_testable" and "0.23+" in f["confirmation"]["reason"]
                         for f in fails), fails
