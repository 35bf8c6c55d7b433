#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pocketbase_superuser
short_description: Declared PocketBase superusers, MFA/OTP on superusers, and a non-interactive automation token
version_added: 0.1.0
description:
  - Ensures declared superusers are present or absent. With O(exclusive=true) every superuser that
    is not declared is deleted (in check mode, only reported in RV(superusers)).
  - Passwords are set on create, or with O(update_password=always) whenever the declared password
    no longer logs in (tested with a password login, so a second run does not report a change).
    Passwords are never returned, compared by value, or shown in a diff.
  - O(mfa=true) turns on MFA together with OTP on C(_superusers) (PocketBase rejects MFA alone).
    From then on a password login returns C(401 {mfaId}) and needs an emailed one-time password.
  - B(Automation after MFA.) Set O(automation_token_dest) and the module mints a short-lived,
    non-refreshable superuser token through C(POST /api/collections/_superusers/impersonate/{id})
    for O(automation_token_email), writes it to that file (mode 0600, on the host the module runs
    on) and re-mints it when less than a quarter of its life is left. It is minted B(before) MFA is
    switched on in the same run, with the password session that is still valid. Later tasks use it
    through the C(token) connection option, e.g.
    C(token={{ lookup('ansible.builtin.file', dest) }}). The token is never returned.
  - B(Trade-off.) The token is a bearer credential; anyone who reads the file acts as that
    superuser until it expires, and MFA does not protect it. Keep O(automation_token_duration) short
    (default one hour), keep the file on the managed host or an encrypted controller path, and limit
    where a stolen token is usable with C(superuserIPs=[127.0.0.1, ::1]) (PocketBase 0.38+, set with
    M(pbguard.pocketbase.pocketbase_settings)) so superuser calls only work from the host itself,
    where the automation runs through the loopback listener. Renewing the token needs a valid
    token; if it expires, recover on the host with C(pocketbase superuser otp EMAIL) (prints an OTP
    to finish the MFA login without SMTP) or by running this module with a new password login
    completed through OTP. The alternative, on-host C(superuser otp) for every run, keeps no
    standing credential but needs shell access to the host for each run.
  - Pre-flight against lockout. With O(mfa=true) and a password connection, the module fails unless
    O(automation_token_dest) is set (or O(mfa_require_automation_path=false)). With
    O(exclusive=true) it refuses to delete the superuser it is authenticated as.
  - B(All or nothing where possible.) Every declared password is checked against the server's own
    C(_superusers) password policy (min/max length, pattern) and every other precondition before the
    first write; any problem fails the run with nothing changed. If the server still rejects a create,
    the superusers created earlier in the same run are deleted again. RV(superusers) lists only what
    was done (or, in check mode, what would be).
  - The automation token file is written atomically to a new file created without following links
    (mode 0600) in a directory the module creates (0700) or verifies (owned by the running user, not
    group/world-writable); an existing file with looser permissions is set back to 0600.
  - Enforcement needs PocketBase 0.23 or newer; against 0.22 (admins) the module fails clearly.
extends_documentation_fragment:
  - pbguard.pocketbase.connection
attributes:
  check_mode:
    support: full
    description: Lists, compares and (for update_password=always) tests logins; changes nothing, mints nothing.
  diff_mode:
    support: full
    description: Before/after of the superuser email list and the MFA/OTP switches.
options:
  superusers:
    description: Declared superusers.
    type: list
    elements: dict
    default: []
    suboptions:
      email:
        description: Email of the superuser.
        type: str
        required: true
      password:
        description: Password (8+ characters). Required to create a superuser.
        type: str
      state:
        description: Whether the superuser must exist.
        type: str
        choices: [present, absent]
        default: present
  update_password:
    description:
      - V(on_create) sets the password only when the superuser is created.
      - V(always) also resets it when a login with the declared password fails.
    type: str
    choices: [on_create, always]
    default: on_create
  exclusive:
    description: Delete superusers that are not declared as present.
    type: bool
    default: false
  mfa:
    description:
      - V(true) enables MFA and OTP on C(_superusers); V(false) disables both; unset leaves them alone.
    type: bool
  mfa_require_automation_path:
    description: Refuse O(mfa=true) over a password connection without O(automation_token_dest).
    type: bool
    default: true
  automation_token_dest:
    description: File to write a minted impersonation token to (mode 0600). Unset mints nothing.
    type: path
  automation_token_email:
    description:
      - Superuser to mint the token for; defaults to the connection O(email), or with a O(token)
        connection to the superuser the token belongs to.
    type: str
  automation_token_duration:
    description: Token lifetime in seconds.
    type: int
    default: 3600
  previous_email:
    description:
      - B(Rotation.) The e-mail the connection's superuser has on the server now, when O(email) is the
        new one. If O(email)/O(password) do not log in, the module logs in with O(previous_email) (and
        O(previous_password), else O(password)), then changes that same superuser record to O(email)
        and O(password) and logs in again with them. Later runs log in with the new values directly,
        so leaving the option set is harmless.
    type: str
  previous_password:
    description:
      - B(Rotation.) The connection superuser's current password, when O(password) is the new one
        (see O(previous_email)). Never logged and never returned.
    type: str
