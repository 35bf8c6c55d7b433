# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit engine: results, the context checks read, the control registry, selection, running, waivers.

Private module_utils: the interface may change.

A control is declared on its check function, in the module of its area (``net.py``, ``adm.py`` ...)::

    @control("PBG-RUL-001", title="...", severity="critical", scope="api", profile="baseline",
             source=sources.P2, rationale="...", remediation="...")
    def check_rul_public(ctx):
        '''What makes this control fail (one or two lines).'''
        return [ok(target, evidence)] or [bad(target, evidence)]

A check returns results made by ``ok()``, ``bad()``, ``na()`` or ``err()`` (status, target, evidence). A
check that lacks what it needs raises ``Unavailable`` (-> ``error``) or ``NotApplicable``; unknown is never
pass. Facts come in through ``AuditContext``: the normalized snapshot (``_compat``), probe results and host
facts, each gathered once by the module (``gather.py``). ``catalog.py`` imports every area module, so
import it (or the ``_controls`` facade) before asking the registry for controls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import fnmatch
import re
import time

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _api
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _http

try:
    from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules
    HAS_RULES = True
except ImportError:  # pragma: no cover - the rule parser is part of the collection
    _rules = None
    HAS_RULES = False

AREAS = ("NET", "ADM", "RUL", "AUT", "FIL", "HOK", "MON", "VER", "IOC", "SYS")
SEVERITIES = ("info", "low", "medium", "high", "critical")
SCOPES = ("api", "host", "probe")
PROFILES = ("baseline", "strict")
CRUD_RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost", "[::1]")
CONTROL_ID_RE = re.compile(r"^PBG-(%s)-(\d{3})$" % "|".join(AREAS))


class Unavailable(Exception):
    """The check cannot run (missing fact): reported as ``error`` with this reason."""


class NotApplicable(Exception):
    """The check does not apply to this target: reported as ``not_applicable`` with this reason."""


def ok(target, evidence):
    return {"status": "pass", "target": target, "evidence": evidence}


def bad(target, evidence, **extra):
    res = {"status": "fail", "target": target, "evidence": evidence}
    res.update(extra)
    return res


def na(target, evidence):
    return {"status": "not_applicable", "target": target, "evidence": evidence}


def err(target, evidence):
    return {"status": "error", "target": target, "evidence": evidence}


def version_tuple(version):
    """An exact release only (``X.Y.Z``): advisory ranges and the pinned-version check need all three."""
    return _api.version_tuple(version, min_parts=3)


def is_loopback_addr(addr):
    """A listening address (``host:port``, ``[v6]:port`` or a bare host) on loopback."""
    addr = str(addr).strip()
    host = addr.rsplit(":", 1)[0] if addr.count(":") == 1 or addr.startswith("[") else addr
    host = host.strip("[]")
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


# --------------------------------------------------------------------------- context

