# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_api pure parts: error mapping on captured PocketBase error bodies, version parsing, argspec.

No process and no network: PocketBaseClient does no I/O in its constructor, and ``_raise_for``
maps an (HTTP status, body) pair to a PocketBaseError.
"""

import json
import os

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _api

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "pocketbase")
SECRET = "Sup3r-s3cret-passw0rd"


def load(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as fh:
        text = fh.read()
    return json.loads(text) if name.endswith(".json") else text


def client(generation="v023", **kw):
    kw.setdefault("email", "admin@example.com")
    kw.setdefault("password", SECRET)
    return _api.PocketBaseClient("http://127.0.0.1:1", generation=generation, **kw)


def raised(cl, status, body, method="GET", path="/api/settings", login=False):
    with pytest.raises(_api.PocketBaseError) as info:
        cl._raise_for(status, body, method, path, login=login)  # pylint: disable=protected-access
    return info.value


def test_wrong_password_is_auth_failed_with_hint():
    err = raised(client(), 400, load("v040_superusers_auth_wrong_password.json"), "POST",
                 "/api/collections/_superusers/auth-with-password", login=True)
    assert err.kind == "auth_failed"
    assert "wrong email or password" in err.message and "admin@example.com" in err.message
    assert "Failed to authenticate." in err.message  # PocketBase's own words
    assert err.hint and "POCKETBASE_PASSWORD" in err.hint
    assert SECRET not in str(err)


def test_ip_allowlist_is_ip_forbidden():
    for sample, path in (("v040_superuserIPs_blocked_auth.json", "/api/collections/_superusers/auth-with-password"),
                         ("v040_superuserIPs_blocked_settings_get.json", "/api/settings")):
        err = raised(client(), 403, load(sample), "GET", path)
        assert err.kind == "ip_forbidden" and err.status == 403
        assert "superuserIPs" in err.message and "superuser ips" in err.hint


def test_generic_403_is_forbidden():
    err = raised(client(), 403, {"data": {}, "message": "Only superusers can perform this action.", "status": 403})
    assert err.kind == "forbidden" and "Only superusers" in err.message


def test_expired_token_is_auth_failed():
    err = raised(client(), 401, {"data": {}, "message": "The request requires valid record authorization token.",
                                 "status": 401})
    assert err.kind == "auth_failed" and "token" in err.message


@pytest.mark.parametrize("sample,field,server_text", [
    ("v022_collection_patch_invalid_rule.json", "listRule", "Invalid filter rule"),
    ("v040_collection_patch_invalid_rule_unknown_field.json", "listRule", "Invalid rule"),
    ("v022_settings_patch_invalid_cron.json", "backups.cron", "Invalid cron expression"),
    ("v040_settings_patch_invalid_cron.json", "backups.cron", "Invalid cron expression"),
])
def test_validation_errors_carry_pocketbase_messages_from_both_envelopes(sample, field, server_text):
    body = load(sample)
    err = raised(client(), 400, body, "PATCH", "/api/collections/posts")
    assert err.kind == "validation" and err.status == 400
    assert field + ":" in err.message and server_text in err.message
    assert err.data == body["data"]


def test_validation_message_with_secret_echo_is_scrubbed():
    body = {"data": {"smtp": {"password": {"code": "x", "message": "bad value " + SECRET}}},
            "message": "Failed.", "status": 400}
    err = raised(client(), 400, body, "PATCH", "/api/settings")
    assert SECRET not in str(err) and SECRET not in json.dumps(err.data)
    assert "********" in err.message


def test_given_token_is_scrubbed_too():
    tok = "eyJhbGciOiJIUzI1NiJ9.payload.signature"
    cl = _api.PocketBaseClient("http://127.0.0.1:1", token=tok, generation="v023")
    err = raised(cl, 500, {"data": {}, "message": "boom " + tok, "status": 500})
    assert tok not in str(err) and err.kind == "http"


@pytest.mark.parametrize("generation,path,body,other", [
    # a 0.22 server addressed as 0.23+: the _superusers collection does not exist (0.22 envelope)
    ("v023", "/api/collections/_superusers/auth-with-password",
     {"code": 404, "message": "Missing collection context.", "data": {}}, "v022"),
    # a 0.23+ server addressed as 0.22: /api/admins does not exist (0.23 envelope)
    ("v022", "/api/admins/auth-with-password",
     {"data": {}, "message": "The requested resource wasn't found.", "status": 404}, "v023"),
])
def test_generation_mismatch(generation, path, body, other):
    err = raised(client(generation), 404, body, "POST", path)
    assert err.kind == "version_mismatch"
    assert _api.describe_generation(other) in err.message
    assert "api_generation" in err.hint and other in err.hint


def test_plain_404_is_not_found():
    err = raised(client(), 404, {"data": {}, "message": "The requested resource wasn't found.", "status": 404},
                 "GET", "/api/collections/nope")
    assert err.kind == "not_found"


def test_non_json_error_is_protocol():
    err = raised(client(), 502, "<html>Bad Gateway</html>")
    assert err.kind == "protocol" and "non-JSON" in err.message


def test_rate_limit():
    err = raised(client(), 429, {"data": {}, "message": "Too Many Requests.", "status": 429})
    assert err.kind == "http" and "429" in err.message and "excludedIPs" in err.hint


@pytest.mark.parametrize("body,expected", [
    ({"code": 400, "message": "x", "data": {}}, "v022"),
    ({"data": {}, "message": "x", "status": 400}, "v023"),
    ({"message": "x"}, None), ("text", None),
])
def test_envelope(body, expected):
    assert _api._envelope(body) == expected  # pylint: disable=protected-access


def test_flatten_validation_nested():
    data = {"backups": {"cron": {"code": "validation_invalid_cron", "message": "Invalid cron"}},
            "a": {"code": "c", "message": "m"}}
    assert _api._flatten_validation(data) == [  # pylint: disable=protected-access
        "a: m (c)", "backups.cron: Invalid cron (validation_invalid_cron)"]


# ----------------------------------------------------------------------------- versions

@pytest.mark.parametrize("output,expected", [
    ("pocketbase version 0.22.27\n", "0.22.27"), ("pocketbase version 0.40.6", "0.40.6"),
    ("v0.30.4", "0.30.4"), ("", None), (None, None), ("garbage", None),
])
def test_parse_cli_version(output, expected):
    assert _api.parse_cli_version(output) == expected


@pytest.mark.parametrize("version,gen", [
    ("0.22.27", "v022"), ("0.22.48", "v022"), ("0.23.0", "v023"), ("0.30.4", "v023"), ("0.40.6", "v023"),
    ("1.0.0", "v023"), (None, None), ("x", None),
])
def test_generation_of(version, gen):
    assert _api.generation_of(version) == gen


@pytest.mark.parametrize("prefix,version", [("v022", "0.22.27"), ("v023", "0.23.12"), ("v040", "0.40.6")])
def test_version_regex_on_dashboard_bundles(prefix, version):
    excerpt = load("%s_ui_bundle_version_excerpt.txt" % prefix)
    assert _api.VERSION_RE.search(excerpt).group(1) == version
    html = load("%s_ui_index.html" % prefix)
    assets = _api.ASSET_RE.findall(html)
    assert assets and all(a.startswith("index-") and a.endswith(".js") for a in assets)


# ----------------------------------------------------------------------------- argspec

def test_connection_argument_spec():
    spec = _api.connection_argument_spec()
    assert set(spec) >= {"url", "email", "password", "token", "timeout", "validate_certs"}
    assert spec["password"]["no_log"] is True and spec["token"]["no_log"] is True
    assert spec["url"]["default"] == "http://127.0.0.1:8090"
    assert spec["timeout"]["default"] == 10 and spec["validate_certs"]["default"] is True
    envs = {k: v["fallback"][1] for k, v in spec.items() if "fallback" in v}
    assert envs == {"url": ["POCKETBASE_URL"], "email": ["POCKETBASE_EMAIL"],
                    "password": ["POCKETBASE_PASSWORD"], "token": ["POCKETBASE_TOKEN"],
                    "ca_path": ["POCKETBASE_CA_PATH"]}


def test_bad_generation_rejected():
    with pytest.raises(ValueError):
        _api.PocketBaseClient(generation="v099")


def test_error_str_has_message_and_hint():
    err = _api.PocketBaseError("unreachable", "Cannot reach X.", hint="Start it.")
    assert str(err) == "Cannot reach X. Hint: Start it."
    assert err.to_dict()["kind"] == "unreachable"
