# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static hooks lint: the article's three hook bugs, $os.exec, wrong-generation hook names."""

from __future__ import annotations

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_lint as H


def codes(src, generation=None):
    return sorted(f.code for f in H.lint_source(src, "t.pb.js", generation))


@pytest.mark.parametrize("src", [
    # the article's bug 2 (fetch) and PocketBase's $http.send
    "onRecordAfterCreateSuccess((e) => { const u = e.record.get('webhookUrl'); fetch(u, {}); e.next() })",
    "onRecordAfterCreateSuccess((e) => { $http.send({url: e.record.get('hook'), method: 'POST'}); e.next() })",
    "routerAdd('GET', '/x', (e) => { const info = e.requestInfo(); const t = info.query['to'];"
    " $http.send({method: 'GET', url: t}); })",
    "onRecordCreateRequest((e) => { let a = e.record.getString('u'); let b = a + '/x';"
    " $filesystem.fileFromURL(b); e.next() })",
])
def test_ssrf(src):
    assert "ssrf" in codes(src)


@pytest.mark.parametrize("src", [
    "onRecordCreateRequest((e) => { $http.send({url: 'https://hooks.corp.example/x', method: 'POST',"
    " body: JSON.stringify(e.record)}); e.next() })",
    "// $http.send({url: e.record.get('x')})\nonRecordCreateRequest((e) => e.next())",
    "const URL = 'https://a.example';\nonRecordCreateRequest((e) => { $http.send({url: URL}); e.next() })",
])
def test_no_ssrf_for_fixed_urls_and_comments(src):
    assert "ssrf" not in codes(src)


def test_privilege_from_data_article_bug1():
    src = """onRecordBeforeCreateRequest((e) => {
  if (e.record.get('isAdmin')) {
    e.record.set('role', 'admin');
  }
});"""
    assert codes(src, "v022") == ["privilege_from_data"]
    body = "onRecordCreateRequest((e) => { const b = e.requestInfo().body; e.record.set('role', b.role); e.next() })"
    assert "privilege_from_data" in codes(body)
    assert "privilege_from_data" not in codes("onRecordCreateRequest((e) => { e.record.set('role', 'user'); e.next() })")


def test_mail_without_limit_article_bug3():
    src = """onRecordAfterCreateSuccess((e) => {
  $app.newMailClient().send(new MailerMessage({to: [{address: e.record.get('email')}], subject: 'Welcome'}));
  e.next();
}, 'signups');"""
    assert codes(src) == ["unlimited_side_effect"]
    limited = src.replace("$app.newMailClient", "if (!rateLimit(e)) return; $app.newMailClient")
    assert codes(limited) == []


def test_os_exec():
    assert codes("cronAdd('x', '* * * * *', () => { $os.exec('ls') })") == ["os_exec"]
    f = H.lint_source("onRecordCreateRequest((e) => { $os.cmd('sh', '-c', e.record.get('c')); e.next() })")
    assert "record/request data" in f[0].message


@pytest.mark.parametrize("name, gen, wrong", [
    ("onRecordBeforeCreateRequest", "v023", True), ("onRecordAfterCreateRequest", "v023", True),
    ("onModelBeforeUpdate", "v023", True), ("onAdminAuthRequest", "v023", True),
    ("onRecordCreateRequest", "v023", False), ("onRecordAfterCreateSuccess", "v023", False),
    ("onRecordAuthWithOAuth2Request", "v023", False), ("onBootstrap", "v023", False),
    ("onRecordCreateRequest", "v022", True), ("onRecordAfterCreateSuccess", "v022", True),
    ("onRecordBeforeCreateRequest", "v022", False), ("onModelAfterCreate", "v022", False),
])
def test_generation_hook_names(name, gen, wrong):
    src = "%s((e) => { return e.next ? e.next() : null })" % name
    assert ("wrong_generation_hook" in codes(src, gen)) is wrong
    assert "wrong_generation_hook" not in codes(src, None)


def test_messages_carry_no_source_text():
    src = "const KEY = 'pbg-secret-key-123456';\nonRecordAfterCreateSuccess((e) => {" \
          " $http.send({url: e.record.get('u'), headers: {k: KEY}}); e.next() })"
    for f in H.lint_source(src):
        assert "pbg-secret-key" not in f.message and f.line == 2


def test_lint_dir_only_top_level_pb_files(tmp_path):
    (tmp_path / "a.pb.js").write_text("onRecordCreateRequest((e) => { $os.exec('id'); e.next() })")
    (tmp_path / "b.js").write_text("$os.exec('id')")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.pb.js").write_text("$os.exec('id')")
    files, findings = H.lint_dir(str(tmp_path), "v023")
    assert files == ["a.pb.js"]
    assert [(f.file, f.code) for f in findings] == [("a.pb.js", "os_exec")]
    with pytest.raises(OSError):
        H.lint_dir(str(tmp_path / "missing"))
