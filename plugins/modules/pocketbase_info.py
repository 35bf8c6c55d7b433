#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pocketbase_info
short_description: Read the state of a PocketBase server in one normalized shape
version_added: 0.1.0
description:
  - Reads version, health, settings, collections (rules, auth and file options), superusers and
    public auth methods of a PocketBase server through its HTTP API.
  - PocketBase 0.22 (admins, C(schema)) and 0.23+ (C(_superusers), C(fields)) are normalized into
    the same keys, so playbooks and audits work on both.
  - Secrets (SMTP password, S3 secrets, token secrets, OAuth2 client secrets) are returned as
    C(********) when set and never in clear text.
  - Without credentials only the public sections (V(version), V(health), V(auth_methods)) can be
    gathered.
author:
  - pbguard maintainers (@pbguard)
extends_documentation_fragment:
  - pbguard.pocketbase.connection
attributes:
  check_mode:
    support: full
    description: The module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
options:
  gather:
    description:
      - Sections to read. Fewer sections means fewer API requests.
      - V(version) reads the C(PocketBase vX.Y.Z) fingerprint of the dashboard assets (no login).
      - V(health) reads C(/api/health).
      - V(settings) reads C(/api/settings) (secrets masked).
      - V(collections) reads every collection, normalized.
      - V(superusers) reads the superusers (0.23+) or admins (0.22) and how they can log in.
      - V(auth_methods) reads the public C(auth-methods) of every auth collection, as a guest sees it.
    type: list
    elements: str
    choices: [version, health, settings, collections, superusers, auth_methods]
    default: [version, health, settings, collections, superusers, auth_methods]
seealso:
  - module: pbguard.pocketbase.pocketbase_audit
"""

EXAMPLES = r"""
- name: Read everything from a local PocketBase
  pbguard.pocketbase.pocketbase_info:
    url: http://127.0.0.1:8090
    email: admin@example.com
    password: "{{ vault_pocketbase_password }}"
  register: pb

- name: Show the server version and the public collections
  ansible.builtin.debug:
    msg: >-
      {{ pb.version }}:
      {{ pb.collections | selectattr('rules.listRule', 'equalto', '') | map(attribute='name') | list }}

- name: Only the public parts, no credentials needed
  pbguard.pocketbase.pocketbase_info:
    url: https://pb.example.com
    gather: [version, health, auth_methods]

- name: Use a superuser token from the environment (POCKETBASE_URL, POCKETBASE_TOKEN)
  pbguard.pocketbase.pocketbase_info:
    gather: [settings]
  environment:
    POCKETBASE_URL: http://127.0.0.1:8090
    POCKETBASE_TOKEN: "{{ pocketbase_token }}"
"""

RETURN = r"""
version:
  description: Server version from the dashboard asset fingerprint; null if not gathered or not found.
  returned: always
  type: str
  sample: 0.40.6
generation:
  description: API generation, V(v022) (0.22 admins API) or V(v023) (0.23+ _superusers).
  returned: always
  type: str
  sample: v023
health:
  description:
    - Normalized C(/api/health); null if not gathered.
    - C(real_ip) and C(possible_proxy_header) come from the superuser view of 0.23+ (null otherwise);
      a non-empty C(possible_proxy_header) means a proxy header arrives but no trusted proxy is set.
  returned: always
  type: dict
  sample: {"code": 200, "message": "API is healthy.", "can_backup": true, "real_ip": "127.0.0.1",
           "possible_proxy_header": ""}
settings:
  description:
    - Settings in the server's own keys, secrets replaced by C(********) when set and C("") when
      empty. On 0.23+ the server never returns C(smtp.password), C(s3.secret) and
      C(backups.s3.secret); they are null (unknown).
  returned: always
  type: dict
  sample: {"smtp": {"enabled": true, "host": "smtp.example.com", "password": "********"}}
