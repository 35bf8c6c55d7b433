# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit report writers: JSON, JUnit XML, SARIF 2.1.0, Markdown. Pure functions plus ``write_reports``.

Private module_utils: the interface may change.

The report dict (design contract "Audit contract")::

    {"tool": {"name", "version", "information_uri"?},   # information_uri only when the user set one
     "target": {"url", "host", "pocketbase_version"},
     "profile": "baseline" | "strict", "scope": [...], "generated_at": "...Z",
     "summary": {"pass", "fail", "waived", "error", "not_applicable"},
     "findings": [{"control", "title", "severity", "status", "target", "evidence", "remediation",
                   "area", "scope", "waiver"?: {...}}]}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _safefile

STATUSES = ("pass", "fail", "waived", "error", "not_applicable")
SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = dict((s, i) for i, s in enumerate(SEVERITIES))
# SARIF security-severity (GitHub code scanning bands: >=9 critical, >=7 high, >=4 medium, >0.1 low)
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
FORMATS = ("json", "junit", "sarif", "markdown")
EXTENSIONS = {"json": ".json", "junit": ".junit.xml", "sarif": ".sarif", "markdown": ".md"}
MASK = "********"
TOOL_NAME = "pbguard"
AREAS = ("NET", "ADM", "RUL", "AUT", "FIL", "HOK", "MON", "VER", "IOC", "SYS")


def summarize(findings):
    summary = dict((s, 0) for s in STATUSES)
    for f in findings:
        summary[f["status"]] = summary.get(f["status"], 0) + 1
    return summary


def build_report(findings, target, profile, scope, tool_version, generated_at, information_uri=None):
    """``information_uri``: where users read about the controls (e.g. your copy of docs/controls.md);
    no default, and without it no report carries a URI (SARIF rules are self-contained)."""
    tool = {"name": TOOL_NAME, "version": tool_version}
    if information_uri:
        tool["information_uri"] = information_uri
    return {
        "tool": tool,
        "target": dict(target),
        "profile": profile,
        "scope": list(scope),
        "generated_at": generated_at,
        "summary": summarize(findings),
        "errors_by_cause": errors_by_cause(findings),
        "expired_waivers": expired_waivers(findings),
        "findings": list(findings),
    }


RETURN_FINDINGS = ("non_pass", "all")


# which non-pass findings of a control a capped result keeps first
_KEEP_FIRST = {"fail": 0, "error": 1, "waived": 2, "not_applicable": 3}


def returned_report(report, return_findings="non_pass", per_control=0):
    """The report as the module returns it. ``all``: every finding. ``non_pass``: the findings that are
    not ``pass`` plus ``pass_by_control`` (control id -> count of the pass findings left out), so a
    10,000-collection audit does not carry thousands of passes through Ansible; with ``per_control`` > 0
    at most that many per control (fail first, then error, waived, not applicable, each in report order),
    the rest counted in ``omitted_by_control``. The summary always counts every finding; the report files
    are written from the full report."""
    if return_findings not in RETURN_FINDINGS:
        raise ValueError("return_findings must be one of %s" % ", ".join(RETURN_FINDINGS))
    returned = dict((k, v) for k, v in report.items() if k != "findings")
    returned["findings_returned"] = return_findings
    if return_findings == "all":
        returned["findings"] = list(report["findings"])
        return returned
    passed = {}
    by_control = {}
    for index, finding in enumerate(report["findings"]):
        if finding["status"] == "pass":
            passed[finding["control"]] = passed.get(finding["control"], 0) + 1
        else:
            by_control.setdefault(finding["control"], []).append((index, finding))
    kept, omitted = [], {}
    for control, items in by_control.items():
        if per_control and len(items) > per_control:
            items = sorted(items, key=lambda item: _KEEP_FIRST.get(item[1]["status"], 4))
            omitted[control] = len(items) - per_control
            items = items[:per_control]
        kept.extend(items)
    kept.sort(key=lambda item: item[0])
    returned["findings"] = [finding for _index, finding in kept]
    returned["pass_by_control"] = passed
    returned["omitted_by_control"] = omitted
    return returned


# What an error's evidence says, reduced to the cause: the prefix a check puts in front of a
# shared reason ("no API snapshot: <why>") is not part of the cause.
_CAUSE_PREFIX_RE = re.compile(r"^(no API snapshot|no host facts|no probe facts|host facts unavailable|"
                              r"probe unavailable): ", re.I)
