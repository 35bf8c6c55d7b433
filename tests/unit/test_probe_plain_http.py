# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PBG-NET-003's second half: plain HTTP on the audited host redirects to HTTPS. The probe asks port 80
once, unauthenticated, without following the redirect; a real HTTP server on loopback answers."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _http
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine, gather, net


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200
    location = None
    seen = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(self.status)
        if self.location:
            self.send_header("Location", self.location)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args):
        pass


@pytest.fixture
def plain_http():
    """A real HTTP server on a free loopback port; the probe's port-80 URL is rewritten to reach it."""
    servers = []

    def start(status, location=None):
        handler = type("H", (_Answer,), {"status": status, "location": location, "seen": []})
        srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)

        def open_url(url, **kwargs):
            assert url == "http://pb.example.com/"  # port 80 of the audited host, nothing else
            return _http.bounded_open_url("http://127.0.0.1:%d/" % srv.server_port, **kwargs)
        return open_url, handler
    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("status, location, expected", [
    (308, "https://pb.example.com/", True),
    (301, "https://pb.example.com/", True),
    (302, "http://pb.example.com/login", False),   # a redirect that stays in cleartext
    (200, None, False),                            # the app itself served over HTTP
    (403, None, False),
])
def test_plain_http_answer_decides(plain_http, status, location, expected):
    open_url, handler = plain_http(status, location)
    assert gather.probe_plain_http("https://pb.example.com", open_url, timeout=5) == (expected, None)
    assert handler.seen == [("/", None)]  # one request, no credentials


def test_no_listener_on_port_80_is_not_a_finding():
    def refused(url, **_kwargs):
        raise _http.TransportError("unreachable", "connection refused")
    assert gather.probe_plain_http("https://pb.example.com", refused) == (None, None)


def test_a_silent_port_80_is_unknown_not_a_pass():
    """Fail closed: a timeout means something may listen and serve in cleartext; the control says error."""
    with socket.socket() as silent:  # a real listener that never answers: the request times out
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)

        def to_silent(_url, **kwargs):
            return _http.bounded_open_url("http://127.0.0.1:%d/" % silent.getsockname()[1], **kwargs)
        verdict, error = gather.probe_plain_http("https://pb.example.com", to_silent, timeout=1)
    assert verdict is None and "did not answer within 1s" in error
    ctx = engine.AuditContext(probe={"url": "https://pb.example.com", "answered": True, "http_probe_error": error,
                                     "http_redirects_to_https": None}, url="https://pb.example.com")
    with pytest.raises(engine.Unavailable):
        net.check_net_tls(ctx)


@pytest.mark.parametrize("url", ["http://pb.example.com", "https://pb.example.com:8443", "https://"])
def test_unknown_plain_port_is_not_probed(url):
    def never(*_args, **_kwargs):
        raise AssertionError("no request expected")
    assert gather.probe_plain_http(url, never) == (None, None)


@pytest.mark.parametrize("name", ["Location", "location", "LOCATION"])
def test_header_lookup_ignores_the_servers_spelling(name):
    assert _http.header_value({name: "https://pb.example.com/", "Server": "x"}, "Location") == "https://pb.example.com/"
    assert _http.header_value({"Server": "x"}, "Location") is None
