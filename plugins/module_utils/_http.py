# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One bounded HTTP exchange (private to pbguard.pocketbase).

Three guarantees the API client and the audit probe rely on:

* a whole-request deadline: connect, headers and body together take at most ``timeout`` seconds
  (a server dripping one byte a second is cut, which a per-read socket timeout alone cannot do);
* a body size cap: reading stops after ``max_bytes`` with an error, never growing the process;
* no redirect carries credentials to another origin: redirects are followed by hand, only within
  the same scheme, host and port, at most ``MAX_REDIRECTS`` times; anything else is an error naming
  both URLs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import inspect
import socket
import ssl
import threading
import time

from urllib.error import HTTPError, URLError
from urllib.parse import urljoin, urlsplit

from ansible.module_utils.urls import Request, make_context, open_url

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
REDIRECT_CODES = (301, 302, 303, 307, 308)


def tls_hint(message):
    """How to fix a TLS failure named in a transport error message, or None when it is not one.

    An unverified chain is fixed by trusting the CA that signed it; any other TLS failure (a name
    mismatch, HTTPS spoken to a plain-HTTP port) is not, so it gets its own advice.
    """
    text = (message or "").upper()
    if "CERTIFICATE_VERIFY_FAILED" in text or "CERTIFICATE VERIFY FAILED" in text:
        if "HOSTNAME MISMATCH" in text or "IP ADDRESS MISMATCH" in text or "DOESN'T MATCH" in text:
            return ("TLS verification failed: the certificate does not name this host; use the name the "
                    "certificate was issued for in `url`.")
        return ("TLS verification failed: point ca_path (POCKETBASE_CA_PATH) at the CA that signed the "
                "server's certificate (e.g. the proxy's internal CA).")
    if "SSL" in text or "TLS" in text:
        return ("TLS handshake failed: check that `url`'s scheme matches the server (https:// to a plain-HTTP "
                "port fails like this).")
    return None


class TransportError(Exception):
    """``kind``: ``unreachable`` (connect/TLS/reset), ``timeout`` (deadline), ``too_large``, ``redirect``."""

    def __init__(self, kind, message):
        super(TransportError, self).__init__(message)
        self.kind = kind
        self.message = message


class Response(object):
    def __init__(self, status, body, headers, url):
        self.status = status
        self.body = body
        self.headers = headers
        self.url = url