_CAUSE_KINDS = (
    ("PocketBase is not reachable", re.compile(r"cannot reach|connection refused|unreachable|timed out|"
                                               r"name or service not known|no route to host", re.I)),
    ("PocketBase refused the credentials", re.compile(r"wrong email or password|auth_failed|"
                                                      r"failed to authenticate|invalid login", re.I)),
    ("MFA is required for the audit login", re.compile(r"\bmfa\b", re.I)),
    ("Rate limited (HTTP 429)", re.compile(r"\b429\b|too many requests", re.I)),
    ("No superuser credentials were given", re.compile(r"no superuser credentials", re.I)),
)


def _cause_of(evidence):
    return _CAUSE_PREFIX_RE.sub("", str(evidence or "").strip()) or "no reason given"


def _cause_kind(cause):
    for label, pattern in _CAUSE_KINDS:
        if pattern.search(cause):
            return label
    return "Controls could not run"


def errors_by_cause(findings):
    """Errored findings grouped by root cause, largest group first:
    ``[{"kind", "cause", "count", "controls": [ids]}]``. One unreachable server is one cause, not 30 rows."""
    groups = {}
    for f in findings:
        if f["status"] != "error":
            continue
        cause = _cause_of(f.get("evidence"))
        group = groups.setdefault(cause, {"kind": _cause_kind(cause), "cause": cause, "count": 0, "controls": []})
        group["count"] += 1
        if f["control"] not in group["controls"]:
            group["controls"].append(f["control"])
    return sorted(groups.values(), key=lambda g: (-g["count"], g["cause"]))


def expired_waivers(findings):
    """Waivers that no longer apply (their findings fail again): ``[{"control", "target", "expires"}]``."""
    return [{"control": f["control"], "target": f["target"], "expires": f["waiver"].get("expires"),
             "justification": f["waiver"].get("justification", "")}
            for f in findings if (f.get("waiver") or {}).get("expired")]


def _cause_groups(report):
    # reports built before errors_by_cause existed (or by hand in tests) are grouped on the fly
    if "errors_by_cause" in report:
        return report["errors_by_cause"]
    return errors_by_cause(report["findings"])


def console_causes(report, limit=5):
    """One sentence per root cause, for the console and the role's failure message."""
    lines = []
    for g in _cause_groups(report):
        ids = g["controls"][:limit] + (["..."] if len(g["controls"]) > limit else [])
        lines.append("%s: %d control(s) could not run (%s): %s"
                     % (g["kind"], g["count"], ", ".join(ids), _short(g["cause"], 300)))
    for w in report.get("expired_waivers") or expired_waivers(report["findings"]):
        lines.append("Waiver for %s on %s expired on %s: the finding fails again." % (
            w["control"], w["target"], w["expires"]))
    return lines


def mentions_any(obj, secrets):
    """Whether any secret occurs in any string (or key) of obj. JSON escapes character by character, so a
    secret inside a string shows in the JSON text as its own escaped form. Not JSON data: assume yes."""
    try:
        text = json.dumps(obj, ensure_ascii=False)
    except (TypeError, ValueError):
        return True
    escaped = [json.dumps(s, ensure_ascii=False)[1:-1] for s in secrets]
    return bool(re.search("|".join(re.escape(e) for e in escaped), text))


