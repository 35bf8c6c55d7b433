# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""0.22 / 0.23+ compatibility layer (private to pbguard.pocketbase).

Turns raw PocketBase API responses of either generation into the single normalized shape
documented in docs/development.md, and masks every secret on the way. Pure functions: no I/O
except :func:`snapshot`, which drives a client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

MASK = "********"
SERVER_MASK = "******"  # what 0.22 returns for a stored secret
SECRET_KEYS = frozenset(["password", "secret", "clientSecret", "client_secret", "apiKey", "privateKey"])
# secrets a 0.23+ server leaves out of GET /api/settings (write-only): (parent path, key)
V023_WRITE_ONLY = (("smtp", "password"), ("s3", "secret"), ("backups.s3", "secret"))
RULE_KEYS = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
AUTH_RULE_KEYS = ("authRule", "manageRule")
SECTIONS = ("version", "health", "settings", "collections", "superusers")
VERIFIED_RE = re.compile(r"(?<![\w.])verified\s*=\s*(true|1)\b")
# 0.22 settings keys ending in "Auth" that are not OAuth2 providers
V022_NON_PROVIDER_AUTH = frozenset(["emailAuth"])


# --------------------------------------------------------------------------- masking


def is_secret_key(key):
    return key in SECRET_KEYS or key.endswith("Secret") or key.endswith("_secret")


def mask_value(value):
    """``"********"`` for a set secret, ``""`` for an empty one, ``None`` stays ``None``."""
    if value is None:
        return None
    if value == "":
        return ""
    return MASK


def mask_secrets(data):
    """Deep copy of ``data`` with every secret masked.

    Secrets are values under secret-looking keys (password, secret, clientSecret, ...) and any
    string a 0.22 server already masked (``"******"``).
    """
    if isinstance(data, dict):
        out = {}
        for key, val in data.items():
            if isinstance(key, str) and is_secret_key(key) and not isinstance(val, (dict, list, bool)):
                out[key] = mask_value(val)
            else:
                out[key] = mask_secrets(val)
        return out
    if isinstance(data, list):
        return [mask_secrets(v) for v in data]
    if data == SERVER_MASK:
        return MASK
    return data


def _get_path(data, dotted):
    cur = data
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def normalize_settings(raw, generation):
    """Masked settings in the server's own keys.

    On 0.23+ the server omits write-only secrets (smtp.password, s3.secret, backups.s3.secret);
    they are added as ``None`` ("set or not, unknown") so both generations carry the keys.
    """
    if raw is None:
        return None
    out = mask_secrets(copy.deepcopy(raw))
    if generation == "v023":
        for parent, key in V023_WRITE_ONLY:
            node = _get_path(out, parent)
            if isinstance(node, dict) and key not in node:
                node[key] = None
    return out


# --------------------------------------------------------------------------- generation


def detect_generation_of_collection(col):
    """'v022' if a collection uses ``schema``, 'v023' if it uses ``fields``."""
    if "fields" in col:
        return "v023"
    if "schema" in col:
        return "v022"
    return None


# --------------------------------------------------------------------------- fields


def _field_common(name, ftype, system, hidden, required):
    return {"name": name, "type": ftype, "system": bool(system), "hidden": bool(hidden),
            "required": bool(required), "protected": None, "max_select": None,
            "collection_id": None}


def normalize_field_v022(field):
    opts = field.get("options") or {}
    out = _field_common(field.get("name"), field.get("type"), field.get("system"), False,
                        field.get("required"))
    if field.get("type") == "file":
        out["protected"] = bool(opts.get("protected"))
        out["max_select"] = opts.get("maxSelect")
    elif field.get("type") in ("relation", "select"):
        out["max_select"] = opts.get("maxSelect")
    if field.get("type") == "relation":
        out["collection_id"] = opts.get("collectionId")
    return out


def normalize_field_v023(field):
    out = _field_common(field.get("name"), field.get("type"), field.get("system"), field.get("hidden"),
                        field.get("required"))
    if field.get("type") == "file":
        out["protected"] = bool(field.get("protected"))
        out["max_select"] = field.get("maxSelect")
    elif field.get("type") in ("relation", "select"):
        out["max_select"] = field.get("maxSelect")
    if field.get("type") == "relation":
        out["collection_id"] = field.get("collectionId")
    return out


