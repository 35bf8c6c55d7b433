# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One function per attack class. Each takes the run ``Env`` and a failing finding and returns an
outcome ``{"status": "confirmed"|"not_confirmed"|"not_testable", "evidence": [...], "reason": ...}``.

Attacks act only on records the run seeded (tagged, in the ledger); a read probe of existing records
reports a count, never their data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import principals, records
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm.records import NotTestable
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm.transport import ANONYMOUS, Principal, line

ACTIONS = {"listRule": "list", "viewRule": "view", "createRule": "create", "updateRule": "update",
           "deleteRule": "delete"}
_TARGET_RE = re.compile(r"^collection:([^.]+)(?:\.(\w+))?$")
_CLIENT_VALUE_RE = re.compile(r"@request\.(headers|query)\.([A-Za-z0-9_]+)\s*=\s*(\"([^\"]*)\"|'([^']*)')")


def confirmed(evidence):
    return {"status": "confirmed", "evidence": list(evidence)}


def not_confirmed(reason, evidence=()):
    return {"status": "not_confirmed", "reason": reason, "evidence": list(evidence)}


def not_testable(reason):
    return {"status": "not_testable", "reason": reason}


def target_rule(env, finding):
    """(raw collection, rule name or None) named by a ``collection:<name>[.<rule>]`` target."""
    m = _TARGET_RE.match(finding.get("target") or "")
    if not m or m.group(1) not in env.by_name:
        raise NotTestable("target %r is not a collection of this server" % finding.get("target"))
    coll = env.by_name[m.group(1)]
    if coll.get("type") == "view" and m.group(2) not in (None, "listRule", "viewRule"):
        raise NotTestable("view collections are read-only")
    return coll, m.group(2)


def _path(coll, rid=None):
    return "/api/collections/%s/records%s" % (coll["name"], "/%s" % rid if rid else "")


def _relations_to(coll, person):
    """Relation fields of ``coll`` that point at ``person``'s auth collection -> person's id."""
    if person is None or not person.record:
        return {}
    target_id = person.record.get("collectionId")
    return dict((f["name"], person.id) for f in coll.get("fields") or []
                if f.get("type") == "relation" and f.get("collectionId") == target_id)


def _seed(env, coll, label, owner=None):
    if coll.get("type") == "view":
        raise NotTestable("%s is a view: the audit cannot seed a record to read" % coll["name"])
    return principals.seed(env.transport, env.ledger, coll, env.run_id, label,
                           relations=_relations_to(coll, owner or env.victim_for(coll)))


def act(env, principal, coll, rule, headers=None, query=None):
    """Perform ``rule``'s action on a record the run seeded (or creates) as ``principal``:
    (succeeded, evidence lines)."""
    action = ACTIONS.get(rule)
    if action is None:
        raise NotTestable("%s is not attacked by this version" % rule)
    send = env.transport.send
    if action == "create":
        body = records.body_for(coll, env.run_id, env.label("c"), relations=_relations_to(coll, principal))
        status, rec = send(principal, "POST", _path(coll), body, query, headers)
        if status == 200 and isinstance(rec, dict) and rec.get("id"):
            env.ledger.add(coll["name"], rec["id"])
        return status == 200, [line(principal, "POST", _path(coll), status, headers, query, body,
                                    "created a record" if status == 200 else None)]
    seeded = _seed(env, coll, env.label("s"))
    if action == "list":
        q = dict(query or {}, filter='id = "%s"' % seeded["id"])
        status, res = send(principal, "GET", _path(coll), None, q, headers)
        items = res.get("items") if status == 200 and isinstance(res, dict) else None
        hit = bool(items) and items[0].get("id") == seeded["id"]
        lines = [line(principal, "GET", _path(coll), status, headers, q, None,
                      "the audit's record %s was listed" % seeded["id"] if hit else "not listed")]
        if hit:
            st, total = send(principal, "GET", _path(coll), None, dict(query or {}, perPage=1), headers)
            if st == 200 and isinstance(total, dict):
                lines.append("%s sees %s record(s) of %s in total (count only)"
                             % (principal.label, total.get("totalItems"), coll["name"]))
        return hit, lines
    if action == "view":
        status, _res = send(principal, "GET", _path(coll, seeded["id"]), None, query, headers)
        return status == 200, [line(principal, "GET", _path(coll, "<seeded>"), status, headers, query)]
    if action == "update":
        body = ({"emailVisibility": True} if coll.get("type") == "auth"
                else {records.carrier_field(coll): records.tag(env.run_id, env.label("u"))})
        status, _res = send(principal, "PATCH", _path(coll, seeded["id"]), body, query, headers)
        return status == 200, [line(principal, "PATCH", _path(coll, "<seeded>"), status, headers, query, body)]
    status, _res = send(principal, "DELETE", _path(coll, seeded["id"]), None, query, headers)
    if status == 204:
        env.ledger.forget(coll["name"], seeded["id"])
    return status == 204, [line(principal, "DELETE", _path(coll, "<seeded>"), status, headers, query)]


