# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 17 items 2 and 3: the audit never passes what it could not see.

The probe is gathered for real (real PocketBase with a tight ``*:auth`` rate limit, a real server that
only ever answers 429, a closed port); the verdict is then computed as for a public URL (the probe
controls do not apply to loopback URLs, so the context names a public one).
"""

import hostile  # pylint: disable=import-error
from conftest import pick_version, task  # pylint: disable=import-error

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls, _http
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import net

PUBLIC = "https://pb.example.test"


def verdicts(probe):
    ctx = _controls.AuditContext({"url": PUBLIC}, probe=probe, url=PUBLIC)
    try:
        return net.check_net_admin_reachable(ctx)
    except _controls.Unavailable as exc:
        return [{"status": "error", "target": PUBLIC, "evidence": str(exc)}]


def login_verdicts(results):
    return [r for r in results if "auth-with-password" in r["target"]]


def test_a_rate_limited_open_login_is_found_open_not_blocked(pb_server_factory):
    """The old probe read the 429 of the `*:auth` limiter as "blocked"; paced, it sees the 400 (open)."""
    srv = pb_server_factory(pick_version("0.23.0"))
    rules = [{"label": "*:auth", "audience": "", "duration": 5, "maxRequests": 1}]
    assert srv.api("PATCH", "/api/settings", {"rateLimits": {"enabled": True, "rules": rules,
                                                             "excludedIPs": []}}).status == 200
    probe = _controls.gather_probe(srv.url, _http.bounded_open_url, timeout=5)
    statuses = [s for (_m, path, s) in probe["requests"] if "auth-with-password" in path]
    assert 429 in statuses  # the limiter did answer, and the probe waited it out
    results = login_verdicts(verdicts(probe))
    assert results and all(r["status"] == "fail" for r in results), results


def test_a_login_that_only_ever_answers_429_is_an_error():
    def behaviour(handler):
        if handler.path.endswith("/auth-with-password"):
            return hostile.send_json(handler, 429, {"status": 429, "message": "Too Many Requests.", "data": {}})
        return hostile.pocketbase_like()(handler)

    with hostile.HostileServer(behaviour) as srv:
        probe = _controls.gather_probe(srv.url, _http.bounded_open_url, timeout=5, pause=lambda _s: None)
    results = login_verdicts(verdicts(probe))
    assert results and all(r["status"] == "error" for r in results), results
    assert all("429" in r["evidence"] for r in results)


def test_an_unreachable_probe_passes_nothing(closed_port_url):
    probe = _controls.gather_probe(closed_port_url, _http.bounded_open_url, timeout=2)
    assert probe["answered"] is False
    ctx = _controls.AuditContext({"url": PUBLIC}, probe=probe, url=PUBLIC)
    results = _controls.run_controls(ctx, _controls.select_controls(["probe"], "strict", None, None))
    assert results and not [r for r in results if r["status"] == "pass"], results
    assert any(r["status"] == "error" for r in results)


def test_an_audit_that_cannot_reach_its_target_fails_by_default(run_tasks, closed_port_url):
    args = dict(url=closed_port_url, email="a@example.com", password="pbguard-pw-Unreach1", timeout=2,
                scope=["api", "probe"])
    default, relaxed = run_tasks([task("pocketbase_audit", **args),
                                  task("pocketbase_audit", fail_on_error=False, **args)])
    assert default.failed and "could not be decided" in default.msg, default
    assert default["summary"]["pass"] == 0 and default["summary"]["error"] > 0
    assert not relaxed.failed and relaxed["summary"]["error"] > 0, relaxed
    assert "pbguard-pw-Unreach1" not in default.raw


def adm_weak_password(probe):
    ctx = _controls.AuditContext({"url": PUBLIC}, probe=probe, url=PUBLIC)
    return _controls.run_controls(ctx, [_controls.CONTROLS_BY_ID["PBG-ADM-006"]])


def test_a_credential_probe_stopped_by_the_rate_limiter_is_an_error(pb_server_factory):
    """The old check read "stopped at the first 429, nothing accepted" as a pass; most passwords were never tried."""
    srv = pb_server_factory(pick_version("0.23.0"))
    rules = [{"label": "*:auth", "audience": "", "duration": 30, "maxRequests": 2}]
    assert srv.api("PATCH", "/api/settings", {"rateLimits": {"enabled": True, "rules": rules,
                                                             "excludedIPs": []}}).status == 200
    probe = _controls.gather_probe(srv.url, _http.bounded_open_url, timeout=5, emails=[srv.email],
                                   probe_credentials=True, max_attempts=20, pause=lambda _s: None)
    cred = probe["credential_probe"]
    assert cred["rate_limited"] and cred["attempts"] < 20 and not cred["weak"], cred
    results = adm_weak_password(probe)
    assert [r["status"] for r in results] == ["error"], results
    assert "rate limiting (HTTP 429)" in results[0]["evidence"]


def test_a_credential_probe_answered_with_server_errors_is_an_error():
    """A login that answers 500 refused nothing: neither the probe nor the reachability check may pass it."""
    def behaviour(handler):
        if handler.path.endswith("/auth-with-password"):
            return hostile.send_json(handler, 500, {"status": 500, "message": "boom", "data": {}})
        return hostile.pocketbase_like()(handler)

    with hostile.HostileServer(behaviour) as srv:
        probe = _controls.gather_probe(srv.url, _http.bounded_open_url, timeout=5, emails=["ops@corp.test"],
                                       probe_credentials=True, max_attempts=4, pause=lambda _s: None)
    assert probe["credential_probe"]["attempts"] == 4 and probe["credential_probe"]["rejected"] == 0
    results = adm_weak_password(probe)
    assert [r["status"] for r in results] == ["error"], results
    assert "4 of 4" in results[0]["evidence"]
    logins = login_verdicts(verdicts(probe))
    assert logins and all(r["status"] == "error" and "HTTP 500" in r["evidence"] for r in logins), logins
