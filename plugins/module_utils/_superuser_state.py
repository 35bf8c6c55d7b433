# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Superusers (0.23+ ``_superusers`` records): the password policy and the plan of changes (private).

Pure functions on plain dicts, like ``_state.py``: ``superuser_plan`` decides every create, update,
delete and rotation (and every refusal) before ``pocketbase_superuser`` writes anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._compat import INSTALLER_EMAIL, field_by_name

SUPERUSER_INSTALLER = INSTALLER_EMAIL


def superuser_password_policy(collection):
    """``{"min": int, "max": int|None, "pattern": str|None}`` of the ``password`` field of ``_superusers``."""
    field = field_by_name((collection or {}).get("fields") or [], "password") or {}
    minimum = field.get("min") if isinstance(field.get("min"), int) and field.get("min") > 0 else 8
    maximum = field.get("max") if isinstance(field.get("max"), int) and field.get("max") > 0 else None
    return {"min": minimum, "max": maximum, "pattern": field.get("pattern") or None}


def password_problem(password, policy):
    """Why PocketBase would reject ``password`` under ``policy`` (never quoting it), or None."""
    if len(password) < policy["min"]:
        return "is shorter than the server's minimum of %d characters" % policy["min"]
    if policy.get("max") and len(password) > policy["max"]:
        return "is longer than the server's maximum of %d characters" % policy["max"]
    if policy.get("pattern"):
        try:
            if not re.search(policy["pattern"], password):
                return "does not match the server's password pattern"
        except re.error:
            return None
    return None


def is_connection_superuser(email, record, me):
    """True when ``record`` (``email``) is the superuser the module is logged in as (``me``)."""
    return email == me.get("email") or bool(me.get("id") and record.get("id") == me["id"])


def superuser_plan(existing, declared, me, policy, exclusive=False, update_password="on_create",
                   logs_in=None, rotate=None):
    """What to do, before doing anything: ``existing`` maps lower-case email -> record, ``declared``
    lower-case email -> item (email/password/state), ``me`` the connection identity (email/id),
    ``policy`` from superuser_password_policy, ``logs_in(email, password)`` tests a password,
    ``rotate`` ``(current_email, new_email, new_password)`` when the connection's own superuser is
    to change e-mail and/or password (it logged in with the previous credentials).

    Returns ``{"create": [(email, pw)], "update": [(email, record, pw)], "delete": [(email, record)],
    "rotate": (current_email, record, new_email, pw) | None, "unchanged": [email], "errors": [str]}``;
    nothing may be written when ``errors`` is not empty.
    """
    plan = {"create": [], "update": [], "delete": [], "rotate": None, "unchanged": [], "errors": []}
    errors = plan["errors"]
    current = new = None
    if rotate:
        current, new, new_password = rotate
        problem = password_problem(new_password, policy)
        if problem:
            errors.append("the new connection password %s" % problem)
        if current not in existing:
            errors.append("previous_email %s is not a superuser" % current)
        elif new != current and new in existing:
            errors.append("cannot rename %s to %s: that superuser already exists" % (current, new))
        elif declared.get(new, {}).get("state") == "absent":
            errors.append("%s is the new connection e-mail and cannot be declared absent" % new)
        else:
            plan["rotate"] = (current, existing[current], new, new_password)
    for email, item in declared.items():
        record = existing.get(email)
        password = item.get("password")
        if password:
            problem = password_problem(password, policy)
            if problem:
                errors.append("superusers[%s].password %s" % (email, problem))
        if item.get("state") == "absent":
            if record:
                plan["delete"].append((email, record))
            continue
        if rotate and email in (current, new):
            continue
        if record is None:
            if not password:
                errors.append("superuser %s does not exist and has no password to create it with" % email)
            else:
                plan["create"].append((email, password))
        elif update_password == "always" and password and logs_in and not logs_in(email, password):
            plan["update"].append((email, record, password))
        else:
            plan["unchanged"].append(email)
    if exclusive:
        kept = set(declared) | {current}
        plan["delete"].extend((email, record) for email, record in existing.items()
                              if email not in kept and email != SUPERUSER_INSTALLER)
    for email, record in plan["delete"]:
        if is_connection_superuser(email, record, me) or email == current:
            errors.append("refusing to delete %s: it is the superuser this module is authenticated as "
                          "(to rotate its e-mail, connect with the new e-mail and set previous_email)" % email)
    plan["delete"].sort(key=lambda pair: pair[0])
    return plan