# --------------------------------------------------------------------------- auth options


def _v022_oauth2_providers(settings):
    providers = []
    for key, val in sorted((settings or {}).items()):
        if (key.endswith("Auth") and key not in V022_NON_PROVIDER_AUTH and isinstance(val, dict)
                and val.get("enabled")):
            providers.append(key[: -len("Auth")])
    return providers


def _duration(node):
    if isinstance(node, dict):
        return node.get("duration")
    return None


def normalize_auth_v022(col, settings=None):
    opts = col.get("options") or {}
    identity = []
    if opts.get("allowEmailAuth"):
        identity.append("email")
    if opts.get("allowUsernameAuth"):
        identity.append("username")
    settings = settings or {}
    return {
        "password": {"enabled": bool(identity), "identity_fields": identity},
        "oauth2": {"enabled": bool(opts.get("allowOAuth2Auth")),
                   "providers": _v022_oauth2_providers(settings) if settings else []},
        "otp": {"enabled": False, "duration": None, "length": None},
        "mfa": {"enabled": False, "duration": None, "rule": None},
        "only_verified": bool(opts.get("onlyVerified")),
        "min_password_length": opts.get("minPasswordLength"),
        "token_durations": {
            "auth": _duration(settings.get("recordAuthToken")),
            "password_reset": _duration(settings.get("recordPasswordResetToken")),
            "verification": _duration(settings.get("recordVerificationToken")),
            "file": _duration(settings.get("recordFileToken")),
            "email_change": _duration(settings.get("recordEmailChangeToken")),
        },
        "only_email_domains": list(opts.get("onlyEmailDomains") or []),
        "except_email_domains": list(opts.get("exceptEmailDomains") or []),
    }


# PocketBase's core.DefaultInstallerEmail: the throwaway superuser 0.23+ seeds (with a 30-minute installer token
# printed to the log) while no other superuser exists; PocketBase matches it exactly, so does pbguard.
INSTALLER_EMAIL = "__pbinstaller@example.com"


def field_by_name(fields, name):
    """The field dict called ``name`` in a 0.23+ ``fields`` list (the same object), or ``None``."""
    for field in fields or []:
        if field.get("name") == name:
            return field
    return None


def normalize_auth_v023(col):
    fields = col.get("fields") or []
    pw = col.get("passwordAuth") or {}
    oauth2 = col.get("oauth2") or {}
    otp = col.get("otp") or {}
    mfa = col.get("mfa") or {}
    email = field_by_name(fields, "email") or {}
    auth_rule = col.get("authRule")
    return {
        "password": {"enabled": bool(pw.get("enabled")), "identity_fields": list(pw.get("identityFields") or [])},
        "oauth2": {"enabled": bool(oauth2.get("enabled")),
                   "providers": [p.get("name") for p in oauth2.get("providers") or [] if isinstance(p, dict)]},
        "otp": {"enabled": bool(otp.get("enabled")), "duration": otp.get("duration"), "length": otp.get("length")},
        "mfa": {"enabled": bool(mfa.get("enabled")), "duration": mfa.get("duration"), "rule": mfa.get("rule")},
        "only_verified": bool(auth_rule and VERIFIED_RE.search(auth_rule)),
        "min_password_length": (field_by_name(fields, "password") or {}).get("min"),
        "token_durations": {
            "auth": _duration(col.get("authToken")),
            "password_reset": _duration(col.get("passwordResetToken")),
            "verification": _duration(col.get("verificationToken")),
            "file": _duration(col.get("fileToken")),
            "email_change": _duration(col.get("emailChangeToken")),
        },
        "only_email_domains": list(email.get("onlyDomains") or []),
        "except_email_domains": list(email.get("exceptDomains") or []),
    }


# --------------------------------------------------------------------------- collections


