# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confirm mode for PBG-FIL-004 (a risky file under the public dir served to anyone) on real servers.

PocketBase serves every file under ``--publicDir`` at ``/<path>``, dotfiles included, and with
``--indexFallback`` (on by default) answers a missing path with ``index.html`` and HTTP 200. The
confirming fetch therefore counts only a body with the file's own SHA-256:

- vulnerable: a ``.env`` holding a fake secret and a ``*.sql`` dump in the served dir, and a dump in a
  directory linked into it (PocketBase follows the link), are confirmed;
  the evidence names the path and the status, never the content (the secret is in no result, log or
  report file);
- a database copy over 8 MiB has no digest: not fetched, ``not_testable`` (never "not served");
- safe twin: the same server with the files moved out of the public dir passes, nothing confirmed;
- index fallback: a ``.env`` in a directory the server does NOT serve (the audit is pointed at the
  moved-out copy) is requested, the server answers 200 with ``index.html``, and that is not confirmed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil

import pytest

from conftest import run_tasks  # pylint: disable=import-error

V040 = "0.40.6"
V030 = "0.30.4"
V022 = "0.22.27"
INDEX = "<!doctype html><title>pbguard test app</title>\n"
FORMATS = ["json", "junit", "sarif", "markdown"]


def fake_secret():
    return "pbg-fake-smtp-" + secrets.token_hex(12)


def deploy(pb_server_factory, tmp_path, version, secret):
    """A server serving ``pb_public-<version>`` (index.html, .env with ``secret``, a SQL dump)."""
    public = tmp_path / ("pb_public-" + version)
    public.mkdir()
    (public / "index.html").write_text(INDEX)
    (public / ".env").write_text("SMTP_PASSWORD=%s\n" % secret)
    (public / "backup.sql").write_text("INSERT INTO users VALUES ('alice', '%s');\n" % secret)
    # a directory outside linked into the public dir: PocketBase follows the link when serving
    outside = tmp_path / ("backups-" + version)
    outside.mkdir()
    (outside / "dump.sql").write_text("INSERT INTO users VALUES ('bob', '%s');\n" % secret)
    os.symlink(str(outside), str(public / "backups"))
    srv = pb_server_factory(version, global_args=["--publicDir", str(public)])
    return srv, public


def audit_task(srv, public_dir, report_dir):
    return srv.task("pocketbase_audit", scope=["api", "host"], controls=["PBG-FIL-004"], fail_on="never",
                    return_findings="all", public_dir=str(public_dir), data_dir=srv.data_dir,
                    service_name="pbguard-absent-fil4demo", proxy_config_paths=[str(report_dir) + "-none"],
                    report_dir=str(report_dir), report_formats=FORMATS,
                    confirm={"enabled": True, "i_have_permission_for": srv.url, "pace": 0})


def by_target(res):
    assert not res.failed, res.msg
    return dict((f["target"], f) for f in res["report"]["findings"])


def assert_secret_nowhere(secret, res):
    assert secret not in res.raw
    assert set(res["report_files"]) == set(FORMATS), res["report_files"]
    for path in res["report_files"].values():
        with open(path) as fh:
            assert secret not in fh.read(), path


@pytest.mark.parametrize("version", [V040, V030, V022])
def test_public_file_confirmed_safe_twin_and_index_fallback(pb_server_factory, tmp_path, version):
    secret = fake_secret()
    srv, public = deploy(pb_server_factory, tmp_path, version, secret)
    # a database copy too large to digest: fetched never, reported as not testable (not "not served")
    with open(str(public / "data.db"), "wb") as fh:
        fh.truncate(8 * 1024 * 1024 + 1)
    for path in ("/.env", "/backups/dump.sql"):
        got = srv.api("GET", path, auth=None)
        assert got.status == 200 and secret in got.text, path  # the exploit, by hand

    res = run_tasks([audit_task(srv, public, tmp_path / "reports-vulnerable")])[0]
    found = by_target(res)
    for name, kind in ((".env", "secrets file"), ("backup.sql", "backup"), ("backups/dump.sql", "backup")):
        finding = found["file:%s/%s" % (public, name)]
        assert finding["status"] == "fail" and kind in finding["evidence"], finding
        conf = finding["confirmation"]
        assert conf["status"] == "confirmed", conf
        assert conf["evidence"] == ["GET /%s as an anonymous client -> HTTP 200: the body has the file's "
                                    "SHA-256 (content not reported)" % name], conf
    big = found["file:%s/data.db" % public]
    assert big["status"] == "fail" and big["confirmation"]["status"] == "not_testable", big
    assert "no digest to compare" in big["confirmation"]["reason"], big
    assert_secret_nowhere(secret, res)
    assert res["confirm"]["counts_identical"] and not res["confirm"]["cleanup_problems"], res["confirm"]
    with open(res["report_files"]["json"]) as fh:  # the JSON report carries the confidence
        written = dict((f["target"], f) for f in json.load(fh)["findings"])
    assert written["file:%s/.env" % public]["confirmation"]["status"] == "confirmed"

    # the safe twin: same server, the files moved out of the public dir. index.html stays, so /.env is
    # now answered by the SPA index fallback (--indexFallback, on by default) with HTTP 200 and index.html
    stale = tmp_path / ("moved-out-" + version)
    stale.mkdir()
    for name in (".env", "backup.sql", "data.db"):
        shutil.move(str(public / name), str(stale / name))
    os.unlink(str(public / "backups"))
    got = srv.api("GET", "/.env", auth=None)
    assert got.status == 200 and got.text == INDEX, (got.status, got.text[:80])
    safe, fallback = run_tasks([audit_task(srv, public, tmp_path / "reports-safe"),
                                # the audit pointed at the moved-out copy, which the server does not serve:
                                # the 200 index.html answer is not the file, so nothing is confirmed
                                audit_task(srv, stale, tmp_path / "reports-stale")])
    found = by_target(safe)
    assert [f["status"] for f in found.values()] == ["pass"], found
    assert not any(f.get("confirmation") for f in found.values()), found
    assert safe["confirm"]["counts_identical"] and not safe["confirm"]["cleanup_problems"], safe["confirm"]
    assert_secret_nowhere(secret, safe)

    found = by_target(fallback)
    finding = found["file:%s/.env" % stale]
    assert finding["status"] == "fail", finding  # the file is still risky where it lies
    conf = finding["confirmation"]
    assert conf["status"] == "not_confirmed" and conf["reason"] == "the server does not serve the file", conf
    assert conf["evidence"] == ["GET /.env as an anonymous client -> HTTP 200"], conf
    assert not any((f.get("confirmation") or {}).get("status") == "confirmed" for f in found.values()), found
    assert_secret_nowhere(secret, fallback)
    assert os.path.exists(str(stale / ".env"))  # the audit moved or deleted nothing
