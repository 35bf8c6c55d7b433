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
          C(pass). The report files hold every finding.
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
import datetime
import json
import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._argshape import ShapeCheckedModule
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _http
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _publicdir
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _safefile
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _reports
from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseClient, PocketBaseError, connection_argument_spec)

TOOL_VERSION = "0.1.0"


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        scope=dict(type="list", elements="str", choices=["api", "host", "probe"], default=["api"]),
        profile=dict(type="str", choices=["baseline", "strict"], default="baseline"),
        controls=dict(type="list", elements="str"),
        skip_controls=dict(type="list", elements="str"),
        hooks_dir=dict(type="path"),
        hooks_manifest=dict(type="path", default="/etc/pocketbase/hooks.manifest.json"),
        data_dir=dict(type="path"),
        public_dir=dict(type="path"),
        binary_path=dict(type="path"),
        env_file=dict(type="path"),
        service_name=dict(type="str", default="pocketbase"),
        service_user=dict(type="str"),
        proxy_config_paths=dict(type="list", elements="path"),
        port=dict(type="int", default=8090),
        expected_superusers=dict(type="list", elements="str"),
        expected_collections=dict(type="list", elements="str"),
        expected_auth_methods=dict(type="dict"),
        public_rules=dict(type="dict", default={}),
        pinned_version=dict(type="str"),
        min_password_length=dict(type="int", default=10, no_log=False),
        max_auth_token_duration=dict(type="int", default=604800, no_log=False),
        max_token_durations=dict(type="dict", no_log=False),
        max_exposure=dict(type="float", default=2.0),
        browser_app=dict(type="bool", default=False),
        probe_url=dict(type="str"),
        probe_credentials=dict(type="bool", default=False, no_log=False),
        probe_max_attempts=dict(type="int", default=20),
        cert_min_days=dict(type="int", default=21),
        waivers=dict(type="raw"),
        report_dir=dict(type="path"),
        report_formats=dict(type="list", elements="str", choices=list(_reports.FORMATS),
                            default=list(_reports.FORMATS)),
        report_name=dict(type="str"),
        return_findings=dict(type="str", choices=["non_pass", "all"], default="non_pass"),
        information_uri=dict(type="str"),
        target_name=dict(type="str"),
        fail_on=dict(type="str", choices=["critical", "high", "medium", "low", "info", "never"], default="high"),
        fail_on_error=dict(type="bool"),
        fail_on_confirmed_only=dict(type="bool", default=False),
        confirm=dict(type="dict", options=dict(
            enabled=dict(type="bool", default=False),
            i_have_permission_for=dict(type="str"),
            pace=dict(type="float", default=0.2),
        )),
        _hooks_analysis=dict(type="dict"),
        _hooks_locate=dict(type="bool", default=False),
    )
    return spec


def load_waivers(module, value):
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        try:
            with open(value, "r") as fh:
                text = fh.read()
        except (IOError, OSError) as exc:
            module.fail_json(msg="Cannot read waivers file %s: %s" % (value, exc))
        try:
            data = parse_waivers_text(text)
        except Exception as exc:  # pylint: disable=broad-except
            module.fail_json(msg="Cannot parse waivers file %s: %s" % (value, exc.__class__.__name__))
        if isinstance(data, dict):
            data = data.get("waivers", [])
        value = data
    problems = _controls.validate_waivers(value)
    if problems:
        module.fail_json(msg="Invalid waivers: %s" % "; ".join(problems))
    return value


def parse_waivers_text(text):
    try:  # imported here: most runs have no waivers file
        import yaml
    except ImportError:  # pragma: no cover
        return json.loads(text)
    return yaml.safe_load(text)


def prove_public_files(host, url, timeout, validate_certs):
    """Fetch the risky files found in the public dir through the server (PBG-FIL-004 evidence)."""
    def fetch(file_url):
        try:
            resp = _http.bounded_open_url(file_url, method="GET", timeout=timeout, validate_certs=validate_certs,
                                          follow_redirects="none")
            return resp.getcode(), resp.read()
        except Exception as exc:  # pylint: disable=broad-except
            if getattr(exc, "code", None) is None:
                raise
            return exc.code, b""

    for public in host.get("public_dirs") or []:
        if public.get("files") and url:
            _publicdir.probe_served(url, public["files"], fetch)