author:
  - pbguard maintainers (@pbguard)
"""

EXAMPLES = r"""
- name: PBG-ADM-001 | ENFORCE | exactly these superusers, MFA on, automation via a short token
  pbguard.pocketbase.pocketbase_superuser:
    url: http://127.0.0.1:8090
    email: automation@example.com
    password: "{{ vault_pb_automation_password }}"
    superusers:
      - email: automation@example.com
        password: "{{ vault_pb_automation_password }}"
      - email: alice@example.com
        password: "{{ vault_pb_alice_initial }}"
    exclusive: true
    mfa: true
    automation_token_dest: /root/.pbguard/automation.token
    automation_token_duration: 3600

- name: Rotate the connection superuser's e-mail and password in one run
  pbguard.pocketbase.pocketbase_superuser:
    email: ops-2027@example.com
    password: "{{ vault_pb_new_password }}"
    previous_email: ops@example.com
    previous_password: "{{ vault_pb_old_password }}"

- name: Later tasks use the token (password login would now need an OTP)
  pbguard.pocketbase.pocketbase_settings:
    url: http://127.0.0.1:8090
    token: "{{ lookup('ansible.builtin.file', '/root/.pbguard/automation.token') }}"
    settings:
      superuserIPs: [127.0.0.1, "::1"]
"""

RETURN = r"""
superusers:
  description: Emails per action taken (check mode - would be taken).
  returned: always
  type: dict
  sample: {"created": ["alice@example.com"], "password_updated": [], "removed": ["old@example.com"],
           "unchanged": ["automation@example.com"], "renamed": [{"from": "ops@example.com", "to": "ops2@example.com"}]}
mfa:
  description: MFA and OTP switches of _superusers before and after.
  returned: always
  type: dict
  sample: {"before": {"mfa": false, "otp": false}, "after": {"mfa": true, "otp": true}}
automation_token:
  description:
    - Where the token is and whether it was (check mode - would be) minted; never the token.
    - C(mode_fixed) is true when an existing token file's permissions were set back to 0600.
  returned: when automation_token_dest is set
  type: dict
  sample: {"dest": "/root/.pbguard/automation.token", "minted": true, "email": "automation@example.com",
           "expires": 1795935117}
requests:
  description: API calls that changed state (method and path only).
  returned: always
  type: list
  elements: dict
"""

# First: an unsupported Python gets one clear line, not an ImportError (see _pyguard).
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pyguard  # noqa: F401 pylint: disable=unused-import
import base64
import json
import time

from ansible_collections.pbguard.pocketbase.plugins.module_utils._argshape import ShapeCheckedModule

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseClient,
    PocketBaseError,
    client_from_module,
    connection_argument_spec,
    fail_module,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _safefile, _state, _superuser_state

SU = "/api/collections/_superusers"


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        superusers=dict(type="list", elements="dict", default=[], options=dict(
            email=dict(type="str", required=True),
            password=dict(type="str", no_log=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        )),
        update_password=dict(type="str", choices=["on_create", "always"], default="on_create", no_log=False),
        exclusive=dict(type="bool", default=False),
        mfa=dict(type="bool"),
        mfa_require_automation_path=dict(type="bool", default=True),
        automation_token_dest=dict(type="path", no_log=False),
        automation_token_email=dict(type="str", no_log=False),
        automation_token_duration=dict(type="int", default=3600, no_log=False),
        previous_email=dict(type="str"),
        previous_password=dict(type="str", no_log=True),
    )
    return spec


def jwt_claims(token):
    """Unverified JWT payload (only to read exp/id of our own tokens)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload.encode("ascii")).decode("utf-8"))
    except (IndexError, ValueError, TypeError, AttributeError):
        return {}