def _verdict(ok, lines, what):
    return confirmed(lines) if ok else not_confirmed("the server refused: %s" % what, lines)


def _rules_of(env, finding):
    coll, rule = target_rule(env, finding)
    if rule:
        return coll, [rule]
    return coll, [r for r in ("createRule", "updateRule", "deleteRule") if (coll.get(r) == "")]


def as_guest(env, finding):
    """Anonymous list/view/create/update/delete (PBG-RUL-001, 009, 015)."""
    coll, rules = _rules_of(env, finding)
    lines = []
    for rule in rules:
        ok, more = act(env, ANONYMOUS, coll, rule)
        lines.extend(more)
        if ok:
            return confirmed(lines)
    return not_confirmed("an anonymous client could not %s" % "/".join(ACTIONS.get(r, r) for r in rules), lines)


def as_guest_then_user(env, finding):
    """A tautology (PBG-RUL-002): anonymous first, then any throwaway user."""
    coll, rule = target_rule(env, finding)
    ok, lines = act(env, ANONYMOUS, coll, rule)
    if ok:
        return confirmed(lines)
    ok, more = act(env, env.attacker(), coll, rule)
    return _verdict(ok, lines + more, "neither an anonymous client nor a throwaway user passed %s" % rule)


def as_other_user(env, finding):
    """User A acts on user B's record (PBG-RUL-003: an auth-only rule without ownership)."""
    coll, rule = target_rule(env, finding)
    ok, lines = act(env, env.attacker(), coll, rule)
    return _verdict(ok, lines, "a throwaway user could not %s another user's record" % ACTIONS.get(rule, rule))


def client_values(env, finding):
    """A header or query value the client chooses grants access (PBG-RUL-014)."""
    coll, rule = target_rule(env, finding)
    headers, query = {}, {}
    for kind, name, _lit, dq, sq in _CLIENT_VALUE_RE.findall(coll.get(rule) or ""):
        value = dq if dq or not sq else sq
        if kind == "headers":
            headers[name.replace("_", "-")] = value
        else:
            query[name] = value
    if not headers and not query:
        return not_testable("no `@request.headers.x = \"value\"` or `@request.query.x = \"value\"` to send in %s"
                            % rule)
    ok, lines = act(env, ANONYMOUS, coll, rule, headers=headers or None, query=query or None)
    if not ok:
        more_ok, more = act(env, env.attacker(), coll, rule, headers=headers or None, query=query or None)
        ok, lines = more_ok, lines + more
    return _verdict(ok, lines, "sending the values the rule compares did not grant access")


_OPEN_RE = re.compile(r"(?:pinned to (\S+), where anyone|self-registered (\S+) accounts)")


def self_registered(env, finding):
    """An account anyone can open passes a rule meant for vetted users (PBG-RUL-017): sign up as a
    guest, then act."""
    coll, rule = target_rule(env, finding)
    m = _OPEN_RE.search(finding.get("evidence") or "")
    auth = env.by_name.get(m.group(1) or m.group(2)) if m else None
    if auth is None:
        return not_testable("the open auth collection is not named in the finding")
    status, lines, person = signup(env, auth)
    if person is None:
        return not_confirmed("sign-up to %s was refused" % auth["name"], lines)
    ok, more = act(env, person, coll, rule)
    return _verdict(ok, lines + more, "a self-registered %s account could not %s" % (auth["name"], ACTIONS.get(rule)))


