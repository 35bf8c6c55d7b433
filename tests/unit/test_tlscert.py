# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate expiry from DER (PBG-NET-011) and the control's verdicts on probe facts.

Fixtures: certificates made with openssl (``openssl req -x509 ... -days 30`` and ``-days 9500``): the first
carries UTCTime validity, the second a notAfter past 2049, which RFC 5280 encodes as GeneralizedTime."""

from __future__ import annotations

import datetime
import os

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _controls as C
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _tlscert as T

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "tls")
UTC = datetime.timezone.utc


def der(name):
    with open(os.path.join(FIXTURES, name), "rb") as fh:
        return fh.read()


def test_not_after_utctime():
    assert T.not_after(der("utc.der")) == datetime.datetime(2026, 12, 30, 17, 32, 21, tzinfo=UTC)


def test_validity_reads_not_before():
    starts, ends = T.validity(der("utc.der"))
    assert (ends - starts).days == 30


def test_not_after_generalized_time():
    assert T.not_after(der("gen.der")) == datetime.datetime(2052, 12, 3, 17, 32, 23, tzinfo=UTC)


@pytest.mark.parametrize("cut", [0, 1, 5, 40, 100])
def test_truncated_der_is_an_error(cut):
    with pytest.raises(T.CertificateError):
        T.not_after(der("utc.der")[:cut])


def test_plain_http_has_no_certificate():
    facts = T.expiry_facts("http://127.0.0.1:1/")
    assert "days_left" not in facts and "not an https" in facts["error"]


def run(url, cert, **params):
    ctx = C.AuditContext(dict(params), probe={"tls_certificate": cert} if cert is not None else None,
                         probe_error=None if cert is not None else "probe failed", url=url)
    return C.run_controls(ctx, [C.CONTROLS_BY_ID["PBG-NET-011"]])


def cert(days_left, lifetime_days=825):
    return {"not_after": "2027-06-01T00:00:00Z", "days_left": days_left, "seconds_left": int(days_left * 86400),
            "lifetime_seconds": int(lifetime_days * 86400)}


def test_net011_pass_fail_expired_and_threshold():
    good = run("https://pb.example.com", cert(180))
    assert [f["status"] for f in good] == ["pass"]
    soon = run("https://pb.example.com", cert(10))
    assert [f["status"] for f in soon] == ["fail"] and "10 day(s)" in soon[0]["evidence"]
    assert soon[0]["severity"] == "medium"
    gone = run("https://pb.example.com", cert(-29))
    assert gone[0]["status"] == "fail" and gone[0]["severity"] == "high" and "expired" in gone[0]["evidence"]
    assert run("https://pb.example.com", cert(180, lifetime_days=3650), cert_min_days=200)[0]["status"] == "fail"


def test_net011_short_lived_certificates_use_a_fifth_of_their_lifetime():
    # Caddy's internal leaf: 12 h, renewed at 4 h left; a fifth is 2.4 h
    assert run("https://pb.example.com", cert(8 / 24.0, lifetime_days=0.5))[0]["status"] == "pass"
    assert run("https://pb.example.com", cert(1 / 24.0, lifetime_days=0.5))[0]["status"] == "fail"
    # a 90-day ACME certificate: renewed at 30 days left; fails below 18
    assert run("https://pb.example.com", cert(25, lifetime_days=90))[0]["status"] == "pass"
    assert run("https://pb.example.com", cert(17, lifetime_days=90))[0]["status"] == "fail"


def test_net011_unknown_is_an_error_never_a_pass():
    unread = run("https://pb.example.com", {"error": "TLS handshake failed: certificate verify failed"})
    assert unread[0]["status"] == "error" and "verify failed" in unread[0]["evidence"]
    assert run("https://pb.example.com", None)[0]["status"] == "error"
    assert run("http://pb.example.com", {})[0]["status"] == "error"
    assert run("http://127.0.0.1:8090", {})[0]["status"] == "not_applicable"
