# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does a rule fit its collection? The record fields and request-body keys a rule names, checked
against the collection's fields before anything is sent (a rule set applied with the wrong
``owner_field`` is caught here, not halfway through a run)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules

# Body keys PocketBase accepts on auth collections that are not fields of the record.
AUTH_BODY_KEYS = frozenset(("passwordConfirm", "oldPassword"))


def _first_name(node):
    """The collection field a record identifier or @request.body/data reference starts with."""
    if isinstance(node, _rules.Identifier) and node.path:
        return node.path[0]
    if isinstance(node, _rules.RequestRef) and node.kind in ("body", "data") and node.path:
        return node.path[0].rstrip("+-")
    return None


def unknown_fields(expr, field_names, auth=False):
    """Sorted names ``expr`` uses as fields that are not in ``field_names`` ([] when it cannot be parsed:
    the server stays the judge of syntax). Back-relations (``x_via_y``) are left to the server."""
    try:
        node = _rules.parse(expr)
    except _rules.RuleSyntaxError:
        return []
    known = set(field_names) | (AUTH_BODY_KEYS if auth else set())
    names = set(_first_name(n) for n in _rules.iter_operands(node))
    return sorted(n for n in names if n and n not in known and "_via_" not in n)


def rule_field_errors(specs, collections_by_name, rule_keys):
    """One message per declared rule naming fields its collection does not have."""
    errors = []
    for spec in specs:
        coll = collections_by_name.get(spec["name"]) or {}
        fields = [f.get("name") for f in coll.get("fields") or []]
        for key, expr in sorted((spec.get("rules") or {}).items()):
            if expr is None or key not in rule_keys:
                continue
            missing = unknown_fields(expr, fields, auth=coll.get("type") == "auth")
            if missing:
                errors.append("collection %s: %s uses %s, which collection %s does not have (fields: %s)"
                              % (spec["name"], key, ", ".join(missing), spec["name"], ", ".join(fields)))
    return errors