def password_logs_in(client, email, password):
    """True when email+password pass the first factor (200, or 401 with an mfaId when MFA is on).

    The probe carries the superuser session, so rate limits (which exempt superusers) do not apply.
    """
    return client.try_password("_superusers", email, password, as_superuser=True) in ("ok", "mfa")


def current_identity(module, login_email=None):
    if module.params.get("token"):
        return {"id": jwt_claims(module.params["token"]).get("id"), "email": None}
    return {"id": None, "email": (login_email or module.params.get("email") or "").lower() or None}


def token_needs_mint(dest, duration):
    content = _safefile.read_file(dest) if dest else None
    if not content:
        return True
    exp = jwt_claims(content.decode("utf-8", "replace").strip()).get("exp")
    if not isinstance(exp, (int, float)):
        return True
    return exp - time.time() < max(60, duration / 4.0)


def declared_superusers(module):
    declared = {}
    for item in module.params["superusers"]:
        email = item["email"].strip().lower()
        if not email or "@" not in email:
            module.fail_json(msg="superusers[].email %r is not an e-mail address" % item["email"])
        if email in declared:
            module.fail_json(msg="superuser %s declared more than once" % email)
        declared[email] = item
    return declared


def connect(module):
    """Client logged in with the connection credentials, or, for a rotation, with the previous ones.

    Returns ``(client, rotate)``; ``rotate`` is ``(previous_email, new_email, new_password)`` when the
    previous credentials were needed, else None.
    """
    p = module.params
    client = client_from_module(module, connect=False)
    try:
        client.connect()
        return client, None
    except PocketBaseError as err:
        rotating = bool(p.get("previous_email") or p.get("previous_password"))
        if err.kind == "auth_failed" and not p.get("token") and not rotating:
            module.fail_json(msg=str(err) + " To rotate this superuser's e-mail or password in one run, keep the "
                             "new values in email/password (role: pocketbase_superuser_email/"
                             "pocketbase_superuser_password) and set previous_email and/or previous_password "
                             "(role: pocketbase_policy_previous_email/pocketbase_policy_previous_password).",
                             error_kind=err.kind, error_status=err.status)
        if err.kind != "auth_failed" or p.get("token"):
            fail_module(module, err)
    old_email = (p.get("previous_email") or p["email"]).strip().lower()
    old_client = client_from_module(module, connect=False, email=old_email,
                                    password=p.get("previous_password") or p["password"])
    try:
        old_client.connect()
    except PocketBaseError as err:
        fail_module(module, err)
    return old_client, (old_email, p["email"].strip().lower(), p["password"])


def plan_superusers(module, client, rotate):
    p = module.params
    if client.generation == "v022":
        module.fail_json(msg="pocketbase_superuser enforces PocketBase 0.23+ (_superusers); this server is %s "
                             "(0.22 admins). Use pbguard.pocketbase.pocketbase_info to read it."
                             % (client.version or "0.22.x"))
    declared = declared_superusers(module)
    if p["mfa"] and not p.get("token") and not p["automation_token_dest"] and p["mfa_require_automation_path"]:
        module.fail_json(msg="mfa=true over a password connection would leave no non-interactive way in (password "
                             "logins then need an OTP): set automation_token_dest, connect with a token, or set "
                             "mfa_require_automation_path=false")
    existing = {}
    for record in client.list_superusers():
        if not isinstance(record.get("email"), str) or not isinstance(record.get("id"), str):
            raise PocketBaseError("protocol", "%s listed a superuser record without a string email and id."
                                  % client.url, hint="Point `url` at the PocketBase server itself.")
        existing[record["email"].lower()] = record
    su_coll = client.request("GET", SU, expect=dict)
    me = current_identity(module, rotate[0] if rotate else None)
    plan = _superuser_state.superuser_plan(
        existing, declared, me, _superuser_state.superuser_password_policy(su_coll), exclusive=p["exclusive"],
        update_password=p["update_password"], rotate=rotate,
        logs_in=lambda email, password: password_logs_in(client, email, password))
    if plan["errors"]:
        module.fail_json(msg="pocketbase_superuser: nothing changed: " + "; ".join(plan["errors"]))
    return existing, su_coll, me, plan


