#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pocketbase_settings
short_description: Merge a declared subset of PocketBase settings, with write-only secrets
version_added: 0.1.0
description:
  - Compares a declared subset of C(/api/settings) with the server and PATCHes only the declared
    keys that differ (rate limits, C(superuserIPs), C(trustedProxy), logs, backups, batch, meta,
    SMTP, S3). Keys not declared are never sent.
  - Nested objects are merged key by key; lists (for example C(rateLimits.rules),
    C(trustedProxy.headers), C(superuserIPs)) are replaced as a whole.
  - B(Secrets are write-only.) C(smtp.password), C(s3.secret) and C(backups.s3.secret) are taken only
    from the O(smtp_password), O(s3_secret) and O(backups_s3_secret) options (C(no_log)), never from
    O(settings), never read from the server and never round-tripped from a GET into a PATCH. Because
    PocketBase does not return them, they cannot be compared; O(update_secrets) decides when a
    declared secret is sent, and RV(secrets_sent) names the secrets that were (or, in check mode,
    would be) sent, never their values.
  - Pre-flight against lockout. A non-empty C(superuserIPs) must contain the address this module
    connects from (as PocketBase itself reports it in the superuser health C(realIP)), otherwise the
    module fails before sending anything.
  - A declared key the server does not have (for example C(superuserIPs) before 0.38,
    C(rateLimits.excludedIPs) before 0.38) is an error naming the key, not a silent no-op.
  - Enforcement needs PocketBase 0.23 or newer; against 0.22 the module fails clearly.
extends_documentation_fragment:
  - pbguard.pocketbase.connection
attributes:
  check_mode:
    support: full
    description: Computes changes with one GET and sends nothing.
  diff_mode:
    support: full
    description: Before/after of the changed managed keys only; secrets appear as a mask.
options:
  settings:
    description:
      - The subset of settings to enforce, in PocketBase's 0.23+ JSON shape (see the examples), for
        instance C(rateLimits.enabled), C(rateLimits.rules), C(trustedProxy.headers),
        C(trustedProxy.useLeftmostIP), C(logs.maxDays), C(logs.logIP), C(backups.cron),
        C(backups.cronMaxKeep), C(batch), C(meta), C(smtp), C(s3), C(superuserIPs).
      - Must not contain secrets; use the dedicated options.
    type: dict
    required: true
  smtp_password:
    description: SMTP password (write-only secret, sent according to O(update_secrets)).
    type: str
  s3_secret:
    description: S3 storage secret key (write-only secret).
    type: str
  backups_s3_secret:
    description: S3 secret key of the backups storage (write-only secret).
    type: str
  update_secrets:
    description:
      - V(on_change) sends a declared secret when another key of its block (C(smtp), C(s3),
        C(backups.s3)) changes in the same run, for example the first time SMTP is configured or when
        the host or user changes. It is idempotent; a second run sends nothing.
      - V(always) sends every declared secret on every run (the task then always reports a change);
        use it once to rotate a secret.
      - V(never) never sends secrets.
    type: str
    choices: [on_change, always, never]
    default: on_change