class AuditContext(object):
    """Everything a check may look at. Facts are gathered before the checks run."""

    def __init__(self, params=None, snapshot=None, snapshot_error=None, probe=None, probe_error=None,
                 host=None, host_error=None, url=None):
        self.params = dict(params or {})
        self.snapshot = snapshot
        self.snapshot_error = snapshot_error
        self.probe = probe
        self.probe_error = probe_error
        self.host = host
        self.host_error = host_error
        self.url = url or self.params.get("url") or ""
        self._rule_lint = None
        self._rule_logic_schema = None

    def forget_derived(self):
        """Drop what checks derived from the facts and cached here (rule lint, rule logic): recomputed on
        demand, and tens of MB that should not outlive the run at 10,000 collections."""
        self._rule_lint = None
        self._rule_logic_schema = None

    # -- accessors raising Unavailable
    def snap(self):
        if self.snapshot is None:
            raise Unavailable("no API snapshot: %s" % (self.snapshot_error or "api scope not selected"))
        return self.snapshot

    def generation(self):
        if self.snapshot is not None:
            return self.snapshot.get("generation")
        if self.host and self.host.get("generation"):
            return self.host["generation"]
        if self.probe and self.probe.get("generation"):
            return self.probe["generation"]
        return None

    def version(self):
        for src in (self.snapshot, self.host, self.probe):
            if src and src.get("version"):
                return src["version"]
        return None

    def settings(self):
        settings = self.snap().get("settings")
        if not isinstance(settings, dict):
            raise Unavailable("settings missing from the snapshot")
        return settings

    def setting(self, *path):
        cur = self.settings()
        for key in path:
            if not isinstance(cur, dict) or key not in cur:
                return None
            cur = cur[key]
        return cur

    def collections(self):
        return list(self.snap().get("collections") or [])

    def auth_collections(self, include_superusers=False):
        out = []
        for c in self.collections():
            if c.get("type") != "auth" or not c.get("auth"):
                continue
            if c.get("name") == "_superusers" and not include_superusers:
                continue
            out.append(c)
        return out

    def probe_facts(self):
        if self.probe is None:
            raise Unavailable("no probe results: %s" % (self.probe_error or "probe scope not selected"))
        if self.probe.get("answered") is False:
            error = self.probe.get("transport_error") or "unreachable, timed out or not HTTP"
            hint = _http.tls_hint(error)
            if hint:
                error = "%s (%s)" % (hint.rstrip("."), error)
            raise Unavailable("the probe got no answer from %s: %s" % (self.probe.get("url"), error))
        return self.probe

    def host_facts(self):
        if self.host is None:
            raise Unavailable("no host facts: %s" % (self.host_error or "host scope not selected"))
        return self.host

    def hook_facts(self):
        """Hook files, lint findings, digests and manifest gathered from the hooks dir (``gather.hooks``)."""
        hooks = self.host_facts().get("hooks")
        if hooks is None:
            raise Unavailable("hooks dir not readable: %s" % (self.host.get("hooks_error") or "unknown"))
        return hooks

    def public_declared(self, collection, rule):
        declared = self.params.get("public_rules") or {}
        return rule in (declared.get(collection) or [])

    def url_is_loopback(self):
        m = re.match(r"^[a-z]+://(\[[^\]]+\]|[^/:]+)", self.url or "", re.I)
        host = m.group(1) if m else ""
        return host in LOOPBACK_HOSTS or host.startswith("127.")

    # -- rule lint, computed once for all RUL controls
    def rule_lint(self):
        """[(collection, rule, expr, (finding, ...)), ...] for every set rule of every collection (rules with the
        same text, action and view-ness share one tuple of findings)."""
        if self._rule_lint is not None:
            return self._rule_lint
        if not HAS_RULES:
            raise Unavailable("the rule parser (module_utils/_rules.py) is not available")
        generation = self.snap().get("generation")
        collections = self.collections()
        by_name = dict((c.get("name"), c) for c in collections)
        out = []
        # collections share rule texts: the findings depend on the text, the action and whether the rule
        # belongs to a view (joins are judged against the same collections), so each is linted once
        linted = {}
        for coll in collections:
            rules = coll.get("rules") or {}
            is_view = coll.get("type") == "view"
            for rule in CRUD_RULES + ("manageRule",):
                expr = rules.get(rule)
                if expr is None:
                    continue
                key = (expr, rule, is_view)
                findings = linted.get(key)
                if findings is None:
                    try:
                        findings = tuple(_rules.lint_rule(expr, rule, generation, coll, by_name))
                    except Exception as exc:  # pylint: disable=broad-except
                        findings = (_LintProxy("parse_error", "high", "linter failed: %s" % exc.__class__.__name__),)
                    linted[key] = findings
                out.append((coll.get("name"), rule, expr, findings))
        self._rule_lint = out
        return out


class _LintProxy(object):
    def __init__(self, code, severity, message, detail=None):
        self.code = code
        self.severity = severity
        self.message = message
        self.detail = detail


# --------------------------------------------------------------------------- registry

_REGISTRY = {}
_CONTROL_TEXT_FIELDS = ("title", "source", "rationale", "remediation")


def control(cid, title, severity, scope, profile, source, rationale, remediation):
    """Declare the decorated function as the check of control ``cid``.

    Validated at import time: a malformed id, an unknown severity/scope/profile, an empty text or a
    second declaration of the same id raises ``ValueError`` (the collection must not load half a catalog).
    """
    match = CONTROL_ID_RE.match(cid or "")
    problems = []
    if not match:
        problems.append("id must look like PBG-<%s>-NNN" % "|".join(AREAS))
    if cid in _REGISTRY:
        problems.append("declared twice (%s and %s)" % (_REGISTRY[cid]["check"].__module__, "this one"))
    for name, value, allowed in (("severity", severity, SEVERITIES), ("scope", scope, SCOPES),
                                 ("profile", profile, PROFILES)):
        if value not in allowed:
            problems.append("%s %r is not one of %s" % (name, value, ", ".join(allowed)))
    texts = dict(title=title, source=source, rationale=rationale, remediation=remediation)
    problems.extend("empty %s" % name for name in _CONTROL_TEXT_FIELDS if not str(texts[name] or "").strip())
    if problems:
        raise ValueError("control %s: %s" % (cid, "; ".join(problems)))

    def register(check):
        _REGISTRY[cid] = {"id": cid, "area": match.group(1), "title": title, "severity": severity, "scope": scope,
                          "profile": profile, "source": source, "rationale": rationale, "remediation": remediation,
                          "check": check}
        return check
    return register


def _catalog_order(entry):
    area, number = CONTROL_ID_RE.match(entry["id"]).groups()
    return AREAS.index(area), int(number)


def all_controls():
    """Every registered control (dicts with ``check``), in catalog order: area (``AREAS``), then number."""
    return sorted(_REGISTRY.values(), key=_catalog_order)


