# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attacks on accounts: an unverified account logs in (PBG-AUT-002), a password shorter than the
required minimum is accepted (PBG-AUT-004), a look-alike identity passes a ``~`` rule (PBG-RUL-016).

Same contract as ``attacks``: throwaway accounts are tagged and in the ledger; evidence names fields,
never values (no e-mail, password or token).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import attacks, principals, records
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm.records import NotTestable
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm.transport import ANONYMOUS, Principal, line

_REQUIRED_MIN_RE = re.compile(r"minimum password length \d+ < (\d+)")
# the finding's evidence quotes the comparison: `@request.auth.email ~ "@corp.test"`
_CONTAINS_RE = re.compile(r'`(@request\.auth\.email|email) ~ "((?:[^"\\]|\\.)*)"`')


def _auth_target(env, finding):
    coll, _what = attacks.target_rule(env, finding)
    if coll.get("type") != "auth":
        raise NotTestable("%s is not an auth collection" % coll["name"])
    if coll["name"] == "_superusers":
        raise NotTestable("confirm mode does not create throwaway superusers")
    return coll


def _password_login_possible(auth):
    pwd = auth.get("passwordAuth") or {}
    if not pwd.get("enabled"):
        raise NotTestable("password authentication is off in %s; OTP and OAuth2 logins need a mailbox or a "
                          "provider the audit does not have" % auth["name"])
    if "email" not in (pwd.get("identityFields") or ["email"]):
        raise NotTestable("email is not an identity field of %s" % auth["name"])
    if (auth.get("mfa") or {}).get("enabled"):
        raise NotTestable("MFA is on in %s: a password alone issues no session" % auth["name"])


def _open_signup(auth):
    return auth.get("createRule") == ""


def login(env, auth, email, password):
    """Password login as the account: (session issued, evidence line)."""
    path = "/api/collections/%s/auth-with-password" % auth["name"]
    body = {"identity": email, "password": password}
    status, res = env.transport.send(ANONYMOUS, "POST", path, body)
    issued = status == 200 and isinstance(res, dict) and bool(res.get("token"))
    return issued, line(ANONYMOUS, "POST", path, status, body=body,
                        note="a session token was issued (not reported)" if issued else None)


def _unverified_account(env, auth, email, password, self_registered_only=False):
    """An unverified throwaway account: by sign-up when it is open, else (or when sign-up is refused,
    unless ``self_registered_only``) created by the superuser with ``verified = false``. Returns evidence
    lines, or None when no account was opened."""
    extra = {"email": email, "password": password, "passwordConfirm": password}
    lines = []
    if _open_signup(auth):
        _status, lines, person = attacks.signup(env, auth, extra=extra)
        if person is not None:
            return lines
    if self_registered_only:
        return None
    principals.seed(env.transport, env.ledger, auth, env.run_id, env.label("n"), extra=dict(extra, verified=False))
    return lines + [line(Principal("the superuser"), "POST", "/api/collections/%s/records" % auth["name"], 200,
                         note="an unverified throwaway account (no self sign-up)")]


def unverified_login(env, finding):
    """An account whose e-mail nobody verified authenticates with its password (PBG-AUT-002)."""
    auth = _auth_target(env, finding)
    _password_login_possible(auth)
    email, password = records.tag_email(env.run_id, env.label("u")), records.new_password()
    lines = _unverified_account(env, auth, email, password)
    issued, more = login(env, auth, email, password)
    lines.append(more)
    if issued:
        lines.append("the account is unverified")
        return attacks.confirmed(lines)
    return attacks.not_confirmed("the server refused the unverified account's password login", lines)


