# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small real HTTP servers that misbehave on purpose (stdlib http.server in a thread).

``HostileServer(host, behaviour)``: ``behaviour(handler)`` answers every request; the server records
each request as ``(method, path, headers)`` in ``.requests``. Helpers below build behaviours.
"""

import http.server
import json
import socket
import threading
import time


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args):  # quiet
        pass

    def _any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.owner.requests.append((self.command, self.path, dict(self.headers), body))
        try:
            self.server.owner.behaviour(self)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any


class HostileServer(object):
    def __init__(self, behaviour, host="127.0.0.1"):
        self.behaviour = behaviour
        self.requests = []
        self.httpd = http.server.ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def authorized_requests(self):
        return [r for r in self.requests if "Authorization" in r[2] or "authorization" in r[2]]

    def password_requests(self, password):
        return [r for r in self.requests if password.encode() in r[3]]


def send_json(handler, status, obj, headers=None):
    data = json.dumps(obj).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(data)


def send_raw(handler, status, data):
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def redirect_to(target_url, status=302):
    def behaviour(handler):
        handler.send_response(status)
        handler.send_header("Location", target_url + handler.path)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return behaviour


def pocketbase_like(overrides=None):
    """Answers like a 0.23+ PocketBase superuser API (auth-methods, login, health, empty lists);
    ``overrides`` maps a path to ``(status, json or raw bytes)``."""
    overrides = overrides or {}

    def behaviour(handler):
        path = handler.path.split("?", 1)[0]
        if path in overrides:
            status, obj = overrides[path]
            if isinstance(obj, bytes):
                return send_raw(handler, status, obj)
            return send_json(handler, status, obj)
        if path.endswith("/auth-methods"):
            return send_json(handler, 200, {"password": {"enabled": True}, "mfa": {"enabled": False},
                                            "otp": {"enabled": False}, "oauth2": {"enabled": False}})
        if path.endswith("/auth-with-password"):
            return send_json(handler, 200, {"token": "hostile-token", "record": {"id": "x"}})
        if path == "/api/health":
            return send_json(handler, 200, {"code": 200, "message": "API is healthy.", "data": {}})
        if path == "/api/settings":
            return send_json(handler, 200, {"meta": {"appName": "hostile"}})
        return send_json(handler, 200, {"page": 1, "perPage": 500, "totalItems": 0, "totalPages": 0,
                                        "items": []})
    return behaviour


def drip(interval=1.0, total_seconds=600):
    """Status line and headers one byte per ``interval`` seconds (never finishes in time)."""
    def behaviour(handler):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 10000
        end = time.monotonic() + total_seconds
        for byte in head:
            if time.monotonic() > end:
                break
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(interval)
    return behaviour


def drip_body(interval=1.0, total_seconds=600):
    """Prompt headers, then a JSON body one byte per ``interval`` seconds."""
    def behaviour(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.wfile.write(b'{"items": [')
        end = time.monotonic() + total_seconds
        while time.monotonic() < end:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(interval)
    return behaviour


def huge_body(megabytes=400, declare_length=False):
    """A JSON string body of ``megabytes`` MiB, streamed (with or without Content-Length)."""
    def behaviour(handler):
        chunk = b"a" * (1024 * 1024)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declare_length:
            handler.send_header("Content-Length", str(megabytes * len(chunk) + 2))
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b'"')
        for _chunk in range(megabytes):
            handler.wfile.write(chunk)
        handler.wfile.write(b'"')
        handler.close_connection = True
    return behaviour
