# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server version is read in a thread while other requests go on (the snapshot overlaps it with the
login); the client's ``calls`` still list the requests in the order a sequential run makes them."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import PocketBaseClient


class _Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/_/":
            time.sleep(0.3)  # the version's first request answers after the others below
            body, ctype = b'<script src="./assets/index-abc.js"></script>', "text/html"
        elif self.path.startswith("/_/assets/"):
            body, ctype = b'const v = "PocketBase v0.40.6";', "application/javascript"
        else:
            body, ctype = json.dumps({"code": 200, "message": "ok", "data": {}}).encode(), "application/json"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@pytest.fixture()
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def test_version_read_in_background_keeps_the_sequential_order_of_calls(server):
    client = PocketBaseClient(server, generation="v023", timeout=5)
    client.health(auth=False)
    handle = client.version_in_background()
    for _i in range(3):
        client.health(auth=False)  # answered while the version's /_/ request still waits
    assert [c[1] for c in client.calls] == ["/api/health"] * 4, "the version's requests are not recorded yet"
    assert handle.result() == "0.40.6"
    assert [c[1] for c in client.calls] == ["/api/health", "/_/", "/_/assets/index-abc.js"] + ["/api/health"] * 3
    assert client.version == "0.40.6"  # cached: no further request
    assert len(client.calls) == 6


def test_a_failing_version_read_is_none_and_still_recorded(server):
    client = PocketBaseClient(server.rsplit(":", 1)[0] + ":1", generation="v023", timeout=2, retries=0)
    assert client.version_in_background().result() is None
    assert client.calls == [("GET", "/_/", None)]
