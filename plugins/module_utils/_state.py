# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure diff helpers for the enforcing modules (private; may change).

Everything here works on plain dicts/lists and never talks to a server, so it
is unit-tested without processes. Paths are tuples of keys, e.g.
``("smtp", "host")``; their dotted form (``"smtp.host"``) is used in results.

The model (after netbox.netbox): the caller declares a *subset* of an object;
``subset_changes`` compares only the declared leaves with the current object;
``diff_from_changes`` turns the changes into ``{"before": ..., "after": ...}``
holding only the managed keys, with secrets masked; ``payload_from_changes``
builds the minimal nested body to send (PocketBase merges nested objects).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import PocketBaseError
from ansible_collections.pbguard.pocketbase.plugins.module_utils._compat import INSTALLER_EMAIL, field_by_name

MASK = "********"

# Settings secrets are write-only (docs/pocketbase-facts.md#settings-secrets): never read, never compared,
# never round-tripped from a GET into a PATCH.
SETTINGS_SECRET_PATHS = (
    ("smtp", "password"),
    ("s3", "secret"),
    ("backups", "s3", "secret"),
)

# Missing marker (distinct from None, which is a real value: e.g. rule = null).
MISSING = object()


def dotted(path):
    return ".".join(str(p) for p in path)


def get_path(data, path, default=MISSING):
    cur = data
    for key in path:
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        else:
            return default
    return cur


def set_path(data, path, value):
    cur = data
    for key in path[:-1]:
        nxt = cur.get(key)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[key] = nxt
        cur = nxt
    cur[path[-1]] = value
    return data


def del_path(data, path):
    """Remove path from a nested dict (in place); returns the removed value or MISSING."""
    parent = get_path(data, path[:-1]) if len(path) > 1 else data
    if isinstance(parent, dict) and path[-1] in parent:
        return parent.pop(path[-1])
    return MISSING


def flatten(data, prefix=()):
    """Yield (path, leaf) for every non-dict leaf; an empty dict is a leaf."""
    if isinstance(data, dict) and data:
        for key in data:
            yield from flatten(data[key], prefix + (key,))
    else:
        yield prefix, data


def _coerce_like(current, desired):
    """Coerce a declared scalar towards the type of the current value (YAML/Jinja
    often hand strings); returns desired unchanged when no safe coercion exists."""
    if isinstance(current, bool) and isinstance(desired, str):
        low = desired.strip().lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        return desired
    if isinstance(current, int) and not isinstance(current, bool) and isinstance(desired, str):
        try:
            return int(desired.strip())
        except ValueError:
            return desired
    if isinstance(current, float) and isinstance(desired, (str, int)) and not isinstance(desired, bool):
        try:
            return float(desired)
        except ValueError:
            return desired
    return desired


def values_equal(current, desired):
    """Compare a declared value with the current one.

    Dicts compare on the declared keys only (recursively); lists compare item by
    item with the same rule and must have the same length; scalars compare after
    a safe coercion to the current value's type.
    """
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return False
        for key, value in desired.items():
            if key not in current:
                if value in (None, "", [], {}, False, 0):
                    continue
                return False
            if not values_equal(current[key], value):
                return False
        return True
    if isinstance(desired, (list, tuple)):
        if not isinstance(current, (list, tuple)) or len(current) != len(desired):
            return False
        return all(values_equal(c, d) for c, d in zip(current, desired))
    desired = _coerce_like(current, desired)
    if isinstance(desired, bool) != isinstance(current, bool):
        return False
    return current == desired


def normalize_value(current, desired):
    """The value to send: the declared value coerced like the current one."""
    if isinstance(desired, dict):
        cur = current if isinstance(current, dict) else {}
        return dict((k, normalize_value(cur.get(k), v)) for k, v in desired.items())
    if isinstance(desired, (list, tuple)):
        cur = current if isinstance(current, (list, tuple)) else []
        out = []
        for idx, item in enumerate(desired):
            out.append(normalize_value(cur[idx] if idx < len(cur) else None, item))
        return out
    return _coerce_like(current, desired)


def unknown_paths(current, desired, prefix=()):
    """Declared paths whose key does not exist in the current object.

    Used to fail clearly on settings a server version does not have (e.g.
    ``superuserIPs`` before 0.38) instead of silently sending them.
    """
    out = []
    if not isinstance(desired, dict):
        return out
    for key, value in desired.items():
        path = prefix + (key,)
        if not isinstance(current, dict) or key not in current:
            out.append(path)
        elif isinstance(value, dict) and isinstance(current[key], dict) and value:
            out.extend(unknown_paths(current[key], value, path))
    return out


