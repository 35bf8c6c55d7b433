# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throwaway principals and seed records, created with the superuser token and recorded in the
ledger before anything else happens to them (so try/finally can always delete them)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import records
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm.records import NotTestable
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm.transport import Principal

TOKEN_SECONDS = 900


def _path(coll, rid=None):
    base = "/api/collections/%s/records" % coll["name"]
    return base + ("/%s" % rid if rid else "")


def seed(transport, ledger, coll, run_id, label, relations=None, extra=None, files=None):
    """A tagged record of ``coll`` created as superuser (verified unless ``extra`` says otherwise);
    ``files``: field name -> (file name, bytes), sent as a multipart upload. Returns the record (raises
    NotTestable)."""
    without_files = dict(coll, fields=[f for f in coll.get("fields") or [] if f.get("name") not in (files or {})])
    body = records.body_for(without_files, run_id, label, relations=relations, extra=extra)
    if coll.get("type") == "auth":
        body.setdefault("verified", True)
    if files:
        status, rec = transport.upload(_path(coll), body, files)
    else:
        status, rec = transport.admin("POST", _path(coll), body)
    if status == 200 and isinstance(rec, dict) and rec.get("id"):
        ledger.add(coll["name"], rec["id"])
        return rec
    message = rec.get("message") if isinstance(rec, dict) else ""
    fields = sorted((rec.get("data") or {}).keys()) if isinstance(rec, dict) else []
    raise NotTestable("the audit could not create a record in %s to attack (HTTP %s%s%s)" % (
        coll["name"], status, ": " + message if message else "", ", fields " + ", ".join(fields) if fields else ""))


def user(transport, ledger, auth_coll, run_id, label, extra=None):
    """A throwaway user of ``auth_coll`` with a session token (superuser impersonation, so no auth
    method has to be enabled); the Principal's record is the created user."""
    rec = seed(transport, ledger, auth_coll, run_id, label, extra=extra)
    status, res = transport.admin("POST", "/api/collections/%s/impersonate/%s" % (auth_coll["name"], rec["id"]),
                                  {"duration": TOKEN_SECONDS})
    if status != 200 or not isinstance(res, dict) or not res.get("token"):
        raise NotTestable("no session for a throwaway %s user (impersonate: HTTP %s)" % (auth_coll["name"], status))
    return Principal("throwaway %s user %s" % (auth_coll["name"], label), res["token"], rec, auth_coll["name"])


def plain_auth_collection(collections, preferred=None):
    """The auth collection throwaway users come from: ``preferred`` if it is one, else the first
    non-system auth collection (``users``), else None."""
    auth = [c for c in collections if c.get("type") == "auth" and c.get("name") != "_superusers"]
    for coll in auth:
        if coll.get("name") == preferred:
            return coll
    named = [c for c in auth if c.get("name") == "users"]
    return (named or auth or [None])[0]
