# -*- coding: utf-8 -*-
"""Which spellings of the superuser login really log in, on real PocketBase servers.

The class (plugins/module_utils/_pb_paths.py) is read from PocketBase's router and collection lookup;
here each tested version answers for it: every generated spelling logs in with the real password,
every near miss does not, random candidates log in exactly when the model says so, and every
spelling that logs in is covered by the proxy role's guard regex as Caddy and nginx evaluate it.
The same list goes through real Caddy and nginx in molecule/proxy_shared/tests/test_proxy.py.
"""
import random
from urllib.parse import unquote

from conftest import http  # pylint: disable=import-error

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pb_paths as P

ALPHABET_EXTRAS = ["\u017f", "\u212a", "\u0130", "\u0131", "\u00df", "\uff53"]  # folds and look-alikes


def login(srv, path):
    return http("POST", srv.url + path, {"identity": srv.email, "password": srv.password}).status


def random_candidates(count=30, seed=20261130):
    rnd = random.Random(seed)
    out = []
    for dummy in range(count):
        chars = []
        for ch in P.SUPERUSERS_NAME:
            roll = rnd.random()
            if roll < 0.06:
                chars.append(rnd.choice(ALPHABET_EXTRAS))
            elif roll < 0.08:
                chars.append(rnd.choice("abcdefghijklmnopqrstuvwxyz_"))
            else:
                chars.append(rnd.choice([ch, ch.swapcase()]))
        mask = [i for i in range(len(chars)) if rnd.random() < 0.25]
        out.append(P._wire(chars, encode_mask=mask))  # pylint: disable=protected-access
    return list(dict.fromkeys(out))


def test_superuser_login_class_on_real_server(pb_server):
    regex = P.guard_regex()
    if pb_server.generation == "v022":
        assert login(pb_server, P.LOGIN_V022) == 200
        assert login(pb_server, P.LOGIN_V023 % P.SUPERUSERS_NAME) == 404
        assert P.caddy_matches(regex, P.LOGIN_V022) and P.nginx_matches(regex, P.LOGIN_V022)
        return
    logged_in = {path: login(pb_server, path) for path in P.superuser_login_paths("v023", sample=25)}
    assert {p: s for p, s in logged_in.items() if s != 200} == {}
    misses = {m: login(pb_server, P.LOGIN_V023 % m) for m in P.near_misses()}
    assert {m: s for m, s in misses.items() if s == 200} == {}
    for path in logged_in:
        assert P.caddy_matches(regex, path), path
        assert P.nginx_matches(regex, path), path
    # random candidates (folds, look-alikes, other letters, encodings): 200 exactly when the model says
    wrong = {}
    for seg in random_candidates():
        predicted = P.resolves_to(unquote(seg), P.SUPERUSERS_NAME, P.SUPERUSERS_ID)
        status = login(pb_server, P.LOGIN_V023 % seg)
        if (status == 200) != predicted:
            wrong[seg] = (status, predicted)
        if status == 200:
            assert P.nginx_matches(regex, P.LOGIN_V023 % seg), seg
            assert P.caddy_matches(regex, P.LOGIN_V023 % seg), seg
    assert wrong == {}