def subset_changes(current, desired, skip=(), prefix=()):
    """List of (path, before, after) for the declared leaves that differ.

    A declared dict is walked key by key; lists and scalars are leaves.
    ``skip`` holds paths (tuples) that are never compared (write-only secrets).
    ``before`` is MISSING when the current object lacks the key.
    """
    changes = []
    if not isinstance(desired, dict):
        return changes
    for key, value in desired.items():
        path = prefix + (key,)
        if path in skip:
            continue
        cur = current.get(key, MISSING) if isinstance(current, dict) else MISSING
        if isinstance(value, dict) and value and (cur is MISSING or isinstance(cur, dict)):
            changes.extend(subset_changes(cur if cur is not MISSING else {}, value, skip, path))
            continue
        if cur is MISSING or not values_equal(cur, value):
            changes.append((path, cur, normalize_value(None if cur is MISSING else cur, value)))
    return changes


def mask_paths(data, secret_paths, mask=MASK):
    """Deep copy of data with every secret path replaced by the mask when present."""
    out = copy.deepcopy(data)
    for path in secret_paths:
        if get_path(out, path) is not MISSING:
            set_path(out, path, mask)
    return out


def diff_from_changes(changes, secret_paths=(), sent_secrets=()):
    """Ansible diff dict holding only the changed managed keys.

    Secrets never appear: a secret that is (re)sent shows as ``<unknown>`` ->
    MASK so the reader sees that it was sent, not what it is.
    """
    before, after = {}, {}
    for path, old, new in changes:
        if path in secret_paths:
            continue
        set_path(before, path, None if old is MISSING else copy.deepcopy(old))
        set_path(after, path, copy.deepcopy(new))
    for path in sent_secrets:
        set_path(before, path, "<write-only>")
        set_path(after, path, MASK)
    return {"before": before, "after": after}


def payload_from_changes(changes, extra=None):
    """Minimal nested body for the changed leaves (plus ``extra`` path->value)."""
    body = {}
    for path, _old, new in changes:
        set_path(body, path, copy.deepcopy(new))
    for path, value in (extra or {}).items():
        set_path(body, path, value)
    return body


def changed_paths(changes):
    return [dotted(path) for path, _old, _new in changes]


# ---------------------------------------------------------------------------
# Settings

def settings_plan(current, desired, update_secrets="on_change", secret_paths=SETTINGS_SECRET_PATHS):
    """Plan a settings change.

    current: raw GET /api/settings (0.23+: secrets are absent from it).
    desired: declared subset (may contain secrets).
    update_secrets: ``always`` send every declared secret; ``on_change`` send a
    declared secret only when another key of the same block (its parent path,
    e.g. ``smtp`` for ``smtp.password``) changes in this run; ``never``.

    Returns dict(changes, payload, secrets_sent (dotted paths), diff, unknown).
    """
    declared_secrets = [p for p in secret_paths if get_path(desired, p) is not MISSING]
    comparable = copy.deepcopy(desired)
    for path in declared_secrets:
        del_path(comparable, path)
    unknown = list(unknown_paths(current, comparable))
    changes = subset_changes(current, comparable, skip=tuple(secret_paths))
    send = []
    for path in declared_secrets:
        if update_secrets == "always":
            send.append(path)
        elif update_secrets == "on_change":
            block = path[:-1]
            if any(c[0][:len(block)] == block and c[0] not in secret_paths for c in changes):
                send.append(path)
    extra = dict((path, get_path(desired, path)) for path in send)
    payload = payload_from_changes(changes, extra)
    return {
        "changes": changes,
        "payload": payload,
        "secrets_sent": [dotted(p) for p in send],
        "diff": diff_from_changes(changes, secret_paths, send),
        "unknown": [dotted(p) for p in unknown],
    }


# ---------------------------------------------------------------------------
# Collections (0.23+ raw shape)

RULE_KEYS = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
AUTH_RULE_KEYS = ("authRule", "manageRule")

TOKEN_KEYS = {
    "auth": "authToken",
    "password_reset": "passwordResetToken",
    "verification": "verificationToken",
    "file": "fileToken",
    "email_change": "emailChangeToken",
}

VERIFIED_RULE = "verified = true"


def _norm_rule(rule):
    return " ".join(rule.split()) if isinstance(rule, str) else rule


