"""pocketbase_proxy acceptance, run by testinfra inside the container over loopback.

127.0.0.1 is allowlisted, 127.0.0.2 (curl --interface) is not. Every request goes to the proxy on
127.0.0.1:443/80 with the site name pinned by --resolve; PocketBase itself listens on 127.0.0.1:8090.
"""

import importlib.util
import json
import os
import re
import shlex

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "pb_paths", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugins",
                             "module_utils", "_pb_paths.py"))
PB_PATHS = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(PB_PATHS)

BACKEND = os.environ.get("PBG_PROXY_BACKEND", "caddy")
NAME = os.environ.get("PBG_PROXY_SERVER_NAME", "pb.pbguard.test")
SU_EMAIL = os.environ.get("PBG_PROXY_SU_EMAIL", "admin@pbguard.test")
SU_PASSWORD = os.environ["PBG_PROXY_SU_PASSWORD"]
BASIC_USER = os.environ.get("PBG_PROXY_BASIC_USER", "")
BASIC_PASSWORD = os.environ.get("PBG_PROXY_BASIC_PASSWORD", "")

CA = {
    "caddy": "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt",
    "nginx": "/etc/pbguard/proxy-tls/ca.crt",
}[BACKEND]
ACCESS_LOG = {
    "caddy": "/var/log/caddy/pocketbase-access.log",
    "nginx": "/var/log/nginx/pocketbase/access.log",
}[BACKEND]
LIVE_CONFIG = {
    "caddy": "/etc/caddy/Caddyfile",
    "nginx": "/etc/nginx/conf.d/pbguard-pocketbase.conf",
}[BACKEND]
ALLOWED = "127.0.0.1"
DENIED = "127.0.0.2"
SU_BODY = json.dumps({"identity": SU_EMAIL, "password": SU_PASSWORD})


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> list of values
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower(), [])


def curl_args(path, method="GET", source=ALLOWED, headers=None, data=None, basic=None,
              scheme="https", extra=()):
    port = 443 if scheme == "https" else 80
    args = ["curl", "-sS", "--path-as-is", "--max-time", "20", "-X", method,
            "--interface", source, "--resolve", f"{NAME}:{port}:127.0.0.1"]
    if scheme == "https":
        args += ["--cacert", CA]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    if data is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", data]
    if basic:
        args += ["-u", f"{basic[0]}:{basic[1]}"]
    args += list(extra)
    args.append(f"{scheme}://{NAME}{path}")
    return args


def curl(host, path, method="GET", source=ALLOWED, headers=None, data=None, basic=None,
         scheme="https", extra=(), ok_rc=(0,)):
    """One request through the proxy (one podman exec): status, headers (all values), body."""
    args = curl_args(path, method, source, headers, data, basic, scheme, extra)
    args[1:1] = ["-D", "-", "-w", "\n%{http_code}"]
    res = host.run(" ".join(shlex.quote(a) for a in args))
    assert res.rc in ok_rc, f"curl failed ({res.rc}): {res.stderr}"
    out, dummy, status = res.stdout.rpartition("\n")
    head, dummy, body = out.partition("\r\n\r\n")
    parsed = {}
    for line in head.splitlines()[1:]:
        if ":" in line:
            key, dummy, value = line.partition(":")
            parsed.setdefault(key.strip().lower(), []).append(value.strip())
    return Resp(int(status.strip() or 0), parsed, body)


def statuses(host, requests):
    """Many requests in one podman exec; returns the status codes in order."""
    script = "; ".join(
        " ".join(shlex.quote(a) for a in curl_args(*req[:2], **(req[2] if len(req) > 2 else {}))
                 + ["-o", "/dev/null", "-w", "%{http_code}\\n"])
        for req in requests)
    res = host.run(script)
    codes = [int(c) for c in res.stdout.split()]
    assert len(codes) == len(requests), (res.stdout, res.stderr)
    return codes


