# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request paths PocketBase maps to its superuser API, as a class (private; stdlib only).

Used by the audit probe, the proxy-config check, ``tests/attacks`` (copied into containers, so
stdlib only) and the proxy role's tests. Read from PocketBase's source (0.22.27, 0.30.4, 0.40.6):

* Routing. 0.23+ registers Go 1.22 ``http.ServeMux`` patterns (``/api/collections/{collection}/...``):
  literal segments match case-sensitively on the segment-wise percent-decoded path, ``{collection}``
  is that decoded segment; a path with ``//``, ``.`` or ``..`` segments is answered with a redirect
  to the cleaned path (so it reaches a route only after the client follows it). 0.22 uses echo with
  literal, case-sensitive routes (``/api/admins/...``).
* Collection lookup (``{collection}``). Record and auth routes use ``FindCachedCollectionByNameOrId``:
  ``strings.EqualFold(c.Name, x) || c.Id == x``. EqualFold is Unicode simple case folding, so
  besides ASCII case U+017F (LATIN SMALL LETTER LONG S) equals ``s`` and U+212A (KELVIN SIGN) equals
  ``k``: ``/api/collections/_ſuperusers/auth-with-password`` logs a superuser in. Collection-management
  routes and 0.22 use ``FindCollectionByNameOrId``: ``id = x OR LOWER(name) = strings.ToLower(x)``;
  Go's ToLower maps U+0130 to ``i`` and U+212A to ``k``, SQLite's LOWER is ASCII only. The id
  compares exactly (``PBC_3142635823`` is not the superusers collection).
* Proxies see the percent-decoded path: Caddy's ``path_regexp`` matches the cleaned ``r.URL.Path``
  with Go RE2 (``(?i)`` folds like EqualFold); nginx ``$uri`` is decoded and normalized bytes and
  ``~*`` folds ASCII only (PCRE without UTF mode). So the guard regexes spell the non-ASCII
  equivalents out (``(?:s|ſ)``); the same pattern text is right for both engines.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import re

try:
    from urllib.parse import quote, unquote_to_bytes
except ImportError:  # pragma: no cover - Python 2 controller-side sanity only
    from urllib import quote  # type: ignore
    from urllib import unquote as unquote_to_bytes  # type: ignore

SUPERUSERS_NAME = "_superusers"
SUPERUSERS_ID = "pbc_3142635823"
LOGIN_V023 = "/api/collections/%s/auth-with-password"
LOGIN_V022 = "/api/admins/auth-with-password"

# Non-ASCII characters PocketBase's collection lookup takes for an ASCII letter (see above).
FOLD_EQUIVALENTS = {"s": ("\u017f",), "k": ("\u212a",), "i": ("\u0130",)}
_FOLD_TO_ASCII = dict((alt, letter) for letter, alts in FOLD_EQUIVALENTS.items() for alt in alts)


def fold(text):
    """``text`` with every character PocketBase treats as an ASCII letter replaced by it, lower-cased."""
    return "".join(_FOLD_TO_ASCII.get(ch, ch.lower() if ch < "\x80" else ch) for ch in text)


def resolves_to(segment, name, coll_id):
    """Whether PocketBase resolves the decoded path segment ``segment`` to the collection (name, id)."""
    return segment == coll_id or fold(segment) == fold(name)


def name_regex(name):
    """Regex (no anchors) matching every spelling of collection ``name`` that PocketBase resolves,
    when applied case-insensitively to the decoded path by Go RE2 or by PCRE without UTF mode."""
    out = []
    for ch in name:
        alts = FOLD_EQUIVALENTS.get(ch.lower())
        out.append("(?:%s)" % "|".join((re.escape(ch),) + alts) if alts else re.escape(ch))
    return "".join(out)


# Guarded paths, matched case-insensitively on the decoded, normalized path (anchored at the start).
ADMIN_REGEXES = [
    "^/_(/|$)",
    "^/api/admins(/|$)",
    "^/api/collections/(%s|%s)(/|$)" % (name_regex(SUPERUSERS_NAME), SUPERUSERS_ID),
]
SENSITIVE_REGEXES = [
    "^/api/settings(/|$)",
    "^/api/backups(/|$)",
    "^/api/logs(/|$)",
    "^/api/crons(/|$)",
    "^/api/collections/?$",
    "^/api/collections/[^/]+/?$",
    "^/api/collections/meta(/|$)",
    "^/api/collections/[^/]+/truncate/?$",
    "^/api/collections/[^/]+/impersonate(/|$)",
]


def guard_regex(block_sensitive=True, extra=()):
    """The single alternation the proxy role renders (Caddy ``path_regexp``; nginx ``map ~*`` without
    the leading ``(?i)``)."""
    parts = ADMIN_REGEXES + (SENSITIVE_REGEXES if block_sensitive else []) + list(extra)
    return "(?i)^(?:%s)" % "|".join(p[1:] if p.startswith("^") else p for p in parts)


def decoded_path(raw_path):
    """The path as a proxy matcher sees it: percent-decoded (bytes kept as-is, then read as UTF-8)."""
    return unquote_to_bytes(raw_path.split("?", 1)[0]).decode("utf-8", "replace")


def caddy_matches(regex, raw_path):
    """Caddy ``path_regexp``: Go RE2 on the decoded path (Python's Unicode re folds like RE2's (?i))."""
    return re.search(regex, decoded_path(raw_path)) is not None


def nginx_matches(regex, raw_path):
    """nginx ``~*``: PCRE without UTF mode on the decoded bytes, ASCII-only case folding."""
    if regex.startswith("(?i)"):
        regex = regex[4:]
    raw = unquote_to_bytes(raw_path.split("?", 1)[0])
    return re.search(regex.encode("utf-8"), raw, re.I) is not None