def scrub(obj, secrets):
    """Replace every occurrence of any secret string (len >= 4) in every string of obj by MASK."""
    secrets = sorted(set(s for s in (secrets or []) if isinstance(s, str) and len(s) >= 4), key=len, reverse=True)
    if not secrets:
        return obj
    pattern = re.compile("|".join(re.escape(s) for s in secrets))
    if not mentions_any(obj, secrets):
        return obj  # the usual case: one search of the JSON text instead of rebuilding every string

    def walk(value):
        if isinstance(value, str):
            return pattern.sub(MASK, value)
        if isinstance(value, dict):
            return dict((walk(k), walk(v)) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value
    return walk(obj)


def failing(report, threshold, confirmed_only=False):
    """Findings with status fail at or above ``threshold`` (a severity or 'never'); with
    ``confirmed_only`` only those confirm mode confirmed by exploitation."""
    if threshold not in SEVERITY_RANK:
        return []
    rank = SEVERITY_RANK[threshold]
    return [f for f in report["findings"] if f["status"] == "fail" and SEVERITY_RANK[f["severity"]] >= rank
            and (not confirmed_only or confirmation_status(f) == "confirmed")]


# --------------------------------------------------------------------------- confirm mode

# SARIF ``rank`` (0-100, relevance): confirmed by exploitation high, suspected lower
CONFIRMATION_RANK = {"confirmed": 95.0, "not_testable": 50.0, "not_confirmed": 30.0}


def confirmation_status(finding):
    return (finding.get("confirmation") or {}).get("status")


def confirmation_text(finding):
    """``confirmed: <evidence>`` / ``not_confirmed: <reason>`` / '' (no confirmation)."""
    c = finding.get("confirmation") or {}
    if not c:
        return ""
    detail = "; ".join(c.get("evidence") or []) if c["status"] == "confirmed" else c.get("reason", "")
    return "%s: %s" % (c["status"], detail) if detail else c["status"]


# --------------------------------------------------------------------------- JSON

def to_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- JUnit

def to_junit(report):
    """JUnit XML: one testsuite per area, one testcase per control/target."""
    host = report["target"].get("host") or report["target"].get("url") or "pocketbase"
    root = ET.Element("testsuites", name="pbguard audit %s" % host)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    by_area = {}
    for f in report["findings"]:
        by_area.setdefault(f.get("area") or f["control"].split("-")[1], []).append(f)
    for area in sorted(by_area, key=lambda a: AREAS.index(a) if a in AREAS else 99):
        items = by_area[area]
        suite = ET.SubElement(root, "testsuite", name="%s %s" % (host, area))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for f in items:
            case = ET.SubElement(suite, "testcase", classname="%s.%s" % (host, f["control"]),
                                 name="%s %s" % (f["control"], f["target"]), time=_seconds(f.get("duration")))
            ET.SubElement(case, "properties")
            props = case.find("properties")
            for key in ("severity", "status", "title"):
                ET.SubElement(props, "property", name=key, value=str(f.get(key, "")))
            text = "%s\n%s\nremediation: %s" % (f["title"], f.get("evidence", ""), f.get("remediation", ""))
            if f.get("confirmation"):
                ET.SubElement(props, "property", name="confirmation", value=confirmation_status(f))
                text += "\nconfirmation: %s" % confirmation_text(f)
            counts["tests"] += 1
            if f["status"] == "fail":
                prefix = "[%s] " % confirmation_status(f) if f.get("confirmation") else ""
                node = ET.SubElement(case, "failure", type=f["severity"], message=_short(prefix + f.get("evidence", "")))
                node.text = text
                counts["failures"] += 1
            elif f["status"] == "error":
                node = ET.SubElement(case, "error", type="error", message=_short(f.get("evidence")))
                node.text = text
                counts["errors"] += 1
            elif f["status"] in ("waived", "not_applicable"):
                msg = f.get("evidence", "")
                if f["status"] == "waived" and f.get("waiver"):
                    msg = "waived until %s: %s" % (f["waiver"].get("expires"), f["waiver"].get("justification"))
                ET.SubElement(case, "skipped", message=_short(msg))
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", _seconds(sum(f.get("duration") or 0 for f in items)))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(sum(f.get("duration") or 0 for f in report["findings"])))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _seconds(value):
    """JUnit ``time`` (seconds, 3 decimals) from a finding's ``duration``."""
    return "%.3f" % float(value or 0)


def _short(text, limit=240):
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --------------------------------------------------------------------------- SARIF

def to_sarif(report, catalog):
    """SARIF 2.1.0. ``catalog``: list of control dicts (id, title, severity, rationale, remediation, ...).

    Rule ids are the control ids (stable); results for fail/waived/error findings; locations name
    the target URL as artifact and ``<host>/<target>`` as logical location.
    """
    target = report["target"]
    host = target.get("host") or "pocketbase"
    base_uri = target.get("url") or ("pocketbase://%s/" % host)
    used = sorted(set(f["control"] for f in report["findings"]))
    controls = dict((c["id"], c) for c in catalog)
    rules = []
    index = {}
    for cid in used:
        c = controls.get(cid)
        if c is None:
            continue
        index[cid] = len(rules)
        rules.append(_sarif_rule(c, report["tool"].get("information_uri")))
    results = [_sarif_result(f, host, base_uri, index) for f in report["findings"]
               if f["status"] in ("fail", "waived", "error") and f["control"] in index]
    driver = {"name": TOOL_NAME, "version": report["tool"]["version"],
              "semanticVersion": report["tool"]["version"], "rules": rules}
    if report["tool"].get("information_uri"):
        driver["informationUri"] = report["tool"]["information_uri"]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": "pbguard-audit/%s/" % host},
            "invocations": [_sarif_invocation(report)],
            "properties": {"target": target},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _sarif_result(f, host, base_uri, index):
    """One SARIF result for a fail/waived/error finding ``f``; ``index``: control id -> rule index."""
    location = {
        "physicalLocation": {"artifactLocation": {"uri": base_uri}},
        "logicalLocations": [{"name": f["target"], "fullyQualifiedName": "%s/%s" % (host, f["target"]),
                              "kind": "resource"}],
    }
    if f.get("file"):
        location["physicalLocation"] = {"artifactLocation": {"uri": _file_uri(f["file"])}}
        if f.get("line"):
            location["physicalLocation"]["region"] = {"startLine": int(f["line"])}
    result = {
        "ruleId": f["control"],
        "ruleIndex": index[f["control"]],
        "kind": "review" if f["status"] == "error" else "fail",
        "level": "note" if f["status"] == "error" else SARIF_LEVEL[f["severity"]],
        "message": {"text": "%s: %s" % (f["title"], f.get("evidence") or f["status"])},
        "locations": [location],
        "partialFingerprints": {"pbguardTarget/v1": "%s|%s|%s" % (host, f["control"], f["target"])},
        "properties": {"status": f["status"], "severity": f["severity"], "host": host,
                       "security-severity": SECURITY_SEVERITY[f["severity"]]},
    }
    if f.get("confirmation"):
        result["properties"]["confirmation"] = dict(f["confirmation"])
        result["rank"] = CONFIRMATION_RANK[confirmation_status(f)]
    if f["status"] == "waived":
        w = f.get("waiver") or {}
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": "%s (expires %s)" % (w.get("justification", ""),
                                                                         w.get("expires", "never"))}]
    return result


