# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A probe that got no HTTP answer says why (the transport error), and a TLS verification failure says
how to fix it; the verdict stays ``error``."""

from __future__ import annotations

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import engine
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import gather


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