def catalog():
    """The catalog without check functions (for docs and SARIF)."""
    return [dict((k, v) for k, v in c.items() if k != "check") for c in all_controls()]


# --------------------------------------------------------------------------- selection and running

def select_controls(scopes, profile, include=None, exclude=None):
    """The registered controls in ``scopes`` and ``profile`` (baseline = baseline only, strict = all),
    filtered by ``include``/``exclude`` id globs, in catalog order."""
    out = []
    for c in all_controls():
        if c["scope"] not in scopes:
            continue
        if profile == "baseline" and c["profile"] != "baseline":
            continue
        if include and not any(fnmatch.fnmatchcase(c["id"], pat) for pat in include):
            continue
        if exclude and any(fnmatch.fnmatchcase(c["id"], pat) for pat in exclude):
            continue
        out.append(c)
    return out


def run_controls(ctx, controls):
    """Run each control's check; returns findings (dicts, contract shape). The caches the checks built on
    ``ctx`` are dropped at the end (``AuditContext.forget_derived``)."""
    findings = []
    # equal evidence texts (thousands of collections with the same rule text) kept once
    texts = {}
    for c in controls:
        started = time.monotonic()
        try:
            results = c["check"](ctx)
        except Unavailable as exc:
            results = [err("control", str(exc))]
        except NotApplicable as exc:
            results = [na("control", str(exc))]
        except Exception as exc:  # pylint: disable=broad-except
            results = [err("control", "check failed: %s: %s" % (exc.__class__.__name__, exc))]
        if not results:
            results = [err("control", "check returned no result")]
        # seconds spent in the check, shared by its results (JUnit testcase ``time``)
        duration = round((time.monotonic() - started) / len(results), 6)
        for r in results:
            f = {"control": c["id"], "area": c["area"], "title": c["title"], "severity": c["severity"],
                 "scope": c["scope"], "profile": c["profile"], "status": r["status"], "target": r["target"],
                 "evidence": _shared_text(texts, r["evidence"]), "remediation": c["remediation"],
                 "duration": duration}
            for key in ("file", "line", "rule"):
                if key in r:
                    f[key] = r[key]
            if "advisory_severity" in r:
                f["severity"] = r["advisory_severity"]
            elif r.get("severity") in SEVERITIES:
                f["severity"] = r["severity"]   # severity follows context (e.g. a public-by-design avatar)
            findings.append(f)
    ctx.forget_derived()
    return findings


def _shared_text(texts, value):
    return texts.setdefault(value, value) if isinstance(value, str) else value


# --------------------------------------------------------------------------- waivers

def validate_waivers(waivers):
    """Return a list of problems (strings); empty when valid."""
    problems = []
    if not isinstance(waivers, list):
        return ["waivers must be a list"]
    for i, w in enumerate(waivers):
        if not isinstance(w, dict):
            problems.append("waiver %d is not a mapping" % i)
            continue
        if not w.get("control"):
            problems.append("waiver %d has no control" % i)
        if not str(w.get("justification") or "").strip():
            problems.append("waiver %d (%s) has no justification" % (i, w.get("control")))
        exp = w.get("expires")
        if exp in (None, ""):
            problems.append("waiver %d (%s) has no expires date" % (i, w.get("control")))
        elif _parse_date(exp) is None:
            problems.append("waiver %d (%s): expires %r is not YYYY-MM-DD" % (i, w.get("control"), exp))
    return problems


def _parse_date(value):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.datetime.strptime(str(value).strip()[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


def apply_waivers(findings, waivers, today=None):
    """Mark fail/error findings matched by a waiver as waived; expired waivers keep them failing.

    A waiver matches on ``control`` (glob) and optional ``target`` (glob). Expired: ``expires`` < today.
    Returns a new list; a finding no waiver matches is the same object, a matched one a changed copy.
    """
    today = today or datetime.date.today()
    if not waivers:
        return list(findings)
    out = []
    for f in findings:
        if f["status"] in ("fail", "error"):
            for w in waivers:
                if not fnmatch.fnmatchcase(f["control"], str(w.get("control"))):
                    continue
                if w.get("target") and not fnmatch.fnmatchcase(f["target"], str(w["target"])):
                    continue
                f = _waived(f, w, today)
                break
        out.append(f)
    return out


def _waived(finding, waiver, today):
    """A copy of ``finding`` under ``waiver``: waived, or still failing (with the waiver shown) once expired."""
    f = dict(finding)
    expires = _parse_date(waiver.get("expires"))
    info = {"control": waiver.get("control"), "target": waiver.get("target"),
            "justification": str(waiver.get("justification") or ""),
            "expires": expires.isoformat() if expires else str(waiver.get("expires"))}
    f["waiver"] = info
    if expires is not None and expires < today:
        info["expired"] = True
        f["status"] = "fail"
        f["evidence"] = "waiver expired on %s: %s" % (info["expires"], f["evidence"])
    else:
        f["status"] = "waived"
    return f