def header_value(headers, name):
    """The value of header ``name`` in a plain dict of response headers, whatever the server's spelling."""
    name = name.lower()
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def origin(url):
    """``(scheme, host, port)`` with the default port filled in."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _read_capped(fp, max_bytes, url):
    declared = None
    headers = getattr(fp, "headers", None)
    if headers is not None:
        try:
            declared = int(headers.get("Content-Length") or -1)
        except (TypeError, ValueError):
            declared = None
    if declared is not None and declared > max_bytes:
        raise TransportError("too_large", "%s announced a %d-byte body, over the %d-byte limit "
                             "(max_response_mb)." % (url, declared, max_bytes))
    chunks = []
    size = 0
    while True:
        chunk = fp.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise TransportError("too_large", "%s sent a body over the %d-byte limit (max_response_mb); "
                                 "reading stopped." % (url, max_bytes))
        chunks.append(chunk)
    return b"".join(chunks)


# ansible-core 2.17+ builds a new TLS context for every request, plain HTTP included, and reads the whole
# CA store to do it (~60 ms, more than the request itself on loopback). One context per verification
# setting (validate_certs, ca_path) and process is built once and reused; 2.16 takes no context and
# builds none for plain HTTP.
_REQUEST_TAKES_CONTEXT = "context" in inspect.signature(Request.open).parameters
_CONTEXTS = {}
_CONTEXTS_LOCK = threading.Lock()


def _cached_context(key, build):
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(key)
        if context is None:
            context = _CONTEXTS[key] = build()
    return context


def tls_context(validate_certs, ca_path=None):
    """The TLS context ``open_url`` would build for these settings, built once per process (None when
    this ansible-core cannot be given one)."""
    if not _REQUEST_TAKES_CONTEXT:
        return None
    return _cached_context((bool(validate_certs), ca_path or None),
                           lambda: make_context(cafile=ca_path or None, validate_certs=bool(validate_certs)))


def plain_http_context():
    """The context given for an ``http://`` request, which never uses it (redirects are not followed here):
    a client context that verifies certificates and host names but trusts no CA, so any TLS it were ever
    used for fails. Built once, without reading the CA store (1 ms instead of ~30)."""
    if not _REQUEST_TAKES_CONTEXT:
        return None
    # PROTOCOL_TLS_CLIENT: CERT_REQUIRED and check_hostname, and no CA loaded
    return _cached_context("plain-http", lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))


def _open(url, method, data, headers, timeout, validate_certs, opener_kwargs):
    kwargs = dict(opener_kwargs, data=data, headers=headers, timeout=timeout, validate_certs=validate_certs,
                  follow_redirects="none", http_agent="pbguard.pocketbase", use_proxy=True)
    if url[:7].lower() == "http://":
        context = plain_http_context()
    else:
        context = tls_context(validate_certs, opener_kwargs.get("ca_path"))
    if context is None:
        return open_url(url, method=method, **kwargs)
    return Request().open(method or ("POST" if data else "GET"), url, context=context, **kwargs)


def _one(url, method, data, headers, timeout, validate_certs, max_bytes, opener_kwargs):
    """A single request, no redirect following; HTTP errors are answers, not exceptions."""
    try:
        resp = _open(url, method, data, headers, timeout, validate_certs, opener_kwargs)
    except HTTPError as err:
        headers_out = dict(err.headers.items()) if getattr(err, "headers", None) else {}
        try:
            body = _read_capped(err, max_bytes, url) if err.fp is not None else b""
        except TransportError:
            raise
        except Exception:  # pylint: disable=broad-except
            body = b""
        return Response(err.code, body, headers_out, url)
    try:
        body = _read_capped(resp, max_bytes, url)
        return Response(resp.getcode(), body, dict(resp.headers.items()) if resp.headers else {}, url)
    finally:
        resp.close()


def _with_deadline(func, deadline_s, url, timeout):
    """Run ``func`` in a worker thread and give up after ``deadline_s`` seconds."""
    box = {}

    def work():
        try:
            box["value"] = func()
        except BaseException as exc:  # pylint: disable=broad-except
            box["error"] = exc

    worker = threading.Thread(target=work, name="pbguard-http")
    worker.daemon = True
    worker.start()
    worker.join(deadline_s)
    if worker.is_alive():
        raise TransportError("timeout", "%s did not complete the request within %ss (the whole request: "
                             "connect, headers and body)" % (url, timeout))
    if "error" in box:
        raise box["error"]
    return box["value"]


def exchange(url, method="GET", data=None, headers=None, timeout=10, validate_certs=True,
             max_bytes=DEFAULT_MAX_BYTES, follow_redirects=True, **opener_kwargs):
    """One request within ``timeout`` seconds overall, same-origin redirects only (none at all
    with ``follow_redirects=False``: the 3xx answer is returned).

    Returns a Response (any HTTP status); raises TransportError.
    """
    deadline = time.monotonic() + float(timeout)
    start_url = url
    for _hop in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransportError("timeout", "%s did not complete the request within %ss" % (start_url, timeout))
        try:
            resp = _with_deadline(
                lambda u=url, r=remaining: _one(u, method, data, headers, r, validate_certs, max_bytes,
                                                opener_kwargs),
                remaining, url, timeout)
        except (URLError, socket.timeout, socket.error, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            if isinstance(reason, socket.timeout) or "timed out" in str(reason):
                raise TransportError("timeout", "%s timed out: %s" % (url, reason))
            raise TransportError("unreachable", "%s: %s" % (url, reason))
        except (ValueError, UnicodeError) as err:
            raise TransportError("unreachable", "%s is not a usable URL: %s" % (url, err))
        if resp.status not in REDIRECT_CODES or not follow_redirects:
            return resp
        location = header_value(resp.headers, "Location")
        if not location:
            return resp
        target = urljoin(url, location)
        if origin(target) != origin(start_url):
            raise TransportError("redirect", "%s redirected to %s, another origin (scheme, host or port): "
                                 "not followed, so no credentials leave %s." % (url, target,
                                                                                "%s://%s:%s" % origin(start_url)))
        if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
            method, data = "GET", None
        url = target
    raise TransportError("redirect", "%s: more than %d redirects." % (start_url, MAX_REDIRECTS))


class _ProbeAnswer(object):
    def __init__(self, resp):
        self._resp = resp
        self.code = resp.status
        self.headers = resp.headers

    def getcode(self):
        return self._resp.status

    def read(self):
        return self._resp.body


class ProbeHTTPError(Exception):
    """An HTTP error answer shaped like urllib's HTTPError (``code``, ``read()``)."""

    def __init__(self, resp):
        super(ProbeHTTPError, self).__init__("HTTP %s" % resp.status)
        self.code = resp.status
        self.headers = resp.headers
        self._resp = resp

    def read(self):
        return self._resp.body


def bounded_open_url(url, data=None, method="GET", headers=None, timeout=10, validate_certs=True,
                     max_bytes=DEFAULT_MAX_BYTES, follow_redirects="none", ca_path=None, **_ignored):
    """``open_url``-shaped call through ``exchange``: HTTP errors raise ProbeHTTPError (with ``code``),
    no answer raises TransportError (no ``code``: the caller records "no answer")."""
    opener_kwargs = {"ca_path": ca_path} if ca_path else {}
    resp = exchange(url, method=method, data=data, headers=headers, timeout=timeout,
                    validate_certs=validate_certs, max_bytes=max_bytes,
                    follow_redirects=follow_redirects not in ("none", "no", False), **opener_kwargs)
    if resp.status >= 300:
        raise ProbeHTTPError(resp)
    return _ProbeAnswer(resp)