# --------------------------------------------------------------------------- spelling generator

def _encode_char(ch, upper_hex=True):
    hexed = quote(ch.encode("utf-8"), safe="")
    if hexed == ch:  # quote keeps unreserved characters: encode them by hand
        hexed = "".join("%%%02X" % b for b in bytearray(ch.encode("utf-8")))
    return hexed if upper_hex else hexed.lower()


def _wire(chars, encode_mask=(), lower_hex=()):
    """Wire form of a decoded segment: characters whose index is in ``encode_mask`` are
    percent-encoded, non-ASCII ones always."""
    out = []
    for i, ch in enumerate(chars):
        if i in encode_mask or ch >= "\x80":
            out.append(_encode_char(ch, upper_hex=i not in lower_hex))
        else:
            out.append(ch)
    return "".join(out)


def name_spellings(name=SUPERUSERS_NAME, sample=60, seed=3142635823):
    """Wire spellings (percent-encoded where needed) of a collection name that PocketBase resolves to
    it: each single-character case flip and fold equivalent, each single-character percent-encoding
    (upper and lower hex), all-upper, every fold-equivalent combination, plus ``sample`` random
    mixes of all three. Deterministic for a given seed."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    alts_at = dict((i, FOLD_EQUIVALENTS.get(name[i].lower(), ())) for i in letters)
    out = [name, name.upper()]
    for i in letters:
        out.append(_wire(name[:i] + name[i].swapcase() + name[i + 1:]))
        for alt in alts_at[i]:
            out.append(_wire(name[:i] + alt + name[i + 1:]))
    for i in range(len(name)):
        out.append(_wire(name, encode_mask=(i,)))
        out.append(_wire(name, encode_mask=(i,), lower_hex=(i,)))
    fold_positions = [i for i in letters if alts_at[i]]
    for mask in range(1, 2 ** len(fold_positions)):
        chars = list(name)
        for bit, i in enumerate(fold_positions):
            if mask >> bit & 1:
                chars[i] = alts_at[i][0]
        out.append(_wire(chars))
        out.append(_wire([c.upper() if c < "\x80" else c for c in chars]))
    rnd = random.Random(seed)
    for dummy in range(sample):
        chars = []
        for i, ch in enumerate(name):
            choices = [ch, ch.swapcase()] + list(alts_at.get(i, ()))
            chars.append(rnd.choice(choices))
        mask = [i for i in range(len(name)) if rnd.random() < 0.3]
        low = [i for i in mask if rnd.random() < 0.5]
        out.append(_wire(chars, encode_mask=mask, lower_hex=low))
    return list(dict.fromkeys(out))


def near_misses(name=SUPERUSERS_NAME, coll_id=SUPERUSERS_ID):
    """Spellings that look alike but PocketBase does NOT resolve to the collection (controls)."""
    return [name[:-1], name + "x", "%20" + name, name + "%20", name + "%00", name + "%2F",
            _wire("\u0131" + name[1:]) if "i" in name else name.replace("_", "-", 1),
            coll_id.upper(), coll_id + "x", "%s%%2F" % coll_id]


def superuser_login_paths(generation=None, sample=60):
    """Wire paths of every login spelling in the class (0.23+: names and the id; 0.22: the admins API)."""
    spellings = name_spellings(sample=sample)
    # the forms proxies miss most often first (failure evidence shows the first few)
    spellings[2:2] = [SUPERUSERS_ID, "_%C5%BFuperusers"]
    v023 = [LOGIN_V023 % s for s in dict.fromkeys(spellings)]
    if generation == "v022":
        return [LOGIN_V022]
    if generation == "v023":
        return v023
    return v023 + [LOGIN_V022]


def probe_login_paths():
    """The few spellings the audit probe sends (one request each): the ones proxies have missed."""
    return [LOGIN_V023 % s for s in ("_SUPERUSERS", "%5Fsuperusers", "_%C5%BFuperusers",
                                     "_SUPERU%C5%BFER%C5%BF", "%5F%73uper%55sers", SUPERUSERS_ID)]


# Superuser-only and sensitive endpoints (method, canonical path) the proxy guards besides the login.
SENSITIVE_ENDPOINTS = [
    ("GET", "/_/"), ("GET", "/api/settings"), ("GET", "/api/backups"), ("GET", "/api/logs"),
    ("GET", "/api/crons"), ("GET", "/api/collections"), ("GET", "/api/collections/meta/scaffolds"),
    ("GET", "/api/collections/_superusers/records"), ("POST", "/api/collections/_superusers/request-otp"),
    ("GET", "/api/collections/_superusers/auth-methods"), ("POST", "/api/collections/users/impersonate/x"),
    ("DELETE", "/api/collections/posts/truncate"), ("GET", "/api/collections/posts"),
]


def path_spellings(path):
    """Wire spellings of ``path`` a proxy must treat like it: each character of the path (after the
    first slash) percent-encoded on its own, the whole path upper-cased, and every ``_superusers``
    segment replaced by a folded spelling."""
    out = [path, path.upper()]
    for i in range(1, len(path)):
        if path[i] != "/":
            out.append(path[:i] + _encode_char(path[i]) + path[i + 1:])
    if "/" + SUPERUSERS_NAME + "/" in path:
        for alt in ("_%C5%BFuperusers", "_SUPERU%C5%BFER%C5%BF", SUPERUSERS_ID):
            out.append(path.replace(SUPERUSERS_NAME, alt))
    return list(dict.fromkeys(out))
