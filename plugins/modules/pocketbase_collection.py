#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pocketbase_collection
short_description: Enforce API rules, auth options and file protection of PocketBase collections
version_added: 0.1.0
description:
  - Declares, for one or many B(existing) collections, the five API rules (plus C(authRule) and
    C(manageRule) on auth collections), auth options (password auth, OAuth2 on/off, OTP, MFA,
    verified-email requirement, password minimum length, token durations) and the C(protected) flag
    of file fields.
  - Only the declared keys are compared and sent. Rules and auth options are sent as single keys;
    the C(fields) list is never patched wholesale from declarations. When a file field's
    C(protected) flag or the password minimum length changes, the full current field list is sent
    with only that attribute changed, so no field and no data is dropped.
  - All changes of one call go to the server in B(one) C(PUT /api/collections/import) request with
    C(deleteMissing=false), which PocketBase runs in a single transaction. Either every declared
    collection changes or none does. A rule PocketBase rejects makes the task fail with PocketBase's
    own validation message and leaves every collection of the call untouched.
  - Every declared rule is linted with the rule-expression parser before anything is sent. A rule
    the linter calls public or unsafe (codes C(public), C(tautology), C(auth_only_no_ownership),
    C(client_body_decides)) is refused with an error naming the collection and the rule, unless the
    rule is listed in that collection's O(collections[].public) intent marker. This refusal lives in
    this module (not in the role), so direct users of the module get the same protection. Other
    findings (C(collection_join), C(joined_collection_readable), C(identifier_generation_mismatch),
    C(parse_error)) are returned as warnings; the server stays the judge of syntax.
  - The declared rules are also read as logic, with every collection as it will be after the call,
    by the audit's controls PBG-RUL-011..017 (a privilege field users can set on their own record,
    an owner relation not bound on create, access decided by headers or query parameters, a rule
    a guest satisfies, C(~) on an identity, a rule every self-registered account passes). Their
    findings carry the control id as C(code) and refuse the rule unless O(allow_unsafe) is set
    (PBG-RUL-015 and PBG-RUL-017 also yield to the O(collections[].public) intent); an owner relation that can
    change on update (PBG-RUL-013) is a warning.
  - C(authRule) findings never refuse. An empty (or always-true) C(authRule) is PocketBase's
    default, every account of the collection with valid credentials may authenticate, including
    unverified ones, and it opens no records; it is returned in RV(findings) with severity C(info).
    An C(authRule) decided by request body values is a C(low) warning. Use C(only_verified) in
    O(collections[].auth) to require verified accounts. A C(null) C(manageRule)
    (superusers only) is fine; an empty one is refused like any public rule.
  - Enforcement needs PocketBase 0.23 or newer; against 0.22 the module fails clearly (use
    M(pbguard.pocketbase.pocketbase_info) to read 0.22 servers).
  - Collections are not created or deleted by this module; a declared collection that does not
    exist is an error. A rule naming a record field or C(@request.body) key the collection does not
    have is an error too (checked before anything is sent, also in check mode).
extends_documentation_fragment:
  - pbguard.pocketbase.connection
attributes:
  check_mode:
    support: full
    description: Computes the changes and the diff with read-only requests and sends nothing.
  diff_mode:
    support: full
    description: Before/after of the managed keys only, per collection.
