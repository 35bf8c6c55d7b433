# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PocketBase API errors: the error kinds, ``PocketBaseError`` and reading the server's
error envelopes (private; re-exported by ``_api.py``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

ERROR_KINDS = (
    "unreachable", "auth_failed", "mfa_required", "ip_forbidden", "version_mismatch",
    "validation", "not_found", "forbidden", "http", "protocol",
)
MASK = "********"


class PocketBaseError(Exception):
    """An API failure. ``kind`` is one of ERROR_KINDS; ``hint`` says how to fix it."""

    def __init__(self, kind, message, status=None, hint=None, data=None):
        super(PocketBaseError, self).__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.hint = hint
        self.data = data

    def __str__(self):
        if self.hint:
            return "%s Hint: %s" % (self.message, self.hint)
        return self.message

    def to_dict(self):
        return {"kind": self.kind, "message": self.message, "status": self.status,
                "hint": self.hint, "data": self.data}


def _error_message(body):
    """PocketBase's own message plus field messages, from either envelope (code/status)."""
    if not isinstance(body, dict):
        return None, {}
    msg = body.get("message")
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    return msg, data


def _flatten_validation(data, prefix=""):
    """``{"backups": {"cron": {"code": .., "message": ..}}}`` -> ``["backups.cron: message (code)"]``."""
    out = []
    if not isinstance(data, dict):
        return out
    for key in sorted(data):
        val = data[key]
        path = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(val, dict) and "message" in val and not isinstance(val.get("message"), dict):
            code = val.get("code")
            out.append("%s: %s%s" % (path, val.get("message"), " (%s)" % code if code else ""))
        elif isinstance(val, dict):
            out.extend(_flatten_validation(val, path))
    return out


def _envelope(body):
    """'v022' if the error body uses the 0.22 ``code`` envelope, 'v023' for ``status``, else None."""
    if not isinstance(body, dict):
        return None
    if "status" in body and "code" not in body:
        return "v023"
    if "code" in body and "status" not in body:
        return "v022"
    return None


def _without(err, secret):
    """The same error with ``secret`` masked in its message and hint."""
    if not secret:
        return err
    return PocketBaseError(err.kind, err.message.replace(secret, MASK), status=err.status,
                           hint=err.hint.replace(secret, MASK) if err.hint else err.hint,
                           data=json.loads(json.dumps(err.data).replace(secret, MASK)) if err.data else err.data)
