# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TLS context is built once per verification setting and process, and a context built for one
setting never serves another: an unverified request does not make a later verified one lax."""

from __future__ import annotations

import http.server
import socket
import ssl
import subprocess
import threading

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _http


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture()
def fresh_contexts(monkeypatch):
    monkeypatch.setattr(_http, "_CONTEXTS", {})
    built = []
    real = _http.make_context

    def counting_make_context(**kwargs):
        built.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(_http, "make_context", counting_make_context)
    return built


@pytest.fixture()
def plain_server():
    server = _serve(http.server.HTTPServer(("127.0.0.1", 0), _Hello))
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture()
def tls_server(self_signed):
    cert, key = self_signed
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _serve(server)
    yield "https://127.0.0.1:%d/" % server.server_address[1], cert
    server.shutdown()
    server.server_close()


def test_one_context_serves_every_request_with_the_same_setting(fresh_contexts, tls_server):
    url, cert = tls_server
    for _i in range(3):
        assert _http.exchange(url, timeout=5, ca_path=cert).body == b"hello"
    if not _http._REQUEST_TAKES_CONTEXT:  # ansible-core 2.16: open_url builds its own
        assert _http.tls_context(True) is None and fresh_contexts == []
        return
    assert fresh_contexts == [{"cafile": cert, "validate_certs": True}]
    assert _http.tls_context(True, cert) is _http.tls_context(True, cert)
    assert _http.tls_context(False) is not _http.tls_context(True)


def test_plain_http_reads_no_ca_store(fresh_contexts, plain_server):
    for validate_certs in (True, False, True):
        assert _http.exchange(plain_server, timeout=5, validate_certs=validate_certs).body == b"hello"
    assert fresh_contexts == [], "an http:// request needs no CA store"
    if _http._REQUEST_TAKES_CONTEXT:
        assert _http.plain_http_context() is _http.plain_http_context()


@pytest.mark.skipif(not _http._REQUEST_TAKES_CONTEXT, reason="ansible-core 2.16 takes no context")
def test_the_plain_http_context_fails_any_tls_it_were_used_for(tls_server):
    url = tls_server[0]
    context = _http.plain_http_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
    port = int(url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        with pytest.raises(ssl.SSLCertVerificationError):
            context.wrap_socket(sock, server_hostname="127.0.0.1")


def test_an_unverified_request_does_not_make_a_later_verified_one_lax(fresh_contexts, tls_server):
    url, cert = tls_server
    assert _http.exchange(url, timeout=5, validate_certs=False).body == b"hello"
    with pytest.raises(_http.TransportError) as exc:
        _http.exchange(url, timeout=5, validate_certs=True)
    assert "CERTIFICATE_VERIFY_FAILED" in str(exc.value)
    assert _http.exchange(url, timeout=5, validate_certs=True, ca_path=cert).body == b"hello"
    with pytest.raises(_http.TransportError):
        _http.exchange(url, timeout=5, validate_certs=True)
