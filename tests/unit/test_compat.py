# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalizer and masking (_compat) on PocketBase responses captured from real servers."""

import json
import os

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _compat

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "pocketbase")

SNAPSHOT_KEYS = {"version", "generation", "health", "settings", "collections", "superusers", "superuser_auth"}
COLLECTION_KEYS = {"id", "name", "type", "system", "rules", "fields", "auth", "view_query"}
FIELD_KEYS = {"name", "type", "system", "hidden", "required", "protected", "max_select", "collection_id"}
AUTH_KEYS = {"password", "oauth2", "otp", "mfa", "only_verified", "min_password_length", "token_durations",
             "only_email_domains", "except_email_domains"}
BASE_RULES = {"listRule", "viewRule", "createRule", "updateRule", "deleteRule"}
AUTH_RULES = BASE_RULES | {"authRule", "manageRule"}


def load(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as fh:
        return json.load(fh)


def v022_users(settings=None):
    return _compat.normalize_collection(load("v022_collection_users_view.json"), "v022", settings)


def key_shape(col):
    """The nested key structure of a normalized collection (values dropped)."""
    shape = {"keys": sorted(col), "rules": sorted(col["rules"]),
             "fields": sorted({k for f in col["fields"] for k in f})}
    if col["auth"] is not None:
        shape["auth"] = {k: sorted(v) if isinstance(v, dict) else None for k, v in col["auth"].items()}
    return shape


# ----------------------------------------------------------------------------- collections

@pytest.mark.parametrize("sample,generation", [
    ("v022_collections_list_default.json", "v022"),
    ("v040_collections_list_default.json", "v023"),
])
def test_collections_list_has_the_documented_keys(sample, generation):
    cols = _compat.normalize_collections(load(sample)["items"], generation)
    assert cols, "sample has collections"
    for col in cols:
        assert set(col) == COLLECTION_KEYS
        assert col["type"] in ("base", "auth", "view")
        assert set(col["rules"]) == (AUTH_RULES if col["type"] == "auth" else BASE_RULES)
        for field in col["fields"]:
            assert set(field) == FIELD_KEYS
        if col["type"] == "auth":
            assert set(col["auth"]) == AUTH_KEYS
        else:
            assert col["auth"] is None


@pytest.mark.parametrize("sample", [
    "v023_collection_users_view.json", "v040_collection_users_view.json", "v040_collection_users_after_oauth2.json",
])
def test_users_has_same_key_shape_on_every_generation(sample):
    settings = load("v022_settings_get_default.json")
    assert key_shape(v022_users(settings)) == key_shape(_compat.normalize_collection(load(sample)))


def test_v022_users_auth_options():
    col = v022_users(load("v022_settings_get_after_secrets.json"))
    assert col["rules"]["authRule"] == ""  # onlyVerified false: anyone may log in
    assert col["rules"]["manageRule"] is None
    assert col["auth"]["password"] == {"enabled": True, "identity_fields": ["email", "username"]}
    assert col["auth"]["oauth2"]["enabled"] is True  # allowOAuth2Auth, but no provider enabled
    assert col["auth"]["oauth2"]["providers"] == []
    assert col["auth"]["otp"] == {"enabled": False, "duration": None, "length": None}
    assert col["auth"]["mfa"] == {"enabled": False, "duration": None, "rule": None}
    assert col["auth"]["min_password_length"] == 8
    assert col["auth"]["only_verified"] is False
    assert col["auth"]["token_durations"] == {"auth": 1209600, "password_reset": 1800,
                                              "verification": 604800, "file": 120, "email_change": 1800}
    avatar = [f for f in col["fields"] if f["name"] == "avatar"][0]
    assert avatar["type"] == "file" and avatar["protected"] is False and avatar["max_select"] == 1


def test_v022_only_verified_becomes_auth_rule_and_providers_come_from_settings():
    raw = load("v022_collection_users_view.json")
    raw["options"]["onlyVerified"] = True
    settings = load("v022_settings_get_default.json")
    settings["githubAuth"]["enabled"] = True
    col = _compat.normalize_collection(raw, "v022", settings)
    assert col["rules"]["authRule"] == "verified = true"
    assert col["auth"]["only_verified"] is True
    assert col["auth"]["oauth2"]["providers"] == ["github"]


def test_v040_users_auth_options():
    col = _compat.normalize_collection(load("v040_collection_users_view.json"))
    assert col["rules"]["authRule"] == "" and col["rules"]["manageRule"] is None
    auth = col["auth"]
    assert auth["password"] == {"enabled": True, "identity_fields": ["email"]}
    assert auth["oauth2"] == {"enabled": False, "providers": []}
    assert auth["mfa"] == {"enabled": False, "duration": 600, "rule": ""}
    assert auth["otp"] == {"enabled": False, "duration": 180, "length": 8}
    assert auth["min_password_length"] == 8
    assert auth["token_durations"] == {"auth": 432000, "password_reset": 1800, "verification": 86400, "file": 180,
                                       "email_change": 1800}
    password = [f for f in col["fields"] if f["name"] == "password"][0]
    assert password["hidden"] is True and password["system"] is True


def test_v040_oauth2_provider_names_and_no_client_secret():
    col = _compat.normalize_collection(load("v040_collection_users_after_oauth2.json"))
    assert col["auth"]["oauth2"] == {"enabled": True, "providers": ["github"]}
    assert "clientSecret" not in json.dumps(col)


@pytest.mark.parametrize("auth_rule,expected", [
    ("verified = true", True), ("verified=true && email != ''", True), ("", False), (None, False),
    ("@request.auth.verified = true", False), ("unverified = true", False),
])
def test_only_verified_from_auth_rule(auth_rule, expected):
    raw = load("v040_collection_users_view.json")
    raw["authRule"] = auth_rule
    assert _compat.normalize_collection(raw)["auth"]["only_verified"] is expected


@pytest.mark.parametrize("sample,generation,create_rule", [
    ("v022_collection_create_posts_response.json", "v022", '@request.data.title != ""'),
    ("v040_collection_create_posts_response.json", "v023", None),
])
def test_posts_file_field_protection_and_rules_keep_server_syntax(sample, generation, create_rule):
    col = _compat.normalize_collection(load(sample), generation)
    assert col["type"] == "base" and col["auth"] is None
    files = [f for f in col["fields"] if f["type"] == "file"]
    assert files and all(isinstance(f["protected"], bool) for f in files)
    if create_rule is not None:
        assert col["rules"]["createRule"] == create_rule
        assert [f["protected"] for f in files] == [True]


def test_generation_is_detected_from_collection_shape():
    assert _compat.detect_generation_of_collection(load("v022_collection_users_view.json")) == "v022"
    assert _compat.detect_generation_of_collection(load("v040_collection_users_view.json")) == "v023"


# ----------------------------------------------------------------------------- superusers

def test_superuser_auth_from_collections():
    cols = load("v040_collections_list_default.json")["items"]
    assert _compat.superuser_auth(cols, "v023") == {"password": True, "mfa": False, "otp": False}
    after = load("v040_collection_superusers_after_mfa_otp.json")
    assert _compat.superuser_auth([after], "v023") == {"password": True, "mfa": True, "otp": True}
    assert _compat.superuser_auth([], "v022") == {"password": True, "mfa": False, "otp": False}


def test_superuser_auth_from_public_auth_methods():
    assert _compat.superuser_auth_from_methods(load("v040_superusers_auth_methods_unauth.json")) == \
        {"password": True, "mfa": True, "otp": True}


def test_normalize_superusers_both_generations():
    admins = [{"id": "a1", "email": "b@example.com", "avatar": 0}, {"id": "a2", "email": "a@example.com"}]
    assert _compat.normalize_superusers(admins, "v022") == [
        {"id": "a2", "email": "a@example.com", "verified": None},
        {"id": "a1", "email": "b@example.com", "verified": None}]
    recs = [{"id": "r1", "email": "x@example.com", "verified": True, "collectionName": "_superusers"}]
    assert _compat.normalize_superusers(recs, "v023") == [{"id": "r1", "email": "x@example.com", "verified": True}]


# ----------------------------------------------------------------------------- health / auth methods

@pytest.mark.parametrize("sample,can_backup,real_ip", [
    ("v022_health_admin.json", True, None), ("v022_health_unauth.json", True, None),
    ("v040_health_unauth.json", None, None), ("v040_health_superuser.json", True, "127.0.0.1"),
    ("v023_health_superuser.json", True, "127.0.0.1"),
])
def test_health(sample, can_backup, real_ip):
    out = _compat.normalize_health(load(sample))
    assert out == {"code": 200, "message": "API is healthy.", "can_backup": can_backup, "real_ip": real_ip,
                   "possible_proxy_header": "" if real_ip else None}


def test_auth_methods_same_shape():
    v022 = _compat.normalize_auth_methods(load("v022_users_auth_methods_unauth.json"), "v022")
    v040 = _compat.normalize_auth_methods(load("v040_users_auth_methods_unauth.json"), "v023")
    assert json.dumps(v022, sort_keys=True).count(":") == json.dumps(v040, sort_keys=True).count(":")
    assert {k: sorted(v) for k, v in v022.items()} == {k: sorted(v) for k, v in v040.items()}
    assert v022["password"]["identity_fields"] == ["email", "username"]
    assert v040["password"]["identity_fields"] == ["email"]
    sup = _compat.normalize_auth_methods(load("v040_superusers_auth_methods_unauth.json"))
    assert sup["mfa"] == {"enabled": True} and sup["otp"] == {"enabled": True}


# ----------------------------------------------------------------------------- settings / masking

def walk(data, path=""):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from walk(v, "%s.%s" % (path, k) if path else k)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from walk(v, "%s[%d]" % (path, i))
    else:
        yield path, data


def test_v022_secrets_masked():
    out = _compat.normalize_settings(load("v022_settings_get_after_secrets.json"), "v022")
    assert out["smtp"]["password"] == "********"
    assert out["s3"]["secret"] == "********"
    assert out["backups"]["s3"]["secret"] == ""  # not set
    assert out["githubAuth"]["clientSecret"] == "********"
    assert out["googleAuth"]["clientSecret"] == ""
    for name in ("adminAuthToken", "recordAuthToken", "recordFileToken"):
        assert out[name]["secret"] == "********"
        assert isinstance(out[name]["duration"], int)
    assert out["smtp"]["username"] == "u" and out["s3"]["accessKey"] == "AK"  # not secrets
    assert "******" not in [v for _p, v in walk(out)]


@pytest.mark.parametrize("sample", [
    "v023_settings_get_default.json", "v030_settings_get_default.json", "v036_settings_get_default.json",
    "v040_settings_get_default.json", "v040_settings_patch_secrets_response.json",
])
def test_v023_write_only_secrets_are_unknown(sample):
    raw = load(sample)
    out = _compat.normalize_settings(raw, "v023")
    assert out["smtp"]["password"] is None
    assert out["s3"]["secret"] is None
    assert out["backups"]["s3"]["secret"] is None
    assert "password" not in raw["smtp"]  # the input is not modified
    for key in raw:
        assert key in out


def test_planted_plaintext_secrets_are_masked_everywhere():
    raw = load("v040_settings_get_default.json")
    raw["smtp"]["password"] = "smtp-PLAIN-1"
    raw["s3"]["secret"] = "s3-PLAIN-2"
    raw["backups"]["s3"]["secret"] = "bk-PLAIN-3"
    raw["extra"] = {"providers": [{"name": "github", "clientSecret": "cs-PLAIN-4"}],
                    "authToken": {"secret": "tok-PLAIN-5", "duration": 10}}
    dumped = json.dumps(_compat.normalize_settings(raw, "v023"))
    assert "PLAIN" not in dumped
    assert dumped.count("********") == 5


@pytest.mark.parametrize("data,expected", [
    ({"password": "x"}, {"password": "********"}),
    ({"password": ""}, {"password": ""}),
    ({"password": None}, {"password": None}),
    ({"secret": "******"}, {"secret": "********"}),
    ({"note": "******"}, {"note": "********"}),
    ({"fooSecret": "abc"}, {"fooSecret": "********"}),
    ({"clientId": "abc", "accessKey": "AK"}, {"clientId": "abc", "accessKey": "AK"}),
    ({"list": [{"clientSecret": "z"}]}, {"list": [{"clientSecret": "********"}]}),
    ({"password": {"enabled": True}}, {"password": {"enabled": True}}),  # auth option block, not a secret
])
def test_mask_secrets_cases(data, expected):
    assert _compat.mask_secrets(data) == expected


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
secretish_key = st.sampled_from(["password", "secret", "clientSecret", "otherSecret", "name", "enabled", "x"])
json_tree = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(secretish_key, inner, max_size=4)), max_leaves=20)


