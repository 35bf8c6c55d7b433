# -*- coding: utf-8 -*-
"""Tiny stdlib HTTP client shared by the planting script and the attacks.

It runs on the controller and, copied next to attacks.py, inside a test container with the
distribution's python3 (no third-party packages).  Two things curl can do that urllib cannot
without help: choose the *source* address (``--interface 127.0.0.2``: an attacker that is not on
the admin allowlist) and connect to one address while speaking to another host name
(``--resolve``: a proxy with a TLS site name reached over loopback).
"""
from __future__ import annotations

import http.client
import json
import socket
import ssl
import uuid
from urllib.parse import urlencode, urlsplit


class Response(object):
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def __repr__(self):
        return "<Response %s %d bytes>" % (self.status, len(self.body))


class ConnectFailed(Exception):
    """The TCP connection itself failed (refused, unreachable, timeout)."""


class Client(object):
    """HTTP(S) client bound to a base URL.

    base_url: e.g. ``http://127.0.0.1:8090`` or ``https://pb.example.test``.
    connect:  optional ``IP:PORT`` to connect to instead of resolving the URL's host.
    source:   optional source IP (must be a local address, e.g. 127.0.0.2).
    verify:   TLS verification (the test proxies use an internal CA: off by default).
    """

    def __init__(self, base_url, connect=None, source=None, verify=False, timeout=10.0):
        parts = urlsplit(base_url)
        self.scheme = parts.scheme or "http"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.connect_host, self.connect_port = self.host, self.port
        if connect:
            h, _sep, p = connect.rpartition(":")
            self.connect_host, self.connect_port = h.strip("[]"), int(p)
        self.source = source
        self.verify = verify
        self.timeout = timeout
        self.token = None

    def _sock(self):
        src = (self.source, 0) if self.source else None
        try:
            sock = socket.create_connection((self.connect_host, self.connect_port),
                                            timeout=self.timeout, source_address=src)
        except OSError as exc:
            raise ConnectFailed("%s:%s: %s" % (self.connect_host, self.connect_port, exc))
        if self.scheme == "https":
            ctx = ssl.create_default_context()
            if not self.verify:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            try:
                sock = ctx.wrap_socket(sock, server_hostname=self.host)
            except (OSError, ssl.SSLError) as exc:
                raise ConnectFailed("TLS to %s: %s" % (self.host, exc))
        return sock

    def request(self, method, path, body=None, query=None, headers=None, token=None,
                raw=None, content_type=None):
        url = self.prefix + path
        if query:
            url += "?" + urlencode(query)
        hdrs = {"Host": self.host if self.port in (80, 443) else "%s:%d" % (self.host, self.port),
                "User-Agent": "pbguard-attacks/1", "Accept": "*/*", "Connection": "close"}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if content_type:
            hdrs["Content-Type"] = content_type
        tok = token if token is not None else self.token
        if tok:
            hdrs["Authorization"] = tok
        if headers:
            hdrs.update(headers)
        conn = http.client.HTTPConnection(self.connect_host, self.connect_port, timeout=self.timeout)
        conn.sock = self._sock()
        try:
            conn.request(method, url, body=data, headers=hdrs)
            resp = conn.getresponse()
            payload = resp.read()
            return Response(resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), payload)
        except (OSError, http.client.HTTPException) as exc:
            raise ConnectFailed("%s %s: %s" % (method, url, exc))
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def multipart(fields, files):
    """Encode fields (name -> str) and files (name -> (filename, bytes)) as multipart/form-data."""
    boundary = "pbguard" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    for name, (filename, content) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name, filename)).encode())
        out.append(content + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=%s" % boundary
