#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pocketbase_audit
short_description: Audit a PocketBase server against the pbguard control catalog (policy as code)
version_added: "0.1.0"
description:
  - Evaluates the selected controls of the pbguard catalog (see C(docs/controls.md)) for one PocketBase
    server in one call and returns the report; optionally writes it as JSON, JUnit XML, SARIF 2.1.0
    and Markdown.
  - C(api) scope reads one normalized snapshot through the API (collections, settings, superusers,
    health; a handful of requests, never one per collection). C(host) scope reads files, sockets,
    the systemd unit and proxy configuration on the machine the module runs on. C(probe) scope sends
    unauthenticated requests to O(url) (or O(probe_url)).
  - A check that cannot run reports C(error) with the reason; unknown is never C(pass).
  - Works against PocketBase 0.22.x and 0.23+.
  - The module fails when a non-waived C(fail) finding at or above O(fail_on) exists, after writing the reports.
author:
  - pbguard maintainers (@pbguard)
extends_documentation_fragment:
  - pbguard.pocketbase.connection
attributes:
  check_mode:
    support: full
    description:
      - Read-only (O(confirm) creates throwaway data and removes it again). In check mode the report is computed
        and returned but no report file is written, and confirm mode attacks nothing.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
options:
  scope:
    description: Which kinds of controls to run.
    type: list
    elements: str
    choices: [api, host, probe]
    default: [api]
  profile:
    description:
      - C(baseline) runs the source article's minimum posture for small projects (docs/sources.md), C(strict) the full checklist.
    type: str
    choices: [baseline, strict]
    default: baseline
  controls:
    description: Only run controls whose id matches one of these glob patterns (e.g. C(PBG-RUL-*)).
    type: list
    elements: str
  skip_controls:
    description: Skip controls whose id matches one of these glob patterns.
    type: list
    elements: str
  hooks_dir:
    description: Hooks directory (C(host) scope). Default from the unit's C(--hooksDir), else C(pb_hooks) next to O(data_dir).
    type: path
  hooks_manifest:
    description: JSON manifest of deployed hooks with a SHA-256 per file (C(host) scope).
    type: path
    default: /etc/pocketbase/hooks.manifest.json
  data_dir:
    description: PocketBase data dir (C(host) scope). Default from the unit's C(--dir), else C(/var/lib/pocketbase/pb_data).
    type: path
  public_dir:
    description:
      - Directory PocketBase serves as static files (C(host) scope, PBG-FIL-004). Default from the unit's
        C(--publicDir) (relative to its C(WorkingDirectory)), else C(pb_public) beside the binary (PocketBase's
        default) and beside O(data_dir).
      - Risky files found there are fetched once through O(url) to prove they are served (compared by digest,
        never reported).
    type: path
  binary_path:
    description: PocketBase binary (C(host) scope). Default from the unit's ExecStart, else C(/usr/local/bin/pocketbase).
    type: path
  env_file:
    description: Environment file of the unit holding the encryption key (C(host) scope; checked for mode 0600).
    type: path
  service_name:
    description: systemd unit name (C(host) scope).
    type: str
    default: pocketbase
  service_user:
    description: Service user (C(host) scope). Default from the unit's C(User=).
    type: str
  proxy_config_paths:
    description: Reverse proxy configuration files or directories to inspect (C(host) scope).
    type: list
    elements: path
  port:
    description: PocketBase's loopback port the proxy must forward to.
    type: int
    default: 8090
  expected_superusers:
    description: The declared superuser emails. Others are flagged as compromise indicators.
    type: list
    elements: str
  expected_collections:
    description: The declared non-system collection names (PBG-IOC-002).
    type: list
    elements: str
  expected_auth_methods:
    description: Auth collection name -> list of allowed methods (C(password), C(oauth2), C(otp)).
    type: dict
  public_rules:
    description:
      - "Collection name -> rule names meant to be public, e.g. C({posts: [listRule, viewRule], users: [createRule]})."
    type: dict
    default: {}
  pinned_version:
    description: The PocketBase version that should be running (PBG-VER-001).
    type: str
  min_password_length:
    description: Minimum acceptable password length of auth collections.
    type: int
    default: 10
  max_auth_token_duration:
    description: Maximum acceptable auth token duration in seconds.
    type: int
    default: 604800
  max_token_durations:
    description:
      - Upper limits in seconds per token type for PBG-AUT-007, overriding its defaults (C(auth) 2592000,
        C(verification) 604800, C(password_reset) 86400, C(email_change) 86400, C(file) 3600).
    type: dict
  max_exposure:
    description: Maximum acceptable C(systemd-analyze security) exposure level.
    type: float
    default: 2.0
  browser_app:
    description: A browser app calls the API (requires C(--origins)).
    type: bool
    default: false
  probe_url:
    description: URL for C(probe) scope (the public URL as clients see it). Defaults to O(url).
    type: str
  probe_credentials:
    description:
      - Opt-in weak-password probe of superuser logins with a handful of common passwords, stopping at the
        first HTTP 429. Only run it against servers you are allowed to test.
      - PBG-ADM-006 passes only when every attempt was refused (HTTP 400/401); a probe stopped by a rate limit,
        or attempts with no answer or a server error, make it C(error).
    type: bool
    default: false
  probe_max_attempts:
    description: Upper bound of login attempts of the credential probe.
    type: int
    default: 20
  cert_min_days:
    description:
      - PBG-NET-011 (probe) fails when the certificate served at the probed C(https://) URL expires in fewer
        days than this. The certificate is verified like every request (O(validate_certs), O(ca_path)); one
        that cannot be read or verified is an C(error), never a pass.
    type: int
    default: 21
  waivers:
    description:
      - A list of waivers, or the path of a YAML/JSON file holding one. Each waiver has C(control) (glob),
        optional C(target) (glob), C(justification) and C(expires) (YYYY-MM-DD). Expired waivers do not
        apply and the finding says so.
    type: raw
  report_dir:
    description: Directory to write reports to. No files are written when unset.
    type: path
  return_findings:
    description:
      - Which findings the returned RV(report) carries. The report files always hold every finding.
      - C(non_pass) (default) returns every finding that is not C(pass) (fail, waived, error, not applicable)
        and counts the passing ones per control in RV(report.pass_by_control); a large audit stays cheap to carry
        through Ansible.
      - C(all) returns every finding, as the JSON report file holds them.
    type: str
    choices: [non_pass, all]
    default: non_pass
  return_findings_per_control:
    description:
      - With O(return_findings=non_pass), at most this many findings of each control in RV(report.findings) (C(fail)
        first, then C(error), C(waived), C(not_applicable)); the others are counted in RV(report.omitted_by_control).
        RV(summary), RV(failing) and the report files always hold every finding. V(0) returns every non-pass finding.
      - Bounds the result of a large audit (10,000 collections with the same weak rule are 10,000 findings of one
        control), which Ansible copies, scrubs and serialises.
    type: int
    default: 100
  report_formats:
    description: Report formats to write.
    type: list
    elements: str
    choices: [json, junit, sarif, markdown]
    default: [json, junit, sarif, markdown]
  report_name:
    description: Base name of report files. Default C(pbguard-audit-<target_name>).
    type: str
  information_uri:
    description:
      - Where readers of the reports find the control documentation (for example your published copy of
        C(docs/controls.md)). Used as the report's C(tool.information_uri) and as SARIF C(informationUri)
        and per-rule C(helpUri) (C(<uri>#<control id>)).
      - No default. Unset, no report carries any URI; every SARIF rule is self-contained (short and full
        description, help text and Markdown with rationale and remediation).
    type: str
  target_name:
    description: Name of the audited target in reports (e.g. the inventory host name). Default the URL's host.
    type: str
  fail_on:
    description: Fail when a non-waived failing finding of at least this severity exists.
    type: str
    choices: [critical, high, medium, low, info, never]
    default: high
  fail_on_confirmed_only:
    description:
      - With O(confirm), only findings confirmed by exploitation (C(confirmation.status=confirmed)) count
        towards O(fail_on); suspected findings stay in the reports. Refused without O(confirm.enabled).
    type: bool
    default: false
  confirm:
    description:
      - "Confirm mode: for each failing finding with an attack class, run the attack against O(url) with
        throwaway, tagged users and records and record C(confirmation) on the finding: C(confirmed) (redacted
        request/response evidence), C(not_confirmed) (why) or C(not_testable) (why)."
      - "B(Only against staging, or with written permission): it creates and deletes data on the target."
      - "Attack classes: anonymous list/view/create/update/delete (PBG-RUL-001, 009, 015), a tautology passed
        by a guest or any user (PBG-RUL-002), a user acting on another user's record (PBG-RUL-003), a privilege
        field set at sign-up or on one's own record (PBG-RUL-011), a record created in another user's name
        (PBG-RUL-012), ownership transferred (PBG-RUL-013), a header/query value granting access (PBG-RUL-014),
        a self-registered account passing a rule for vetted users (PBG-RUL-017), a self-registered look-alike
        e-mail passing a C(~) rule or authRule (PBG-RUL-016), an unverified account logging in (PBG-AUT-002), a
        password shorter than O(min_password_length) accepted (PBG-AUT-004), an unprotected file downloaded
        without a file token (PBG-FIL-001), a risky public-dir file served (PBG-FIL-004). Every other failing
        finding reports C(not_testable) with the reason C(no confirming attack for <control> in this version)."
      - Everything created is tagged (C(pbg-confirm-<run>-...), e-mails at C(pbguard.invalid)) and deleted
        whatever happens; a run first sweeps the leftovers of a killed run by tag. Existing records are never
        modified; a read probe reports only a count. Record counts of every collection are compared before
        and after (result C(confirm)). Needs PocketBase 0.23+ (0.22 reports C(not_testable)); not run in check
        mode.
    type: dict
    suboptions:
      enabled:
        description: Run confirm mode.
        type: bool
        default: false
      i_have_permission_for:
        description:
          - The acknowledgement, required when O(confirm.enabled) is set. Must equal O(url) exactly (trailing
            C(/) ignored), so a copied inventory cannot silently attack another host.
        type: str
      pace:
        description: Seconds between confirm requests (HTTP 429 answers are retried after 2, 4 and 8 s).
        type: float
        default: 0.2
  fail_on_error:
    description:
      - Fail when any control ends in C(error), that is when its evidence could not be obtained (no
        answer, a timeout, an HTTP 429 that paced retries did not outlast, an unreadable file). An
        audit never passes what it could not see.
      - Unset, it is V(true) unless O(fail_on=never). V(false) accepts a partial audit (the errors stay
        in the report).
    type: bool
  _hooks_analysis:
    description:
      - Internal, set by the action plugin of the same name; do not set it. The controller's parser analysis of
        the hook files (analyser, dir, per file its SHA-256 and findings).
    type: dict
  _hooks_locate:
    description: Internal, set by the action plugin; only return the hooks dir the C(host) scope reads.
    type: bool
    default: false
requirements:
  - "Controller, optional: C(tree-sitter) and C(tree-sitter-javascript) (see C(requirements/dev.txt)). With them
    the action plugin fetches the hook files (C(host) scope) and analyses them on the controller with a real
    JavaScript parser and taint tracking; without them the module's standard-library lint runs on the target
    and the evidence says so."
notes:
  - Secrets (passwords, tokens, masked settings values, long rule literals) never appear in the report.
  - Hook files (C(host) scope) are read by M(ansible.builtin.slurp) through the action plugin and analysed on
    the controller in memory; only findings (code, file, line, message) are passed back, never source text.
  - C(api) and C(probe) audits of a host reached over the C(local) connection (no become, no async, no task
    C(environment)) run inside the action plugin, with the module's code, argument validation and C(no_log)
    scrubbing, instead of starting the module through AnsiballZ. The result is the same, at a fraction of the
    start-up cost (a fleet audited from one controller with C(ansible_connection=local)). Set the variable
    C(pbguard_audit_in_process=false) to force the module.
seealso:
  - module: pbguard.pocketbase.pocketbase_info
"""

EXAMPLES = r"""
- name: Audit a server through its API and write every report format
  pbguard.pocketbase.pocketbase_audit:
    url: http://127.0.0.1:8090
    email: "{{ pb_admin_email }}"
    password: "{{ pb_admin_password }}"
    scope: [api, host]
    profile: strict
    expected_superusers: [alice@corp.example]
    public_rules:
      posts: [listRule, viewRule]
      users: [createRule]
    waivers:
      - control: PBG-MON-005
        justification: Backups are taken by the hypervisor snapshot
        expires: "2027-01-31"
    report_dir: /var/tmp/pbguard
    fail_on: high

- name: Probe the public URL from the controller (unauthenticated requests only)
  pbguard.pocketbase.pocketbase_audit:
    url: https://pb.example.com
    scope: [probe]
    fail_on: never
  delegate_to: localhost
"""

RETURN = r"""
report:
  description: The audit report (design contract shape).
  returned: always
  type: dict
  contains:
    tool:
      description: Tool name and version.
      type: dict
    target:
      description: url, host, pocketbase_version.
      type: dict
    profile:
      description: The profile used.
      type: str
    summary:
      description: Count of findings per status (pass, fail, waived, error, not_applicable), always of every finding.
      type: dict
    findings:
      description:
        - One entry per control and target; with O(return_findings=non_pass) (default) only those that are not
          C(pass), at most O(return_findings_per_control) per control. The report files hold every finding.
      type: list
      elements: dict
    findings_returned:
      description: C(all) or C(non_pass), the O(return_findings) this result was built with.
      type: str
    pass_by_control:
      description:
        - With O(return_findings=non_pass), control id -> number of C(pass) findings left out of RV(report.findings).
      type: dict
      sample: {"PBG-RUL-001": 998, "PBG-ADM-001": 1}
    omitted_by_control:
      description:
        - With O(return_findings=non_pass), control id -> number of non-pass findings left out of RV(report.findings)
          by O(return_findings_per_control) (empty when none were). The report files hold them.
      type: dict
      sample: {"PBG-RUL-003": 2510}
summary:
  description: Same as report.summary.
  returned: always
  type: dict
  sample: {"pass": 30, "fail": 2, "waived": 1, "error": 0, "not_applicable": 4}
report_files:
  description: Format -> path of each report file written.
  returned: always
  type: dict
  sample: {"json": "/var/tmp/pbguard/pbguard-audit-web1.json"}
failing:
  description: Findings at or above O(fail_on) that fail the module (control, severity, target).
  returned: always
  type: list
  elements: dict
api_calls:
  description: API requests of the snapshot (method, path, status), never bodies.
  returned: always
  type: list
  elements: list
incomplete:
  description:
    - True when the C(api) scope was selected but the API could not be read at all (not reachable, login
      refused, ...). Every C(api) control is then C(error), so the module fails unless O(fail_on_error=false)
      (or O(fail_on=never) with O(fail_on_error) unset), with the cause first in C(msg).
  returned: always
  type: bool
causes:
  description:
    - Why the run is not clean, one sentence each, root causes first (also the start of C(msg)).
    - Errored controls grouped by cause (e.g. PocketBase not reachable), then expired waivers.
  returned: always
  type: list
  elements: str
  sample: ["PocketBase is not reachable: 24 control(s) could not run (PBG-ADM-001, ...): Cannot reach ..."]
confirm:
  description:
    - Confirm mode facts (empty unless O(confirm.enabled)) - C(run_id), C(swept_before) (leftovers of earlier
      runs removed, per collection), C(swept_after), C(cleanup_problems), C(counts_before), C(counts_after),
      C(counts_identical), C(requests) (method, path, status; never bodies).
  returned: always
  type: dict
probe_requests:
  description: Unauthenticated requests of the C(probe) scope (method, path, status), never bodies.
  returned: always
  type: list
  elements: list
"""

# First: an unsupported Python gets one clear line, not an ImportError (see _pyguard).
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pyguard  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pbguard.pocketbase.plugins.module_utils._argshape import ShapeCheckedModule
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _audit_run


def main():
    module = ShapeCheckedModule(argument_spec=_audit_run.argument_spec(), supports_check_mode=True,
                                required_together=_audit_run.REQUIRED_TOGETHER)
    module.check_shapes()
    if module.params["_hooks_locate"]:
        from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls  # the only use here
        module.exit_json(changed=False, hooks_dir=_controls.locate_hooks_dir(module.params, module.run_command))
    try:
        result = _audit_run.run(module.params, module.check_mode, module.run_command, module.warn)
    except _audit_run.AuditFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