def su_token(host):
    res = host.run("curl -sS -X POST -H 'Content-Type: application/json' --data-binary "
                   + shlex.quote(SU_BODY)
                   + " http://127.0.0.1:8090/api/collections/_superusers/auth-with-password")
    return json.loads(res.stdout)["token"]


# --- service and TLS -------------------------------------------------------------------------

def test_proxy_service_enabled_and_running(host):
    svc = host.service(BACKEND)
    assert svc.is_running
    assert svc.is_enabled


def test_pocketbase_itself_only_on_loopback(host):
    assert host.socket("tcp://127.0.0.1:8090").is_listening
    assert not host.socket("tcp://0.0.0.0:8090").is_listening


def test_tls_verifies_against_the_internal_ca(host):
    resp = curl(host, "/api/health")
    assert resp.status == 200
    # Without the internal CA the certificate must not verify (curl exit 60).
    res = host.run(f"curl -sS -o /dev/null --resolve {NAME}:443:127.0.0.1 https://{NAME}/api/health")
    assert res.rc == 60, res.stderr


def test_certificate_chain_verifies_to_the_internal_ca_for_the_site_name(host):
    out = host.check_output(
        f"echo | openssl s_client -connect 127.0.0.1:443 -servername {NAME} -CAfile {CA}"
        " -verify_return_error 2>&1")
    assert "Verify return code: 0 (ok)" in out
    leaf = host.check_output(
        f"echo | openssl s_client -connect 127.0.0.1:443 -servername {NAME} 2>/dev/null"
        " | openssl x509 -noout -issuer -ext subjectAltName")
    assert f"DNS:{NAME}" in leaf
    expected_issuer = {"caddy": "Caddy Local Authority", "nginx": "pbguard internal CA"}[BACKEND]
    assert expected_issuer in leaf


def test_http_redirects_to_https(host):
    resp = curl(host, "/api/health?x=1", scheme="http")
    assert resp.status in (301, 308)
    assert resp.header("location") == [f"https://{NAME}/api/health?x=1"]


# --- admin allowlist -------------------------------------------------------------------------

def test_dashboard_reachable_from_allowlisted_source(host):
    resp = curl(host, "/_/", basic=(BASIC_USER, BASIC_PASSWORD) if BASIC_USER else None)
    assert resp.status == 200
    assert "PocketBase" in resp.body


def test_superuser_auth_reachable_from_allowlisted_source(host):
    resp = curl(host, "/api/collections/_superusers/auth-with-password", "POST", data=SU_BODY)
    assert resp.status == 200
    assert json.loads(resp.body)["token"]


@pytest.mark.skipif(not BASIC_USER, reason="basic auth not configured in this scenario")
def test_dashboard_basic_auth_required_even_when_allowlisted(host):
    assert curl(host, "/_/").status == 401
    assert curl(host, "/_/", basic=(BASIC_USER, "wrong-password")).status == 401


@pytest.mark.skipif(not BASIC_USER, reason="basic auth not configured in this scenario")
def test_basic_auth_hash_has_the_configured_cost(host):
    # Checked on every dashboard request without a cache: cost 10 (the role default), not caddy
    # hash-password's 14 (about 1.3 s of CPU per request, which timed requests out).
    line = host.check_output("cat /etc/pbguard/proxy-admin.htpasswd").strip()
    user, dummy, stored = line.partition(":" if BACKEND == "nginx" else " ")
    assert user == BASIC_USER
    assert re.match(r"\$2[aby]\$10\$", stored), "stored hash starts %r" % stored[:7]


SU_LOGIN_VARIANTS = [
    "/api/collections/_superusers/auth-with-password",
    "/api/collections/_SUPERUSERS/auth-with-password",     # names resolve case-insensitively
    "/api/collections/pbc_3142635823/auth-with-password",  # _superusers by id
    "/api/collections/%5Fsuperusers/auth-with-password",   # percent-encoded
    "/api//collections/_superusers/auth-with-password",
    "/api/collections/_superusers/./auth-with-password",
    "/api/admins/auth-with-password",                      # 0.22 admin login
]


