# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tagged record bodies built from the live (raw, 0.23+) schema.

Every record confirm mode creates carries the run's tag: auth records in their e-mail
(``pbg-confirm-<run>-<label>@pbguard.invalid``), other records in a text field
(``pbg-confirm-<run>-<label>``), so a later run finds and removes leftovers by tag alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import secrets

TAG_PREFIX = "pbg-confirm-"
TAG_DOMAIN = "pbguard.invalid"
TAG_RE = re.compile(r"^pbg-confirm-[0-9a-f]{12}(-[a-z0-9]{1,16})?$")
# tag@pbguard.invalid, or a look-alike around the tag (PBG-RUL-016): tag-<local>@<labels.>pbguard.invalid
EMAIL_TAG_RE = re.compile(r"^pbg-confirm-[0-9a-f]{12}-[a-z0-9]{1,16}(-[A-Za-z0-9._+-]+)?"
                          r"@([A-Za-z0-9-]+\.)*pbguard\.invalid$")
_LOOKALIKE_TEXT_RE = re.compile(r"^[A-Za-z0-9._+-]*@?[A-Za-z0-9.-]*$")
SKIPPED_TYPES = ("autodate", "password", "file")
AUTH_SYSTEM = ("email", "emailVisibility", "verified", "password", "tokenKey")


class NotTestable(Exception):
    """The attack cannot be set up on this schema (the reason is reported)."""


def new_run_id():
    return secrets.token_hex(6)


def tag(run_id, label):
    return "%s%s-%s" % (TAG_PREFIX, run_id, label)


def tag_email(run_id, label):
    return "%s@%s" % (tag(run_id, label), TAG_DOMAIN)


def lookalike_email(run_id, label, literal):
    """A tagged e-mail that contains ``literal`` but sits under ``pbguard.invalid``: for ``@corp.test``,
    ``<tag>@corp.test.pbguard.invalid``; for ``corp.test``, ``<tag>@xcorp.test.pbguard.invalid``. PocketBase
    runs ``~`` with a literal free of ``%`` as LIKE '%literal%' (``_`` and ``%`` escaped), so such an address
    passes. Raises NotTestable for a literal no address can contain (wildcards, escapes, several ``@``)."""
    if not literal or not _LOOKALIKE_TEXT_RE.match(literal) or ".." in literal:
        raise NotTestable("no e-mail address the audit may register contains %r (wildcards, escapes or "
                          "characters an address cannot hold)" % literal)
    if "@" not in literal:
        return "%s@x%s%spbguard.invalid" % (tag(run_id, label), literal, "" if literal.endswith(".") else ".")
    local, domain = literal.split("@", 1)
    dot = "" if not domain or domain.endswith(".") else "."
    return "%s%s@%s%spbguard.invalid" % (tag(run_id, label), "-" + local if local else "", domain, dot)


def new_password(length=None):
    """A random password; ``length`` characters when given (a deliberately short one for PBG-AUT-004)."""
    if length:
        return secrets.token_urlsafe(length)[:length]
    return "pbg-" + secrets.token_urlsafe(18)


def carrier_field(coll):
    """The text field that carries the tag of a non-auth record (no pattern, room for the tag), or None."""
    for field in coll.get("fields") or []:
        if field.get("type") != "text" or field.get("system") or field.get("pattern"):
            continue
        if int(field.get("max") or 0) in range(1, 48) or int(field.get("min") or 0) > 28:
            continue
        return field.get("name")
    return None


def _value(field, fill):
    ftype = field.get("type")
    if ftype == "text":
        if field.get("pattern"):
            raise NotTestable("required text field %r has a pattern" % field.get("name"))
        return fill
    if ftype == "editor":
        return fill
    if ftype == "number":
        low = field.get("min")
        return max(1, int(low)) if low is not None else 1
    if ftype == "bool":
        return True
    if ftype == "email":
        return fill + "@" + TAG_DOMAIN
    if ftype == "url":
        return "https://%s/%s" % (TAG_DOMAIN, fill)
    if ftype == "select":
        values = field.get("values") or []
        if not values:
            raise NotTestable("select field %r has no values" % field.get("name"))
        return values[0]
    if ftype == "json":
        return {"pbguard": fill}
    if ftype == "date":
        return "2030-01-01 00:00:00.000Z"
    if ftype == "geoPoint":
        return {"lon": 1, "lat": 1}
    raise NotTestable("required %s field %r cannot be filled by the audit" % (ftype, field.get("name")))


def body_for(coll, run_id, label, relations=None, extra=None):
    """A creatable body for raw collection ``coll``: required fields filled, the tag in the carrier
    (or e-mail); ``relations``: field name -> record id for relation fields (required ones must be
    given). Raises NotTestable when no field can carry the tag or a required field cannot be filled."""
    relations = dict(relations or {})
    fill = tag(run_id, label)
    body = {}
    if coll.get("type") == "auth":
        password = new_password()
        body.update(email=tag_email(run_id, label), password=password, passwordConfirm=password)
    else:
        carrier = carrier_field(coll)
        if not carrier:
            raise NotTestable("collection %s has no plain text field to carry the cleanup tag" % coll.get("name"))
        body[carrier] = fill
    for field in coll.get("fields") or []:
        name = field.get("name")
        if name in body or name in relations or field.get("system") or name in AUTH_SYSTEM:
            continue
        if field.get("type") in SKIPPED_TYPES:
            if field.get("required") and field.get("type") == "file":
                raise NotTestable("required file field %r" % name)
            continue
        if field.get("type") == "relation":
            if field.get("required"):
                raise NotTestable("required relation %r to a collection the audit does not seed" % name)
            continue
        if field.get("required"):
            body[name] = _value(field, fill)
    for name, rid in relations.items():
        body[name] = rid
    body.update(extra or {})
    return body


def is_tagged(coll, record):
    """True when ``record`` of raw collection ``coll`` carries a confirm tag (and may be swept)."""
    if coll.get("type") == "auth":
        return bool(EMAIL_TAG_RE.match(str(record.get("email") or "")))
    carrier = carrier_field(coll)
    return bool(carrier and TAG_RE.match(str(record.get(carrier) or "")))
