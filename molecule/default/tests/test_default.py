"""Verify the harness scenario with testinfra (podman backend: every check is a `podman exec`)."""

import json
import os
import time

import pytest

PB_VERSION = os.environ.get("PBGUARD_MOLECULE_PB_VERSION", "0.40.6")


def test_systemd_is_pid1_and_running(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    state = host.run("systemctl is-system-running --wait").stdout.strip()
    assert state in ("running", "degraded"), state


def test_pocketbase_binary_version(host):
    binary = host.file("/usr/local/bin/pocketbase")
    assert binary.is_file and binary.mode == 0o755
    out = host.check_output("/usr/local/bin/pocketbase --version")
    assert out.strip() == f"pocketbase version {PB_VERSION}"


def test_service_enabled_running_as_its_user(host):
    svc = host.service("pbsmoke")
    assert svc.is_enabled and svc.is_running
    proc = host.process.get(comm="pocketbase")
    assert proc.user == "pbsmoke"


def test_listens_on_loopback_only(host):
    assert host.socket("tcp://127.0.0.1:8090").is_listening
    assert not host.socket("tcp://0.0.0.0:8090").is_listening


def test_health_endpoint_inside_the_container(host):
    for _attempt in range(20):
        res = host.run("curl -fsS http://127.0.0.1:8090/api/health")
        if res.rc == 0:
            break
        time.sleep(0.5)
    assert res.rc == 0, res.stderr
    assert json.loads(res.stdout)["code"] == 200


@pytest.mark.parametrize("unit", ["caddy", "nginx"])
def test_image_ships_proxies_disabled(host, unit):
    assert host.package(unit).is_installed
    assert not host.service(unit).is_enabled
