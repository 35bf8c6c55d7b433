# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Both hook analysers on the same cases: the controller's tree-sitter analysis (_hooks_ast) and the
target-side stdlib lint (_hooks_lint). Aliases, bracket calls, helpers, regex literals and the new
sink classes (command/SQL injection, unauthenticated routes, client IP headers)."""

from __future__ import annotations

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_lint as LINT
from ansible_collections.pbguard.pocketbase.plugins.plugin_utils import _hooks_ast as AST

ANALYSERS = {"lint": LINT.lint_source, "ast": AST.analyse_source}


@pytest.fixture(params=sorted(ANALYSERS))
def analyse(request):
    return ANALYSERS[request.param]


def codes(analyse, src, generation=None):
    return sorted(set(f.code for f in analyse(src, "t.pb.js", generation)))


VULNERABLE = [
    # aliases of $http / $os, member aliases, destructuring with renaming
    ("ssrf", "const h = $http;\nonRecordCreateRequest((e) => { h.send({url: e.record.get('u')}); e.next() })"),
    ("ssrf", "const send = $http.send;\nonRecordCreateRequest((e) => { const u = e.record.get('u');"
             " send({method: 'POST', url: u}); e.next() })"),
    ("ssrf", "onRecordCreateRequest((e) => { const url = e.record.get('u'); $http.send({url, method: 'GET'}); e.next() })"),
    ("command_injection", "const {cmd: run} = $os;\nrouterAdd('GET', '/p', (e) => {"
                          " run('sh', '-c', 'ping ' + e.request.url.query().get('h')); return e.string(200, 'ok') })"),
    # bracket calls
    ("command_injection", "onRecordCreateRequest((e) => { $os['exec']('sh', '-c', e.record.get('x')); e.next() })"),
    ("ssrf", "onRecordCreateRequest((e) => { $http[\"send\"]({url: e.record.getString('u')}); e.next() })"),
    # helpers: tainted argument -> parameter -> sink; helper returning tainted data -> sink
    ("command_injection", "function ping(host) { return $os.cmd('sh', '-c', 'ping -c1 ' + host).output() }\n"
                          "routerAdd('GET', '/ping', (e) => { const h = e.request.url.query().get('host');"
                          " ping(h); return e.string(200, 'ok') })"),
    ("ssrf", "const target = (e) => { return e.record.get('webhook') };\n"
             "onRecordAfterCreateSuccess((e) => { $http.send({url: target(e)}); e.next() })"),
    # a regex literal containing // must not hide the rest of its line
    ("ssrf", "onRecordCreateRequest((e) => { const re = /^https?:\\/\\//; $http.send({url: e.record.get('u')}); e.next() })"),
    ("command_injection", "const ok = /a\\/\\/b/.test('x'); onRecordCreateRequest((e) => { $os.cmd('sh', '-c', e.record.get('c')) })"),
    # SQL built from request data
    ("sql_injection", "routerAdd('GET', '/u', (e) => { const id = e.request.url.query().get('id');"
                      " const rows = arrayOf(new DynamicModel({email: ''}));"
                      " $app.db().newQuery(\"SELECT email FROM users WHERE id = '\" + id + \"'\").all(rows);"
                      " return e.json(200, rows) }, $apis.requireAuth())"),
    ("sql_injection", "routerAdd('GET', '/u', (e) => { const id = e.requestInfo().query['id'];"
                      " const q = `SELECT email FROM users WHERE id = '${id}'`;"
                      " const rows = arrayOf(new DynamicModel({email: ''}));"
                      " $app.db().newQuery(q).all(rows); return e.json(200, rows) }, $apis.requireAuth())"),
    ("sql_injection", "routerAdd('GET', '/s', (e) => { const name = e.request.url.query().get('n');"
                      " const r = $app.findRecordsByFilter('users', \"name = '\" + name + \"'\");"
                      " return e.json(200, r) }, $apis.requireAuth())"),
    # custom routes with data and no authentication, or only a header presence check
    ("route_no_auth", "routerAdd('GET', '/api/pbg/users', (e) => { const rows = $app.findAllRecords('users');"
                      " return e.json(200, rows) })"),
    ("route_no_auth", "routerAdd('GET', '/api/pbg/users', (e) => {\n  if (!e.request.header.get('X-Api-Key')) {"
                      " return e.json(401, {}) }\n  return e.json(200, $app.findAllRecords('users')) })"),
    ("route_no_auth", "routerAdd('GET', '/api/pbg/users', (c) => { const rows = $app.dao().findRecordsByExpr('users');"
                      " return c.json(200, rows) })"),
    # access decided on client-supplied IP headers
    ("ip_header_trust", "routerAdd('GET', '/internal', (e) => {"
                        " const ip = e.request.header.get('X-Forwarded-For').split(',')[0].trim();"
                        " if (ip !== '127.0.0.1') { throw new ForbiddenError() }"
                        " return e.json(200, {n: $app.countRecords('users')}) }, $apis.requireAuth())"),
    ("ip_header_trust", "const ALLOW = ['10.0.0.1'];\nrouterAdd('GET', '/i', (e) => {"
                        " const h = e.requestInfo().headers; if (!ALLOW.includes(h['x_real_ip'])) { throw new ForbiddenError() }"
                        " return e.string(200, 'ok') })"),
]


@pytest.mark.parametrize("code, src", VULNERABLE)
def test_vulnerable_forms_are_found(analyse, code, src):
    assert code in codes(analyse, src), src


SAFE = [
    ("ssrf", "const h = $http;\nonRecordCreateRequest((e) => { h.send({url: 'https://hooks.corp.example/x',"
             " body: JSON.stringify({u: e.record.get('u')})}); e.next() })"),
    ("command_injection", "onRecordCreateRequest((e) => { $os.cmd('/usr/local/bin/reindex', '--all'); e.next() })"),
    ("sql_injection", "routerAdd('GET', '/u', (e) => { const id = e.request.url.query().get('id');"
                      " const rows = arrayOf(new DynamicModel({email: ''}));"
                      " $app.db().newQuery('SELECT email FROM users WHERE id = {:id}').bind({id: id}).all(rows);"
                      " return e.json(200, rows) }, $apis.requireAuth())"),
    ("sql_injection", "routerAdd('GET', '/s', (e) => { const name = e.request.url.query().get('n');"
                      " const r = $app.findRecordsByFilter('users', 'name = {:n}', '', 10, 0, {n: name});"
                      " return e.json(200, r) }, $apis.requireAuth())"),
    ("sql_injection", "const T = 'users';\nrouterAdd('GET', '/c', (e) => { const rows = arrayOf(new DynamicModel({n: 0}));"
                      " $app.db().newQuery('SELECT count(*) AS n FROM ' + T).all(rows); return e.json(200, rows) },"
                      " $apis.requireSuperuserAuth())"),
    ("route_no_auth", "routerAdd('GET', '/api/pbg/users', (e) => { return e.json(200, $app.findAllRecords('users')) },"
                      " $apis.requireAuth('staff'))"),
    ("route_no_auth", "routerAdd('GET', '/api/pbg/users', (e) => { if (!e.auth) { throw new UnauthorizedError() }"
                      " return e.json(200, $app.findAllRecords('users')) })"),
    ("route_no_auth", "routerAdd('GET', '/api/pbg/users', (e) => {\n  const key = e.request.header.get('X-Api-Key');\n"
                      "  if (!$security.equal(key, $os.getenv('PBG_API_KEY'))) { return e.json(401, {}) }\n"
                      "  return e.json(200, $app.findAllRecords('users')) })"),
    ("route_no_auth", "routerAdd('GET', '/api/pbg/health', (e) => e.json(200, {status: 'ok', up: true}))"),
    ("ip_header_trust", "routerAdd('GET', '/internal', (e) => { if (e.realIP() !== '127.0.0.1') {"
                        " throw new ForbiddenError() } return e.string(200, 'ok') }, $apis.requireAuth())"),
    ("ip_header_trust", "routerAdd('GET', '/x', (e) => { console.log(e.request.header.get('X-Forwarded-For'));"
                        " return e.string(200, 'ok') }, $apis.requireAuth())"),
]


@pytest.mark.parametrize("code, src", SAFE)
def test_safe_forms_are_not_flagged(analyse, code, src):
    assert code not in codes(analyse, src), src


def test_header_presence_only_is_named(analyse):
    src = VULNERABLE[14][1]
    [f] = [f for f in analyse(src, "t.pb.js") if f.code == "route_no_auth"]
    assert "only checks that a request header is present" in f.message and f.line == 1


def test_v022_realip_trusts_headers(analyse):
    src = "routerAdd('GET', '/i', (c) => { if (c.realIP() !== '10.0.0.1') { throw new ForbiddenError() }" \
          " return c.string(200, 'ok') }, $apis.requireAdminAuth())"
    assert "ip_header_trust" in codes(analyse, src, "v022")
    assert "ip_header_trust" not in codes(analyse, src, "v023")


def test_regex_literal_keeps_line_numbers_and_divisions(analyse):
    src = "const a = 4 / 2; const b = a / 2;\nconst re = /\\/\\/[a-z]+/g; // comment $os.exec('x')\n" \
          "onRecordCreateRequest((e) => { $os.exec('id'); e.next() })"
    found = [(f.code, f.line) for f in analyse(src, "t.pb.js")]
    assert found == [("os_exec", 3)]


def test_findings_carry_no_source_text(analyse):
    src = "const KEY = 'pbg-secret-key-123456';\nconst h = $http;\nonRecordAfterCreateSuccess((e) => {" \
          " h.send({url: e.record.get('u'), headers: {k: KEY}}); e.next() })"
    found = analyse(src, "t.pb.js")
    assert [f.code for f in found] == ["ssrf"] and found[0].line == 3
    assert all("pbg-secret-key" not in f.message for f in found)


@pytest.mark.parametrize("src", [
    "const q = `a ${`b ${x}`} c`; $os.exec('id')",
    "const s = 'it\\'s // not a comment'; $os.exec('id')",
    "const r = x ? /a/ : /b\\//; $os.exec('id')",
])
def test_scanner_edge_cases(src):
    assert [f.code for f in LINT.lint_source(src)] == ["os_exec"]
    assert [f.code for f in AST.analyse_source(src)] == ["os_exec"]


# --------------------------------------------------------------------------- hand-over to the module

VULN_HOOK = "onRecordBeforeCreateRequest((e) => { $os.cmd('sh', '-c', e.record.get('c')) })\n"


def _controller_analysis(tmp_path, src, digest=None, **extra):
    import hashlib
    findings = [f.as_dict() for f in AST.analyse_source(src, "a.pb.js", AST.UNKNOWN_GENERATION)]
    data = {"analyser": "tree-sitter X on the controller", "dir": str(tmp_path),
            "files": {"a.pb.js": {"sha256": digest or hashlib.sha256(src.encode()).hexdigest(),
                                  "findings": findings}}}
    data.update(extra)
    return data


def test_module_uses_the_controllers_findings_for_the_same_bytes(tmp_path):
    (tmp_path / "a.pb.js").write_text(VULN_HOOK)
    res = LINT.analyse_dir(str(tmp_path), "v023", _controller_analysis(tmp_path, VULN_HOOK))
    assert res["analyser"] == "tree-sitter X on the controller"
    # hook names are checked on the target, where the generation is known
    assert sorted(f["code"] for f in res["findings"]) == ["command_injection", "os_exec", "wrong_generation_hook"]


@pytest.mark.parametrize("tamper", ["digest", "dir"])
def test_module_lints_itself_what_the_controller_did_not_see(tmp_path, tamper):
    (tmp_path / "a.pb.js").write_text(VULN_HOOK)
    if tamper == "dir":  # the controller read another directory
        analysis = _controller_analysis(tmp_path, VULN_HOOK, dir="/elsewhere")
    else:  # the file changed between the controller's read and the module's
        analysis = _controller_analysis(tmp_path, VULN_HOOK, digest="0" * 64)
    res = LINT.analyse_dir(str(tmp_path), "v023", analysis)
    assert res["analyser"] == LINT.STDLIB_ANALYSER
    assert "command_injection" in [f["code"] for f in res["findings"]]


def test_fallback_says_why(tmp_path):
    (tmp_path / "a.pb.js").write_text(VULN_HOOK)
    res = LINT.analyse_dir(str(tmp_path), None, {"unavailable": "tree-sitter not installed on the controller",
                                                 "files": {}})
    assert res["analyser"] == "stdlib lint on the target (tree-sitter not installed on the controller)"


def test_controller_findings_of_unknown_codes_are_dropped(tmp_path):
    (tmp_path / "a.pb.js").write_text("x")
    analysis = _controller_analysis(tmp_path, "x")
    analysis["files"]["a.pb.js"]["findings"] = [{"code": "made_up", "line": 1, "message": "m"}]
    assert LINT.analyse_dir(str(tmp_path), None, analysis)["findings"] == []


@pytest.mark.parametrize("controls, skip, selected", [
    (None, None, True), (["PBG-HOK-*"], None, True), (["PBG-RUL-*"], None, False),
    (None, ["PBG-HOK-*"], False), (["PBG-HOK-008"], None, True), (["PBG-HOK-005"], None, False),
])
def test_action_plugin_fetches_hooks_only_for_hook_controls(controls, skip, selected):
    from ansible_collections.pbguard.pocketbase.plugins.action import pocketbase_audit as action
    assert action._hooks_selected({"controls": controls, "skip_controls": skip}) is selected


def test_controller_realip_findings_apply_on_022_only(tmp_path):
    src = "routerAdd('GET', '/i', (c) => { if (c.realIP() !== '10.0.0.1') { throw new ForbiddenError() }" \
          " return c.string(200, 'ok') }, $apis.requireAdminAuth())"
    (tmp_path / "a.pb.js").write_text(src)
    analysis = _controller_analysis(tmp_path, src)  # analysed without knowing the generation
    for generation, expected in (("v022", True), ("v023", False), (None, False)):
        res = LINT.analyse_dir(str(tmp_path), generation, analysis)
        assert ("ip_header_trust" in [f["code"] for f in res["findings"]]) is expected, generation
