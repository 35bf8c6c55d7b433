# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every control proven both ways, in the spirit of ansible-lint's pass/fail examples.

Each case below names the control id and the status it demonstrates and is run: a ``fail`` case must
produce at least one failing result for that control, a ``pass`` case only passing results. The
completeness tests derive the id list from the catalog, so a new control without a fail case and a pass
case here (or without a real-server assertion, for ``api`` scope) fails them by name.
"""

from __future__ import annotations

import copy
import importlib.util
import os

import pytest

import test_controls as T
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _hooks_lint
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
URL = "https://pb.example.com"

GOOD_PARAMS = dict(T.PARAMS, url=URL, expected_collections=["users", "posts"],
                   expected_auth_methods={"users": ["password"]}, pinned_version="0.40.6")
LOGIN = "/api/collections/_superusers/auth-with-password"


def good_probe():
    return {"admin_ui_status": 403, "superuser_login_status": 403, "superuser_login_path": LOGIN,
            "superuser_login_variants": {"/api/collections/_SUPERUSERS/auth-with-password": 403,
                                         "/api/collections/pbc_3142635823/auth-with-password": 403},
            "disclosed_version": None, "generation": "v023", "version": None,
            "tls_certificate": {"not_before": "2026-01-01T00:00:00Z", "not_after": "2028-04-05T00:00:00Z",
                                "days_left": 490, "seconds_left": 490 * 86400, "lifetime_seconds": 825 * 86400},
            "credential_probe": {"enabled": True, "attempts": 20, "rejected": 20, "undecided": 0, "weak": [],
                                 "rate_limited": False, "emails": ["alice@corp.test", "admin@example.com"]}}


def linted_hooks(tmp_path_factory, source, generation="v023"):
    """Hook facts as gather_host builds them, from real hook source run through the hook linter."""
    hooks_dir = tmp_path_factory.mktemp("pb_hooks")
    (hooks_dir / "a.pb.js").write_text(source)
    files, findings = _hooks_lint.lint_dir(str(hooks_dir), generation)
    return {"dir": str(hooks_dir), "files": files, "findings": [f.as_dict() for f in findings],
            "sha256": {"a.pb.js": "ab"}, "generation": generation, "manifest": {"a.pb.js": "ab"}}


class Case(object):
    """``control`` shows ``status`` (pass, fail or error) on the good context changed by
    ``snap``/``host``/``probe``/``params``."""

    def __init__(self, control, status, snap=None, host=None, probe=None, params=None, hooks=None, note=""):
        self.control, self.status, self.note = control, status, note
        self.snap, self.host, self.probe, self.params, self.hooks = snap, host, probe, params, hooks

    @property
    def id(self):
        return "%s-%s%s" % (self.control, self.status, ("-" + self.note) if self.note else "")

    def run(self, tmp_path_factory):
        snapshot, host, probe = T.good_snapshot(), T.host_facts(), good_probe()
        params = copy.deepcopy(GOOD_PARAMS)
        for change, target in ((self.snap, snapshot), (self.host, host), (self.probe, probe)):
            if change is not None:
                change(target)
        if self.hooks is not None:
            host["hooks"] = linted_hooks(tmp_path_factory, *self.hooks)
        params.update(self.params or {})
        ctx = C.AuditContext(params, snapshot=snapshot, probe=probe, host=host, url=params["url"])
        return C.run_controls(ctx, [C.CONTROLS_BY_ID[self.control]])


def _set(path, value):
    """A change setting ``value`` at the dotted/indexed ``path`` (e.g. ``settings.logs.maxDays``)."""
    def change(doc):
        keys = path.split(".")
        for key in keys[:-1]:
            doc = doc[int(key)] if isinstance(doc, list) else doc[key]
        doc[keys[-1]] = value
    return change


def _caddy(old, new):
    return lambda h: h.update(proxy_configs={T.CADDY: T._edit(T.ROLE_CADDYFILE, old, new)},
                              proxy_config_paths=[T.CADDY])


def _nginx(old, new):
    return lambda h: h.update(proxy_configs={T.NGINX: T._edit(T.ROLE_NGINX_SITE, old, new)},
                              proxy_config_paths=[T.NGINX], logrotate_configs=T.NGINX_LOGROTATE)


USERS = "collections.1"
POSTS = "collections.2"

# Controls the good context (good_snapshot, host_facts with the role's Caddyfile, good_probe, GOOD_PARAMS)
# passes as a whole. Listed, not derived: a new control has to be added here or get its own pass case.
GOOD_CONTEXT_PASSES = (
    "PBG-NET-001", "PBG-NET-002", "PBG-NET-003", "PBG-NET-004", "PBG-NET-005", "PBG-NET-006", "PBG-NET-007",
    "PBG-NET-008", "PBG-NET-009", "PBG-NET-010", "PBG-NET-011",
    "PBG-ADM-001", "PBG-ADM-002", "PBG-ADM-003", "PBG-ADM-004", "PBG-ADM-005", "PBG-ADM-006", "PBG-ADM-007",
    "PBG-RUL-001", "PBG-RUL-002", "PBG-RUL-003", "PBG-RUL-004", "PBG-RUL-005", "PBG-RUL-006", "PBG-RUL-007",
    "PBG-RUL-008", "PBG-RUL-009", "PBG-RUL-010", "PBG-RUL-011", "PBG-RUL-012", "PBG-RUL-013", "PBG-RUL-014",
    "PBG-RUL-015", "PBG-RUL-016", "PBG-RUL-017",
    "PBG-AUT-001", "PBG-AUT-002", "PBG-AUT-003", "PBG-AUT-004", "PBG-AUT-005", "PBG-AUT-006", "PBG-AUT-007",
    "PBG-FIL-001", "PBG-FIL-003", "PBG-FIL-004",
    "PBG-HOK-001", "PBG-HOK-002", "PBG-HOK-003", "PBG-HOK-004", "PBG-HOK-005", "PBG-HOK-006", "PBG-HOK-007",
    "PBG-HOK-008", "PBG-HOK-009", "PBG-HOK-010",
    "PBG-MON-001", "PBG-MON-002", "PBG-MON-003", "PBG-MON-004", "PBG-MON-005", "PBG-MON-006", "PBG-MON-007",
    "PBG-VER-001", "PBG-VER-002", "PBG-VER-003",
    "PBG-IOC-001", "PBG-IOC-002", "PBG-IOC-003", "PBG-IOC-004",
    "PBG-SYS-001", "PBG-SYS-002", "PBG-SYS-003", "PBG-SYS-004",
)

PASS_CASES = [Case(cid, "pass", note="good-context") for cid in GOOD_CONTEXT_PASSES] + [
    Case("PBG-NET-004", "pass", host=lambda h: h.update(proxy_configs={T.CADDY: T.ARTICLE_CADDYFILE}),
         note="article-caddyfile"),
    Case("PBG-NET-009", "pass", host=_nginx("", ""), note="nginx"),
    Case("PBG-RUL-013", "pass", note="owner-locked", snap=lambda s: (
        s["collections"][2]["fields"].append(_AUTHOR), s["collections"][2]["rules"].update(updateRule=_LOCKED_AUTHOR))),
    Case("PBG-MON-007", "pass", host=_nginx("", ""), note="nginx"),
    Case("PBG-FIL-002", "pass", snap=_set("settings.s3", {"enabled": True, "endpoint": "https://s3.corp.test",
                                                          "bucket": "pb-files"})),
    Case("PBG-HOK-006", "pass", hooks=("onRecordCreateRequest((e) => { e.next() }, 'posts')\n", "v023"),
         note="linted-v023"),
    # precision twins (issue 15): correct configurations that used to be flagged
    Case("PBG-ADM-002", "pass", snap=lambda s: s["superusers"].append({"id": "b", "email": "ops@corp.test"}),
         note="role-address"),
    Case("PBG-AUT-004", "pass", note="8-with-mfa",
         snap=lambda s: s["collections"][1]["auth"].update(min_password_length=8,
                                                           mfa={"enabled": True, "duration": 600, "rule": ""})),
    Case("PBG-RUL-020", "pass", note="owner-bound-view", snap=lambda s: s["collections"].append(
        dict(T.collection("me", "view", {"listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id"}),
             view_query="SELECT u.id, u.email FROM users u"))),
]

BAD_HOOK_ESCALATION = """
onRecordCreateRequest((e) => {
  if (e.requestInfo().body.isAdmin) {
    e.record.set("role", e.requestInfo().body.role);
  }
  e.next();
}, "profiles");
"""
BAD_HOOK_MAIL = """
onRecordAfterCreateSuccess((e) => {
  const msg = new MailerMessage({ to: [{ address: e.record.get("email") }], subject: "Welcome" });
  $app.newMailClient().send(msg);
  e.next();
}, "tickets");
"""

_AUTHOR = {"name": "author", "type": "relation", "system": False, "hidden": False, "max_select": 1,
           "collection_id": "id_users"}
_LOCKED_AUTHOR = "author = @request.auth.id && @request.body.author:isset = false"

FAIL_CASES = [
    Case("PBG-NET-001", "fail", host=_set("listeners", ["0.0.0.0:8090"])),
    Case("PBG-NET-002", "fail", host=_set("proxy_configs", {T.CADDY: "pb.example.com {\n reverse_proxy 10.1.1.1:8090\n}"})),
    Case("PBG-NET-003", "fail", params={"url": "http://pb.example.com"}),
    Case("PBG-NET-003", "fail", probe=_set("http_redirects_to_https", False), note="http-served-not-redirected"),
    Case("PBG-NET-004", "fail", host=_caddy('        respond @pbg_admin_denied "Forbidden" 403\n', "")),
    Case("PBG-NET-005", "fail", host=_caddy("(_(?:s|ſ)uperu(?:s|ſ)er(?:s|ſ)|pbc_3142635823)", "_superusers")),
    # nginx ~* folds ASCII only: the role's old regex let /api/collections/_ſuperusers through
    Case("PBG-NET-005", "fail", host=_nginx("(_(?:s|ſ)uperu(?:s|ſ)er(?:s|ſ)|pbc_3142635823)",
                                            "(_superusers|pbc_3142635823)"), note="nginx-long-s"),
    Case("PBG-NET-006", "fail", probe=_set("admin_ui_status", 200)),
    Case("PBG-NET-006", "fail", probe=_set("superuser_login_variants.%s" % "/api/collections/_SUPERUSERS/auth-with-password",
                                           400), note="upper-case-spelling"),
    Case("PBG-NET-007", "fail", host=_set("exec_flags", {"--http": "127.0.0.1:8090", "--encryptionEnv": "K"})),
    Case("PBG-NET-008", "fail", host=_caddy('        X-Content-Type-Options "nosniff"\n', "")),
    Case("PBG-NET-009", "fail", host=_nginx("X-Forwarded-For $remote_addr;", "X-Forwarded-For $proxy_add_x_forwarded_for;")),
    Case("PBG-NET-010", "fail", host=_caddy("    request_body {\n        max_size 32MB\n    }\n", "")),
    Case("PBG-NET-011", "fail", probe=lambda p: p["tls_certificate"].update(days_left=9, seconds_left=9 * 86400)),
    Case("PBG-ADM-001", "fail", snap=lambda s: s["superusers"].append({"id": "b", "email": "admin@example.com"})),
    Case("PBG-ADM-002", "fail", snap=lambda s: s["superusers"].append({"id": "b", "email": "team@corp.test"})),
    Case("PBG-RUL-020", "fail", snap=lambda s: s["collections"].append(
        dict(T.collection("directory", "view", {"listRule": "@request.auth.id != ''"}),
             view_query="SELECT u.id, u.email AS mail FROM users u"))),
    Case("PBG-AUT-007", "fail", snap=_set(USERS + ".auth.token_durations.file", 86400)),
    Case("PBG-FIL-004", "fail", host=_set("public_dirs", [{"dir": "/opt/pocketbase/pb_public", "exists": True,
                                                          "files": [{"path": ".env", "kind": "secrets file",
                                                                     "size": 40, "served": True}]}])),
    Case("PBG-ADM-003", "fail", params={"expected_superusers": ["alice@corp.test", "bob@corp.test"]}),
    Case("PBG-ADM-004", "fail", snap=_set("superuser_auth", {"password": True, "mfa": True, "otp": False})),
    Case("PBG-ADM-005", "fail", snap=_set("settings.superuserIPs", ["0.0.0.0/0"])),
    Case("PBG-ADM-006", "fail", probe=_set("credential_probe", {"enabled": True, "attempts": 2, "weak": ["a@corp.test"],
                                                                "rate_limited": False, "emails": ["a@corp.test"]})),
    Case("PBG-ADM-007", "fail", snap=lambda s: s["superusers"].append({"id": "i", "email": "__pbinstaller@example.com"})),
    Case("PBG-ADM-007", "fail", snap=_set("superusers", []), note="unclaimed"),
    Case("PBG-RUL-001", "fail", snap=_set(POSTS + ".rules.deleteRule", "")),
    Case("PBG-RUL-002", "fail", snap=_set(POSTS + ".rules.deleteRule", 'id != ""')),
    Case("PBG-RUL-003", "fail", snap=_set(USERS + ".rules.updateRule", '@request.auth.id != ""')),
    Case("PBG-RUL-004", "fail", snap=_set(POSTS + ".rules.createRule", "@request.body.isAdmin = true")),
    Case("PBG-RUL-005", "fail", snap=_set(POSTS + ".rules.deleteRule", "@collection.users.id ?= @request.auth.id")),
    Case("PBG-RUL-006", "fail", snap=lambda s: s["collections"].extend([
        T.collection("permissions", rules={"viewRule": '@request.auth.id != ""'}),
        T.collection("reports", rules={"listRule": "@collection.permissions.user ?= @request.auth.id"})])),
    Case("PBG-RUL-007", "fail", snap=_set(POSTS + ".rules.updateRule", "@request.data.x = 1 && author = @request.auth.id")),
    Case("PBG-RUL-008", "fail", snap=_set(POSTS + ".rules.updateRule", "author = = ")),
    Case("PBG-RUL-009", "fail", snap=lambda s: s["collections"][2]["rules"].update(createRule="", deleteRule="")),
    Case("PBG-RUL-011", "fail", snap=lambda s: (
        s["collections"][1]["fields"].append({"name": "role", "type": "select", "system": False, "hidden": False}),
        s["collections"][2]["rules"].update(deleteRule='@request.auth.role = "admin"'))),
    Case("PBG-RUL-012", "fail", snap=lambda s: (
        s["collections"][2]["fields"].append(_AUTHOR), s["collections"][2]["rules"].update(
            createRule='@request.auth.id != ""', updateRule=_LOCKED_AUTHOR))),
    Case("PBG-RUL-013", "fail", snap=lambda s: s["collections"][2]["fields"].append(_AUTHOR)),
    Case("PBG-RUL-014", "fail", snap=_set(POSTS + ".rules.deleteRule", '@request.headers.x_admin = "1"')),
    Case("PBG-RUL-015", "fail", snap=_set(POSTS + ".rules.deleteRule", '@request.auth.role != "banned"')),
    Case("PBG-RUL-016", "fail", snap=_set(POSTS + ".rules.deleteRule", '@request.auth.email ~ "@corp.test"')),
    Case("PBG-RUL-017", "fail", snap=lambda s: (
        s["collections"].append(T.collection("staff", "auth", auth=T.auth_block())),
        s["collections"][2]["rules"].update(deleteRule='@request.auth.verified = true'))),
    Case("PBG-RUL-010", "fail", params={"public_rules": {"posts": ["listRule", "viewRule"], "users": ["createRule"],
                                                         "ghosts": ["listRule"]}}),
    Case("PBG-AUT-001", "fail", snap=_set(USERS + ".auth.otp", {"enabled": True})),
    Case("PBG-AUT-002", "fail", snap=_set(USERS + ".auth.only_verified", False)),
    Case("PBG-AUT-003", "fail", snap=lambda s: s["collections"][1]["auth"].update(
        only_verified=False, oauth2={"enabled": True, "providers": ["github"]})),
    Case("PBG-AUT-004", "fail", snap=_set(USERS + ".auth.min_password_length", 8)),
    Case("PBG-AUT-005", "fail", snap=_set(USERS + ".auth.token_durations.auth", 2592000)),
    Case("PBG-AUT-006", "fail", snap=_set(USERS + ".auth.oauth2", {"enabled": True, "providers": []})),
    Case("PBG-FIL-001", "fail", snap=_set(USERS + ".fields.0.protected", False)),
    Case("PBG-FIL-002", "fail", snap=_set("settings.s3", {"enabled": True, "endpoint": "http://minio:9000",
                                                          "bucket": "b"})),
    Case("PBG-FIL-003", "fail", host=_caddy("        reverse_proxy 127.0.0.1:8090\n",
                                            "        file_server browse\n        reverse_proxy 127.0.0.1:8090\n")),
    Case("PBG-HOK-001", "fail", hooks=("onRecordAfterCreateSuccess((e) => {\n  $http.send({ url: e.record.get("
                                       "'webhookUrl'), method: 'POST' });\n  e.next();\n}, 'tickets');\n", "v023")),
    Case("PBG-HOK-002", "fail", hooks=(BAD_HOOK_ESCALATION, "v023")),
    Case("PBG-HOK-003", "fail", hooks=(BAD_HOOK_MAIL, "v023")),
    Case("PBG-HOK-004", "fail", hooks=("routerAdd('GET', '/x', (e) => {\n  $os.exec('id').output();\n});\n", "v023")),
    Case("PBG-HOK-005", "fail", host=_set("hooks", {"dir": "/h", "files": ["a.pb.js", "x.pb.js"], "findings": [],
                                                    "sha256": {}, "generation": "v023", "manifest": {"a.pb.js": "ab"}})),
    Case("PBG-HOK-006", "fail", hooks=("onRecordBeforeCreateRequest((e) => {\n  e.record.set('status', 'new');\n},"
                                       " 'tickets');\n", "v023")),
    Case("PBG-HOK-007", "fail", hooks=("routerAdd('GET', '/p', (e) => {\n  const sh = $os;\n  sh['cmd']('sh', '-c',"
                                       " 'ping ' + e.request.url.query().get('h')).output();\n"
                                       "  return e.string(200, 'ok');\n}, $apis.requireAuth());\n", "v023")),
    Case("PBG-HOK-008", "fail", hooks=("routerAdd('GET', '/u', (e) => {\n  const id = e.requestInfo().query['id'];\n"
                                       "  const rows = arrayOf(new DynamicModel({email: ''}));\n"
                                       "  $app.db().newQuery(`SELECT email FROM users WHERE id = '${id}'`).all(rows);\n"
                                       "  return e.json(200, rows);\n}, $apis.requireAuth());\n", "v023")),
    Case("PBG-HOK-009", "fail", hooks=("routerAdd('GET', '/x', (e) => {\n  if (!e.request.header.get('X-Key')) {"
                                       " throw new UnauthorizedError() }\n  return e.json(200,"
                                       " $app.findAllRecords('users'));\n});\n", "v023")),
    Case("PBG-HOK-010", "fail", hooks=("routerAdd('GET', '/i', (e) => {\n  const ip = e.request.header.get("
                                       "'X-Real-IP');\n  if (ip !== '10.0.0.1') { throw new ForbiddenError() }\n"
                                       "  return e.string(200, 'ok');\n}, $apis.requireAuth());\n", "v023")),
    Case("PBG-MON-001", "fail", snap=_set("settings.rateLimits.enabled", False)),
    Case("PBG-MON-002", "fail", snap=_set("settings.rateLimits.rules", [{"label": "*:auth"}])),
    Case("PBG-MON-003", "fail", snap=_set("settings.logs.maxDays", 0)),
    Case("PBG-MON-004", "fail", snap=_set("settings.logs.logIP", False)),
    Case("PBG-MON-005", "fail", snap=_set("settings.backups.cron", "")),
    Case("PBG-MON-006", "fail", snap=_set("settings.trustedProxy.useLeftmostIP", True)),
    Case("PBG-MON-007", "fail", host=_caddy("    log {\n", "    xlog {\n")),
    Case("PBG-VER-001", "fail", snap=_set("version", "0.40.5")),
    Case("PBG-VER-002", "fail", snap=_set("version", "0.39.6")),
    Case("PBG-VER-003", "fail", probe=_set("disclosed_version", "0.40.6")),
    Case("PBG-IOC-001", "fail", snap=lambda s: s["superusers"].append({"id": "m", "email": "mallory@evil.test"})),
    # PocketBase exempts only the exact installer address; a look-alike must not hide from IOC-001
    Case("PBG-IOC-001", "fail",
         snap=lambda s: s["superusers"].append({"id": "m", "email": "__pbinstaller@evil.test"}),
         note="installer-lookalike"),
    Case("PBG-IOC-002", "fail", snap=lambda s: s["collections"].append(T.collection("exfil"))),
    Case("PBG-IOC-003", "fail", host=_set("hooks.sha256", {"a.pb.js": "cd"})),
    Case("PBG-IOC-004", "fail", host=_set("paths.binary", {"path": "/b", "mode": 0o775,
                                                           "writable_by_service_user": True})),
    Case("PBG-SYS-001", "fail", host=_set("unit_user", "root")),
    Case("PBG-SYS-002", "fail", host=_set("paths.data_db", {"path": "/var/lib/pb/data.db", "mode": 0o644})),
    Case("PBG-SYS-003", "fail", host=_set("exposure", 7.5)),
    Case("PBG-SYS-004", "fail", host=_set("exec_flags", {"--http": "127.0.0.1:8090", "--origins": "https://a.example"})),
]


def _cred(**changes):
    return lambda p: p["credential_probe"].update(changes)


_VARIANT = "superuser_login_variants./api/collections/_SUPERUSERS/auth-with-password"

# Issue 17 item 2: evidence that is no answer, a 429 or a server error decides nothing: error, never pass.
ERROR_CASES = [
    Case("PBG-ADM-006", "error", probe=_cred(attempts=3, rejected=2, rate_limited=True), note="rate-limited"),
    Case("PBG-ADM-006", "error", probe=_cred(attempts=1, rejected=0, rate_limited=True), note="429-at-once"),
    Case("PBG-ADM-006", "error", probe=_cred(attempts=20, rejected=12, undecided=8), note="no-answers"),
    Case("PBG-ADM-006", "error", probe=lambda p: p["credential_probe"].pop("rejected"), note="old-facts"),
    Case("PBG-NET-006", "error", probe=_set("admin_ui_status", None), note="ui-no-answer"),
    Case("PBG-NET-006", "error", probe=_set("admin_ui_status", 502), note="ui-502"),
    Case("PBG-NET-006", "error", probe=_set("superuser_login_status", 429), note="login-429"),
    Case("PBG-NET-006", "error", probe=_set("superuser_login_status", 500), note="login-500"),
    Case("PBG-NET-006", "error", probe=_set(_VARIANT, None), note="variant-no-answer"),
    Case("PBG-NET-006", "error", probe=_set(_VARIANT, 503), note="variant-503"),
    Case("PBG-VER-003", "error", probe=_set("admin_ui_status", None), note="ui-no-answer"),
    Case("PBG-VER-003", "error", probe=_set("admin_ui_status", 429), note="ui-429"),
    Case("PBG-VER-003", "error", probe=_set("admin_ui_status", 504), note="ui-504"),
]

CASES = PASS_CASES + FAIL_CASES + ERROR_CASES


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, tmp_path_factory):
    findings = case.run(tmp_path_factory)
    statuses = [f["status"] for f in findings]
    shown = [(f["target"], f["status"], f["evidence"]) for f in findings]
    if case.status == "fail":
        assert "fail" in statuses, shown
    elif case.status == "error":
        assert "error" in statuses, shown  # per-target controls may pass their other targets
    else:
        assert statuses and set(statuses) == {"pass"}, shown


def _missing(status):
    shown = set(c.control for c in CASES if c.status == status)
    return [c["id"] for c in C.CONTROLS if c["id"] not in shown]


def test_every_control_has_a_fail_case():
    assert _missing("fail") == [], "controls without a unit case where they fail"


def test_every_control_has_a_pass_case():
    assert _missing("pass") == [], "controls without a unit case where they pass"


def test_cases_name_known_controls():
    assert sorted(set(c.control for c in CASES) - set(C.CONTROLS_BY_ID)) == []


def _real_server_registry():
    """REAL_SERVER_ASSERTS of tests/integration/test_audit_servers.py: the ids its tests assert."""
    path = os.path.join(ROOT, "tests", "integration", "test_audit_servers.py")
    spec = importlib.util.spec_from_file_location("pbguard_real_server_audit_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.REAL_SERVER_ASSERTS


def test_every_api_control_is_asserted_against_a_real_server():
    registry = _real_server_registry()
    asserted = set(registry["fail"]) | set(registry["pass"])
    missing = [c["id"] for c in C.CONTROLS if c["scope"] == "api" and c["id"] not in asserted]
    assert missing == [], "api-scope controls no real-server test asserts (tests/integration/test_audit_servers.py)"
    assert sorted(asserted - set(C.CONTROLS_BY_ID)) == []


# --------------------------------------------------------------------------- the registry itself

AREA_MODULES = {"NET": "net", "ADM": "adm", "RUL": "rul", "AUT": "aut", "FIL": "fil", "HOK": "hok", "MON": "mon",
                "VER": "ver", "IOC": "ioc", "SYS": "system"}


def test_catalog_order_is_area_then_number():
    keys = [(C.AREAS.index(c["area"]), int(c["id"][-3:])) for c in C.CONTROLS]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_each_check_lives_in_its_area_module_with_a_docstring():
    for c in C.CONTROLS:
        check = c["check"]
        assert check.__module__.endswith("._audit." + AREA_MODULES[c["area"]]), (c["id"], check.__module__)
        doc = (check.__doc__ or "").strip()
        assert doc and len(doc.splitlines()) <= 2, (c["id"], check.__name__, doc)


@pytest.mark.parametrize("change, message", [
    ({"cid": "PBG-XYZ-001"}, "id must look like"),
    ({"cid": "PBG-NET-1"}, "id must look like"),
    ({"cid": "PBG-NET-001"}, "declared twice"),
    ({"severity": "urgent"}, "severity 'urgent'"),
    ({"scope": "cloud"}, "scope 'cloud'"),
    ({"profile": "paranoid"}, "profile 'paranoid'"),
    ({"remediation": " "}, "empty remediation"),
])
def test_control_declaration_is_validated(change, message):
    args = dict(cid="PBG-NET-999", title="t", severity="low", scope="api", profile="strict", source="s",
                rationale="r", remediation="m")
    args.update(change)
    with pytest.raises(ValueError, match=message):
        C.control(**args)
    assert "PBG-NET-999" not in [c["id"] for c in engine.all_controls()]