def token_plan(module, existing, plan, me):
    p = module.params
    if not p["automation_token_dest"]:
        return None
    renamed = {plan["rotate"][0]: plan["rotate"][2]} if plan["rotate"] else {}
    mint_email = (p["automation_token_email"] or p.get("email") or "").lower()
    if not mint_email and me["id"]:
        mint_email = next((e for e, r in existing.items() if r.get("id") == me["id"]), "")
    if not mint_email:
        module.fail_json(msg="automation_token_email is required when the connection token names no superuser")
    mint_email = renamed.get(mint_email, mint_email)
    known = set(existing) | set(e for e, _pw in plan["create"]) | set(renamed.values())
    if mint_email not in known:
        module.fail_json(msg="automation_token_email %s is not a superuser" % mint_email)
    if mint_email in [e for e, _r in plan["delete"]]:
        module.fail_json(msg="automation_token_email %s would be removed" % mint_email)
    return {"dest": p["automation_token_dest"], "email": mint_email,
            "minted": token_needs_mint(p["automation_token_dest"], p["automation_token_duration"])}


def mfa_switches(module, su_coll):
    before = {"mfa": bool((su_coll.get("mfa") or {}).get("enabled")),
              "otp": bool((su_coll.get("otp") or {}).get("enabled"))}
    after = dict(before)
    if module.params["mfa"] is not None:
        after = {"mfa": module.params["mfa"], "otp": module.params["mfa"]}
    return before, after


def planned_diff(existing, plan, mfa_before, mfa_after):
    before = sorted(existing)
    renamed = {plan["rotate"][0]: plan["rotate"][2]} if plan["rotate"] else {}
    after = sorted((set(renamed.get(e, e) for e in existing) | set(e for e, _pw in plan["create"]))
                   - set(e for e, _r in plan["delete"]))
    reset = [e for e, _r, _pw in plan["update"]] + ([plan["rotate"][2]] if plan["rotate"] else [])
    if before == after and mfa_before == mfa_after and not reset:
        return None
    diff = {"before": {"superusers": before, "mfa": mfa_before}, "after": {"superusers": after, "mfa": mfa_after}}
    if reset:
        diff["before"]["passwords_reset"] = []
        diff["after"]["passwords_reset"] = reset
    return diff


def run(module, client, rotate=None):
    p = module.params
    existing, su_coll, me, plan = plan_superusers(module, client, rotate)
    mfa_before, mfa_after = mfa_switches(module, su_coll)
    token_info = token_plan(module, existing, plan, me)
    mode_fix = bool(token_info and not token_info["minted"] and not module.check_mode and
                    _safefile.ensure_mode(p["automation_token_dest"], 0o600))
    if token_info and token_info["minted"] is False and mode_fix:
        token_info["mode_fixed"] = True
    planned = {"created": [e for e, _pw in plan["create"]], "password_updated": [e for e, _r, _pw in plan["update"]],
               "removed": [e for e, _r in plan["delete"]], "unchanged": plan["unchanged"],
               "renamed": ([{"from": plan["rotate"][0], "to": plan["rotate"][2]}] if plan["rotate"] else [])}
    changed = bool(plan["create"] or plan["update"] or plan["delete"] or plan["rotate"] or
                   mfa_after != mfa_before or (token_info and token_info["minted"]) or mode_fix)
    result = dict(changed=changed, superusers=planned, mfa={"before": mfa_before, "after": mfa_after}, requests=[])
    if token_info:
        result["automation_token"] = token_info
    diff = planned_diff(existing, plan, mfa_before, mfa_after)
    if diff:
        result["diff"] = diff
    if not changed or module.check_mode:
        return result
    done = {"created": [], "password_updated": [], "removed": [], "unchanged": plan["unchanged"], "renamed": []}
    result["superusers"] = done
    apply_plan(module, client, plan, existing, me, token_info, (mfa_before, mfa_after), result)
    return result


def _patch(client, reqs, record, body):
    path = "%s/records/%s" % (SU, record["id"])
    updated = client.request("PATCH", path, body=body)
    reqs.append({"method": "PATCH", "path": path})
    return updated


def _compensate(client, reqs, created, done):
    """Delete the superusers this run created; returns what could not be undone."""
    left = []
    for email, record in reversed(created):
        path = "%s/records/%s" % (SU, record.get("id"))
        try:
            client.request("DELETE", path)
            reqs.append({"method": "DELETE", "path": path})
            done["created"].remove(email)
        except PocketBaseError:
            left.append(email)
    return left


