# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report file formats: JSON, JUnit XML, SARIF 2.1.0, Markdown (private to pbguard.pocketbase).

Each format is written as a sequence of text chunks (``chunks``): a 10,000-collection report is 18 MB of JSON,
22 MB of JUnit and 31 MB of SARIF, and neither the text nor a tree of it is held whole (issue 14 goal 2).
The text is the same as rendering the whole at once. ``_reports`` holds the report model and ``write_reports``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import json
import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.pbguard.pocketbase.plugins.module_utils._reports import (
    AREAS, CONFIRMATION_RANK, SARIF_LEVEL, SECURITY_SEVERITY, SEVERITY_RANK, TOOL_NAME, _cause_groups, _cause_of,
    _short, confirmation_status, confirmation_text, expired_waivers)

_INDENTED = json.JSONEncoder(indent=2, sort_keys=True)
_JUNIT_COUNTS = ("tests", "failures", "errors", "skipped")


def chunks(report, fmt, catalog):
    """The text of ``report`` in format ``fmt`` as an iterable of strings; ValueError for an unknown format."""
    if fmt == "json":
        return json_chunks(report)
    if fmt == "junit":
        return junit_chunks(report)
    if fmt == "sarif":
        return sarif_chunks(report, catalog)
    if fmt == "markdown":
        return markdown_chunks(report)
    raise ValueError("unknown report format %r" % fmt)


# --------------------------------------------------------------------------- JSON

def json_chunks(report):
    # the encoder yields every token on its own: passed on joined, a few thousand at a time
    pending = []
    for token in _INDENTED.iterencode(report):
        pending.append(token)
        if len(pending) >= 4096:
            yield "".join(pending)
            pending = []
    pending.append("\n")
    yield "".join(pending)


# --------------------------------------------------------------------------- JUnit

def junit_chunks(report):
    """JUnit XML: one testsuite per area, one testcase per control/target; each testcase is built and written
    in turn (the suites' counts are known beforehand)."""
    host = report["target"].get("host") or report["target"].get("url") or "pocketbase"
    by_area = {}
    for f in report["findings"]:
        by_area.setdefault(f.get("area") or f["control"].split("-")[1], []).append(f)
    areas = sorted(by_area, key=lambda a: AREAS.index(a) if a in AREAS else 99)
    suites = [(area, _junit_counts(by_area[area])) for area in areas]
    root = {"name": "pbguard audit %s" % host}
    root.update((key, str(sum(counts[key] for _area, counts in suites))) for key in _JUNIT_COUNTS)
    root["time"] = _seconds(sum(f.get("duration") or 0 for f in report["findings"]))
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    if not suites:
        yield ET.tostring(ET.Element("testsuites", root), encoding="unicode") + "\n"
        return
    yield _open_tag("testsuites", root)
    for area, counts in suites:
        items = by_area[area]
        attrs = {"name": "%s %s" % (host, area)}
        attrs.update((key, str(counts[key])) for key in _JUNIT_COUNTS)
        attrs["time"] = _seconds(sum(f.get("duration") or 0 for f in items))
        yield _open_tag("testsuite", attrs)
        for f in items:
            yield ET.tostring(_junit_case(f, host), encoding="unicode")
        yield "</testsuite>"
    yield "</testsuites>\n"


def _junit_counts(items):
    counts = dict((key, 0) for key in _JUNIT_COUNTS)
    for f in items:
        counts["tests"] += 1
        if f["status"] == "fail":
            counts["failures"] += 1
        elif f["status"] == "error":
            counts["errors"] += 1
        elif f["status"] in ("waived", "not_applicable"):
            counts["skipped"] += 1
    return counts


def _open_tag(tag, attrs):
    """``<tag a="..." ...>`` escaped as ElementTree escapes it (its empty element, left open)."""
    empty = ET.tostring(ET.Element(tag, attrs), encoding="unicode")
    return empty[:-len(" />")] + ">"