def short_password(env, finding):
    """A password one character shorter than the audit's minimum is accepted (PBG-AUT-004): at sign-up,
    else a throwaway user changes their own password to it."""
    auth = _auth_target(env, finding)
    m = _REQUIRED_MIN_RE.search(finding.get("evidence") or "")
    if not m or int(m.group(1)) < 2:
        return attacks.not_testable("the required minimum is not named in the finding")
    length = int(m.group(1)) - 1
    short = records.new_password(length)
    if _open_signup(auth):
        path = "/api/collections/%s/records" % auth["name"]
        body = records.body_for(auth, env.run_id, env.label("g"), extra={"password": short, "passwordConfirm": short})
        status, res = env.transport.send(ANONYMOUS, "POST", path, body)
        if status == 200 and isinstance(res, dict) and res.get("id"):
            env.ledger.add(auth["name"], res["id"])
        lines = [line(ANONYMOUS, "POST", path, status, body=body, note="signed up" if status == 200 else None)]
        return _short_verdict(status, res, lines, length, "at sign-up",
                              "sign-up to %s was refused for another reason than the password" % auth["name"])
    strong = records.new_password()
    person = principals.user(env.transport, env.ledger, auth, env.run_id, env.label("p"),
                             extra={"password": strong, "passwordConfirm": strong})
    body = {"oldPassword": strong, "password": short, "passwordConfirm": short}
    status, res = env.transport.send(person, "PATCH", "/api/collections/%s/records/%s" % (auth["name"], person.id),
                                     body)
    lines = [line(person, "PATCH", "/api/collections/%s/records/<own record>" % auth["name"], status, body=body)]
    return _short_verdict(status, res, lines, length, "as the user's own new password",
                          "sign-up to %s is closed and its users cannot change their own password; the reset "
                          "flow needs their mailbox" % auth["name"])


def _short_verdict(status, res, lines, length, how, otherwise):
    """Accepted -> confirmed; refused over the password -> not_confirmed; refused for another reason ->
    not_testable (``otherwise``)."""
    if status == 200:
        lines.append("a %d-character password was accepted %s" % (length, how))
        return attacks.confirmed(lines)
    if status == 400 and isinstance(res, dict) and "password" in (res.get("data") or {}):
        return attacks.not_confirmed("the server refused a %d-character password (HTTP 400 on password)" % length,
                                     lines)
    return attacks.not_testable("%s (HTTP %s)" % (otherwise, status))


def _open_auth_for(env, rule_text):
    """An auth collection anyone can sign up to, preferring one the rule names."""
    opened = [c for c in env.by_name.values() if c.get("type") == "auth" and _open_signup(c)
              and c["name"] != "_superusers"]
    named = [c for c in opened if '"%s"' % c["name"] in (rule_text or "")]
    return named[0] if named else principals.plain_auth_collection(opened)


def lookalike_identity(env, finding):
    """A self-registered look-alike e-mail that contains the rule's literal passes a ``~`` rule
    (PBG-RUL-016): ``x@corp.test.pbguard.invalid`` for ``@request.auth.email ~ "@corp.test"``."""
    coll, rule = attacks.target_rule(env, finding)
    m = _CONTAINS_RE.search(finding.get("evidence") or "")
    if not m or (m.group(1) == "email") != (rule == "authRule"):
        return attacks.not_testable("only the caller's e-mail compared with ~ and a text literal is attacked by "
                                    "this version")
    email = records.lookalike_email(env.run_id, env.label("l"), m.group(2).replace('\\"', '"'))
    if rule == "authRule":
        return _lookalike_login(env, coll, email)
    auth = _open_auth_for(env, coll.get(rule))
    if auth is None:
        return attacks.not_testable("no auth collection with open sign-up: nobody can register a look-alike")
    _status, lines, person = attacks.signup(env, auth, extra={"email": email})
    if person is None:
        return attacks.not_confirmed("sign-up of a look-alike e-mail to %s was refused" % auth["name"], lines)
    ok, more = attacks.act(env, person, coll, rule)
    lines.extend(more)
    if ok:
        lines.append("the signed-up e-mail contains the rule's literal but is not in its domain")
        return attacks.confirmed(lines)
    return attacks.not_confirmed("a look-alike e-mail did not pass %s" % rule, lines)


def _lookalike_login(env, auth, email):
    """authRule `email ~ "..."`: a self-registered look-alike logs in."""
    if not _open_signup(auth):
        return attacks.not_testable("sign-up to %s is closed: nobody can register a look-alike" % auth["name"])
    _password_login_possible(auth)
    password = records.new_password()
    lines = _unverified_account(env, auth, email, password, self_registered_only=True)
    if lines is None:
        return attacks.not_confirmed("sign-up of a look-alike e-mail to %s was refused" % auth["name"])
    issued, more = login(env, auth, email, password)
    lines.append(more)
    if issued:
        return attacks.confirmed(lines)
    return attacks.not_confirmed("the look-alike account could not log in", lines)