@hsettings(max_examples=200, deadline=None)
@given(json_tree)
def test_mask_secrets_never_leaks_a_secret_string(tree):
    masked = _compat.mask_secrets(tree)
    for path, value in walk(masked):
        last = path.rsplit(".", 1)[-1]
        if _compat.is_secret_key(last) and isinstance(value, str):
            assert value in ("", "********")
    assert _compat.mask_secrets(masked) == masked  # idempotent


# ----------------------------------------------------------------------------- snapshot

def test_build_snapshot_same_keys_both_generations():
    v022_cols = load("v022_collections_list_default.json")["items"]
    v040_cols = load("v040_collections_list_default.json")["items"]
    s022 = _compat.build_snapshot("v022", "0.22.27", load("v022_health_admin.json"),
                                  load("v022_settings_get_after_secrets.json"), v022_cols,
                                  [{"id": "a", "email": "admin@example.com"}])
    s040 = _compat.build_snapshot("v023", "0.40.6", load("v040_health_superuser.json"),
                                  load("v040_settings_get_default.json"), v040_cols,
                                  [{"id": "b", "email": "admin@example.com", "verified": True}])
    assert set(s022) == set(s040) == SNAPSHOT_KEYS
    assert s022["superuser_auth"] == s040["superuser_auth"] == {"password": True, "mfa": False, "otp": False}
    users022 = [c for c in s022["collections"] if c["name"] == "users"][0]
    users040 = [c for c in s040["collections"] if c["name"] == "users"][0]
    assert key_shape(users022) == key_shape(users040)
    assert users022["rules"] == users040["rules"]
    assert "\"******\"" not in json.dumps(s022)


