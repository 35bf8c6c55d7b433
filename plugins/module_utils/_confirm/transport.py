# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requests of confirm mode: only to the audited URL (the API client's same-origin transport), paced,
HTTP 429 retried with the probe's pauses; every attack request leaves one redacted evidence line
(method, path, who, header/query names, body field names, status): never tokens, passwords or
record data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import secrets
import time

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.gather import (
    PROBE_429_PAUSE, PROBE_429_RETRIES)

GUEST = "guest"


class Principal(object):
    """Who sends a request: ``label`` for evidence, ``token`` (None = guest)."""

    def __init__(self, label, token=None, record=None, collection=None):
        self.label = label
        self.token = token
        self.record = record or {}
        self.collection = collection

    @property
    def id(self):
        return self.record.get("id")


ANONYMOUS = Principal("an anonymous client")


class Transport(object):
    """``send`` as a principal through ``client._raw`` (bounded, same-origin); ``admin`` with the
    superuser token. ``pace`` seconds between requests; ``sleep`` injectable for tests."""

    def __init__(self, client, pace=0.0, sleep=time.sleep):
        self.client = client
        self.pace = float(pace or 0)
        self.sleep = sleep
        self.requests = []  # (method, path, status): never bodies

    def _once(self, method, path, body, query, headers):
        if self.pace:
            self.sleep(self.pace)
        status, parsed, _h = self.client._raw(method, path, body=body, query=query,  # pylint: disable=protected-access
                                              headers=headers)
        self.requests.append((method, path, status))
        return status, parsed

    def send(self, principal, method, path, body=None, query=None, headers=None):
        """(status, parsed JSON or text); 429 answers are paced and retried, the last one returned."""
        hdrs = dict(headers or {})
        if principal is not None and principal.token:
            hdrs["Authorization"] = principal.token
        delay = PROBE_429_PAUSE
        for _retry in range(PROBE_429_RETRIES):
            status, parsed = self._once(method, path, body, query, hdrs)
            if status != 429:
                return status, parsed
            self.sleep(delay)
            delay *= 2
        return self._once(method, path, body, query, hdrs)

    def admin(self, method, path, body=None, query=None):
        return self.send(Principal("the superuser", self.client.token), method, path, body, query)

    def upload(self, path, body, files):
        """POST ``body`` (as PocketBase's ``@jsonPayload``) and ``files`` ({field: (name, bytes)}) as a
        multipart form with the superuser token: (status, parsed JSON)."""
        data, content_type = multipart(body, files)
        return self.send(Principal("the superuser", self.client.token), "POST", path, data,
                         headers={"Content-Type": content_type})


def multipart(body, files):
    """(bytes, Content-Type) of a multipart/form-data body: JSON fields in ``@jsonPayload``, then the files."""
    boundary = "pbguard-" + secrets.token_hex(12)
    parts = [b'--%s\r\nContent-Disposition: form-data; name="@jsonPayload"\r\n\r\n%s\r\n'
             % (boundary.encode(), json.dumps(body).encode("utf-8"))]
    for field, (name, content) in sorted(files.items()):
        parts.append(b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                     b"Content-Type: text/plain\r\n\r\n%s\r\n"
                     % (boundary.encode(), field.encode("utf-8"), name.encode("utf-8"), content))
    parts.append(b"--%s--\r\n" % boundary.encode())
    return b"".join(parts), "multipart/form-data; boundary=%s" % boundary


def line(principal, method, path, status, headers=None, query=None, body=None, note=None):
    """One evidence line: ``GET /api/... as an anonymous client (header x-internal, query debug) -> 200``."""
    extras = []
    if headers:
        extras.append("header %s" % ", ".join(sorted(headers)))
    if query:
        extras.append("query %s" % ", ".join(sorted(query)))
    if body:
        extras.append("body fields %s" % ", ".join(sorted(body)))
    detail = " (%s)" % "; ".join(extras) if extras else ""
    text = "%s %s as %s%s -> HTTP %s" % (method, path, principal.label, detail, status)
    return text + (": " + note if note else "")