def test_superuser_login_refused_from_other_source(host):
    codes = statuses(host, [(p, "POST", {"source": DENIED, "data": SU_BODY}) for p in SU_LOGIN_VARIANTS])
    assert dict(zip(SU_LOGIN_VARIANTS, codes)) == {p: 403 for p in SU_LOGIN_VARIANTS}


def test_superuser_login_variants_reach_pocketbase_from_allowlisted_source(host):
    """Control for the test above: the same requests from 127.0.0.1 are not refused by the proxy."""
    variants = SU_LOGIN_VARIANTS[:4]
    codes = statuses(host, [(p, "POST", {"data": SU_BODY}) for p in variants])
    assert codes == [200] * len(variants)


def direct_statuses(host, requests):
    """The same requests straight to PocketBase on 127.0.0.1:8090 (no proxy), in one podman exec."""
    script = "; ".join(
        " ".join(shlex.quote(a) for a in ["curl", "-sS", "--path-as-is", "--max-time", "20", "-X", method,
                                          "-o", "/dev/null", "-w", "%{http_code}\\n"]
                 + (["-H", "Content-Type: application/json", "--data-binary", data] if data else [])
                 + ["http://127.0.0.1:8090" + path])
        for path, method, data in requests)
    codes = [int(c) for c in host.run(script).stdout.split()]
    assert len(codes) == len(requests)
    return codes


# The whole class of superuser-login spellings (plugins/module_utils/_pb_paths.py: ASCII case, U+017F for s,
# percent-encoding of any character, the collection id), generated, not listed.
SU_LOGIN_CLASS = PB_PATHS.superuser_login_paths("v023", sample=20)


def test_superuser_login_class_logs_in_directly_and_is_refused_through_the_proxy(host):
    direct = direct_statuses(host, [(p, "POST", SU_BODY) for p in SU_LOGIN_CLASS])
    assert {p: c for p, c in zip(SU_LOGIN_CLASS, direct) if c != 200} == {}, "class drifted from PocketBase"
    denied = statuses(host, [(p, "POST", {"source": DENIED, "data": SU_BODY}) for p in SU_LOGIN_CLASS])
    assert {p: c for p, c in zip(SU_LOGIN_CLASS, denied) if c != 403} == {}
    allowed = statuses(host, [(p, "POST", {"data": SU_BODY}) for p in SU_LOGIN_CLASS])
    assert {p: c for p, c in zip(SU_LOGIN_CLASS, allowed) if c != 200} == {}


SENSITIVE_CLASS = [(p, m) for m, canonical in PB_PATHS.SENSITIVE_ENDPOINTS for p in PB_PATHS.path_spellings(canonical)]


def test_sensitive_path_spellings_that_answer_directly_are_refused_through_the_proxy(host):
    direct = direct_statuses(host, [(p, m, None) for p, m in SENSITIVE_CLASS])
    live = [pm for pm, code in zip(SENSITIVE_CLASS, direct) if code != 404]
    assert len(live) > len(PB_PATHS.SENSITIVE_ENDPOINTS)  # encoded spellings do reach PocketBase
    denied = statuses(host, [(p, m, {"source": DENIED}) for p, m in live])
    assert {pm: c for pm, c in zip(live, denied) if c != 403} == {}