def _sarif_rule(c, information_uri=None):
    """A SARIF rule that reads on its own in a code-scanning dashboard: title, rationale and remediation
    from the catalog; ``helpUri`` only when the user gave an ``information_uri``."""
    cid = c["id"]
    help_text = "%s\n\nWhy: %s\n\nRemediation: %s\n\nSeverity: %s; scope: %s; profile: %s; source: %s" % (
        c["title"], c["rationale"], c["remediation"], c["severity"], c["scope"], c["profile"], c["source"])
    help_markdown = "\n".join([
        "### %s %s" % (cid, c["title"]), "",
        "**Why:** %s" % c["rationale"], "",
        "**Remediation:** %s" % c["remediation"], "",
        "| severity | scope | profile | source |", "|---|---|---|---|",
        "| %s | %s | %s | %s |" % (c["severity"], c["scope"], c["profile"], _md(c["source"])), "",
        "Enforcing tasks carry the id in their name and tag: `--tags %s`." % cid,
    ])
    rule = {
        "id": cid,
        "name": re.sub(r"[^A-Za-z0-9]+", "", c["title"].title()) or cid,
        "shortDescription": {"text": c["title"]},
        "fullDescription": {"text": c["rationale"]},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": SARIF_LEVEL[c["severity"]]},
        "properties": {"security-severity": SECURITY_SEVERITY[c["severity"]],
                       "tags": ["security", c["area"], c["scope"], c["profile"]],
                       "precision": "high" if c["scope"] == "api" else "medium",
                       "problem.severity": "error" if c["severity"] in ("critical", "high") else "warning"},
    }
    if information_uri:
        rule["helpUri"] = "%s#%s" % (information_uri, cid.lower())
    return rule


def _sarif_invocation(report):
    """Not successful when controls errored: one toolExecutionNotification per root cause."""
    groups = _cause_groups(report)
    invocation = {"executionSuccessful": not groups,
                  "properties": {"profile": report["profile"], "summary": report["summary"]}}
    if groups:
        invocation["toolExecutionNotifications"] = [
            {"level": "error",
             "message": {"text": "%s: %d control(s) could not run: %s" % (g["kind"], g["count"], g["cause"])},
             "descriptor": {"id": "pbguard/error-cause/%d" % (i + 1)},
             "properties": {"controls": g["controls"]}}
            for i, g in enumerate(groups)]
    return invocation


def _file_uri(path):
    path = str(path)
    if path.startswith("/"):
        return "file://" + path
    return path


# --------------------------------------------------------------------------- Markdown