def test_build_snapshot_unfetched_sections_are_none():
    snap = _compat.build_snapshot("v023", health=load("v040_health_unauth.json"))
    assert set(snap) == SNAPSHOT_KEYS
    assert snap["collections"] is None and snap["settings"] is None and snap["superusers"] is None


# --------------------------------------------------------------------------- one version parser, one field lookup

def test_one_version_parser_for_client_rules_and_audit():
    from ansible_collections.pbguard.pocketbase.plugins.module_utils import _api, _rules, _version
    assert _api.version_tuple is _version.version_tuple is _rules.version_tuple
    assert _version.version_tuple("v0.40.6") == (0, 40, 6)
    assert _version.version_tuple("0.23") == (0, 23, 0)
    assert _version.version_tuple("0") is None
    assert _version.version_tuple("0", min_parts=1) == (0, 0, 0)
    assert _version.version_tuple("0.23", min_parts=3) is None
    assert _version.version_tuple("") is None and _version.version_tuple(None) is None


def test_field_by_name_returns_the_field_itself():
    from ansible_collections.pbguard.pocketbase.plugins.module_utils import _compat, _state
    fields = [{"name": "email"}, {"name": "password", "min": 8}]
    assert _compat.field_by_name(fields, "password") is fields[1]
    assert _compat.field_by_name(fields, "missing") is None and _compat.field_by_name(None, "x") is None
    assert _state.field_by_name is _compat.field_by_name


