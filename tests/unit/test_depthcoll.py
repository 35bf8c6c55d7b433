# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 15 (collections, auth, files, precision): view SQL reading, public-dir scanning and the
context-aware checks on the normalized snapshot. Real-server proofs: tests/integration/test_depthcoll.py."""

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _publicdir, _viewsql

from test_controls import PARAMS, auth_block, collection, good_snapshot, run  # pylint: disable=import-error

TABLES = {"users": ["id", "email", "password", "tokenKey", "name", "role"], "posts": ["id", "title", "author"]}


def fields_of(table):
    return TABLES.get(table, [])


def cols(sql):
    return dict((name, (direct, sorted(src))) for name, direct, src in _viewsql.select_columns(sql, fields_of))


@pytest.mark.parametrize("sql, column, sources", [
    ("SELECT u.id, u.email AS contact FROM users u", "contact", [("users", "email")]),
    ("select id, (password || '') h from users", "h", [("users", "password")]),
    ("SELECT id, cast(tokenKey as text) as tk FROM users", "tk", [("users", "tokenKey")]),
    ("SELECT p.id, u.email FROM posts p LEFT JOIN users u ON u.id = p.author WHERE 1", "email", [("users", "email")]),
    ("WITH x AS (SELECT * FROM users) SELECT id, email FROM x", "email", [("users", "email")]),
    ("SELECT id, e FROM (SELECT id, email e FROM users) sub", "e", [("users", "email")]),
    ("SELECT id, t FROM (SELECT u.* , 1 AS t FROM users AS u) s", "t", []),
    ("SELECT p.id, (SELECT email FROM users WHERE users.id = p.author) AS em FROM posts p", "em", [("users", "email")]),
    ('SELECT "u"."email" AS "m", u.id FROM `users` AS u;', "m", [("users", "email")]),
    ("SELECT id, CASE WHEN role = 'x' THEN email ELSE '' END AS maybe FROM users", "maybe",
     [("users", "email"), ("users", "role")]),
    ("SELECT id, lower(email) AS l FROM users /* email */", "l", [("users", "email")]),
    ("SELECT posts.id, users.name FROM posts, users WHERE posts.author = users.id", "name", [("users", "name")]),
])
def test_view_columns_trace_back_to_their_sources(sql, column, sources):
    assert cols(sql)[column][1] == sources


def test_union_merges_sources_by_position_and_comments_hide_nothing():
    c = cols("SELECT id, title AS t FROM posts UNION ALL SELECT id, email FROM users")
    assert c["t"] == (False, [("posts", "title"), ("users", "email")])
    assert "email" not in cols("SELECT id, name FROM users -- , email\n")


def test_plain_reference_is_direct_expression_is_not():
    c = cols("SELECT u.email AS e, (u.email) AS f, count(*) AS n FROM users u")
    assert c["e"][0] is True and c["f"][0] is False and c["n"] == (False, [])


@pytest.mark.parametrize("sql", ["", "DELETE FROM users", "SELECT id FROM (users"])
def test_unreadable_queries_raise(sql):
    with pytest.raises(_viewsql.ViewSQLError):
        _viewsql.select_columns(sql, fields_of)


# --------------------------------------------------------------------------- PBG-RUL-020 on snapshots

def with_view(rules, query, fields=None):
    snap = good_snapshot()
    view = collection("leak", "view", rules, fields=fields or [])
    view["view_query"] = query
    snap["collections"].append(view)
    return snap


def rul020(snap, params=None):
    return [(f["status"], f["target"], f["severity"]) for f in run(snap, ["PBG-RUL-020"], params)]


def test_view_exposing_email_and_hash_fails_with_credential_critical():
    snap = with_view({"listRule": "", "viewRule": ""},
                     "SELECT u.id, u.email AS contact, (u.password || '') AS pw FROM users u")
    out = rul020(snap)
    assert ("fail", "collection:leak.contact", "high") in out
    assert ("fail", "collection:leak.pw", "critical") in out


def test_view_of_private_collection_data_to_any_user_fails():
    snap = good_snapshot()
    snap["collections"].append(collection("notes", rules={"listRule": "owner = @request.auth.id"},
                                          fields=[{"name": "body", "type": "text"}, {"name": "owner"}]))
    snap["collections"].append(dict(collection("all_notes", "view", {"listRule": "@request.auth.id != ''"}),
                                    view_query="SELECT id, body FROM notes"))
    assert ("fail", "collection:all_notes.body", "high") in rul020(snap)


@pytest.mark.parametrize("rules, query, fields, params", [
    # owner-bound: each user reads only their own row
    ({"listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id"},
     "SELECT u.id, u.email FROM users u", None, None),
    # superusers only
    ({"listRule": None}, "SELECT u.id, u.email FROM users u", None, None),
    # a hidden password kept hidden by a plain reference
    ({"listRule": ""}, "SELECT id, password FROM users", [{"name": "password", "hidden": True}], None),
    # public view of public data, declared
    ({"listRule": "", "viewRule": ""}, "SELECT p.id, p.title FROM posts p", None,
     {"public_rules": dict(PARAMS["public_rules"], leak=["listRule", "viewRule"])}),
    # role-based view
    ({"listRule": "@request.auth.role = 'staff'"},
     "SELECT u.id, u.email FROM users u", None, None),
])
def test_correct_views_are_quiet(rules, query, fields, params):
    out = rul020(with_view(rules, query, fields), params)
    assert [o for o in out if o[0] != "pass"] == [], out


# --------------------------------------------------------------------------- PBG-AUT-007

def test_token_lifetimes_far_beyond_need_fail_per_type_and_limits_are_configurable():
    snap = good_snapshot()
    snap["collections"][1]["auth"]["token_durations"].update(email_change=7 * 86400, verification=30 * 86400)
    f = [x for x in run(snap, ["PBG-AUT-007"]) if x["target"] == "collection:users.tokens"][0]
    assert f["status"] == "fail" and "email_change 604800s" in f["evidence"] and "verification" in f["evidence"]
    # defaults of every supported version pass; a stricter site policy is a parameter
    ok = run(good_snapshot(), ["PBG-AUT-007"])
    assert {x["status"] for x in ok} == {"pass"}
    strict = run(good_snapshot(), ["PBG-AUT-007"], {"max_token_durations": {"auth": 3600}})
    assert "fail" in {x["status"] for x in strict}


def test_token_lifetimes_v022_read_from_settings_and_unknown_is_error():
    snap = good_snapshot()
    snap["generation"] = "v022"
    snap["collections"][1]["auth"]["token_durations"] = {"auth": 1209600, "password_reset": 1800,
                                                         "verification": 604800, "file": 120, "email_change": 1800}
    snap["collections"][0]["auth"]["token_durations"] = {}
    out = {x["target"]: x for x in run(snap, ["PBG-AUT-007"])}
    assert out["collection:users.tokens"]["status"] == "pass" and "0.22" in out["collection:users.tokens"]["evidence"]
    assert out["collection:_superusers.tokens"]["status"] == "error"


# --------------------------------------------------------------------------- precision

def test_password_length_8_with_mfa_meets_nist_without_mfa_fails():
    snap = good_snapshot()
    snap["collections"][1]["auth"].update(min_password_length=8, mfa={"enabled": True, "duration": 600, "rule": ""})
    out = {x["target"]: x["status"] for x in run(snap, ["PBG-AUT-004"])}
    assert out["collection:users.password"] == "pass"
    snap["collections"][1]["auth"]["mfa"]["enabled"] = False
    assert {x["target"]: x["status"] for x in run(snap, ["PBG-AUT-004"])}["collection:users.password"] == "fail"


@pytest.mark.parametrize("email, status", [("ops@corp.test", "pass"), ("admin@corp.test", "pass"),
                                           ("support@corp.test", "pass"), ("shared-admin@corp.test", "fail"),
                                           ("team@corp.test", "fail")])
def test_role_address_is_not_proof_of_a_shared_account(email, status):
    snap = good_snapshot()
    snap["superusers"] = [{"id": "a", "email": email}]
    assert {x["status"] for x in run(snap, ["PBG-ADM-002"])} == {status}


def test_unprotected_avatar_on_private_records_is_low_other_files_high():
    snap = good_snapshot()
    snap["collections"][1]["fields"] = [{"name": "avatar", "type": "file", "protected": False},
                                        {"name": "contract", "type": "file", "protected": False}]
    out = {x["target"]: (x["status"], x["severity"]) for x in run(snap, ["PBG-FIL-001"])}
    assert out["collection:users.avatar"] == ("fail", "low")
    assert out["collection:users.contract"] == ("fail", "high")


def test_leftmost_forwarded_ip_is_baseline_high():
    control = C.CONTROLS_BY_ID["PBG-MON-006"]
    assert control["profile"] == "baseline" and control["severity"] == "high"
    assert "PBG-MON-006" in [c["id"] for c in C.select_controls(["api"], "baseline")]
    snap = good_snapshot()
    snap["settings"]["trustedProxy"]["useLeftmostIP"] = True
    assert [(x["status"], x["severity"]) for x in run(snap, ["PBG-MON-006"])] == [("fail", "high")]


# --------------------------------------------------------------------------- PBG-FIL-004

@pytest.mark.parametrize("path, kind", [
    (".env", "secrets file"), ("app/.env.production", "secrets file"), ("data.db", "database"),
    ("backup/pb_data.zip", "backup"), ("index.html~", "backup"), (".git/config", "dotfile"),
    ("certs/server.key", "key material"), ("pb_data/logs.db", "database"), ("dump.sql", "backup"),
    ("index.html", None), ("assets/app.js", None), (".well-known/security.txt", None),
    ("img/envelope.svg", None),
])
def test_public_dir_classification(path, kind):
    assert _publicdir.classify(path) == kind


def test_public_dir_scan_and_http_proof(tmp_path):
    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / ".env").write_text("SMTP_PASSWORD=hunter2-not-reported")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "old.db").write_bytes(b"SQLite format 3\x00")
    facts = _publicdir.scan(str(tmp_path))
    assert sorted(f["path"] for f in facts["files"]) == [".env", "sub/old.db"]
    served = {"/.env": (200, (tmp_path / ".env").read_bytes()), "/sub/old.db": (200, b"<html></html>")}
    _publicdir.probe_served("http://127.0.0.1:1", facts["files"], lambda url: served[url[len("http://127.0.0.1:1"):]])
    by_path = dict((f["path"], f) for f in facts["files"])
    assert by_path[".env"]["served"] is True
    assert by_path["sub/old.db"]["served"] is False   # index.html fallback is not the file
    host = {"public_dirs": [facts], "public_dir_known": True}
    out = C.run_controls(C.AuditContext(PARAMS, host=host), [C.CONTROLS_BY_ID["PBG-FIL-004"]])
    assert {f["status"] for f in out} == {"fail"}
    assert "hunter2" not in repr(out) and "served by PocketBase at /.env" in repr(out)
    assert hashlib.sha256((tmp_path / ".env").read_bytes()).hexdigest() == by_path[".env"]["sha256"]


def test_public_dir_scan_follows_directory_links_once(tmp_path):
    public, outside = tmp_path / "pb_public", tmp_path / "outside"
    public.mkdir()
    outside.mkdir()
    (outside / "dump.sql").write_text("-- dump")
    os.symlink(str(outside), str(public / "backups"))       # PocketBase serves /backups/dump.sql
    os.symlink(str(public), str(outside / "loop"))          # a cycle back to the public dir
    facts = _publicdir.scan(str(public))
    assert [f["path"] for f in facts["files"]] == ["backups/dump.sql"]
    assert facts["truncated"] is False and facts["error"] is None


def test_public_dir_scan_says_when_depth_hid_something(tmp_path):
    deep = tmp_path
    for i in range(_publicdir.MAX_DEPTH + 1):
        deep = deep / ("d%d" % i)
    deep.mkdir(parents=True)
    (deep / ".env").write_text("X=1")
    facts = _publicdir.scan(str(tmp_path))
    assert facts["files"] == [] and facts["truncated"] is True
    host = {"public_dirs": [facts], "public_dir_known": True}
    out = C.run_controls(C.AuditContext(PARAMS, host=host), [C.CONTROLS_BY_ID["PBG-FIL-004"]])
    assert [f["status"] for f in out] == ["error"] and "not fully scanned" in out[0]["evidence"]


def test_public_dir_candidates_follow_pocketbase_defaults():
    assert _publicdir.candidate_dirs(None, "/opt/pb/pocketbase", "/var/lib/pocketbase/pb_data") == [
        "/opt/pb/pb_public", "/var/lib/pocketbase/pb_public"]
    assert _publicdir.candidate_dirs("site", "/opt/pb/pocketbase", "/d/pb_data", "/srv/app") == ["/srv/app/site"]


def test_public_dir_unknown_is_error_not_pass():
    host = {"public_dirs": [{"dir": "/nope", "exists": False, "files": []}], "public_dir_known": False}
    out = C.run_controls(C.AuditContext(PARAMS, host=host), [C.CONTROLS_BY_ID["PBG-FIL-004"]])
    assert [f["status"] for f in out] == ["error"]
    host["public_dir_known"] = True
    out = C.run_controls(C.AuditContext(PARAMS, host=host), [C.CONTROLS_BY_ID["PBG-FIL-004"]])
    assert [f["status"] for f in out] == ["pass"]


def test_auth_block_defaults_have_all_token_types():
    assert "email_change" not in auth_block()["token_durations"]  # older snapshots: missing types are skipped