def _md(text):
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def to_markdown(report):
    t = report["target"]
    s = report["summary"]
    lines = [
        "# pbguard audit: %s" % _md(t.get("host") or t.get("url")),
        "",
        "- URL: `%s`" % _md(t.get("url")),
        "- PocketBase version: %s" % _md(t.get("pocketbase_version") or "unknown"),
        "- Profile: %s; scope: %s" % (report["profile"], ", ".join(report.get("scope") or [])),
        "- Generated: %s" % report.get("generated_at", ""),
        "",
        "| pass | fail | waived | error | not applicable |",
        "|---:|---:|---:|---:|---:|",
        "| %d | %d | %d | %d | %d |" % (s["pass"], s["fail"], s["waived"], s["error"], s["not_applicable"]),
        "",
    ]
    lines += _markdown_causes(report)
    cause_no = dict((g["cause"], i + 1) for i, g in enumerate(_cause_groups(report)))
    order = {"fail": 0, "error": 1, "waived": 2, "pass": 3, "not_applicable": 4}
    by_area = {}
    for f in report["findings"]:
        by_area.setdefault(f.get("area") or f["control"].split("-")[1], []).append(f)
    for area in [a for a in AREAS if a in by_area] + [a for a in sorted(by_area) if a not in AREAS]:
        items = sorted(by_area[area], key=lambda f: (order.get(f["status"], 9),
                                                     -SEVERITY_RANK[f["severity"]], f["control"], f["target"]))
        confirm_col = any(f.get("confirmation") for f in report["findings"])
        lines += ["## %s" % area, "", "| Control | Severity | Status | Target | Evidence |%s" % (
            " Confirmation |" if confirm_col else ""), "|---|---|---|---|---|%s" % ("---|" if confirm_col else "")]
        for f in items:
            evidence = f.get("evidence", "")
            if f["status"] == "error" and _cause_of(evidence) in cause_no:
                evidence = "cause %d (see above)" % cause_no[_cause_of(evidence)]
            if f["status"] == "waived" and f.get("waiver"):
                w = f["waiver"]
                evidence = "waived until %s: %s. %s" % (w.get("expires"), w.get("justification"), evidence)
            lines.append("| %s %s | %s | %s | `%s` | %s |%s" % (
                f["control"], _md(f["title"]), f["severity"], f["status"].upper() if f["status"] == "fail"
                else f["status"], _md(f["target"]), _md(evidence),
                " %s |" % _md(confirmation_text(f)) if confirm_col else ""))
        lines.append("")
    return "\n".join(lines)


def _markdown_causes(report):
    """The section that leads the report when something kept controls from running."""
    groups = _cause_groups(report)
    expired = report.get("expired_waivers") or expired_waivers(report["findings"])
    if not groups and not expired:
        return []
    lines = ["## Why this run is not clean", ""]
    for i, g in enumerate(groups):
        lines.append("%d. **%s**: %d control(s) could not run (%s). %s" % (
            i + 1, _md(g["kind"]), g["count"], ", ".join(g["controls"]), _md(g["cause"])))
    for w in expired:
        lines.append("- **Expired waiver**: %s on `%s` expired on %s (%s); the finding fails again." % (
            w["control"], _md(w["target"]), w["expires"], _md(w["justification"])))
    return lines + [""]


# --------------------------------------------------------------------------- files

def render(report, fmt, catalog):
    if fmt == "json":
        return to_json(report)
    if fmt == "junit":
        return to_junit(report)
    if fmt == "sarif":
        return to_sarif(report, catalog)
    if fmt == "markdown":
        return to_markdown(report)
    raise ValueError("unknown report format %r" % fmt)


def report_basename(report):
    name = report["target"].get("host") or report["target"].get("url") or "pocketbase"
    return "pbguard-audit-" + re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")


def write_reports(report, report_dir, formats, catalog, basename=None):
    """Write each format to ``report_dir`` (created 0750, or verified: the running user's and not
    group/world-writable); files are 0640, created exclusively without following links. Returns
    {format: path}; raises _safefile.UnsafePath for a directory another user could tamper with."""
    _safefile.ensure_private_dir(report_dir, 0o750)
    basename = basename or report_basename(report)
    paths = {}
    for fmt in formats:
        path = os.path.join(report_dir, basename + EXTENSIONS[fmt])
        _safefile.write_file(path, render(report, fmt, catalog), mode=0o640, create_dir=False)
        paths[fmt] = path
    return paths
