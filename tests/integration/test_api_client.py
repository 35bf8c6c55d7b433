# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PocketBaseClient and the pb_server harness against real PocketBase binaries (every tested version).

These call the client from Python; tests/integration/test_pocketbase_info.py drives the same code
through Ansible.
"""

import http.server
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import pick_version  # pylint: disable=import-error

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseClient, PocketBaseError, parse_cli_version)


@pytest.fixture
def pb_server(pb_version, pb_module_servers):
    """One server per version shared by this module's tests: they only read, or write what no other
    test looks at (a rejected PATCH, a user of its own); tests that change server-wide state (MFA,
    superuserIPs, rate limits) start their own with ``pb_server_factory``."""
    return pb_module_servers[pb_version]


def client_for(srv, **kw):
    args = dict(email=srv.email, password=srv.password, timeout=5)
    args.update(kw)
    return PocketBaseClient(srv.url, **args)


def failure(fn):
    with pytest.raises(PocketBaseError) as info:
        fn()
    return info.value


# ----------------------------------------------------------------------------- harness

def test_harness_creates_the_superuser_before_the_first_serve(pb_server):
    """No takeover window: 0.22 refuses an unauthenticated admin create, 0.23+ prints no installer link."""
    if pb_server.generation == "v022":
        body = {"email": "evil@example.com", "password": "x" * 12, "passwordConfirm": "x" * 12}
        resp = pb_server.api("POST", "/api/admins", body, auth="guest")
        assert resp.status in (400, 401, 403), resp
    else:
        assert "pbinstall" not in pb_server.log()
    assert pb_server.api("GET", "/api/settings", auth="guest").status in (401, 403)
    assert pb_server.api("GET", "/api/settings").status == 200


def test_harness_factory_gives_isolated_servers_with_flags(pb_server_factory, tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    version = pick_version()
    first = pb_server_factory(version, hooks_dir=hooks, automigrate=False)
    second = pb_server_factory(version, password="another-Passw0rd-1")
    assert first.port != second.port and first.data_dir != second.data_dir
    assert "--hooksDir" in first.global_args and "--automigrate=false" in first.global_args
    assert second.api("GET", "/api/health", auth="guest").status == 200
    first.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(first.url + "/api/health", timeout=2)  # noqa: S310
    assert second.api("GET", "/api/settings").status == 200


def test_cli_version_parser_on_real_binary(pb_server):
    out = subprocess.run([pb_server.bin, "--version"], capture_output=True, text=True, check=False).stdout
    assert parse_cli_version(out) == pb_server.version


# ----------------------------------------------------------------------------- detection and reads

def test_generation_and_version_detection(pb_server):
    cl = client_for(pb_server)
    assert cl.generation == pb_server.generation
    assert cl.version == pb_server.version
    # the generation needs one unauthenticated request only
    assert cl.calls[0] == ("GET", "/api/collections/_superusers/auth-methods",
                           404 if pb_server.generation == "v022" else 200)


def test_login_and_raw_lists(pb_server):
    cl = client_for(pb_server).connect()
    names = [c["name"] for c in cl.list_collections()]
    assert "users" in names
    assert ("_superusers" in names) is (pb_server.generation == "v023")
    assert pb_server.email in [s["email"] for s in cl.list_superusers()]
    assert isinstance(cl.get_settings(), dict)
    assert cl.get_collection("users")["name"] == "users"


def test_snapshot_is_normalized_and_small(pb_server):
    cl = client_for(pb_server)
    snap = cl.snapshot()
    assert snap["generation"] == pb_server.generation and snap["version"] == pb_server.version
    assert snap["health"]["code"] == 200
    assert [s["email"] for s in snap["superusers"]] == [pb_server.email]
    assert any(c["name"] == "users" and c["auth"] for c in snap["collections"])
    # detection, login, 2 for the version, health, settings, collections, superusers
    assert len(cl.calls) <= 8, cl.calls


def test_token_auth(pb_server):
    cl = PocketBaseClient(pb_server.url, token=pb_server.superuser_token(), timeout=5)
    assert cl.get_settings()
    bad = PocketBaseClient(pb_server.url, token="not-a-valid-token", timeout=5)
    err = failure(bad.get_settings)
    assert err.kind == "auth_failed" and err.status == 401
    assert "not-a-valid-token" not in str(err)


# ----------------------------------------------------------------------------- failures

def test_wrong_password(pb_server):
    cl = client_for(pb_server, password="Wr0ng-password-xyz")
    err = failure(cl.connect)
    assert err.kind == "auth_failed"
    assert "wrong email or password" in str(err)
    assert "Wr0ng-password-xyz" not in str(err)


def test_unreachable_is_retried_and_bounded(closed_port_url):
    cl = PocketBaseClient(closed_port_url, email="a@example.com", password="x" * 10, timeout=2, retries=2,
                          retry_delay=0.1)
    start = time.time()
    err = failure(cl.connect)
    assert err.kind == "unreachable"
    assert "Cannot reach PocketBase at %s" % closed_port_url in err.message
    assert "after 3 attempt(s)" in err.message and "pocketbase serve" in err.hint
    assert time.time() - start < 10


def test_forced_generation_mismatch(pb_server):
    other = "v023" if pb_server.generation == "v022" else "v022"
    err = failure(client_for(pb_server, generation=other).connect)
    assert err.kind == "version_mismatch"
    assert ("0.22" if pb_server.generation == "v022" else "0.23+") in err.message
    assert "api_generation" in err.hint


def test_mismatch_on_a_generation_specific_path_without_detection(pb_server):
    """Even when the connect() check is skipped, the login path gives a mismatch, not 'not found'."""
    other = "v023" if pb_server.generation == "v022" else "v022"
    err = failure(client_for(pb_server, generation=other).login)
    assert err.kind == "version_mismatch", err


def test_require_generation(pb_server):
    cl = client_for(pb_server)
    if pb_server.generation == "v022":
        err = failure(lambda: cl.require_generation("v023", "pocketbase_settings"))
        assert err.kind == "version_mismatch" and pb_server.version in err.message
    else:
        cl.require_generation("v023", "pocketbase_settings")


def test_validation_error_carries_pocketbase_message(pb_server):
    cl = client_for(pb_server)
    err = failure(lambda: cl.request("PATCH", "/api/collections/users", {"listRule": "nosuchfield = 1"}))
    assert err.kind == "validation" and err.status == 400
    assert "listRule:" in err.message and "nosuchfield" in err.message
    assert err.data["listRule"]["code"] == "validation_invalid_rule"


def test_not_found(pb_server):
    err = failure(lambda: client_for(pb_server).get_collection("no_such_collection"))
    assert err.kind == "not_found" and err.status == 404


def test_mfa_required(pb_server_factory):
    srv = pb_server_factory(pick_version("0.23.0"))
    resp = srv.api("PATCH", "/api/collections/_superusers", {"mfa": {"enabled": True}, "otp": {"enabled": True}})
    assert resp.status == 200, resp
    err = failure(client_for(srv).connect)
    assert err.kind == "mfa_required" and err.status == 401
    assert "token" in err.hint
    assert PocketBaseClient(srv.url).try_password("_superusers", srv.email, srv.password) == "mfa"


def test_ip_forbidden(pb_server_factory):
    srv = pb_server_factory(pick_version("0.38.0"))  # superuserIPs exists since 0.38
    resp = srv.api("PATCH", "/api/settings", {"superuserIPs": ["10.255.255.1"]})
    assert resp.status == 200, resp
    err = failure(client_for(srv).connect)
    assert err.kind == "ip_forbidden" and err.status == 403
    assert "superuserIPs" in err.message


def test_try_password(pb_server):
    cl = PocketBaseClient(pb_server.url, timeout=5)
    assert cl.try_password("_superusers", pb_server.email, pb_server.password) == "ok"
    assert cl.try_password("_superusers", pb_server.email, "Wr0ng-password-xyz") == "wrong"
    pb_server.create_user("u1@example.com", "User-Passw0rd-1")
    assert cl.try_password("users", "u1@example.com", "User-Passw0rd-1") == "ok"
    err = failure(lambda: cl.try_password("no_such_auth", "u1@example.com", "User-Passw0rd-1"))
    assert err.kind == "not_found" and "User-Passw0rd-1" not in str(err)


def test_login_is_retried_when_rate_limited(pb_server_factory):
    srv = pb_server_factory(pick_version("0.23.0"))
    rules = [{"label": "*:auth", "audience": "", "duration": 3, "maxRequests": 1}]
    assert srv.api("PATCH", "/api/settings", {"rateLimits": {"enabled": True, "rules": rules}}).status == 200
    guest = PocketBaseClient(srv.url, timeout=5)
    guest.login_retries = 0
    guest.try_password("_superusers", srv.email, "Wr0ng-password-xyz")  # uses up the window
    cl = client_for(srv)
    cl.connect()
    assert cl.token
    statuses = [s for m, p, s in cl.calls if p.endswith("auth-with-password")]
    assert statuses[0] == 429 and statuses[-1] == 200, cl.calls
    # a probe carrying the superuser session is exempt from rate limits: no 429 although the window
    # is used up again by the login above
    before = len(cl.calls)
    assert cl.try_password("_superusers", srv.email, srv.password, as_superuser=True) == "ok"
    assert cl.try_password("_superusers", srv.email, "Wr0ng-password-xyz", as_superuser=True) == "wrong"
    assert [s for _m, _p, s in cl.calls[before:]] == [200, 400], cl.calls


# ----------------------------------------------------------------------------- behind a blocking proxy

class _BlockingProxy:
    """A real loopback HTTP proxy in front of PocketBase that answers 403 text for blocked prefixes
    (what an admin allowlist on Caddy/nginx does), or HTML for every path (not PocketBase at all)."""

    def __init__(self, upstream, blocked=(), html_only=False):

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

            def _send(self, status, body, ctype):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                if html_only:
                    return self._send(200, b"<html><body>It works</body></html>", "text/html")
                if any(self.path.startswith(p) for p in blocked):
                    return self._send(403, b"Forbidden", "text/plain")
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                hdrs = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                req = urllib.request.Request(upstream + self.path, data=data, method=self.command, headers=hdrs)
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (loopback)
                        return self._send(resp.status, resp.read(), resp.headers.get("Content-Type", ""))
                except urllib.error.HTTPError as err:
                    return self._send(err.code, err.read(), err.headers.get("Content-Type", ""))

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_generation_detected_when_a_proxy_blocks_superuser_api_and_dashboard(pb_server):
    proxy = _BlockingProxy(pb_server.url, blocked=("/api/collections/_superusers", "/api/admins", "/_/"))
    try:
        cl = PocketBaseClient(proxy.url, timeout=5)
        assert cl.generation == pb_server.generation
        assert cl.version is None
        assert ("GET", "/api/health", 200) in cl.calls
    finally:
        proxy.stop()


def test_not_a_pocketbase_server_is_a_protocol_error():
    proxy = _BlockingProxy("http://127.0.0.1:1", html_only=True)
    try:
        err = failure(PocketBaseClient(proxy.url, email="a@example.com", password="x" * 10, timeout=5).connect)
        assert err.kind == "protocol"
        assert "does not answer like a PocketBase API" in err.message and "url" in err.hint
    finally:
        proxy.stop()