def target_host(url):
    m = re.match(r"^[a-z]+://(\[[^\]]+\]|[^/:]+)(?::(\d+))?", url or "", re.I)
    if not m:
        return url or "pocketbase"
    return m.group(1) + (":" + m.group(2) if m.group(2) else "")


def confirm_opted_in(module, url):
    """True when confirm mode is on; a missing or mismatched acknowledgement fails before anything is sent."""
    opts = module.params.get("confirm") or {}
    if not opts.get("enabled"):
        if module.params["fail_on_confirmed_only"]:
            module.fail_json(msg="fail_on_confirmed_only needs confirm.enabled=true.")
        return False
    ack = (opts.get("i_have_permission_for") or "").strip().rstrip("/")
    if not ack or ack != url:
        module.fail_json(msg="confirm mode refused: confirm.i_have_permission_for must be exactly the audited url "
                             "(%s); it attacks the target, so run it only on staging or with written permission."
                         % url)
    if opts.get("pace") is not None and opts["pace"] < 0:
        module.fail_json(msg="confirm.pace must be 0 or more seconds.")
    return True


def main():
    module = ShapeCheckedModule(argument_spec=argument_spec(), supports_check_mode=True,
                                required_together=[["email", "password"]])
    module.check_shapes()
    p = module.params
    if p["_hooks_locate"]:
        module.exit_json(changed=False, hooks_dir=_controls.locate_hooks_dir(p, module.run_command))
    scopes = p["scope"]
    waivers = load_waivers(module, p["waivers"])
    secrets = [p.get("password"), p.get("token")]
    url = (p["url"] or "").rstrip("/")
    api_calls = []
    probe_requests = []
    confirming = confirm_opted_in(module, url)

    snapshot = snapshot_error = None
    client = None
    if "api" in scopes:
        if not (p.get("token") or (p.get("email") and p.get("password"))):
            snapshot_error = "no superuser credentials given (email/password or token)"
        else:
            client = PocketBaseClient(url, email=p.get("email"), password=p.get("password"),
                                      token=p.get("token"), timeout=p["timeout"],
                                      validate_certs=p["validate_certs"], ca_path=p.get("ca_path"),
                                      generation=p.get("api_generation") or "auto",
                                      max_bytes=(p.get("max_response_mb") or 64) * 1024 * 1024)
            try:
                snapshot = client.snapshot()
            except PocketBaseError as exc:
                snapshot_error = str(exc)  # message, then the hint once
            if snapshot is not None:
                secrets.append(client.token)  # the session token: scrubbed from reports like the password
            api_calls.extend([list(c) for c in client.calls])

    probe = probe_error = None
    probe_url = (p.get("probe_url") or url).rstrip("/")
    if "probe" in scopes:
        try:
            probe = _controls.gather_probe(
                probe_url, _http.bounded_open_url, timeout=p["timeout"], validate_certs=p["validate_certs"],
                ca_path=p.get("ca_path"),
                emails=list(p.get("expected_superusers") or []) +
                [s.get("email") for s in (snapshot or {}).get("superusers") or []],
                probe_credentials=p["probe_credentials"], max_attempts=p["probe_max_attempts"])
            probe_requests.extend([list(c) for c in probe.pop("requests", [])])
        except Exception as exc:  # pylint: disable=broad-except
            probe_error = "%s: %s" % (exc.__class__.__name__, exc)

    host = host_error = None
    if "host" in scopes:
        try:
            host = _controls.gather_host(p, module.run_command,
                                         generation=(snapshot or {}).get("generation") or (probe or {}).get("generation"))
        except Exception as exc:  # pylint: disable=broad-except
            host_error = "%s: %s" % (exc.__class__.__name__, exc)
        else:
            prove_public_files(host, url, p["timeout"], p["validate_certs"])

    params = dict((k, p.get(k)) for k in (
        "expected_superusers", "expected_collections", "expected_auth_methods", "public_rules", "pinned_version",
        "min_password_length", "max_auth_token_duration", "max_token_durations", "max_exposure", "browser_app",
        "port", "cert_min_days"))
    params["url"] = probe_url if ("probe" in scopes and p.get("probe_url")) else url
    ctx = _controls.AuditContext(params, snapshot=snapshot, snapshot_error=snapshot_error, probe=probe,
                                 probe_error=probe_error, host=host, host_error=host_error, url=params["url"])
    selected = _controls.select_controls(scopes, p["profile"], p.get("controls"), p.get("skip_controls"))
    findings = _controls.run_controls(ctx, selected)
    findings = _controls.apply_waivers(findings, waivers, datetime.date.today())
    confirm_info = {}
    if confirming:
        # imported here: the attack code is only needed in confirm mode
        from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import runner as _confirm_runner
        confirm_info = _confirm_runner.confirm_findings(
            findings, client if snapshot is not None else None, ctx.generation(), host=host,
            pace=p["confirm"]["pace"], check_mode=module.check_mode)

    target = {"url": url, "host": p.get("target_name") or target_host(url),
              "pocketbase_version": ctx.version()}
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = _reports.build_report(findings, target, p["profile"], scopes, TOOL_VERSION, now,
                                   information_uri=p["information_uri"])
    if confirming:
        report["confirm"] = dict((k, confirm_info.get(k)) for k in (
            "run_id", "counts_identical", "swept_before", "cleanup_problems"))
    report = _reports.scrub(report, secrets)

    report_files = {}
    if p.get("report_dir") and not module.check_mode:
        try:
            report_files = _reports.write_reports(report, p["report_dir"], p["report_formats"],
                                                  _controls.catalog(), p.get("report_name"))
        except (IOError, OSError, _safefile.UnsafePath) as exc:
            module.fail_json(msg="Cannot write reports to %s: %s" % (p["report_dir"], exc),
                             report=_reports.returned_report(report, p["return_findings"]))

    failing = [{"control": f["control"], "severity": f["severity"], "target": f["target"]}
               for f in _reports.failing(report, p["fail_on"], confirmed_only=p["fail_on_confirmed_only"])]
    result = dict(changed=False, report=_reports.returned_report(report, p["return_findings"]),
                  summary=report["summary"], report_files=report_files,
                  failing=failing, api_calls=api_calls, probe_requests=probe_requests,
                  confirm=_reports.scrub(confirm_info, secrets))
    if confirm_info.get("cleanup_problems") or not confirm_info.get("counts_identical", True):
        module.warn("confirm mode: cleanup incomplete or record counts changed during the run (see result "
                    "confirm): %s" % "; ".join(confirm_info.get("cleanup_problems") or ["counts differ"]))
    s = report["summary"]
    msg = "%d pass, %d fail, %d waived, %d error, %d not applicable" % (
        s["pass"], s["fail"], s["waived"], s["error"], s["not_applicable"])
    why = _reports.console_causes(report)
    result["causes"] = why
    if why:
        msg = "%s. %s" % (" ".join(why), msg)
    # fail closed: an audit that could not read the API at all is not a passing audit
    result["incomplete"] = bool(snapshot_error) and "api" in scopes
    if failing:
        module.fail_json(msg="Audit failed: %d finding(s) at or above %s (%s)" % (len(failing), p["fail_on"], msg),
                         **result)
    fail_on_error = p["fail_on_error"] if p["fail_on_error"] is not None else p["fail_on"] != "never"
    if s["error"] and fail_on_error:
        module.fail_json(msg="Audit incomplete: %s. %d control(s) could not be decided: an unchecked control is "
                             "not a pass. Fix the cause named first, or set fail_on_error=false to accept a "
                             "partial audit." % (msg, s["error"]), **result)
    module.exit_json(msg=msg, **result)


if __name__ == "__main__":
    main()
