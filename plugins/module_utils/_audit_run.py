# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One audit run from validated parameters: gather, evaluate, report.

Called by the pocketbase_audit module (on the target, through AnsiballZ) and by its action plugin's
in-process path (on the controller, for api/probe audits over the local connection). It never exits
the process: a refusal or a failed audit raises ``AuditFailure`` carrying the message and the result.

The API snapshot is read in a thread while the control catalog is imported (``_controls``, imported
only then): both the collection loader and AnsiballZ compile every source on each run, and that
work overlaps the server's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _http
from ansible_collections.pbguard.pocketbase.plugins.module_utils._background import Background
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _publicdir
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _safefile
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _reports
from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseClient, PocketBaseError, connection_argument_spec)

TOOL_VERSION = "0.1.0"
REQUIRED_TOGETHER = [["email", "password"]]


class AuditFailure(Exception):
    """The task fails with ``msg``; ``result`` holds what the module returns alongside it."""

    def __init__(self, msg, **result):
        super(AuditFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


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
        return_findings_per_control=dict(type="int", default=100),
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


def read_waivers(value):
    """The waivers as data: the list given, or the file's list (YAML or JSON); not validated yet."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        try:
            with open(value, "r") as fh:
                text = fh.read()
        except (IOError, OSError) as exc:
            raise AuditFailure("Cannot read waivers file %s: %s" % (value, exc))
        try:
            data = parse_waivers_text(text)
        except Exception as exc:  # pylint: disable=broad-except
            raise AuditFailure("Cannot parse waivers file %s: %s" % (value, exc.__class__.__name__))
        if isinstance(data, dict):
            data = data.get("waivers", [])
        value = data
    return value


def validated_waivers(value):
    problems = _controls().validate_waivers(value)
    if problems:
        raise AuditFailure("Invalid waivers: %s" % "; ".join(problems))
    return value


def _controls():
    """The control catalog (imports every control module: done once, after the API read has started)."""
    from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as controls
    return controls


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


def confirm_opted_in(p, url):
    """True when confirm mode is on; a missing or mismatched acknowledgement fails before anything is sent."""
    opts = p.get("confirm") or {}
    if not opts.get("enabled"):
        if p["fail_on_confirmed_only"]:
            raise AuditFailure("fail_on_confirmed_only needs confirm.enabled=true.")
        return False
    ack = (opts.get("i_have_permission_for") or "").strip().rstrip("/")
    if not ack or ack != url:
        raise AuditFailure("confirm mode refused: confirm.i_have_permission_for must be exactly the audited url "
                           "(%s); it attacks the target, so run it only on staging or with written permission." % url)
    if opts.get("pace") is not None and opts["pace"] < 0:
        raise AuditFailure("confirm.pace must be 0 or more seconds.")
    return True


def _gather_api(p, url):
    """(snapshot, snapshot_error, client, api_calls) of the api scope."""
    if not (p.get("token") or (p.get("email") and p.get("password"))):
        return None, "no superuser credentials given (email/password or token)", None, []
    client = PocketBaseClient(url, email=p.get("email"), password=p.get("password"),
                              token=p.get("token"), timeout=p["timeout"],
                              validate_certs=p["validate_certs"], ca_path=p.get("ca_path"),
                              generation=p.get("api_generation") or "auto",
                              max_bytes=(p.get("max_response_mb") or 64) * 1024 * 1024)
    snapshot = snapshot_error = None
    try:
        snapshot = client.snapshot()
    except PocketBaseError as exc:
        snapshot_error = str(exc)  # message, then the hint once
    return snapshot, snapshot_error, client, [list(c) for c in client.calls]


def _gather_probe(p, probe_url, snapshot):
    """(probe, probe_error, probe_requests) of the probe scope."""
    try:
        probe = _controls().gather_probe(
            probe_url, _http.bounded_open_url, timeout=p["timeout"], validate_certs=p["validate_certs"],
            ca_path=p.get("ca_path"),
            emails=list(p.get("expected_superusers") or []) +
            [s.get("email") for s in (snapshot or {}).get("superusers") or []],
            probe_credentials=p["probe_credentials"], max_attempts=p["probe_max_attempts"])
    except Exception as exc:  # pylint: disable=broad-except
        return None, "%s: %s" % (exc.__class__.__name__, exc), []
    return probe, None, [list(c) for c in probe.pop("requests", [])]


def _gather_host(p, url, run_command, generation):
    """(host, host_error) of the host scope."""
    try:
        host = _controls().gather_host(p, run_command, generation=generation)
    except Exception as exc:  # pylint: disable=broad-except
        return None, "%s: %s" % (exc.__class__.__name__, exc)
    prove_public_files(host, url, p["timeout"], p["validate_certs"])
    return host, None


def _summary_message(report):
    s = report["summary"]
    msg = "%d pass, %d fail, %d waived, %d error, %d not applicable" % (
        s["pass"], s["fail"], s["waived"], s["error"], s["not_applicable"])
    why = _reports.console_causes(report)
    return ("%s. %s" % (" ".join(why), msg) if why else msg), why


def _gather(p, url, scopes, run_command, api_read):
    """Everything the selected scopes read, as a dict (AuditContext's inputs, the client, the requests);
    ``api_read`` is the background read of the api scope (None without it)."""
    g = dict(snapshot=None, snapshot_error=None, client=None, api_calls=[], probe=None, probe_error=None,
             probe_requests=[], host=None, host_error=None, secrets=[p.get("password"), p.get("token")])
    if api_read is not None:
        g["snapshot"], g["snapshot_error"], g["client"], g["api_calls"] = api_read.result()
        if g["snapshot"] is not None:
            g["secrets"].append(g["client"].token)  # the session token: scrubbed from reports like the password
    g["probe_url"] = (p.get("probe_url") or url).rstrip("/")
    if "probe" in scopes:
        g["probe"], g["probe_error"], g["probe_requests"] = _gather_probe(p, g["probe_url"], g["snapshot"])
    if "host" in scopes:
        g["host"], g["host_error"] = _gather_host(p, url, run_command, (g["snapshot"] or {}).get("generation")
                                                  or (g["probe"] or {}).get("generation"))
    return g


def _context(p, scopes, url, g):
    params = dict((k, p.get(k)) for k in (
        "expected_superusers", "expected_collections", "expected_auth_methods", "public_rules", "pinned_version",
        "min_password_length", "max_auth_token_duration", "max_token_durations", "max_exposure", "browser_app",
        "port", "cert_min_days"))
    params["url"] = g["probe_url"] if ("probe" in scopes and p.get("probe_url")) else url
    return _controls().AuditContext(params, snapshot=g["snapshot"], snapshot_error=g["snapshot_error"],
                                    probe=g["probe"], probe_error=g["probe_error"], host=g["host"],
                                    host_error=g["host_error"], url=params["url"])


def _verdict(p, report, result, msg):
    """Raises AuditFailure when the audit fails (findings at or above fail_on, or undecided controls)."""
    if result["failing"]:
        raise AuditFailure("Audit failed: %d finding(s) at or above %s (%s)"
                           % (len(result["failing"]), p["fail_on"], msg), **result)
    fail_on_error = p["fail_on_error"] if p["fail_on_error"] is not None else p["fail_on"] != "never"
    if report["summary"]["error"] and fail_on_error:
        raise AuditFailure("Audit incomplete: %s. %d control(s) could not be decided: an unchecked control is "
                           "not a pass. Fix the cause named first, or set fail_on_error=false to accept a "
                           "partial audit." % (msg, report["summary"]["error"]), **result)


def run(p, check_mode, run_command=None, warn=None):
    """Audits with the validated parameters ``p``; returns the module result (``msg`` included) or raises
    AuditFailure. ``run_command`` (AnsibleModule's) is needed by the host scope only."""
    scopes = p["scope"]
    waivers = read_waivers(p["waivers"])
    url = (p["url"] or "").rstrip("/")
    confirming = confirm_opted_in(p, url)  # before anything is sent
    api_read = Background(_gather_api, p, url) if "api" in scopes else None
    try:
        waivers = validated_waivers(waivers)  # imports the catalog while the API answers
    except AuditFailure:
        if api_read is not None:
            api_read.result()  # not left running: its client holds the session token
        raise
    g = _gather(p, url, scopes, run_command, api_read)
    secrets = g["secrets"]
    ctx = _context(p, scopes, url, g)
    selected = _controls().select_controls(scopes, p["profile"], p.get("controls"), p.get("skip_controls"))
    findings = _controls().apply_waivers(_controls().run_controls(ctx, selected), waivers, datetime.date.today())
    confirm_info = {}
    if confirming:
        # imported here: the attack code is only needed in confirm mode
        from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import runner as _confirm_runner
        confirm_info = _confirm_runner.confirm_findings(
            findings, g["client"] if g["snapshot"] is not None else None, ctx.generation(), host=g["host"],
            pace=p["confirm"]["pace"], check_mode=check_mode)

    target = {"url": url, "host": p.get("target_name") or target_host(url), "pocketbase_version": ctx.version()}
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = _reports.build_report(findings, target, p["profile"], scopes, TOOL_VERSION, now,
                                   information_uri=p["information_uri"])
    if confirming:
        report["confirm"] = dict((k, confirm_info.get(k)) for k in (
            "run_id", "counts_identical", "swept_before", "cleanup_problems"))
    report = _reports.scrub(report, secrets)
    returned = _reports.returned_report(report, p["return_findings"], p["return_findings_per_control"])

    report_files = {}
    if p.get("report_dir") and not check_mode:
        try:
            report_files = _reports.write_reports(report, p["report_dir"], p["report_formats"],
                                                  _controls().catalog(), p.get("report_name"))
        except (IOError, OSError, _safefile.UnsafePath) as exc:
            raise AuditFailure("Cannot write reports to %s: %s" % (p["report_dir"], exc), report=returned)

    failing = [{"control": f["control"], "severity": f["severity"], "target": f["target"]}
               for f in _reports.failing(report, p["fail_on"], confirmed_only=p["fail_on_confirmed_only"])]
    result = dict(changed=False, report=returned, summary=report["summary"], report_files=report_files,
                  failing=failing, api_calls=g["api_calls"], probe_requests=g["probe_requests"],
                  confirm=_reports.scrub(confirm_info, secrets))
    if warn and (confirm_info.get("cleanup_problems") or not confirm_info.get("counts_identical", True)):
        warn("confirm mode: cleanup incomplete or record counts changed during the run (see result "
             "confirm): %s" % "; ".join(confirm_info.get("cleanup_problems") or ["counts differ"]))
    msg, result["causes"] = _summary_message(report)
    # fail closed: an audit that could not read the API at all is not a passing audit
    result["incomplete"] = bool(g["snapshot_error"]) and "api" in scopes
    _verdict(p, report, result, msg)
    result["msg"] = msg
    return result