options:
  collections:
    description: Collections to enforce.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of an existing collection.
        type: str
        required: true
      rules:
        description:
          - Rule name to expression. Keys C(listRule), C(viewRule), C(createRule), C(updateRule),
            C(deleteRule), and on auth collections C(authRule) and C(manageRule).
          - V(null) (YAML C(~)) means superusers only; an empty string means public.
          - Rules not listed here are left as they are.
        type: dict
      public:
        description:
          - Intent marker. Rule names in this list are meant to be open (for example
            C([listRule, viewRule]) on a public blog). Rules the linter calls public or unsafe are
            refused unless they are listed here.
        type: list
        elements: str
        default: []
      auth:
        description:
          - Auth options of an auth collection. Every key is type-checked; an unknown key or a wrong
            type fails the task naming its path (for example C(collections[0].auth.otp must be a dict, got list)).
        type: dict
        suboptions:
          password:
            description: Password authentication.
            type: dict
            suboptions:
              enabled:
                description: Allow password logins.
                type: bool
              identity_fields:
                description: Fields a password login may use as identity (for example C([email])).
                type: list
                elements: str
          oauth2:
            description: OAuth2 authentication.
            type: dict
            suboptions:
              enabled:
                description: Allow OAuth2 logins.
                type: bool
              providers:
                description:
                  - The authoritative list of providers; undeclared providers are removed.
                  - Client secrets never go here; see O(oauth2_client_secrets).
                type: list
                elements: dict
                suboptions:
                  name:
                    description: Provider name as PocketBase knows it (for example C(github)).
                    type: str
                    required: true
                  clientId:
                    description: OAuth2 client id.
                    type: str
                  authURL:
                    description: Authorization URL (custom providers).
                    type: str
                  tokenURL:
                    description: Token URL (custom providers).
                    type: str
                  userInfoURL:
                    description: User info URL (custom providers).
                    type: str
                  displayName:
                    description: Name shown to users.
                    type: str
                  pkce:
                    description: Use PKCE.
                    type: bool
                  extra:
                    description: Provider specific extra settings.
                    type: dict
          otp:
            description: One-time-password login.
            type: dict
            suboptions:
              enabled:
                description: Allow OTP logins.
                type: bool
              duration:
                description: OTP validity in seconds.
                type: int
              length:
                description: OTP length.
                type: int
          mfa:
            description: Multi-factor authentication.
            type: dict
            suboptions:
              enabled:
                description: Require a second factor.
                type: bool
              duration:
                description: MFA session validity in seconds.
                type: int
              rule:
                description: Rule deciding who must use MFA (empty for everyone).
                type: str
          only_verified:
            description: Maintain C(verified = true) in C(authRule) (V(false) removes it again).
            type: bool
          min_password_length:
            description: Minimum length of the C(password) field.
            type: int
          token_durations:
            description: Token lifetimes in seconds.
            type: dict
            suboptions:
              auth:
                description: Auth token.
                type: int
              password_reset:
                description: Password reset token.
                type: int
              verification:
                description: Verification token.
                type: int
              file:
                description: Protected file token.
                type: int
              email_change:
                description: E-mail change token.
                type: int
      files:
        description:
          - File field name to a dict with the key C(protected) (bool). Any other key or type fails the
            task naming its path.
        type: dict
  allow_unsafe:
    description:
      - Apply rules the linter calls public or unsafe even without a O(collections[].public) intent.
        The findings are still returned as warnings. Prefer the per-collection intent marker.
    type: bool
    default: false
  oauth2_client_secrets:
    description:
      - Write-only OAuth2 client secrets, a dict of collection name to a dict of provider name to secret. PocketBase never returns
        them and keeps a stored secret when a provider is sent without one, so a secret is sent for a
        new provider, per O(update_secrets), and named in RV(secrets_sent), never shown.
    type: dict
  update_secrets:
    description:
      - V(on_change) sends a provider's secret when the provider is new or its other keys change;
        V(always) on every run (to rotate; the task then always reports a change); V(never) never.
    type: str
    choices: [on_change, always, never]
    default: on_change
notes:
  - Rule strings must use the server's syntax (C(@request.body) on 0.23+).
  - Every API collection change also writes an auto-migration file in C(pb_migrations) unless the
    server runs with C(--automigrate=false).
seealso:
  - module: pbguard.pocketbase.pocketbase_info
  - module: pbguard.pocketbase.pocketbase_audit
author:
  - pbguard maintainers (@pbguard)
"""

EXAMPLES = r"""
- name: PBG-RUL-001 | ENFORCE | user-owned profiles, public posts
  pbguard.pocketbase.pocketbase_collection:
    url: http://127.0.0.1:8090
    email: automation@example.com
    password: "{{ vault_pb_password }}"
    collections:
      - name: profiles
        rules:
          listRule: 'user = @request.auth.id'
          viewRule: 'user = @request.auth.id'
          createRule: '@request.auth.id != "" && @request.body.user = @request.auth.id'
          updateRule: 'user = @request.auth.id'
          deleteRule: 'user = @request.auth.id'
      - name: posts
        public: [listRule, viewRule]
        rules:
          listRule: ''
          viewRule: ''
          updateRule: 'author = @request.auth.id'
        files:
          attachment:
            protected: true
      - name: users
        auth:
          only_verified: true
          min_password_length: 12
          otp:
            enabled: true
          token_durations:
            auth: 86400