def normalize_collection(col, generation=None, settings=None, shared=None):
    """One raw collection of either generation -> the normalized collection dict.

    ``settings`` (raw 0.22 settings) supplies the 0.22 OAuth2 providers and token durations,
    which lived in global settings before 0.23. ``shared`` (a dict kept across the collections of one
    snapshot): equal field dicts and rule dicts are the same object (see :func:`_shared`); treat them as
    read-only.
    """
    generation = generation or detect_generation_of_collection(col) or "v023"
    ctype = col.get("type")
    rules = dict((k, col.get(k)) for k in RULE_KEYS)
    if ctype == "auth":
        if generation == "v022":
            opts = col.get("options") or {}
            rules["authRule"] = "verified = true" if opts.get("onlyVerified") else ""
            rules["manageRule"] = opts.get("manageRule")
        else:
            rules["authRule"] = col.get("authRule")
            rules["manageRule"] = col.get("manageRule")
    if generation == "v022":
        fields = [normalize_field_v022(f) for f in col.get("schema") or []]
        auth = normalize_auth_v022(col, settings) if ctype == "auth" else None
    else:
        fields = [normalize_field_v023(f) for f in col.get("fields") or []]
        auth = normalize_auth_v023(col) if ctype == "auth" else None
    view_query = col.get("viewQuery") if generation == "v023" else (col.get("options") or {}).get("query")
    if shared is not None:
        rules = _shared(shared, rules)
        fields = [_shared(shared, f) for f in fields]
    return {
        "id": col.get("id"),
        "name": col.get("name"),
        "type": ctype,
        "system": bool(col.get("system")),
        "rules": rules,
        "fields": fields,
        "auth": auth,
        "view_query": view_query if ctype == "view" else None,
    }


def _shared(shared, flat):
    """``flat`` (a dict of scalars), or the equal dict met before in ``shared``. Thousands of collections
    repeat the same fields (id, created, ...) and rule texts: one object each instead of one per collection.
    Equal means same keys, values and value types (``1``, ``1.0`` and ``True`` are equal in Python)."""
    try:
        key = tuple((k, v, v.__class__) for k, v in flat.items())
        return shared.setdefault(key, flat)
    except TypeError:  # an unhashable value (a hostile server's list or object): kept as it is
        return flat


def normalize_collections(raw_list, generation=None, settings=None):
    return [normalize_collection(c, generation, settings) for c in raw_list or []]


def normalize_collection_pages(pages, generation, settings=None):
    """(normalized collections, superuser_auth) from raw collections fetched page by page (an iterable of
    lists): each raw page is dropped once normalized, equal fields and rules are shared (``normalize_collection``)."""
    collections = []
    su_auth = None
    shared = {}
    for batch in pages:
        collections.extend(normalize_collection(c, generation, settings, shared) for c in batch)
        if su_auth is None and any(c.get("name") == "_superusers" for c in batch):
            su_auth = superuser_auth(batch, generation)
        batch = None  # not held while the next page is fetched
    return collections, su_auth or superuser_auth([], generation)


# --------------------------------------------------------------------------- superusers / health


def normalize_superusers(raw_list, generation):
    out = []
    for rec in raw_list or []:
        out.append({"id": rec.get("id"), "email": rec.get("email"),
                    "verified": None if generation == "v022" else bool(rec.get("verified"))})
    return sorted(out, key=lambda r: (r["email"] or ""))


def superuser_auth(raw_collections, generation):
    """``{"password", "mfa", "otp"}`` of superuser logins (from the _superusers collection)."""
    if generation == "v022":
        return {"password": True, "mfa": False, "otp": False}
    for col in raw_collections or []:
        if col.get("name") == "_superusers":
            return {"password": bool((col.get("passwordAuth") or {}).get("enabled")),
                    "mfa": bool((col.get("mfa") or {}).get("enabled")),
                    "otp": bool((col.get("otp") or {}).get("enabled"))}
    return {"password": None, "mfa": None, "otp": None}


def superuser_auth_from_methods(methods):
    """Same shape from the public ``_superusers/auth-methods`` response (0.23+, no login needed)."""
    methods = methods or {}
    return {"password": bool((methods.get("password") or {}).get("enabled")),
            "mfa": bool((methods.get("mfa") or {}).get("enabled")),
            "otp": bool((methods.get("otp") or {}).get("enabled"))}


def normalize_health(raw):
    if raw is None:
        return None
    data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
    can_backup = data.get("canBackup", raw.get("canBackup"))
    return {"code": raw.get("code", raw.get("status")), "message": raw.get("message"),
            "can_backup": can_backup if isinstance(can_backup, bool) else None,
            # superuser view of 0.23+ only: the client IP PocketBase sees, and a proxy header that
            # arrived while no trusted proxy is configured (a misconfigured proxy)
            "real_ip": data.get("realIP"),
            "possible_proxy_header": data.get("possibleProxyHeader")}