def rule_requires_verified(rule):
    """True when the auth rule text contains a top-level ``verified = true`` term."""
    if not isinstance(rule, str):
        return False
    text = _norm_rule(rule).replace("verified=true", VERIFIED_RULE).replace("verified= true", VERIFIED_RULE)
    text = text.replace("verified =true", VERIFIED_RULE)
    if text == VERIFIED_RULE:
        return True
    if "||" in text:
        return False
    return any(part.strip().strip("()").strip() == VERIFIED_RULE for part in text.split("&&"))


def collection_desired(spec, current):
    """Translate a declared collection spec into the raw 0.23+ managed keys.

    spec: {name, rules: {...}, auth: {...}, files: {field: {protected}}}
    current: raw collection from GET (or None when it does not exist; creating
    collections is out of scope: the module manages existing collections).
    Returns (desired_raw, field_changes, errors): desired_raw holds the top-level
    keys except ``fields``; field_changes is a list of (path, before, after) for
    per-field flags (``("fields", <name>, <attr>)``).
    """
    desired = {}
    field_changes = []
    errors = []
    name = spec.get("name")
    ctype = (current or {}).get("type")
    rules = spec.get("rules") or {}
    for key, value in rules.items():
        if key in AUTH_RULE_KEYS and ctype != "auth":
            errors.append("collection %s: %s applies only to auth collections (type is %s)" % (name, key, ctype))
            continue
        if key not in RULE_KEYS + AUTH_RULE_KEYS:
            errors.append("collection %s: unknown rule %s" % (name, key))
            continue
        desired[key] = value
    auth = spec.get("auth") or {}
    if auth and ctype != "auth":
        errors.append("collection %s: auth options apply only to auth collections (type is %s)" % (name, ctype))
        auth = {}
    fields = (current or {}).get("fields") or []
    if auth:
        pw = auth.get("password") or {}
        if pw.get("enabled") is not None:
            set_path(desired, ("passwordAuth", "enabled"), pw["enabled"])
        if pw.get("identity_fields") is not None:
            set_path(desired, ("passwordAuth", "identityFields"), list(pw["identity_fields"]))
        oauth2 = auth.get("oauth2") or {}
        if oauth2.get("enabled") is not None:
            set_path(desired, ("oauth2", "enabled"), oauth2["enabled"])
        for block in ("otp", "mfa"):
            for key, value in (auth.get(block) or {}).items():
                if value is not None:
                    set_path(desired, (block, key), value)
        for key, value in (auth.get("token_durations") or {}).items():
            if value is None:
                continue
            if key not in TOKEN_KEYS:
                errors.append("collection %s: unknown token duration %s" % (name, key))
                continue
            set_path(desired, (TOKEN_KEYS[key], "duration"), value)
        only_verified = auth.get("only_verified")
        if only_verified is not None:
            cur_rule = desired.get("authRule", (current or {}).get("authRule"))
            if only_verified and not rule_requires_verified(cur_rule):
                if "authRule" in rules and rules["authRule"] is not None:
                    errors.append("collection %s: auth.only_verified is true but the declared authRule %r "
                                  "does not require verified = true" % (name, rules["authRule"]))
                elif cur_rule in ("", None):
                    desired["authRule"] = VERIFIED_RULE
                else:
                    desired["authRule"] = "(%s) && %s" % (cur_rule, VERIFIED_RULE)
            elif not only_verified and rule_requires_verified(cur_rule):
                if _norm_rule(cur_rule) == VERIFIED_RULE and "authRule" not in rules:
                    desired["authRule"] = ""
                else:
                    errors.append("collection %s: auth.only_verified is false but authRule %r requires "
                                  "verified = true; declare rules.authRule instead" % (name, cur_rule))
        if auth.get("min_password_length") is not None:
            field = field_by_name(fields, "password")
            want = int(auth["min_password_length"])
            if field is None:
                errors.append("collection %s: no password field" % name)
            elif field.get("min") != want:
                field_changes.append((("fields", "password", "min"), field.get("min"), want))
    for fname, fspec in (spec.get("files") or {}).items():
        field = field_by_name(fields, fname)
        if field is None or field.get("type") != "file":
            errors.append("collection %s: %s is not a file field" % (name, fname))
            continue
        want = (fspec or {}).get("protected")
        if want is not None and bool(field.get("protected")) != bool(want):
            field_changes.append((("fields", fname, "protected"), bool(field.get("protected")), bool(want)))
    return desired, field_changes, errors


OAUTH2_SECRET_KEY = "clientSecret"