"""

RETURN = r"""
collections:
  description: Per declared collection, the dotted paths of the managed keys that changed (or would change).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "posts", "changed": ["listRule", "fields.doc.protected"]}]
findings:
  description: Lint findings of the declared rules (accepted or warnings), without rule bodies of secrets.
  returned: always
  type: list
  elements: dict
  sample: [{"collection": "posts", "rule": "listRule", "code": "public", "severity": "high",
            "message": "rule is empty: anyone can list", "accepted": true}]
secrets_sent:
  description: Which OAuth2 client secrets were (in check mode, would be) sent; never their values.
  returned: always
  type: list
  elements: str
  sample: ["users.oauth2.github.clientSecret"]
requests:
  description: API calls that changed state (method and path only, never bodies).
  returned: always
  type: list
  elements: dict
  sample: [{"method": "PUT", "path": "/api/collections/import"}]
diff:
  description: Before/after of the changed managed keys, keyed by collection name.
  returned: when changed and diff mode is on
  type: dict
"""

# First: an unsupported Python gets one clear line, not an ImportError (see _pyguard).
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pyguard  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pbguard.pocketbase.plugins.module_utils._argshape import ShapeCheckedModule

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseError,
    client_from_module,
    connection_argument_spec,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _compat, _state
from ansible_collections.pbguard.pocketbase.plugins.module_utils._rule_fields import rule_field_errors

try:
    from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules
    from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import rul as _audit_rul
except ImportError:  # pragma: no cover - the parser ships with the collection
    _rules = _audit_rul = None

BLOCKING_CODES = frozenset(("public", "tautology", "auth_only_no_ownership", "client_body_decides"))
RULE_KEYS = _state.RULE_KEYS + _state.AUTH_RULE_KEYS
# the audit's rule-logic controls refuse like the linter's codes; an owner relation that can change on
# update (PBG-RUL-013, medium) is a warning
LOGIC_WARN_ONLY = frozenset(("PBG-RUL-013",))


PROVIDER_OPTIONS = dict(
    name=dict(type="str", required=True),
    clientId=dict(type="str"),
    authURL=dict(type="str"),
    tokenURL=dict(type="str", no_log=False),
    userInfoURL=dict(type="str"),
    displayName=dict(type="str"),
    pkce=dict(type="bool"),
    extra=dict(type="dict"),
)

AUTH_OPTIONS = dict(
    password=dict(type="dict", no_log=False, options=dict(
        enabled=dict(type="bool"),
        identity_fields=dict(type="list", elements="str"),
    )),
    oauth2=dict(type="dict", options=dict(
        enabled=dict(type="bool"),
        providers=dict(type="list", elements="dict", options=PROVIDER_OPTIONS),
    )),
    otp=dict(type="dict", options=dict(
        enabled=dict(type="bool"),
        duration=dict(type="int"),
        length=dict(type="int"),
    )),
    mfa=dict(type="dict", options=dict(
        enabled=dict(type="bool"),
        duration=dict(type="int"),
        rule=dict(type="str"),
    )),
    only_verified=dict(type="bool"),
    min_password_length=dict(type="int", no_log=False),
    token_durations=dict(type="dict", no_log=False, options=dict(
        auth=dict(type="int"),
        password_reset=dict(type="int", no_log=False),
        verification=dict(type="int"),
        file=dict(type="int"),
        email_change=dict(type="int"),
    )),
)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        collections=dict(type="list", elements="dict", required=True, options=dict(
            name=dict(type="str", required=True),
            rules=dict(type="dict"),
            public=dict(type="list", elements="str", default=[]),
            auth=dict(type="dict", options=AUTH_OPTIONS),
            files=dict(type="dict"),
        )),
        allow_unsafe=dict(type="bool", default=False),
        oauth2_client_secrets=dict(type="dict", no_log=True),
        update_secrets=dict(type="str", choices=["on_change", "always", "never"], default="on_change"),
    )
    return spec


def blocking(code, key):
    """Whether a finding refuses the rule without a public intent.

    An empty authRule is PocketBase's default (every account with valid credentials may log in): it
    opens no data, so its findings never refuse (the linter rates them info/low; low and above are
    warnings); the auth options (only_verified, MFA) tighten it.
    """
    return code in BLOCKING_CODES and key != "authRule"


def _finding_dict(finding):
    return {
        "code": getattr(finding, "code", None),
        "severity": getattr(finding, "severity", None),
        "message": getattr(finding, "message", str(finding)),
    }


def lint_rules(specs, raw_by_name, generation, allow_unsafe):
    """Lint every declared rule; return (findings, refusals)."""
    findings, refusals = [], []
    if _rules is None:
        return findings, ["the rule parser (module_utils/_rules.py) is missing; refusing to apply rules unlinted"]
    # the linter sees the collections (normalized) as they will be after this call
    projected = {}
    for name, raw in raw_by_name.items():
        item = _compat.normalize_collection(raw, generation)
        for spec in specs:
            if spec["name"] == name:
                item["rules"] = dict(item.get("rules") or {}, **(spec.get("rules") or {}))
        projected[name] = item
    for spec in specs:
        intent = set(spec.get("public") or [])
        for key, expr in (spec.get("rules") or {}).items():
            if expr is None or key not in RULE_KEYS:
                continue
            try:
                result = _rules.lint_rule(expr, key, generation, projected.get(spec["name"]), projected)
            except Exception as exc:  # pylint: disable=broad-except  # a linter bug must not let a rule through
                refusals.append("collection %s: %s could not be linted (%s)" % (spec["name"], key, exc))
                continue
            for finding in result or []:
                item = _finding_dict(finding)
                item.update(collection=spec["name"], rule=key,
                            accepted=not blocking(item["code"], key) or key in intent)
                findings.append(item)
                if blocking(item["code"], key) and key not in intent and not allow_unsafe:
                    refusals.append(
                        "collection %s: %s %r is %s (%s); declare public: [%s] on collection %s if this "
                        "is intended" % (spec["name"], key, expr, item["code"], item["message"], key, spec["name"]))
    logic_findings, logic_refusals = lint_logic(specs, projected, generation, allow_unsafe)
    return findings + logic_findings, refusals + logic_refusals


def lint_logic(specs, projected, generation, allow_unsafe):
    """The audit's PBG-RUL-011..017 questions (who can satisfy a rule) on the declared rules, read
    with every collection as it will be after this call; returns (findings, refusals)."""
    intent = dict((s["name"], set(s.get("public") or [])) for s in specs)
    declared = set((s["name"], k) for s in specs for k, v in (s.get("rules") or {}).items() if v is not None)
    findings, refusals = [], []
    try:
        issues = _audit_rul.rule_logic_issues(list(projected.values()), generation,
                                              public=lambda name, rule: rule in intent.get(name, ()))
    except Exception as exc:  # pylint: disable=broad-except  # a linter bug must not let a rule through
        return findings, ["the rule-logic analysis failed (%s); refusing to apply rules unchecked" % exc]
    for control, severity, issue in issues:
        if (issue.collection, issue.rule) not in declared:
            continue
        blocks = control not in LOGIC_WARN_ONLY
        findings.append({"code": control, "severity": severity, "message": issue.message,
                         "collection": issue.collection, "rule": issue.rule, "accepted": not blocks})
        if blocks and not allow_unsafe:
            refusals.append("collection %s: %s: %s (%s)" % (issue.collection, issue.rule, issue.message, control))
    return findings, refusals


def shape_problems(spec):
    """Type problems of the free-form parts (rule map, file map) of one declaration, as paths."""
    name = spec["name"]
    problems = []
    for key, expr in (spec.get("rules") or {}).items():
        if expr is not None and not isinstance(expr, str):
            problems.append("collections[%s].rules.%s must be a string or null, not %s"
                            % (name, key, type(expr).__name__))
    for field, flags in (spec.get("files") or {}).items():
        if not isinstance(flags, dict):
            problems.append("collections[%s].files.%s must be a dict like {protected: true}, not %s"
                            % (name, field, type(flags).__name__))
            continue
        for key, value in flags.items():
            if key != "protected":
                problems.append("collections[%s].files.%s.%s is not a known key (only protected)" % (name, field, key))
            elif value is not None and not isinstance(value, bool):
                problems.append("collections[%s].files.%s.protected must be a boolean, not %r" % (name, field, value))
    return problems


def drop_unset(spec):
    """Suboptions fill undeclared keys with None; an OAuth2 provider must carry only declared keys."""
    providers = ((spec.get("auth") or {}).get("oauth2") or {}).get("providers")
    if providers is not None:
        spec["auth"]["oauth2"]["providers"] = [dict((k, v) for k, v in p.items() if v is not None)
                                               for p in providers]
    return spec


def run(module, client):
    specs = [drop_unset(spec) for spec in module.params["collections"]]
    problems = [msg for spec in specs for msg in shape_problems(spec)]
    if problems:
        module.fail_json(msg="invalid declaration; nothing was changed: " + " | ".join(problems))
    names = [s["name"] for s in specs]
    dupes = sorted(set(n for n in names if names.count(n) > 1))
    if dupes:
        module.fail_json(msg="collections declared more than once: %s" % ", ".join(dupes))
    bad_intent = ["%s: %s" % (s["name"], r) for s in specs for r in s.get("public") or [] if r not in RULE_KEYS]
    if bad_intent:
        module.fail_json(msg="public lists unknown rule names (%s); use %s" % (", ".join(bad_intent), ", ".join(RULE_KEYS)))
    if client.generation == "v022":
        module.fail_json(msg="pocketbase_collection enforces PocketBase 0.23+; this server is %s (0.22 generation). "
                             "Use pbguard.pocketbase.pocketbase_info to read it." % (client.version or "0.22.x"))
    raw_by_name = dict((c["name"], c) for c in client.list_collections())
    missing = [n for n in names if n not in raw_by_name]
    if missing:
        module.fail_json(msg="collections do not exist (this module does not create collections): %s"
                             % ", ".join(missing))

    secrets = module.params["oauth2_client_secrets"] or {}
    unknown_secret = sorted(set(secrets) - set(names))
    if unknown_secret:
        module.fail_json(msg="oauth2_client_secrets names undeclared collections: %s" % ", ".join(unknown_secret))
    plans = [_state.collection_plan(spec, raw_by_name[spec["name"]], secrets.get(spec["name"]),
                                    module.params["update_secrets"]) for spec in specs]
    errors = [e for p in plans for e in p["errors"]] + rule_field_errors(
        specs, dict((n, _compat.normalize_collection(raw, client.generation)) for n, raw in raw_by_name.items()),
        RULE_KEYS)
    if errors:
        module.fail_json(msg="invalid declaration; nothing was changed: " + " | ".join(errors),
                         collections=[], requests=[])

    findings, refusals = lint_rules(specs, raw_by_name, client.generation, module.params["allow_unsafe"])
    for item in findings:
        if not item["accepted"] or (module.params["allow_unsafe"] and blocking(item["code"], item["rule"])):
            continue
        if not blocking(item["code"], item["rule"]) and item["severity"] != "info":
            module.warn("collection %s: %s: %s (%s)" % (item["collection"], item["rule"], item["message"], item["code"]))
    if refusals:
        module.fail_json(msg="refusing unsafe rules; nothing was changed: " + " | ".join(refusals),
                         refused=refusals, findings=findings, collections=[], requests=[])

    entries = [p["entry"] for p in plans if p["entry"]]
    result = dict(
        changed=bool(entries),
        collections=[{"name": p["name"], "changed": p["changed"]} for p in plans],
        findings=findings,
        secrets_sent=[s for p in plans for s in p["secrets_sent"]],
        requests=[],
    )
    if entries:
        result["diff"] = {
            "before": dict((p["name"], p["diff"]["before"]) for p in plans if p["changes"]),
            "after": dict((p["name"], p["diff"]["after"]) for p in plans if p["changes"]),
        }
    if not entries or module.check_mode:
        return result

    path = "/api/collections/import"
    try:
        client.request("PUT", path, body={"collections": entries, "deleteMissing": False})
    except PocketBaseError as err:
        module.fail_json(msg=_state.error_message(err, "PUT %s (transactional: no collection was changed)" % path),
                         error=_state.error_details(err), findings=findings,
                         collections=result["collections"], requests=[])
    result["requests"].append({"method": "PUT", "path": path})

    # read back: the server must now match every declaration
    raw_by_name = dict((c["name"], c) for c in client.list_collections())
    left = []
    for spec in specs:
        again = _state.collection_plan(spec, raw_by_name.get(spec["name"]), secrets.get(spec["name"]), "never")
        left.extend("%s.%s" % (spec["name"], p) for p in again["changed"])
    if left:
        module.fail_json(msg="PocketBase accepted the import but these managed keys still differ: %s"
                             % ", ".join(left), **result)
    return result


def main():
    module = ShapeCheckedModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.check_shapes()
    module.exit_json(**_state.execute(module, client_from_module(module), run, "pocketbase_collection"))


if __name__ == "__main__":
    main()