def apply_plan(module, client, plan, existing, me, token_info, mfa, result):
    """Writes in a safe order; on failure, superusers created in this run are deleted again and the
    result reports only what happened."""
    p = module.params
    reqs, done = result["requests"], result["superusers"]
    created = []
    try:
        for email, password in plan["create"]:
            record = client.request("POST", SU + "/records", expect=dict,
                                    body={"email": email, "password": password, "passwordConfirm": password,
                                          "verified": True})
            reqs.append({"method": "POST", "path": SU + "/records"})
            created.append((email, record))
            existing[email] = record
            done["created"].append(email)
        created = []  # every create succeeded: later failures keep them (they were declared)
        # passwords before minting: a password reset rotates the record's tokenKey, which would
        # invalidate a token minted earlier. The connection identity goes last (its session ends).
        mine = [u for u in plan["update"] if _superuser_state.is_connection_superuser(u[0], u[1], me)]
        for email, record, password in [u for u in plan["update"] if u not in mine]:
            _patch(client, reqs, record, {"password": password, "passwordConfirm": password})
            done["password_updated"].append(email)
        for email, record in plan["delete"]:
            path = "%s/records/%s" % (SU, record["id"])
            client.request("DELETE", path)
            reqs.append({"method": "DELETE", "path": path})
            done["removed"].append(email)
        deferred = []
        if plan["rotate"]:
            old, record, new, password = plan["rotate"]
            _patch(client, reqs, record, {"email": new, "password": password, "passwordConfirm": password})
            done["renamed"].append({"from": old, "to": new})
            existing[new] = existing.pop(old)
            client = relogin(module, client, new, password)
        for email, record, password in mine:
            if p.get("token"):
                deferred.append((email, record, password))
                continue
            _patch(client, reqs, record, {"password": password, "passwordConfirm": password})
            done["password_updated"].append(email)
            client = relogin(module, client, email, password)
        if token_info and token_info["minted"]:
            mint_token(module, client, existing[token_info["email"]], token_info, reqs)
        if mfa[1] != mfa[0]:
            client.request("PATCH", SU, body={"mfa": {"enabled": mfa[1]["mfa"]}, "otp": {"enabled": mfa[1]["otp"]}})
            reqs.append({"method": "PATCH", "path": SU})
        for email, record, password in deferred:
            _patch(client, reqs, record, {"password": password, "passwordConfirm": password})
            done["password_updated"].append(email)
    except (PocketBaseError, _safefile.UnsafePath, OSError) as err:
        left = _compensate(client, reqs, created, done) if created else []
        result["failed_after"] = list(reqs)
        result["changed"] = bool(reqs)
        msg = _state.error_message(err, "pocketbase_superuser") if isinstance(err, PocketBaseError) else \
            "pocketbase_superuser failed: %s" % err
        if created:
            msg += " Superusers created earlier in this run were deleted again%s." % (
                "" if not left else " except %s" % ", ".join(left))
        extra = {"error": _state.error_details(err)} if isinstance(err, PocketBaseError) else {}
        module.fail_json(msg=msg, **dict(result, **extra))


def relogin(module, client, email, password):
    p = module.params
    new = PocketBaseClient(p["url"], email=email, password=password, timeout=p["timeout"],
                           validate_certs=p["validate_certs"], generation=client.generation,
                           max_bytes=client.max_bytes)
    new.connect()
    return new


def mint_token(module, client, record, token_info, reqs):
    path = "%s/impersonate/%s" % (SU, record["id"])
    resp = client.request("POST", path, body={"duration": module.params["automation_token_duration"]}, expect=dict)
    reqs.append({"method": "POST", "path": path})
    token = resp.get("token")
    if not isinstance(token, str) or not token:
        raise PocketBaseError("protocol", "impersonation returned no token")
    _safefile.write_file(module.params["automation_token_dest"], token, mode=0o600)
    token_info["expires"] = jwt_claims(token).get("exp")


def main():
    module = ShapeCheckedModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.check_shapes()
    client, rotate = connect(module)
    try:
        result = run(module, client, rotate)
    except PocketBaseError as err:
        module.fail_json(msg=_state.error_message(err, "pocketbase_superuser"), error=_state.error_details(err))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