notes:
  - PocketBase validates the whole settings object on PATCH; its validation messages are returned in
    the failure message.
  - C(trustedProxy) should name the one header the reverse proxy sets and keep
    C(useLeftmostIP=false) (the rightmost address is the one the proxy saw); the role
    P(pbguard.pocketbase.pocketbase_policy#role) fills it from C(pocketbase_proxy_client_ip_header).
author:
  - pbguard maintainers (@pbguard)
"""

EXAMPLES = r"""
- name: PBG-MON-002 | ENFORCE | rate limits cover logins, OTP and password reset requests
  pbguard.pocketbase.pocketbase_settings:
    url: http://127.0.0.1:8090
    token: "{{ lookup('ansible.builtin.file', '/root/.pbguard/automation.token') }}"
    settings:
      rateLimits:
        enabled: true
        rules:
          - {label: "*:auth", audience: "", duration: 3, maxRequests: 2}
          - {label: "*:requestOTP", audience: "", duration: 60, maxRequests: 3}
          - {label: "*:requestPasswordReset", audience: "", duration: 60, maxRequests: 3}
          - {label: "*:create", audience: "", duration: 5, maxRequests: 20}
          - {label: "/api/", audience: "", duration: 10, maxRequests: 300}
      trustedProxy:
        headers: [X-Forwarded-For]
        useLeftmostIP: false
      superuserIPs: [127.0.0.1, "::1"]

- name: PBG-MON-004 | ENFORCE | SMTP with a write-only password
  pbguard.pocketbase.pocketbase_settings:
    settings:
      smtp: {enabled: true, host: smtp.example.org, port: 587, username: pb, tls: false}
    smtp_password: "{{ vault_smtp_password }}"
    update_secrets: on_change
"""

RETURN = r"""
changed_keys:
  description: Dotted paths of the declared keys that changed (or would change).
  returned: always
  type: list
  elements: str
  sample: ["rateLimits.enabled", "logs.maxDays"]
secrets_sent:
  description: Dotted paths of the secrets that were (in check mode, would be) sent. Never values.
  returned: always
  type: list
  elements: str
  sample: ["smtp.password"]
requests:
  description: API calls that changed state (method and path only).
  returned: always
  type: list
  elements: dict
  sample: [{"method": "PATCH", "path": "/api/settings"}]
diff:
  description: Before/after of the changed managed keys; secrets masked.
  returned: when changed and diff mode is on
  type: dict
"""

# First: an unsupported Python gets one clear line, not an ImportError (see _pyguard).
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pyguard  # noqa: F401 pylint: disable=unused-import
import copy
import ipaddress

from ansible_collections.pbguard.pocketbase.plugins.module_utils._argshape import ShapeCheckedModule

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseError,
    client_from_module,
    connection_argument_spec,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _state

SECRET_OPTIONS = {
    "smtp_password": ("smtp", "password"),
    "s3_secret": ("s3", "secret"),
    "backups_s3_secret": ("backups", "s3", "secret"),
}


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        settings=dict(type="dict", required=True),
        smtp_password=dict(type="str", no_log=True),
        s3_secret=dict(type="str", no_log=True),
        backups_s3_secret=dict(type="str", no_log=True),
        update_secrets=dict(type="str", choices=["on_change", "always", "never"], default="on_change"),
    )
    return spec


def _ip_allowed(ip, entries):
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in entries:
        try:
            if addr in ipaddress.ip_network(str(entry).strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def superuser_ip_lockout(client, plan):
    """Pre-flight: refuse a superuserIPs list that excludes the address this module connects from."""
    for path, _old, new in plan["changes"]:
        if path == ("superuserIPs",) and new:
            health = client.health(auth=True)
            real_ip = (health.get("data") or {}).get("realIP")
            if not real_ip:
                return ("cannot verify that superuserIPs %s keeps this automation's address allowed (the server "
                        "did not report realIP); refusing to risk a lockout" % (new,))
            if not _ip_allowed(real_ip, new):
                return ("refusing to set superuserIPs %s: this automation connects from %s, which the list would "
                        "lock out (every superuser call including login would get 403)" % (new, real_ip))
    return None


def run(module, client):
    desired = module.params["settings"] or {}
    inline = [_state.dotted(p) for p in _state.SETTINGS_SECRET_PATHS if _state.get_path(desired, p) is not _state.MISSING]
    if inline:
        module.fail_json(msg="secrets must not be given inside settings (they would be logged): %s; use the "
                             "options %s" % (", ".join(inline), ", ".join(sorted(SECRET_OPTIONS))))
    if client.generation == "v022":
        module.fail_json(msg="pocketbase_settings enforces PocketBase 0.23+; this server is %s (0.22 generation). "
                             "Use pbguard.pocketbase.pocketbase_info to read it." % (client.version or "0.22.x"))
    declared = copy.deepcopy(desired)  # never write a secret into module.params (it would reach `invocation`)
    for option, path in SECRET_OPTIONS.items():
        if module.params[option] is not None:
            _state.set_path(declared, path, module.params[option])

    current = client.get_settings()
    plan = _state.settings_plan(current, declared, module.params["update_secrets"])
    if plan["unknown"]:
        module.fail_json(msg="this PocketBase (%s) has no setting %s; remove it from the declaration or upgrade "
                             "(superuserIPs and rateLimits.excludedIPs need 0.38+)"
                             % (client.version or "unknown version", ", ".join(plan["unknown"])))
    lockout = superuser_ip_lockout(client, plan)
    if lockout:
        module.fail_json(msg=lockout)
    result = dict(
        changed=bool(plan["payload"]),
        changed_keys=_state.changed_paths(plan["changes"]),
        secrets_sent=plan["secrets_sent"],
        requests=[],
    )
    if plan["payload"]:
        result["diff"] = plan["diff"]
    if not plan["payload"] or module.check_mode:
        return result
    try:
        client.request("PATCH", "/api/settings", body=plan["payload"])
    except PocketBaseError as err:
        module.fail_json(msg=_state.error_message(err, "PATCH /api/settings (nothing was changed)"),
                         error=_state.error_details(err), changed_keys=result["changed_keys"],
                         secrets_sent=[], requests=[])
    result["requests"].append({"method": "PATCH", "path": "/api/settings"})
    again = _state.settings_plan(client.get_settings(), desired, "never")
    if again["changes"]:
        module.fail_json(msg="PocketBase accepted the PATCH but these keys still differ: %s"
                             % ", ".join(_state.changed_paths(again["changes"])), **result)
    return result


def main():
    module = ShapeCheckedModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.check_shapes()
    module.exit_json(**_state.execute(module, client_from_module(module), run, "pocketbase_settings"))


if __name__ == "__main__":
    main()
