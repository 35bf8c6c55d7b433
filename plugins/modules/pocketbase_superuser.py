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
           "unchanged": ["automation@example.com"]}
mfa:
  description: MFA and OTP switches of _superusers before and after.
  returned: always
  type: dict
  sample: {"before": {"mfa": false, "otp": false}, "after": {"mfa": true, "otp": true}}
automation_token:
  description: Where the token is and whether it was (check mode - would be) minted; never the token.
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
import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseClient,
    PocketBaseError,
    client_from_module,
    connection_argument_spec,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _state

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


def current_identity(module):
    if module.params.get("token"):
        return {"id": jwt_claims(module.params["token"]).get("id"), "email": None}
    return {"id": None, "email": (module.params.get("email") or "").lower() or None}


def token_needs_mint(dest, duration):
    if not dest or not os.path.exists(dest):
        return True
    try:
        with open(dest) as fh:
            claims = jwt_claims(fh.read().strip())
    except (IOError, OSError):
        return True
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)):
        return True
    return exp - time.time() < max(60, duration / 4.0)


def write_token(dest, token):
    directory = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    tmp = dest + ".tmp%d" % os.getpid()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, token.encode("utf-8"))
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.rename(tmp, dest)


def run(module, client):
    p = module.params
    if client.generation == "v022":
        module.fail_json(msg="pocketbase_superuser enforces PocketBase 0.23+ (_superusers); this server is %s "
                             "(0.22 admins). Use pbguard.pocketbase.pocketbase_info to read it."
                             % (client.version or "0.22.x"))
    declared = {}
    for item in p["superusers"]:
        email = item["email"].strip().lower()
        if email in declared:
            module.fail_json(msg="superuser %s declared more than once" % email)
        declared[email] = item
    using_password = not p.get("token")
    if p["mfa"] and using_password and not p["automation_token_dest"] and p["mfa_require_automation_path"]:
        module.fail_json(msg="mfa=true over a password connection would leave no non-interactive way in (password "
                             "logins then need an OTP): set automation_token_dest, connect with a token, or set "
                             "mfa_require_automation_path=false")

    existing = dict(((r.get("email") or "").lower(), r) for r in client.list_superusers())
    me = current_identity(module)
    actions = {"created": [], "password_updated": [], "removed": [], "unchanged": []}
    to_create, to_update, to_delete = [], [], []
    for email, item in declared.items():
        record = existing.get(email)
        if item["state"] == "absent":
            if record:
                to_delete.append((email, record))
            continue
        if record is None:
            if not item.get("password"):
                module.fail_json(msg="superuser %s does not exist and has no password to create it with" % email)
            to_create.append((email, item["password"]))
        elif p["update_password"] == "always" and item.get("password") and \
                not password_logs_in(client, email, item["password"]):
            to_update.append((email, record, item["password"]))
        else:
            actions["unchanged"].append(email)
    if p["exclusive"]:
        for email, record in existing.items():
            if email not in declared and email != "__pbinstaller@example.com":
                to_delete.append((email, record))
    for email, record in to_delete:
        if email == me["email"] or (me["id"] and record.get("id") == me["id"]):
            module.fail_json(msg="refusing to delete %s: it is the superuser this module is authenticated as" % email)
    actions["created"] = [e for e, _pw in to_create]
    actions["password_updated"] = [e for e, _r, _pw in to_update]
    actions["removed"] = sorted(e for e, _r in to_delete)

    su_coll = client.request("GET", SU) or {}
    mfa_before = {"mfa": bool((su_coll.get("mfa") or {}).get("enabled")),
                  "otp": bool((su_coll.get("otp") or {}).get("enabled"))}
    mfa_after = dict(mfa_before)
    if p["mfa"] is not None:
        mfa_after = {"mfa": p["mfa"], "otp": p["mfa"]}

    token_info = None
    mint_email = None
    if p["automation_token_dest"]:
        mint_email = (p["automation_token_email"] or p.get("email") or "").lower()
        if not mint_email and me["id"]:
            mint_email = next((e for e, r in existing.items() if r.get("id") == me["id"]), "")
        if not mint_email:
            module.fail_json(msg="automation_token_email is required when the connection token names no superuser")
        token_info = {"dest": p["automation_token_dest"], "email": mint_email,
                      "minted": token_needs_mint(p["automation_token_dest"], p["automation_token_duration"])}
        if mint_email not in existing and mint_email not in actions["created"]:
            module.fail_json(msg="automation_token_email %s is not a superuser" % mint_email)
        if mint_email in actions["removed"]:
            module.fail_json(msg="automation_token_email %s would be removed" % mint_email)

    changed = bool(to_create or to_update or to_delete or mfa_after != mfa_before or
                   (token_info and token_info["minted"]))
    before_emails = sorted(existing)
    after_emails = sorted((set(existing) | set(actions["created"])) - set(actions["removed"]))
    result = dict(changed=changed, superusers=actions, mfa={"before": mfa_before, "after": mfa_after}, requests=[])
    if token_info:
        result["automation_token"] = token_info
    if before_emails != after_emails or mfa_before != mfa_after or actions["password_updated"]:
        result["diff"] = {
            "before": {"superusers": before_emails, "mfa": mfa_before},
            "after": {"superusers": after_emails, "mfa": mfa_after},
        }
        if actions["password_updated"]:
            result["diff"]["before"]["passwords_reset"] = []
            result["diff"]["after"]["passwords_reset"] = actions["password_updated"]
    if not changed or module.check_mode:
        return result

    reqs = result["requests"]
    try:
        for email, password in to_create:
            created = client.request("POST", SU + "/records",
                                     body={"email": email, "password": password, "passwordConfirm": password,
                                           "verified": True})
            existing[email] = created or {}
            reqs.append({"method": "POST", "path": SU + "/records"})
        for email, record in to_delete:
            path = "%s/records/%s" % (SU, record["id"])
            client.request("DELETE", path)
            reqs.append({"method": "DELETE", "path": path})
        # passwords before minting: a password reset rotates the record's tokenKey, which would
        # invalidate a token minted earlier. The connection identity goes last (its session ends).
        mine = [u for u in to_update if u[0] == me["email"] or (me["id"] and u[1].get("id") == me["id"])]
        for email, record, password in [u for u in to_update if u not in mine]:
            path = "%s/records/%s" % (SU, record["id"])
            client.request("PATCH", path, body={"password": password, "passwordConfirm": password})
            reqs.append({"method": "PATCH", "path": path})
        deferred = []
        for email, record, password in mine:
            path = "%s/records/%s" % (SU, record["id"])
            if using_password:
                client.request("PATCH", path, body={"password": password, "passwordConfirm": password})
                reqs.append({"method": "PATCH", "path": path})
                client = PocketBaseClient(p["url"], email=p["email"], password=password, timeout=p["timeout"],
                                          validate_certs=p["validate_certs"], generation=client.generation)
            else:
                deferred.append((path, password))
        if token_info and token_info["minted"]:
            path = "%s/impersonate/%s" % (SU, existing[mint_email]["id"])
            resp = client.request("POST", path, body={"duration": p["automation_token_duration"]}) or {}
            token = resp.get("token")
            if not token:
                module.fail_json(msg="impersonation returned no token", **result)
            write_token(p["automation_token_dest"], token)
            token_info["expires"] = jwt_claims(token).get("exp")
            reqs.append({"method": "POST", "path": path})
        if mfa_after != mfa_before:
            body = {"mfa": {"enabled": mfa_after["mfa"]}, "otp": {"enabled": mfa_after["otp"]}}
            client.request("PATCH", SU, body=body)
            reqs.append({"method": "PATCH", "path": SU})
        for path, password in deferred:
            client.request("PATCH", path, body={"password": password, "passwordConfirm": password})
            reqs.append({"method": "PATCH", "path": path})
    except PocketBaseError as err:
        result["failed_after"] = list(reqs)
        module.fail_json(msg=_state.error_message(err, "pocketbase_superuser"), error=_state.error_details(err),
                         **result)
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.exit_json(**_state.execute(module, client_from_module(module), run, "pocketbase_superuser"))


if __name__ == "__main__":
    main()
