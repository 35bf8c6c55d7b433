"""State of the hardened host after the attack scenario's converge (testinfra, podman backend)."""

import json


def test_pocketbase_on_loopback_only(host):
    assert host.socket("tcp://127.0.0.1:8090").is_listening
    assert not host.socket("tcp://0.0.0.0:8090").is_listening
    unit = host.file("/etc/systemd/system/pocketbase.service").content_string
    assert "--http=127.0.0.1:8090" in unit or "--http 127.0.0.1:8090" in unit


def test_runs_the_upgraded_version(host):
    out = host.check_output("/opt/pocketbase/current/pocketbase --version")
    assert out.strip().endswith("0.40.6")


def test_proxy_in_front(host):
    assert host.service("caddy").is_running
    assert host.socket("tcp://0.0.0.0:443").is_listening or host.socket("tcp://:::443").is_listening


def test_only_reviewed_hooks_left(host):
    hooks = sorted(host.file("/opt/pocketbase/pb_hooks").listdir())
    assert hooks == ["memberships.pb.js", "webhooks.pb.js"]
    for name in hooks:
        f = host.file("/opt/pocketbase/pb_hooks/" + name)
        assert f.user == "root" and not f.mode & 0o022
        assert "configured endpoint" in f.content_string or "never taken from client data" in f.content_string


def test_audit_reports_written(host):
    names = host.file("/var/lib/pbguard-e2e/after").listdir()
    for ext in (".json", ".sarif", ".junit.xml", ".md"):
        assert any(n.endswith(ext) for n in names), "no %s report in %s" % (ext, names)
    path = [n for n in names if n.endswith(".json")][0]
    report = json.loads(host.file("/var/lib/pbguard-e2e/after/" + path).content_string)
    assert report["findings"] and report["summary"]["pass"] > 0
    high = [f["control"] for f in report["findings"]
            if f["status"] == "fail" and f["severity"] in ("critical", "high")]
    assert high == []
