"""Every fleet host ends hardened: 0.40.6 on loopback behind Caddy (testinfra, podman backend)."""

import os

import pytest

PREFIX = os.environ.get("PBG_E2E_FLEET_PREFIX", "pbg-e2e-fleet")
HOSTS = ["%s-%s" % (PREFIX, h) for h in ("fresh", "vuln", "hard", "old")]


@pytest.mark.parametrize("name", HOSTS)
def test_host_hardened(name):
    import testinfra
    host = testinfra.get_host("podman://" + name)
    assert host.socket("tcp://127.0.0.1:8090").is_listening
    assert not host.socket("tcp://0.0.0.0:8090").is_listening
    assert host.check_output("/opt/pocketbase/current/pocketbase --version").strip().endswith("0.40.6")
    assert host.service("caddy").is_running
    assert host.service("pocketbase").is_running
