# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A probe that got no HTTP answer says why (the transport error), and a TLS verification failure says
how to fix it; the verdict stays ``error``."""

from __future__ import annotations

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import gather
from ansible_collections.pbguard.pocketbase.plugins.module_utils import _http


def test_unverified_certificate_is_named_in_the_unavailable_reason():
    ctx = engine.AuditContext(probe={"url": "https://pb.example", "answered": False,
                                     "transport_error": "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"})
    with pytest.raises(engine.Unavailable) as exc:
        ctx.probe_facts()
    assert "TLS verification failed" in str(exc.value) and "ca_path" in str(exc.value)


def test_no_answer_without_a_recorded_error_keeps_the_generic_reason():
    ctx = engine.AuditContext(probe={"url": "http://pb.example", "answered": False})
    with pytest.raises(engine.Unavailable) as exc:
        ctx.probe_facts()
    assert "unreachable, timed out or not HTTP" in str(exc.value)


def test_the_prober_records_the_last_transport_error_on_one_line():
    def refusing_open_url(url, **_kwargs):
        raise OSError("connection\nrefused")

    facts = gather.gather_probe("http://127.0.0.1:9", refusing_open_url, pause=lambda _s: None)
    assert facts["answered"] is False
    assert facts["transport_error"] == "connection refused"


@pytest.mark.parametrize("message, expected", [
    ("<urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in "
     "certificate chain (_ssl.c:1006)>", "point ca_path"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid "
     "for 'pb.example'. (_ssl.c:1006)", "does not name this host"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not valid "
     "for '127.0.0.1'. (_ssl.c:1006)", "does not name this host"),
    ("<urlopen error [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)>", "scheme matches"),
    ("<urlopen error [Errno 111] Connection refused>", None),
])
def test_tls_failures_get_the_advice_that_fixes_them(message, expected):
    hint = _http.tls_hint(message)
    if expected is None:
        assert hint is None
    else:
        assert expected in hint


def test_the_client_and_the_probe_give_the_same_tls_advice():
    message = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate"
    ctx = engine.AuditContext(probe={"url": "https://pb.example", "answered": False, "transport_error": message})
    with pytest.raises(engine.Unavailable) as exc:
        ctx.probe_facts()
    assert _http.tls_hint(message).rstrip(".") in str(exc.value)