# --------------------------------------------------------------------------- page by page (issue 14 goal 2)

@pytest.mark.parametrize("sample, generation", [("v040_collections_list_default.json", "v023"),
                                                ("v022_collections_list_default.json", "v022")])
def test_pages_normalize_like_the_whole_list_and_keep_only_the_documented_keys(sample, generation):
    raw = load(sample)["items"]
    settings = load("v022_settings_get_default.json") if generation == "v022" else None
    pages = [raw[i:i + 2] for i in range(0, len(raw), 2)]
    cols, su_auth = _compat.normalize_collection_pages(iter(pages), generation, settings)
    assert cols == _compat.normalize_collections(raw, generation, settings)
    assert su_auth == _compat.superuser_auth(raw, generation)
    for col in cols:
        assert set(col) == COLLECTION_KEYS
        assert all(set(f) == FIELD_KEYS for f in col["fields"])


def test_pages_share_equal_fields_and_rules_across_collections():
    def raw(name, protected):
        return {"id": "id_" + name, "name": name, "type": "base", "listRule": "", "viewRule": None,
                "fields": [{"name": "id", "type": "text", "system": True, "required": True},
                           {"name": "doc", "type": "file", "maxSelect": 1, "protected": protected}]}
    cols, _su = _compat.normalize_collection_pages([[raw("a", True), raw("b", True)], [raw("c", False)]], "v023")
    a, b, c = cols
    assert a["fields"][0] is b["fields"][0] is c["fields"][0] and a["rules"] is b["rules"] is c["rules"]
    assert a["fields"][1] is b["fields"][1] and c["fields"][1] is not a["fields"][1]
    assert c["fields"][1]["protected"] is False and a["fields"][1]["protected"] is True


def test_pages_never_merge_values_python_calls_equal_or_unhashable_ones():
    def raw(name, max_select):
        return {"name": name, "type": "base", "fields": [{"name": "r", "type": "relation", "maxSelect": max_select}]}
    cols, _su = _compat.normalize_collection_pages([[raw("a", 1), raw("b", True), raw("c", 1.0),
                                                     raw("d", [1]), raw("e", [1])]], "v023")
    got = [c["fields"][0]["max_select"] for c in cols]
    assert got == [1, True, 1.0, [1], [1]]
    assert [type(v) for v in got] == [int, bool, float, list, list]
    assert cols[3]["fields"][0] is not cols[4]["fields"][0]


def test_superuser_auth_found_on_a_later_page():
    users = load("v040_collection_users_view.json")
    superusers = load("v040_collection_superusers_after_mfa_otp.json")
    _cols, su_auth = _compat.normalize_collection_pages([[users], [superusers]], "v023")
    assert su_auth == _compat.superuser_auth([superusers], "v023")
    assert su_auth["mfa"] is True
    _cols, none_found = _compat.normalize_collection_pages([[users]], "v023")
    assert none_found == {"password": None, "mfa": None, "otp": None}
