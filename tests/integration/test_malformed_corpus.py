# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 17 item 6 and the acceptance corpus: every module, driven with malformed arguments and with
malformed server answers (real HTTP servers on loopback), fails with a one-line message and never
with a Python traceback. One ansible-playbook run per table."""

import pytest

import hostile  # pylint: disable=import-error
from conftest import run_tasks, task  # pylint: disable=import-error

TOKEN = "corpus-token-Yw3"

# (module, arguments, a piece of the expected message)
BAD_ARGUMENTS = [
    # a string where a dict is expected: the path, not ansible-core's pathless "dictionary requested"
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"password": "x"}}]},
     "collections[0].auth.password must be a dict"),
    ("pocketbase_collection", {"collections": [{"name": "users", "files": {"doc": "yes"}}]}, "files.doc"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"oauth2": {"providers": ["github"]}}}]},
     "collections[0].auth.oauth2.providers[0] must be a dict"),
    # scalars where a dict is expected crashed inside ansible-core's suboption validation (set_fallbacks
    # runs `name in 1`): every level, every scalar type, a one-line failure naming the path
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"otp": [1]}}]},
     "collections[0].auth.otp must be a dict, got list"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"otp": 5}}]},
     "collections[0].auth.otp must be a dict, got int"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"mfa": True}}]},
     "collections[0].auth.mfa must be a dict, got bool"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"token_durations": 1.5}}]},
     "collections[0].auth.token_durations must be a dict, got float"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"oauth2": {"providers": [1]}}}]},
     "collections[0].auth.oauth2.providers[0] must be a dict, got int"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"oauth2": {"providers": 7}}}]},
     "collections[0].auth.oauth2.providers must be a list of dicts, got int"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"oauth2": [None]}}]},
     "collections[0].auth.oauth2 must be a dict, got list"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": [1]}]},
     "collections[0].auth must be a dict, got list"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": 3}]}, "collections[0].auth must be a dict"),
    ("pocketbase_collection", {"collections": [1]}, "collections[0] must be a dict, got int"),
    ("pocketbase_collection", {"collections": [{"name": "users"}, [None]]}, "collections[1] must be a dict, got list"),
    ("pocketbase_collection", {"collections": 5}, "collections must be a list of dicts, got int"),
    ("pocketbase_collection", {"collections": {"name": "users"}}, "collections must be a list of dicts, got dict"),
    ("pocketbase_superuser", {"superusers": [1]}, "superusers[0] must be a dict, got int"),
    ("pocketbase_superuser", {"superusers": [{"email": "a@example.com"}, True]}, "superusers[1] must be a dict"),
    ("pocketbase_superuser", {"superusers": 0.5}, "superusers must be a list of dicts, got float"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"min_password_length": "twelve"}}]},
     "min_password_length"),
    ("pocketbase_collection", {"collections": [{"name": "users", "auth": {"otp": {"enabeld": True}}}]}, "enabeld"),
    ("pocketbase_collection", {"collections": [{"name": "users", "rules": {"listRule": 5}}]}, "rules.listRule"),
    ("pocketbase_collection", {"collections": [{"name": "users", "files": {"doc": {"protect": True}}}]},
     "files.doc.protect"),
    ("pocketbase_collection", {"collections": "users"}, "collections must be a list of dicts, got a string"),
    ("pocketbase_collection", {"collections": [{"rules": {}}]}, "name"),
    ("pocketbase_settings", {"settings": "meta"}, "settings"),
    ("pocketbase_settings", {"settings": {}, "update_secrets": "sometimes"}, "update_secrets"),
    ("pocketbase_superuser", {"superusers": [{"password": "long-enough-1"}]}, "email"),
    ("pocketbase_superuser", {"superusers": [{"email": "a@example.com", "state": "gone"}]}, "state"),
    ("pocketbase_superuser", {"superusers": [{"email": "not-an-email", "password": "long-enough-1"}]},
     "not an e-mail"),
    ("pocketbase_superuser", {"superusers": "a@example.com"}, "superusers must be a list of dicts, got a string"),
    ("pocketbase_superuser", {"automation_token_duration": "hour"}, "automation_token_duration"),
    ("pocketbase_info", {"gather": ["everything"]}, "gather"),
    ("pocketbase_info", {"timeout": "soon"}, "timeout"),
    ("pocketbase_info", {"timeout": 0}, "timeout"),
    ("pocketbase_info", {"max_response_mb": 0}, "max_response_mb"),
    ("pocketbase_info", {"url": "ftp://[::1"}, ""),
    ("pocketbase_audit", {"scope": ["api", "moon"]}, "scope"),
    ("pocketbase_audit", {"fail_on": "sometimes"}, "fail_on"),
    ("pocketbase_audit", {"waivers": [{"control": "PBG-NET-001"}]}, "waiver"),
    ("pocketbase_audit", {"max_exposure": "lots"}, "max_exposure"),
]

# (module, arguments, path answered badly, status, answer)
BAD_ANSWERS = [
    ("pocketbase_info", {}, "/api/settings", 200, [1, 2]),
    ("pocketbase_info", {}, "/api/collections", 200, {"items": "none"}),
    ("pocketbase_info", {}, "/api/collections", 200, {"items": [1, 2]}),
    ("pocketbase_info", {}, "/api/collections/_superusers/records", 200, {"items": [[]]}),
    ("pocketbase_info", {}, "/api/settings", 200, b"<html>not json</html>"),
    ("pocketbase_info", {}, "/api/settings", 200, b'{"meta": '),
    ("pocketbase_settings", {"settings": {"meta": {"appName": "x"}}}, "/api/settings", 200, ["a"]),
    ("pocketbase_settings", {"settings": {"meta": {"appName": "x"}}}, "/api/settings", 200, "a string"),
    ("pocketbase_collection", {"collections": [{"name": "users", "rules": {"listRule": None}}]},
     "/api/collections", 200, {"items": ["users"]}),
    ("pocketbase_collection", {"collections": [{"name": "users", "rules": {"listRule": None}}]},
     "/api/collections", 200, [{"name": "users"}]),
    ("pocketbase_superuser", {"superusers": []}, "/api/collections/_superusers", 200, [1]),
    ("pocketbase_superuser", {"superusers": []}, "/api/collections/_superusers/records", 200, [1]),
    ("pocketbase_superuser", {"superusers": []}, "/api/collections/_superusers/records", 200,
     {"items": [{"email": 5, "id": "x"}]}),
    ("pocketbase_superuser", {"superusers": [], "automation_token_dest": "/nonexistent-dir-pbg/t"},
     "/api/collections/_superusers/records", 200, {"items": [{"email": "a@example.com"}]}),
    ("pocketbase_audit", {"scope": ["api"], "fail_on": "never"}, "/api/settings", 200, [1]),
    ("pocketbase_audit", {"scope": ["api"], "fail_on": "never"}, "/api/collections", 200, {"items": [7]}),
    ("pocketbase_audit", {"scope": ["probe"], "fail_on": "never"}, "/api/collections/_superusers/auth-methods",
     200, [1]),
]


def assert_clean_failure(res, expected=""):
    text = res.raw
    assert res.failed, res
    assert res.msg, res
    assert "Traceback" not in (res.get("module_stderr") or "") + str(res.get("exception") or ""), res
    assert "MODULE FAILURE" not in res.msg, res.msg
    assert expected.lower() in res.msg.lower(), (expected, res.msg)
    assert TOKEN not in text


@pytest.fixture(scope="module")
def fake_pb():
    with hostile.HostileServer(hostile.pocketbase_like()) as srv:
        yield srv


def test_malformed_arguments_fail_with_a_message(fake_pb):
    tasks = [task(module, url=args.pop("url", fake_pb.url), token=TOKEN, api_generation="v023", **args)
             for module, args, _expect in [(m, dict(a), e) for m, a, e in BAD_ARGUMENTS]]
    problems = []
    for (module, args, expected), res in zip(BAD_ARGUMENTS, run_tasks(tasks)):
        try:
            assert_clean_failure(res, expected)
            assert "\n" not in res.msg.strip(), res.msg
        except AssertionError as exc:
            problems.append((module, args, str(exc)[:300]))
    assert not problems, "\n".join(map(str, problems))


def test_malformed_server_answers_fail_with_a_message():
    servers = [hostile.HostileServer(hostile.pocketbase_like({path: (status, answer)}))
               for _m, _a, path, status, answer in BAD_ANSWERS]
    for srv in servers:
        srv.__enter__()
    try:
        tasks = [task(module, url=srv.url, token=TOKEN, api_generation="v023", timeout=5, **args)
                 for (module, args, _p, _s, _a), srv in zip(BAD_ANSWERS, servers)]
        results = run_tasks(tasks)
    finally:
        for srv in servers:
            srv.__exit__(None, None, None)
    for (module, args, path, _s, answer), res in zip(BAD_ANSWERS, results):
        if module == "pocketbase_audit":
            # the audit does not stop at a bad answer: the controls that needed it are errors
            assert "Traceback" not in str(res.get("exception") or "") + (res.get("module_stderr") or ""), res
            assert "MODULE FAILURE" not in res.msg and "report" in res, (module, path, res)
            if args["scope"] == ["api"]:
                assert res["summary"]["error"] > 0, (path, answer, res["summary"])
            continue
        assert_clean_failure(res), (module, path, answer)
