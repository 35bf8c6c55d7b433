# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confirm mode, end to end: sweep a killed run's leftovers, count records, attack each failing
finding that has an attack class, then (whatever happened) delete what this run created, sweep its
tag and count again. Every failing finding gets ``confirmation``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _http
from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import PocketBaseError
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm import (
    accounts, attacks, cleanup, principals, records)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm.records import NotTestable
from ansible_collections.pbguard.pocketbase.plugins.module_utils._confirm.transport import Transport

# control id -> attack class (docs: README "Confirming findings", module docs)
ATTACKS = {
    "PBG-RUL-001": attacks.as_guest,
    "PBG-RUL-002": attacks.as_guest_then_user,
    "PBG-RUL-003": attacks.as_other_user,
    "PBG-RUL-009": attacks.as_guest,
    "PBG-RUL-011": attacks.privilege_field,
    "PBG-RUL-012": attacks.owner_on_create,
    "PBG-RUL-013": attacks.owner_transfer,
    "PBG-RUL-014": attacks.client_values,
    "PBG-RUL-015": attacks.as_guest,
    "PBG-RUL-017": attacks.self_registered,
    "PBG-RUL-016": accounts.lookalike_identity,
    "PBG-AUT-002": accounts.unverified_login,
    "PBG-AUT-004": accounts.short_password,
    "PBG-FIL-001": attacks.unprotected_file,
    "PBG-FIL-004": attacks.public_file,
}
NO_API_NEEDED = ("PBG-FIL-004",)
V022_REASON = ("confirm mode needs PocketBase 0.23+ (superuser impersonation and the 0.23 record API); "
               "this server runs 0.22")


class Env(object):
    """What attacks share in one run: transport, ledger, run id, raw collections by name, host facts."""

    def __init__(self, transport, ledger, run_id, collections, host=None):
        self.transport = transport
        self.ledger = ledger
        self.run_id = run_id
        self.by_name = dict((c["name"], c) for c in collections)
        self.host = host
        self._count = 0
        self._people = {}

    def label(self, prefix):
        self._count += 1
        return "%s%d" % (prefix, self._count)

    def _person(self, role):
        if role not in self._people:
            auth = principals.plain_auth_collection(list(self.by_name.values()))
            if auth is None:
                raise NotTestable("no auth collection to create a throwaway user in")
            self._people[role] = principals.user(self.transport, self.ledger, auth, self.run_id, role)
        return self._people[role]

    def attacker(self):
        return self._person("attacker")

    def victim_for(self, coll):
        """The throwaway owner of seeded records when ``coll`` relates to the throwaway users' collection."""
        auth = principals.plain_auth_collection(list(self.by_name.values()))
        if auth is None or not any(f.get("type") == "relation" and f.get("collectionId") == auth.get("id")
                                   for f in coll.get("fields") or []):
            return None
        return self._person("victim")


def _attack(env, finding):
    try:
        return ATTACKS[finding["control"]](env, finding)
    except NotTestable as exc:
        return attacks.not_testable(str(exc))
    except (PocketBaseError, _http.TransportError) as exc:
        return attacks.not_testable("the attack could not run: %s" % exc)


def confirm_findings(findings, client, generation, host=None, pace=0.0, check_mode=False):
    """Set ``confirmation`` on every failing finding; returns the run's facts (run id, sweeps, record
    counts before/after, cleanup problems, requests)."""
    failing = [f for f in findings if f["status"] == "fail"]
    todo = []
    for f in failing:
        if f["control"] not in ATTACKS:
            f["confirmation"] = attacks.not_testable("no confirming attack for %s in this version" % f["control"])
        elif check_mode:
            f["confirmation"] = attacks.not_testable("check mode: confirm creates throwaway data, so it does not run")
        elif f["control"] not in NO_API_NEEDED and (client is None or generation != "v023"):
            f["confirmation"] = attacks.not_testable(V022_REASON if generation == "v022" else "no API access")
        else:
            todo.append(f)
    info = {"run_id": None, "swept_before": {}, "swept_after": {}, "cleanup_problems": [],
            "counts_before": {}, "counts_after": {}, "counts_identical": True, "requests": []}
    if check_mode or client is None or generation != "v023":
        for f in todo:
            f["confirmation"] = attacks.public_file(Env(None, None, None, [], host), f)
        return info
    return _run(todo, client, host, pace, info)


def _run(todo, client, host, pace, info):
    transport = Transport(client, pace=pace)
    ledger = cleanup.Ledger()
    run_id = info["run_id"] = records.new_run_id()
    try:
        collections = client.list_collections()
        info["swept_before"], info["cleanup_problems"] = cleanup.sweep(transport, collections)
        info["counts_before"] = cleanup.record_counts(transport, collections)
    except (PocketBaseError, _http.TransportError) as exc:
        for f in todo:
            f["confirmation"] = attacks.not_testable("confirm mode could not start: %s" % exc)
        info["cleanup_problems"].append("not started: %s" % exc)
        return info
    env = Env(transport, ledger, run_id, collections, host)
    try:
        for f in todo:
            f["confirmation"] = _attack(env, f)
    finally:
        info["cleanup_problems"] += cleanup.delete_created(transport, ledger)
        info["swept_after"], problems = cleanup.sweep(transport, collections, run_id)
        info["cleanup_problems"] += problems
        info["counts_after"] = cleanup.record_counts(transport, collections)
        info["counts_identical"] = info["counts_after"] == info["counts_before"]
        info["requests"] = [list(r) for r in transport.requests]
    return info