def signup(env, auth, extra=None):
    """Guest sign-up to ``auth`` with a tagged e-mail: (status, evidence lines, Principal or None)."""
    body = records.body_for(auth, env.run_id, env.label("g"), extra=extra)
    status, rec = env.transport.send(ANONYMOUS, "POST", _path(auth), body)
    lines = [line(ANONYMOUS, "POST", _path(auth), status, body=body, note="signed up" if status == 200 else None)]
    if status != 200 or not isinstance(rec, dict) or not rec.get("id"):
        return status, lines, None
    env.ledger.add(auth["name"], rec["id"])
    st, res = env.transport.admin("POST", "/api/collections/%s/impersonate/%s" % (auth["name"], rec["id"]),
                                  {"duration": principals.TOKEN_SECONDS})
    if st != 200 or not isinstance(res, dict):
        raise NotTestable("no session for the signed-up account (impersonate: HTTP %s)" % st)
    return status, lines, Principal("a self-registered %s account" % auth["name"], res["token"], rec, auth["name"])


_PRIV_RE = re.compile(r"can set `(\w+)` on their own (\S+) record \((createRule|updateRule) ")


def _privileged_value(evidence, field):
    """The value a trusting rule wants (``@request.auth.role = "admin"``), from the finding's evidence."""
    m = re.search(r"@request\.auth\.%s\s*\??=\s*(\"([^\"]*)\"|'([^']*)'|true\b|-?\d+)" % re.escape(field),
                  evidence or "")
    if not m:
        return None
    if m.group(2) is not None or m.group(3) is not None:
        return m.group(2) if m.group(2) is not None else m.group(3)
    return True if m.group(1) == "true" else int(m.group(1))


def privilege_field(env, finding):
    """A user gives themselves a privilege field (PBG-RUL-011): at sign-up or by updating their own record."""
    m = _PRIV_RE.search(finding.get("evidence") or "")
    if not m or m.group(2) not in env.by_name:
        return not_testable("field and auth collection not named in the finding")
    field, auth, how = m.group(1), env.by_name[m.group(2)], m.group(3)
    value = _privileged_value(finding.get("evidence"), field)
    if value is None:
        return not_testable("the trusted value of %s is not a literal in the rule" % field)
    if how == "createRule":
        status, lines, person = signup(env, auth, extra={field: value})
        stored = person.record.get(field) if person else None
    else:
        person = principals.user(env.transport, env.ledger, auth, env.run_id, env.label("p"))
        status, rec = env.transport.send(person, "PATCH", _path(auth, person.id), {field: value})
        lines = [line(person, "PATCH", _path(auth, "<own record>"), status, body={field: value})]
        stored = rec.get(field) if status == 200 and isinstance(rec, dict) else None
    if stored == value or (isinstance(stored, list) and value in stored):
        lines.append("the server stored the privileged value of %s on the attacker's own record" % field)
        return confirmed(lines)
    return not_confirmed("the server did not store the privileged %s (HTTP %s)" % (field, status), lines)


_OWNER_RE = re.compile(r"owner relation ([\w, ]+?) (?:is not bound|can be changed)")


def _owner_field(env, finding):
    coll, _rule = target_rule(env, finding)
    m = _OWNER_RE.search(finding.get("evidence") or "")
    field = m.group(1).split(",")[0].strip() if m else None
    spec = dict((f["name"], f) for f in coll.get("fields") or []).get(field)
    if not spec or spec.get("type") != "relation":
        raise NotTestable("owner relation not named in the finding")
    auth = [c for c in env.by_name.values() if c.get("id") == spec.get("collectionId")]
    if not auth or auth[0].get("type") != "auth":
        raise NotTestable("owner relation %s does not point at an auth collection" % field)
    return coll, field, auth[0]