ADMIN_PATHS = [
    ("/_/", "GET"),
    ("/_", "GET"),
    ("/_/images/favicon/favicon.png", "GET"),
    ("/api/collections/_superusers/records", "GET"),
    ("/api/collections/_superusers/request-otp", "POST"),
    ("/api/collections/_superusers/auth-methods", "GET"),
    ("/api/collections/users/impersonate/abc", "POST"),
    ("/api/settings", "GET"),
    ("/api/settings/test/email", "POST"),
    ("/api/backups", "GET"),
    ("/api/logs", "GET"),
    ("/api/crons", "GET"),
    ("/api/collections", "GET"),
    ("/api/collections/import", "PUT"),
    ("/api/collections/posts", "PATCH"),
    ("/API/Collections/posts", "GET"),
    ("/api/collections/posts/truncate", "DELETE"),
    ("/api/collections/meta/scaffolds", "GET"),
]


def test_admin_paths_refused_from_other_source(host):
    codes = statuses(host, [(p, m, {"source": DENIED}) for p, m in ADMIN_PATHS])
    assert dict(zip(ADMIN_PATHS, codes)) == {pm: 403 for pm in ADMIN_PATHS}


def test_spoofed_forwarding_headers_do_not_open_the_allowlist(host):
    reqs = []
    for header, value in (("X-Forwarded-For", "127.0.0.1"), ("X-Forwarded-For", "10.0.0.1, 127.0.0.1"),
                          ("X-Real-IP", "127.0.0.1"), ("Forwarded", "for=127.0.0.1"),
                          ("True-Client-IP", "127.0.0.1"), ("CF-Connecting-IP", "127.0.0.1")):
        reqs.append(("/_/", "GET", {"source": DENIED, "headers": {header: value}}))
        reqs.append(("/api/collections/_superusers/auth-with-password", "POST",
                     {"source": DENIED, "headers": {header: value}, "data": SU_BODY}))
    assert statuses(host, reqs) == [403] * len(reqs)


def test_public_routes_still_work_from_other_source(host):
    assert curl(host, "/api/health", source=DENIED).status == 200
    records = curl(host, "/api/collections/posts/records", source=DENIED)
    assert records.status == 200
    assert "hello-from-pbguard" in [i["title"] for i in json.loads(records.body)["items"]]
    methods = curl(host, "/api/collections/users/auth-methods", source=DENIED)
    assert methods.status == 200
    # A normal auth collection's login stays public (wrong password: PocketBase's 400, not the proxy's 403).
    bad = json.dumps({"identity": "nobody@pbguard.test", "password": "not-the-password"})
    assert curl(host, "/api/collections/users/auth-with-password", "POST", source=DENIED,
                data=bad).status == 400


def test_health_route(host):
    resp = curl(host, "/healthz", source=DENIED)
    assert resp.status == 200
    assert resp.body.strip() == "OK"


# --- client IP seen by PocketBase ------------------------------------------------------------

def test_pocketbase_sees_the_tcp_peer_not_the_spoofed_header(host):
    token = su_token(host)
    resp = curl(host, "/api/health", source=DENIED,
                headers={"Authorization": token, "X-Forwarded-For": "203.0.113.7"})
    assert resp.status == 200
    assert json.loads(resp.body)["data"]["realIP"] == DENIED


# --- headers, limits, logs -------------------------------------------------------------------

def test_security_headers_on_api(host):
    resp = curl(host, "/api/health", source=DENIED)
    assert resp.header("strict-transport-security") == ["max-age=31536000"]
    assert resp.header("x-content-type-options") == ["nosniff"]
    assert resp.header("referrer-policy") == ["strict-origin-when-cross-origin"]
    assert resp.header("x-powered-by") == []
    servers = resp.header("server")
    assert servers == [] or all(s == "nginx" for s in servers), servers


def test_dashboard_frame_protection(host):
    resp = curl(host, "/_/", basic=(BASIC_USER, BASIC_PASSWORD) if BASIC_USER else None)
    assert resp.header("x-frame-options") == ["DENY"]
    assert any("frame-ancestors 'none'" in v for v in resp.header("content-security-policy"))
    refused = curl(host, "/_/", source=DENIED)
    assert refused.header("x-frame-options") == ["DENY"]


