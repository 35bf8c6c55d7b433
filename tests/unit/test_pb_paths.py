# -*- coding: utf-8 -*-
"""The superuser path class (_pb_paths) and the proxy role's guard regexes agree.

What PocketBase really resolves is proved against real servers in
tests/integration/test_superuser_path_class.py and through real Caddy/nginx in
molecule/proxy_shared/tests/test_proxy.py.
"""
import os
import re
from urllib.parse import unquote

import pytest
import yaml

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pb_paths as P

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLE_VARS = os.path.join(ROOT, "roles", "pocketbase_proxy", "vars", "main.yml")
# what the role rendered before U+017F was spelled out (nginx let _\u017fuperusers through)
OLD_REGEX = "(?i)^(?:/api/admins(/|$)|/api/collections/(_superusers|pbc_3142635823)(/|$))"


def role_vars():
    with open(ROLE_VARS, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_role_guard_regexes_are_the_class():
    data = role_vars()
    assert data["__pocketbase_proxy_admin_regexes"] == P.ADMIN_REGEXES
    assert data["__pocketbase_proxy_sensitive_regexes"] == P.SENSITIVE_REGEXES


def test_every_generated_spelling_resolves_and_is_distinct():
    spellings = P.name_spellings()
    assert len(spellings) == len(set(spellings)) > 60
    for s in spellings:
        assert P.resolves_to(unquote(s), P.SUPERUSERS_NAME, P.SUPERUSERS_ID), s
    assert any("%C5%BF" in s for s in spellings)
    assert any("%73" in s.upper() for s in spellings)


def test_near_misses_do_not_resolve():
    for s in P.near_misses():
        assert not P.resolves_to(unquote(s), P.SUPERUSERS_NAME, P.SUPERUSERS_ID), s


@pytest.mark.parametrize("engine", [P.caddy_matches, P.nginx_matches])
def test_guard_regex_covers_the_whole_class_in_both_engines(engine):
    regex = P.guard_regex()
    for path in P.superuser_login_paths() + ["/_/", "/_", "/api/admins", "/api/collections/_%C5%BFuperusers"]:
        assert engine(regex, path), path


@pytest.mark.parametrize("engine, missed", [(P.caddy_matches, False), (P.nginx_matches, True)])
def test_old_regex_misses_long_s_only_in_nginx(engine, missed):
    path = P.LOGIN_V023 % "_%C5%BFuperusers"
    assert engine(OLD_REGEX, path) is not missed


def test_guard_regex_leaves_public_routes_alone():
    regex = P.guard_regex()
    for path in ("/api/health", "/api/collections/users/auth-with-password", "/api/collections/posts/records",
                 "/api/collections/users/auth-methods", "/api/files/posts/abc/a.png", "/api/realtime",
                 "/api/collections/_superuser/auth-with-password", "/api/batch"):
        assert not P.caddy_matches(regex, path), path
        assert not P.nginx_matches(regex, path), path


def test_fold_model():
    assert P.fold("_\u017fUPERU\u017fERS") == "_superusers"
    assert P.fold("\u212a") == "k"
    assert P.fold("\u0131") == "\u0131"  # dotless i is not i for PocketBase
    assert re.fullmatch(P.name_regex("_superusers"), "_\u017fuperusers")
    assert P.resolves_to("pbc_3142635823", "_superusers", "pbc_3142635823")
    assert not P.resolves_to("PBC_3142635823", "_superusers", "pbc_3142635823")


def test_probe_paths_are_in_the_class():
    klass = set(P.superuser_login_paths("v023"))
    for path in P.probe_login_paths():
        assert path in klass or P.resolves_to(unquote(path.split("/")[3]), P.SUPERUSERS_NAME, P.SUPERUSERS_ID)