def _provider_public(provider):
    return dict((k, v) for k, v in (provider or {}).items() if k != OAUTH2_SECRET_KEY)


def oauth2_provider_plan(name, declared, current, secrets=None, update_secrets="on_change"):
    """Plan the OAuth2 provider list of an auth collection.

    declared: list of provider dicts (PocketBase keys: name, clientId, authURL, ...; never
    clientSecret, which comes from ``secrets`` = {provider name: secret}). The declared list is
    authoritative (undeclared providers are removed). PocketBase keeps a provider's stored
    clientSecret when the provider is sent without it, so a secret is sent only for a new provider,
    for a provider whose other keys change (``on_change``), on every run (``always``) or never.
    Returns (change or None, providers_to_send or None, secrets_sent names, errors).
    """
    secrets = secrets or {}
    errors = []
    cur = dict((p.get("name"), p) for p in current or [])
    names = [p.get("name") for p in declared]
    if len(set(names)) != len(names) or not all(names):
        return None, None, [], ["collection %s: oauth2 providers need unique names" % name]
    changed_names = []
    for prov in declared:
        if OAUTH2_SECRET_KEY in prov:
            errors.append("collection %s: give the clientSecret of oauth2 provider %s through the "
                          "oauth2_client_secrets option, not inside auth" % (name, prov["name"]))
        old = cur.get(prov["name"])
        if old is None or not values_equal(old, _provider_public(prov)):
            changed_names.append(prov["name"])
    removed = sorted(set(cur) - set(names))
    send_secret = []
    for prov in declared:
        pname = prov["name"]
        if pname not in cur and not secrets.get(pname):
            errors.append("collection %s: new oauth2 provider %s needs its client secret in oauth2_client_secrets"
                          % (name, pname))
        if secrets.get(pname) and (update_secrets == "always" or
                                   (update_secrets == "on_change" and pname in changed_names)):
            send_secret.append(pname)
    if errors:
        return None, None, [], errors
    if not changed_names and not removed and not send_secret:
        return None, None, [], []
    before = [_provider_public(cur[n]) for n in sorted(cur)]
    after = [normalize_value(cur.get(p["name"]), _provider_public(p)) for p in declared]
    to_send = []
    for prov, public in zip(declared, after):
        item = dict(public)
        if prov["name"] in send_secret:
            item[OAUTH2_SECRET_KEY] = secrets[prov["name"]]
        to_send.append(item)
    return (("oauth2", "providers"), before, after), to_send, send_secret, []


def collection_plan(spec, current, oauth2_secrets=None, update_secrets="on_change"):
    """Plan for one existing collection: changes, import entry, diff, errors, secrets_sent."""
    desired, field_changes, errors = collection_desired(spec, current)
    changes = subset_changes(current, desired) + field_changes
    providers = None
    secrets_sent = []
    declared_providers = ((spec.get("auth") or {}).get("oauth2") or {}).get("providers")
    if declared_providers is not None and (current or {}).get("type") == "auth":
        change, providers, sent, perr = oauth2_provider_plan(
            spec.get("name"), declared_providers, ((current or {}).get("oauth2") or {}).get("providers"),
            oauth2_secrets, update_secrets)
        errors.extend(perr)
        if change:
            changes.append(change)
        secrets_sent = ["%s.oauth2.%s.clientSecret" % (spec.get("name"), n) for n in sent]
    entry = None
    if changes and not errors:
        entry = {"id": current.get("id"), "name": current.get("name"), "type": current.get("type")}
        entry.update(payload_from_changes(subset_changes(current, desired)))
        if field_changes:
            fields = copy.deepcopy(current.get("fields") or [])
            for (_f, fname, attr), _old, new in field_changes:
                field_by_name(fields, fname)[attr] = new
            entry["fields"] = fields
        if providers is not None:
            entry.setdefault("oauth2", {})["providers"] = providers
    return {
        "name": spec.get("name"),
        "changes": changes,
        "changed": [dotted(c[0]) for c in changes],
        "entry": entry,
        "diff": diff_from_changes(changes),
        "errors": errors,
        "secrets_sent": secrets_sent,
    }


# ---------------------------------------------------------------------------
# Module glue shared by the enforcing modules


def error_details(err):
    """Public, secret-free description of a PocketBaseError (kind, status, data)."""
    return {
        "kind": getattr(err, "kind", None),
        "status": getattr(err, "status", None),
        "data": getattr(err, "data", None),
        "hint": getattr(err, "hint", None),
    }