def normalize_auth_methods(raw, generation=None):
    """Public ``auth-methods`` response of either generation -> one shape."""
    raw = raw or {}
    if generation is None:
        generation = "v023" if "password" in raw or "mfa" in raw else "v022"
    if generation == "v022":
        identity = []
        if raw.get("emailPassword"):
            identity.append("email")
        if raw.get("usernamePassword"):
            identity.append("username")
        providers = [p.get("name") for p in raw.get("authProviders") or [] if isinstance(p, dict)]
        return {"password": {"enabled": bool(identity), "identity_fields": identity},
                "oauth2": {"enabled": bool(providers), "providers": providers},
                "otp": {"enabled": False}, "mfa": {"enabled": False}}
    pw = raw.get("password") or {}
    oauth2 = raw.get("oauth2") or {}
    return {"password": {"enabled": bool(pw.get("enabled")), "identity_fields": list(pw.get("identityFields") or [])},
            "oauth2": {"enabled": bool(oauth2.get("enabled")),
                       "providers": [p.get("name") for p in oauth2.get("providers") or [] if isinstance(p, dict)]},
            "otp": {"enabled": bool((raw.get("otp") or {}).get("enabled"))},
            "mfa": {"enabled": bool((raw.get("mfa") or {}).get("enabled"))}}


def empty_snapshot():
    return {"version": None, "generation": None, "health": None, "settings": None,
            "collections": None, "superusers": None, "superuser_auth": None}


def build_snapshot(generation, version=None, health=None, settings=None, collections=None,
                   superusers=None, superuser_methods=None):
    """Assemble the normalized snapshot from raw responses (pure; used by tests and snapshot())."""
    snap = empty_snapshot()
    snap["generation"] = generation
    snap["version"] = version
    snap["health"] = normalize_health(health)
    snap["settings"] = normalize_settings(settings, generation)
    if collections is not None:
        snap["collections"] = normalize_collections(collections, generation,
                                                    settings if generation == "v022" else None)
    if superusers is not None:
        snap["superusers"] = normalize_superusers(superusers, generation)
    if collections is not None:
        snap["superuser_auth"] = superuser_auth(collections, generation)
    elif superuser_methods is not None or generation == "v022":
        snap["superuser_auth"] = (superuser_auth([], generation) if generation == "v022"
                                  else superuser_auth_from_methods(superuser_methods))
    return snap


def _finish_quietly(handle):
    try:
        handle.result()
    except Exception:  # pylint: disable=broad-except
        pass  # the error being raised is the one to report


def snapshot(client, sections=None):
    """One pass over the API: health, settings, collections (paged), superusers, /_/ version.

    ``sections`` (iterable of SECTIONS) restricts what is fetched; unfetched keys are ``None``.
    """
    wanted = set(SECTIONS if sections is None else sections)
    unknown = wanted - set(SECTIONS)
    if unknown:
        raise ValueError("unknown snapshot sections: %s" % ", ".join(sorted(unknown)))
    generation = client.generation
    version_read = client.version_in_background() if "version" in wanted else None
    try:
        health = client.health() if "health" in wanted else None
        need_settings = "settings" in wanted or ("collections" in wanted and generation == "v022")
        raw_settings = client.get_settings() if need_settings else None
        collections = su_auth = None
        if "collections" in wanted:
            collections, su_auth = normalize_collection_pages(client.collection_pages(), generation,
                                                              raw_settings if generation == "v022" else None)
        raw_superusers = client.list_superusers() if "superusers" in wanted else None
        methods = None
        if "superusers" in wanted and collections is None and generation == "v023":
            methods = client.auth_methods("_superusers")
    except BaseException:
        if version_read is not None:
            _finish_quietly(version_read)  # its requests are recorded in order, its thread not left running
        raise
    version = version_read.result() if version_read is not None else None
    snap = build_snapshot(generation, version=version, health=health, settings=raw_settings,
                          superusers=raw_superusers, superuser_methods=methods)
    if collections is not None:
        snap["collections"] = collections
        snap["superuser_auth"] = su_auth
    if "settings" not in wanted:
        snap["settings"] = None
    return snap