def _post_padded(host, size):
    """POST a record whose JSON body is padded to about `size` bytes (PocketBase ignores `pad`)."""
    host.run("printf '{\"title\":\"padded\",\"pad\":\"' > /tmp/pbgp-body.json"
             f" && head -c {size} /dev/zero | tr '\\0' a >> /tmp/pbgp-body.json"
             " && printf '\"}' >> /tmp/pbgp-body.json")
    args = curl_args("/api/collections/posts/records", "POST", source=DENIED,
                     extra=["-H", "Content-Type: application/json", "--data-binary", "@/tmp/pbgp-body.json",
                            "-o", "/dev/null", "-w", "%{http_code}"])
    res = host.run(" ".join(shlex.quote(a) for a in args))
    host.run("rm -f /tmp/pbgp-body.json")
    return res


def _count_padded(host):
    out = host.check_output("curl -sS 'http://127.0.0.1:8090/api/collections/posts/records"
                            "?filter=(title%3D%22padded%22)&perPage=1'")
    return json.loads(out)["totalItems"]


def test_request_body_limit(host):
    # The scenario sets pocketbase_proxy_max_body_size_mb: 1; PocketBase alone accepts 32 MiB.
    before = _count_padded(host)
    small = _post_padded(host, 200_000)
    assert small.rc == 0 and small.stdout.strip() == "200"
    big = _post_padded(host, 2_200_000)
    if BACKEND == "nginx":
        assert big.stdout.strip() == "413"
    else:
        # Caddy 2.6 cuts the body off (PocketBase then sees a truncated body, or the stream is reset);
        # Caddy >= 2.7 answers 413. Either way the oversized request must not get through.
        assert big.stdout.strip() != "200"
    assert _count_padded(host) == before + 1


def test_json_access_log_records_the_tcp_peer(host):
    curl(host, "/api/health?pbgp-log-probe=1", source=DENIED)
    lines = host.file(ACCESS_LOG).content_string.strip().splitlines()
    entries = [json.loads(line) for line in lines[-20:]]
    if BACKEND == "caddy":
        peers = [e["request"]["remote_ip"] for e in entries]
    else:
        peers = [e["remote_addr"] for e in entries]
    assert DENIED in peers


def test_access_log_has_no_secrets(host):
    content = host.file(ACCESS_LOG).content_string
    assert SU_PASSWORD not in content
    if BASIC_PASSWORD:
        assert BASIC_PASSWORD not in content


def test_access_log_rotation_configured(host):
    if BACKEND == "caddy":
        cfg = host.file(LIVE_CONFIG).content_string
        assert "roll_size" in cfg and "roll_keep" in cfg
    else:
        res = host.run("logrotate -d /etc/logrotate.d/pbguard-pocketbase")
        assert res.rc == 0, res.stderr
        assert "/var/log/nginx/pocketbase/*.log" in res.stdout + res.stderr


# --- validation before going live ------------------------------------------------------------

@pytest.mark.skipif(os.environ.get("PBG_PROXY_NO_SIDE_EFFECT") == "1",
                    reason="this scenario (trixie) has no side_effect step")
def test_broken_config_was_refused_by_the_validator(host):
    marker = host.file("/var/tmp/pbg-proxy-broken-result")
    assert marker.exists, "side_effect did not run"
    assert "pbguard_no_such_directive" in marker.content_string
    live = host.file(LIVE_CONFIG).content_string
    assert "pbguard_no_such_directive" not in live
    # the lockout / invalid-CIDR runs in side_effect were refused before rendering anything
    assert "pbguard-lockout-probe" not in live


def test_secrets_not_in_live_config(host):
    cfg = host.file(LIVE_CONFIG).content_string
    assert SU_PASSWORD not in cfg
    if BASIC_PASSWORD:
        assert BASIC_PASSWORD not in cfg
        assert "$2" not in cfg  # the hash lives in a separate 0640 file