def error_message(err, action):
    """One line: what failed, then PocketBase's own message (with its validation messages) and hint."""
    return "%s failed: %s" % (action, str(err))


def execute(module, client, run, action):
    """Run an enforcing module's ``run(module, client)``; a PocketBaseError fails the module with a clear message."""
    try:
        return run(module, client)
    except PocketBaseError as err:
        module.fail_json(msg=error_message(err, action), error=error_details(err))


# ---------------------------------------------------------------------------
# Superusers (0.23+ _superusers records)

SUPERUSER_INSTALLER = INSTALLER_EMAIL


def superuser_password_policy(collection):
    """``{"min": int, "max": int|None, "pattern": str|None}`` of the ``password`` field of ``_superusers``."""
    field = field_by_name((collection or {}).get("fields") or [], "password") or {}
    minimum = field.get("min") if isinstance(field.get("min"), int) and field.get("min") > 0 else 8
    maximum = field.get("max") if isinstance(field.get("max"), int) and field.get("max") > 0 else None
    return {"min": minimum, "max": maximum, "pattern": field.get("pattern") or None}


def password_problem(password, policy):
    """Why PocketBase would reject ``password`` under ``policy`` (never quoting it), or None."""
    if len(password) < policy["min"]:
        return "is shorter than the server's minimum of %d characters" % policy["min"]
    if policy.get("max") and len(password) > policy["max"]:
        return "is longer than the server's maximum of %d characters" % policy["max"]
    if policy.get("pattern"):
        try:
            if not re.search(policy["pattern"], password):
                return "does not match the server's password pattern"
        except re.error:
            return None
    return None


def is_connection_superuser(email, record, me):
    """True when ``record`` (``email``) is the superuser the module is logged in as (``me``)."""
    return email == me.get("email") or bool(me.get("id") and record.get("id") == me["id"])


def superuser_plan(existing, declared, me, policy, exclusive=False, update_password="on_create",
                   logs_in=None, rotate=None):
    """What to do, before doing anything: ``existing`` maps lower-case email -> record, ``declared``
    lower-case email -> item (email/password/state), ``me`` the connection identity (email/id),
    ``policy`` from superuser_password_policy, ``logs_in(email, password)`` tests a password,
    ``rotate`` ``(current_email, new_email, new_password)`` when the connection's own superuser is
    to change e-mail and/or password (it logged in with the previous credentials).

    Returns ``{"create": [(email, pw)], "update": [(email, record, pw)], "delete": [(email, record)],
    "rotate": (current_email, record, new_email, pw) | None, "unchanged": [email], "errors": [str]}``;
    nothing may be written when ``errors`` is not empty.
    """
    plan = {"create": [], "update": [], "delete": [], "rotate": None, "unchanged": [], "errors": []}
    errors = plan["errors"]
    current = new = None
    if rotate:
        current, new, new_password = rotate
        problem = password_problem(new_password, policy)
        if problem:
            errors.append("the new connection password %s" % problem)
        if current not in existing:
            errors.append("previous_email %s is not a superuser" % current)
        elif new != current and new in existing:
            errors.append("cannot rename %s to %s: that superuser already exists" % (current, new))
        elif declared.get(new, {}).get("state") == "absent":
            errors.append("%s is the new connection e-mail and cannot be declared absent" % new)
        else:
            plan["rotate"] = (current, existing[current], new, new_password)
    for email, item in declared.items():
        record = existing.get(email)
        password = item.get("password")
        if password:
            problem = password_problem(password, policy)
            if problem:
                errors.append("superusers[%s].password %s" % (email, problem))
        if item.get("state") == "absent":
            if record:
                plan["delete"].append((email, record))
            continue
        if rotate and email in (current, new):
            continue
        if record is None:
            if not password:
                errors.append("superuser %s does not exist and has no password to create it with" % email)
            else:
                plan["create"].append((email, password))
        elif update_password == "always" and password and logs_in and not logs_in(email, password):
            plan["update"].append((email, record, password))
        else:
            plan["unchanged"].append(email)
    if exclusive:
        kept = set(declared) | {current}
        plan["delete"].extend((email, record) for email, record in existing.items()
                              if email not in kept and email != SUPERUSER_INSTALLER)
    for email, record in plan["delete"]:
        if is_connection_superuser(email, record, me) or email == current:
            errors.append("refusing to delete %s: it is the superuser this module is authenticated as "
                          "(to rotate its e-mail, connect with the new e-mail and set previous_email)" % email)
    plan["delete"].sort(key=lambda pair: pair[0])
    return plan
