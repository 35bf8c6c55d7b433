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


# list items encoded together when searching a large list for secrets (the JSON text of one batch of
# findings is tens of KB; the whole report's at 10,000 collections is tens of MB)
_SEARCH_BATCH = 256
_JSON_KEY_TYPES = (str, int, float, bool, type(None))


def _json_pieces(obj):
    """JSON texts that together hold every string (and key) of obj, split only between keys and list items, so
    that no piece is the text of a whole large report and every string lies whole within one piece."""
    todo = [obj]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, _JSON_KEY_TYPES):
                    raise TypeError("not a JSON key: %r" % (key,))
                yield json.dumps(key, ensure_ascii=False)
                todo.append(item)
        elif isinstance(value, (list, tuple)) and len(value) > _SEARCH_BATCH:
            for start in range(0, len(value), _SEARCH_BATCH):
                yield json.dumps(value[start:start + _SEARCH_BATCH], ensure_ascii=False)
        else:
            yield json.dumps(value, ensure_ascii=False)


def mentions_any(obj, secrets):
    """Whether any secret occurs in any string (or key) of obj. JSON escapes character by character, so a
    secret inside a string shows in the JSON text as its own escaped form. Not JSON data: assume yes."""
    escaped = [json.dumps(s, ensure_ascii=False)[1:-1] for s in secrets]
    pattern = re.compile("|".join(re.escape(e) for e in escaped))
    try:
        return any(pattern.search(piece) for piece in _json_pieces(obj))
    except (TypeError, ValueError):
        return True


def scrub(obj, secrets):
    """Replace every occurrence of any secret string (len >= 4) in every string of obj by MASK."""
    secrets = sorted(set(s for s in (secrets or []) if isinstance(s, str) and len(s) >= 4), key=len, reverse=True)
    if not secrets:
        return obj
    pattern = re.compile("|".join(re.escape(s) for s in secrets))
    if not mentions_any(obj, secrets):
        return obj  # the usual case: a search of the JSON text instead of rebuilding every string

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


def _short(text, limit=240):
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --------------------------------------------------------------------------- formats (_report_formats)

def render_chunks(report, fmt, catalog):
    """The report file text in format ``fmt``, as an iterable of strings (see ``_report_formats``)."""
    # imported here: _report_formats imports this module's model helpers
    from ansible_collections.pbguard.pocketbase.plugins.module_utils import _report_formats
    return _report_formats.chunks(report, fmt, catalog)


def to_json(report):
    return render(report, "json", None)


def to_junit(report):
    """JUnit XML: one testsuite per area, one testcase per control/target."""
    return render(report, "junit", None)


def to_sarif(report, catalog):
    """SARIF 2.1.0. ``catalog``: list of control dicts (id, title, severity, rationale, remediation, ...)."""
    return render(report, "sarif", catalog)


def to_markdown(report):
    return render(report, "markdown", None)


# --------------------------------------------------------------------------- files

def render(report, fmt, catalog):
    return "".join(render_chunks(report, fmt, catalog))


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
        _safefile.write_file(path, render_chunks(report, fmt, catalog), mode=0o640, create_dir=False)
        paths[fmt] = path
    return paths