def owner_on_create(env, finding):
    """A user creates a record owned by another user (PBG-RUL-012)."""
    coll, field, auth = _owner_field(env, finding)
    attacker = principals.user(env.transport, env.ledger, auth, env.run_id, env.label("a"))
    victim = principals.user(env.transport, env.ledger, auth, env.run_id, env.label("v"))
    body = records.body_for(coll, env.run_id, env.label("c"), relations={field: victim.id})
    status, rec = env.transport.send(attacker, "POST", _path(coll), body)
    if status == 200 and isinstance(rec, dict) and rec.get("id"):
        env.ledger.add(coll["name"], rec["id"])
    lines = [line(attacker, "POST", _path(coll), status, body=body)]
    if status == 200 and isinstance(rec, dict) and rec.get(field) in (victim.id, [victim.id]):
        lines.append("the record was created with %s = the other throwaway user" % field)
        return confirmed(lines)
    return not_confirmed("the server refused a record owned by another user (HTTP %s)" % status, lines)


def owner_transfer(env, finding):
    """An owner hands their record to another user (PBG-RUL-013)."""
    coll, field, auth = _owner_field(env, finding)
    owner = principals.user(env.transport, env.ledger, auth, env.run_id, env.label("a"))
    victim = principals.user(env.transport, env.ledger, auth, env.run_id, env.label("v"))
    seeded = _seed(env, coll, env.label("s"), owner=owner)
    status, rec = env.transport.send(owner, "PATCH", _path(coll, seeded["id"]), {field: victim.id})
    lines = [line(owner, "PATCH", _path(coll, "<own seeded record>"), status, body={field: victim.id})]
    if status == 200 and isinstance(rec, dict) and rec.get(field) in (victim.id, [victim.id]):
        lines.append("the record now belongs to the other throwaway user")
        return confirmed(lines)
    return not_confirmed("the server refused to change %s (HTTP %s)" % (field, status), lines)


def public_file(env, finding):
    """A risky file under the public dir served to anyone (PBG-FIL-004): the module fetched it once
    through the URL and compared digests; that fetch is the evidence."""
    target = finding.get("target") or ""
    for public in (env.host or {}).get("public_dirs") or []:
        for info in public.get("files") or []:
            if target != "file:%s/%s" % (public["dir"].rstrip("/"), info["path"]):
                continue
            fetched = "GET /%s as an anonymous client -> HTTP %s" % (info["path"], info.get("http_status"))
            if info.get("served"):
                return confirmed([fetched + ": the body has the file's SHA-256 (content not reported)"])
            if info.get("served") is False:
                return not_confirmed("the server does not serve the file", [fetched])
            return not_testable("the file could not be fetched: %s" % info.get("fetch_error", "not probed"))
    return not_testable("the file was not among those probed through the URL")


def unprotected_file(env, finding):
    """A file of an unprotected file field downloaded without a file token (PBG-FIL-001): the superuser
    uploads a small tagged file on a throwaway record, then an anonymous client fetches it."""
    coll, field = target_rule(env, finding)
    spec = dict((f.get("name"), f) for f in coll.get("fields") or []).get(field)
    if not spec or spec.get("type") != "file":
        return not_testable("%s is not a file field of %s" % (field, coll["name"]))
    mimes = spec.get("mimeTypes") or []
    if mimes and "text/plain" not in mimes:
        return not_testable("%s.%s accepts only %s: the audit uploads a small text file"
                            % (coll["name"], field, ", ".join(mimes)))
    content = records.tag(env.run_id, env.label("f"))
    seeded = principals.seed(env.transport, env.ledger, coll, env.run_id, env.label("s"),
                             relations=_relations_to(coll, env.victim_for(coll)),
                             files={field: ("pbguard-confirm.txt", content.encode("ascii"))})
    stored = seeded.get(field)
    name = stored[0] if isinstance(stored, list) and stored else stored
    if not name:
        raise NotTestable("the server kept no file in %s.%s" % (coll["name"], field))
    path = "/api/files/%s/%s/%s" % (coll["name"], seeded["id"], name)
    status, body = env.transport.send(ANONYMOUS, "GET", path)
    same = status == 200 and body == content  # the transport hands a non-JSON body back as text
    lines = [line(ANONYMOUS, "GET", "/api/files/%s/<seeded>/<file>" % coll["name"], status,
                  note="the body is the file the audit uploaded (content not reported)" if same else None)]
    if same:
        return confirmed(lines)
    return not_confirmed("the file was not served without a file token (HTTP %s)" % status, lines)