collections:
  description:
    - Normalized collections. C(rules) values are null (superusers only), C("") (public) or a
      filter in the server's own syntax. C(auth) is null except on auth collections.
  returned: always
  type: list
  elements: dict
  sample:
    - id: _pb_users_auth_
      name: users
      type: auth
      system: false
      rules: {"listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id", "createRule": "",
              "updateRule": "id = @request.auth.id", "deleteRule": "id = @request.auth.id",
              "authRule": "", "manageRule": null}
      fields: [{"name": "avatar", "type": "file", "system": false, "hidden": false, "required": false,
                "protected": false, "max_select": 1, "collection_id": null}]
      auth: {"password": {"enabled": true, "identity_fields": ["email"]},
             "oauth2": {"enabled": false, "providers": []},
             "otp": {"enabled": false, "duration": 180, "length": 8},
             "mfa": {"enabled": false, "duration": 600, "rule": ""},
             "only_verified": false, "min_password_length": 8,
             "token_durations": {"auth": 432000, "password_reset": 1800, "verification": 86400, "file": 180},
             "only_email_domains": [], "except_email_domains": []}
      view_query: null
superusers:
  description: Superusers (0.23+) or admins (0.22); C(verified) is null on 0.22.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "abc123", "email": "admin@example.com", "verified": true}]
superuser_auth:
  description: How superusers can log in; MFA and OTP are always false on 0.22.
  returned: always
  type: dict
  sample: {"password": true, "mfa": false, "otp": false}
auth_methods:
  description: Public auth methods per auth collection, as an unauthenticated client sees them.
  returned: always
  type: dict
  sample: {"users": {"password": {"enabled": true, "identity_fields": ["email"]},
                     "oauth2": {"enabled": false, "providers": []},
                     "otp": {"enabled": false}, "mfa": {"enabled": false}}}
api_calls:
  description: The API requests made (method, path, HTTP status), never bodies or secrets.
  returned: always
  type: list
  elements: str
  sample: ["GET /api/collections/_superusers/auth-methods 200", "GET /api/health 200"]
"""

# First: an unsupported Python gets one clear line, not an ImportError (see _pyguard).
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pyguard  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pbguard.pocketbase.plugins.module_utils._argshape import ShapeCheckedModule

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseError,
    client_from_module,
    connection_argument_spec,
    fail_module,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _compat

GATHER = ["version", "health", "settings", "collections", "superusers", "auth_methods"]
NEEDS_AUTH = ("settings", "collections", "superusers")


def gather_info(client, gather):
    """Collect the requested sections; returns the module result keys."""
    wanted = set(gather)
    has_auth = bool(client.token)
    if not has_auth and wanted & set(NEEDS_AUTH):
        raise PocketBaseError(
            "auth_failed",
            "Gathering %s needs superuser credentials, and none were given."
            % ", ".join(sorted(wanted & set(NEEDS_AUTH))),
            hint="Set email and password (or a token), or restrict gather to version, health and "
                 "auth_methods.")
    sections = [s for s in _compat.SECTIONS if s in wanted]
    raw_collections = None
    if "auth_methods" in wanted and has_auth and "collections" not in wanted:
        raw_collections = client.list_collections()
    snap = _compat.snapshot(client, sections=sections)
    result = dict(snap)
    result["generation"] = client.generation
    result["auth_methods"] = None
    if "auth_methods" in wanted:
        if snap["collections"] is not None:
            names = [c["name"] for c in snap["collections"] if c["type"] == "auth"]
        elif raw_collections is not None:
            names = [c.get("name") for c in raw_collections if c.get("type") == "auth"]
        else:  # no credentials: the collections every server has
            names = ["users"] if client.generation == "v022" else ["_superusers", "users"]
        methods = {}
        for name in names:
            try:
                methods[name] = _compat.normalize_auth_methods(client.auth_methods(name), client.generation)
            except PocketBaseError as err:
                if err.kind != "not_found":
                    raise
        result["auth_methods"] = methods
        if result.get("superuser_auth") is None and client.generation == "v023" and "_superusers" in methods:
            sup = methods["_superusers"]
            result["superuser_auth"] = {"password": sup["password"]["enabled"], "mfa": sup["mfa"]["enabled"],
                                        "otp": sup["otp"]["enabled"]}
    return result


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        gather=dict(type="list", elements="str", choices=GATHER, default=list(GATHER)),
    )
    module = ShapeCheckedModule(argument_spec=argument_spec, supports_check_mode=True)
    module.check_shapes()
    client = client_from_module(module)
    try:
        result = gather_info(client, module.params["gather"])
    except PocketBaseError as err:
        fail_module(module, err, api_calls=_calls(client))
    module.exit_json(changed=False, api_calls=_calls(client), **result)


def _calls(client):
    return ["%s %s %s" % (m, p, s if s is not None else "-") for m, p, s in client.calls]


if __name__ == "__main__":
    main()
