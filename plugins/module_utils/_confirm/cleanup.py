# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a confirm run created is removed whatever happens: the ledger's records in reverse order,
then a sweep by tag (this run's leftovers, and at the start of a run those of a killed one). Only
records whose tag field matches the tag exactly are deleted. Record counts of every collection are
taken before and after."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import records

SWEEP_PAGE = 200
SWEEP_ROUNDS = 20


class Ledger(object):
    def __init__(self):
        self.created = []  # (collection name, id), creation order

    def add(self, collection, rid):
        self.created.append((collection, rid))

    def forget(self, collection, rid):
        self.created = [c for c in self.created if c != (collection, rid)]


def delete_created(transport, ledger):
    """Delete the ledger's records, newest first; [problem, ...] for those that stay."""
    problems = []
    for coll, rid in reversed(list(ledger.created)):
        status, _res = transport.admin("DELETE", "/api/collections/%s/records/%s" % (coll, rid))
        if status in (204, 404):
            ledger.forget(coll, rid)
        else:
            problems.append("%s/%s: DELETE answered HTTP %s" % (coll, rid, status))
    return problems


def _tag_filter(coll, run_id):
    field = "email" if coll.get("type") == "auth" else records.carrier_field(coll)
    if not field:
        return None
    return '%s ~ "%s%s"' % (field, records.TAG_PREFIX, run_id or "")


def sweep(transport, collections, run_id=None):
    """Delete tagged records (of run ``run_id``, or of any run) in every collection, non-auth first.
    Returns ({collection: removed}, [problem, ...])."""
    removed, problems = {}, []
    ordered = sorted((c for c in collections if c.get("type") in ("base", "auth") and not c.get("system")),
                     key=lambda c: c.get("type") == "auth")
    for coll in ordered:
        flt = _tag_filter(coll, run_id)
        if not flt:
            continue
        for _round in range(SWEEP_ROUNDS):
            status, res = transport.admin("GET", "/api/collections/%s/records" % coll["name"],
                                          query={"filter": flt, "perPage": SWEEP_PAGE, "skipTotal": "true"})
            if status != 200 or not isinstance(res, dict):
                problems.append("%s: sweep query answered HTTP %s" % (coll["name"], status))
                break
            mine = [r for r in res.get("items") or [] if records.is_tagged(coll, r)]
            for rec in mine:
                st, _r = transport.admin("DELETE", "/api/collections/%s/records/%s" % (coll["name"], rec["id"]))
                if st in (204, 404):
                    removed[coll["name"]] = removed.get(coll["name"], 0) + 1
                else:
                    problems.append("%s/%s: DELETE answered HTTP %s" % (coll["name"], rec["id"], st))
            if not mine or len(res.get("items") or []) < SWEEP_PAGE or len(problems) > 0:
                break
    return removed, problems


def record_counts(transport, collections):
    """{collection: totalItems} as the superuser sees them (views and _superusers included)."""
    counts = {}
    for coll in collections:
        status, res = transport.admin("GET", "/api/collections/%s/records" % coll["name"], query={"perPage": 1})
        counts[coll["name"]] = res.get("totalItems") if status == 200 and isinstance(res, dict) else None
    return counts