def _junit_case(f, host):
    case = ET.Element("testcase", classname="%s.%s" % (host, f["control"]),
                      name="%s %s" % (f["control"], f["target"]), time=_seconds(f.get("duration")))
    props = ET.SubElement(case, "properties")
    for key in ("severity", "status", "title"):
        ET.SubElement(props, "property", name=key, value=str(f.get(key, "")))
    text = "%s\n%s\nremediation: %s" % (f["title"], f.get("evidence", ""), f.get("remediation", ""))
    if f.get("confirmation"):
        ET.SubElement(props, "property", name="confirmation", value=confirmation_status(f))
        text += "\nconfirmation: %s" % confirmation_text(f)
    if f["status"] == "fail":
        prefix = "[%s] " % confirmation_status(f) if f.get("confirmation") else ""
        node = ET.SubElement(case, "failure", type=f["severity"], message=_short(prefix + f.get("evidence", "")))
        node.text = text
    elif f["status"] == "error":
        node = ET.SubElement(case, "error", type="error", message=_short(f.get("evidence")))
        node.text = text
    elif f["status"] in ("waived", "not_applicable"):
        msg = f.get("evidence", "")
        if f["status"] == "waived" and f.get("waiver"):
            msg = "waived until %s: %s" % (f["waiver"].get("expires"), f["waiver"].get("justification"))
        ET.SubElement(case, "skipped", message=_short(msg))
    return case


def _seconds(value):
    """JUnit ``time`` (seconds, 3 decimals) from a finding's ``duration``."""
    return "%.3f" % float(value or 0)


# --------------------------------------------------------------------------- SARIF

def sarif_chunks(report, catalog):
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
    wanted = [f for f in report["findings"] if f["status"] in ("fail", "waived", "error") and f["control"] in index]
    # the document with one placeholder result; each result is encoded (and dropped) in turn where it stands
    placeholder = "pbguard-results-%s" % binascii.hexlify(os.urandom(8)).decode("ascii")
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
            "results": [placeholder] if wanted else [],
        }],
    }
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if not wanted:
        yield text
        return
    at = text.index('"%s"' % placeholder)
    newline = "\n" + text[text.rindex("\n", 0, at) + 1:at]  # the placeholder's indentation
    yield text[:at]
    for i, f in enumerate(wanted):
        if i:
            yield "," + newline
        yield json.dumps(_sarif_result(f, host, base_uri, index), indent=2, sort_keys=True).replace("\n", newline)
    yield text[at + len(placeholder) + 2:]


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


def markdown_chunks(report):
    first = True
    for line in _markdown_lines(report):
        yield line if first else "\n" + line
        first = False


def _markdown_lines(report):
    t = report["target"]
    s = report["summary"]
    yield from [
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
    ] + _markdown_causes(report)
    cause_no = dict((g["cause"], i + 1) for i, g in enumerate(_cause_groups(report)))
    order = {"fail": 0, "error": 1, "waived": 2, "pass": 3, "not_applicable": 4}
    by_area = {}
    for f in report["findings"]:
        by_area.setdefault(f.get("area") or f["control"].split("-")[1], []).append(f)
    for area in [a for a in AREAS if a in by_area] + [a for a in sorted(by_area) if a not in AREAS]:
        items = sorted(by_area[area], key=lambda f: (order.get(f["status"], 9),
                                                     -SEVERITY_RANK[f["severity"]], f["control"], f["target"]))
        confirm_col = any(f.get("confirmation") for f in report["findings"])
        yield from ["## %s" % area, "", "| Control | Severity | Status | Target | Evidence |%s" % (
            " Confirmation |" if confirm_col else ""), "|---|---|---|---|---|%s" % ("---|" if confirm_col else "")]
        for f in items:
            evidence = f.get("evidence", "")
            if f["status"] == "error" and _cause_of(evidence) in cause_no:
                evidence = "cause %d (see above)" % cause_no[_cause_of(evidence)]
            if f["status"] == "waived" and f.get("waiver"):
                w = f["waiver"]
                evidence = "waived until %s: %s. %s" % (w.get("expires"), w.get("justification"), evidence)
            yield "| %s %s | %s | %s | `%s` | %s |%s" % (
                f["control"], _md(f["title"]), f["severity"], f["status"].upper() if f["status"] == "fail"
                else f["status"], _md(f["target"]), _md(evidence),
                " %s |" % _md(confirmation_text(f)) if confirm_col else "")
        yield ""
