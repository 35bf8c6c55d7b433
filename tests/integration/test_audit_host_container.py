# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host scope for real: PocketBase 0.40.6 under systemd in a podman container of the test image
(real systemctl, systemd-analyze, ss, file modes, hooks manifest, Caddyfile), audited through
Ansible's podman connection; then `ansible-playbook playbooks/audit.yml` against the same container
writes every report format on the controller and exits non-zero above the threshold.
All traffic stays inside the container (--network none)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV_BIN = os.path.dirname(sys.executable)
IMAGE = os.environ.get("PBGUARD_TEST_IMAGE", "localhost/pbguard-test:bookworm")
PB_BIN = os.path.join(os.environ.get("PBGUARD_PB_BIN_DIR", os.path.expanduser("~/.cache/pbguard/pocketbase")),
                      "0.40.6", "pocketbase")
EMAIL = "alice@corp.test"
PASSWORD = "pbg-Container-" + secrets.token_hex(6)

HARDENED_UNIT = """\
[Unit]
Description=PocketBase (pbguard audit test)
[Service]
Type=simple
User=pocketbase
Group=pocketbase
ExecStart=/opt/pocketbase/current/pocketbase serve --http=127.0.0.1:8090 --dir=/var/lib/pocketbase/pb_data \
--hooksDir=/opt/pocketbase/pb_hooks --origins=https://app.corp.test --encryptionEnv=PB_ENCRYPTION_KEY
EnvironmentFile=/etc/pocketbase/pocketbase.env
UMask=0077
ProtectSystem=strict
ReadWritePaths=/var/lib/pocketbase/pb_data
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
ProtectProc=invisible
ProcSubset=pid
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectKernelLogs=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
RemoveIPC=true
PrivateMounts=true
NoNewPrivileges=true
CapabilityBoundingSet=
AmbientCapabilities=
PrivateUsers=true
RestrictSUIDSGID=true
LockPersonality=true
MemoryDenyWriteExecute=true
RestrictRealtime=true
RestrictNamespaces=true
KeyringMode=private
DevicePolicy=closed
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
IPAddressDeny=any
IPAddressAllow=localhost
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources @mount @obsolete @clock @debug @cpu-emulation @module @raw-io @reboot @swap
SystemCallErrorNumber=EPERM
[Install]
WantedBy=multi-user.target
"""

CADDYFILE = """\
pb.corp.test {
    request_body {
        max_size 10MB
    }
    header {
        Strict-Transport-Security "max-age=31536000"
        X-Content-Type-Options "nosniff"
        Referrer-Policy "strict-origin-when-cross-origin"
        -Server
        -X-Powered-By
    }
    @dashboard path /_ /_/*
    header @dashboard {
        X-Frame-Options "DENY"
    }
    @admin {
        path_regexp admin (?i)^/(_(/.*)?|api/admins(/.*)?|api/collections/(_superusers|pbc_3142635823)(/.*)?)$
        not remote_ip 10.20.0.0/16
    }
    route {
        respond @admin 403
        reverse_proxy 127.0.0.1:8090
    }
    log {
        output file /var/log/caddy/pocketbase-access.log {
            roll_size 10MiB
            roll_keep 10
        }
        format json
    }
}
"""


HOOK = "onRecordCreateRequest((e) => { e.record.set('status', 'new'); e.next() }, 'tickets');\n"


def podman(*args, check=True, timeout=120):
    env = dict(os.environ, CONTAINERS_CONF=os.path.join(ROOT, "tests", "containers", "containers.conf"))
    proc = subprocess.run(["podman"] + list(args), env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    if check and proc.returncode != 0:
        raise AssertionError("podman %s failed: %s" % (" ".join(args[:2]), proc.stdout + proc.stderr))
    return proc


def sh(name, script, check=True):
    return podman("exec", name, "bash", "-c", script, check=check)


@pytest.fixture(scope="module")
def host():
    if shutil.which("podman") is None:
        pytest.skip("podman not installed")
    if podman("image", "exists", IMAGE, check=False).returncode != 0:
        pytest.fail("test image %s missing: run scripts/bootstrap.sh" % IMAGE)
    name = "pbg-audit-%s" % secrets.token_hex(4)
    podman("run", "-d", "--systemd=always", "--network", "none", "--name", name, IMAGE, "/sbin/init")
    try:
        sh(name, "systemctl is-system-running --wait || true")
        sh(name, "mkdir -p /opt/pocketbase/current /opt/pocketbase/pb_hooks /var/lib/pocketbase/pb_data "
                 "/etc/pocketbase /etc/caddy")
        podman("cp", PB_BIN, name + ":/opt/pocketbase/current/pocketbase")
        files = {"/etc/systemd/system/pocketbase.service": HARDENED_UNIT, "/etc/caddy/Caddyfile": CADDYFILE,
                 "/opt/pocketbase/pb_hooks/tickets.pb.js": HOOK,
                 "/etc/pocketbase/pocketbase.env": "PB_ENCRYPTION_KEY=%s\n" % secrets.token_hex(16)}
        for path, text in files.items():
            sh(name, "cat > %s <<'PBG_EOF'\n%sPBG_EOF" % (path, text))
        sh(name, textwrap.dedent("""\
            set -e
            useradd -r -s /usr/sbin/nologin pocketbase
            chown -R pocketbase:pocketbase /var/lib/pocketbase/pb_data
            chmod 0700 /var/lib/pocketbase/pb_data
            chmod 0600 /etc/pocketbase/pocketbase.env
            chmod 0755 /opt/pocketbase/current/pocketbase
            d=$(sha256sum /opt/pocketbase/pb_hooks/tickets.pb.js | cut -d' ' -f1)
            printf '{"format": "pbguard-hooks-manifest/1", "hooks": [{"name": "tickets.pb.js", "sha256": "%s"}]}' \
                "$d" > /etc/pocketbase/hooks.manifest.json
            set -a; . /etc/pocketbase/pocketbase.env; set +a
            runuser -u pocketbase -- /opt/pocketbase/current/pocketbase superuser upsert {email} {password} \
                --dir /var/lib/pocketbase/pb_data --encryptionEnv PB_ENCRYPTION_KEY
            systemctl daemon-reload
            systemctl start pocketbase
            for i in $(seq 50); do curl -fsS http://127.0.0.1:8090/api/health >/dev/null && break; sleep 0.2; done
            curl -fsS http://127.0.0.1:8090/api/health
            """).replace("{email}", EMAIL).replace("{password}", PASSWORD))
        sh(name, "chmod 0600 /var/lib/pocketbase/pb_data/*.db")
        yield name
    finally:
        podman("rm", "-f", "-t", "2", name, check=False)


def ansible_env():
    colls = os.environ.get("PBGUARD_COLLECTIONS_DIR")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               CONTAINERS_CONF=os.path.join(ROOT, "tests", "containers", "containers.conf"),
               PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    if colls:
        env["ANSIBLE_COLLECTIONS_PATH"] = colls
    for name in ("POCKETBASE_URL", "POCKETBASE_EMAIL", "POCKETBASE_PASSWORD", "POCKETBASE_TOKEN"):
        env.pop(name, None)
    return env


def inventory(tmp_path, name, **host_vars):
    inv = tmp_path / "inv"
    (inv / "host_vars").mkdir(parents=True, exist_ok=True)
    (inv / "hosts.ini").write_text("[pocketbase]\n%s ansible_connection=containers.podman.podman "
                                   "ansible_python_interpreter=/usr/bin/python3\n" % name)
    hv = inv / "host_vars" / (name + ".json")
    hv.write_text(json.dumps(host_vars))
    os.chmod(str(hv), 0o600)
    return str(inv / "hosts.ini")


def run_audit(tmp_path, name, **args):
    module_args = dict(email=EMAIL, password=PASSWORD, scope=["api", "host"], profile="strict",
                       expected_superusers=[EMAIL], fail_on="never", report_dir="/tmp/pbg-reports",
                       return_findings="all")
    module_args.update(args)
    play = [{"hosts": "pocketbase", "gather_facts": False, "vars_files": [str(tmp_path / "args.json")],
             "tasks": [{"name": "audit", "pbguard.pocketbase.pocketbase_audit": "{{ audit_args }}",
                        "register": "r"},
                       {"name": "save", "ansible.builtin.copy": {"content": "{{ r | to_json }}",
                                                                 "dest": str(tmp_path / "result.json")},
                        "delegate_to": "localhost"}]}]
    (tmp_path / "args.json").write_text(json.dumps({"audit_args": module_args}))
    (tmp_path / "play.yml").write_text(json.dumps(play))
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", inventory(tmp_path, name),
                           str(tmp_path / "play.yml")], env=ansible_env(), capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert PASSWORD not in proc.stdout + proc.stderr
    return json.loads((tmp_path / "result.json").read_text())


def host_status(result):
    out = {}
    for f in result["report"]["findings"]:
        if f["scope"] == "host":
            out.setdefault(f["control"], set()).add(f["status"])
    return out


def test_host_scope_hardened_then_planted(host, tmp_path):
    res = run_audit(tmp_path, host)
    st = host_status(res)
    assert len(st) >= 15
    bad = {c: s for c, s in st.items() if s & {"fail", "error"}}
    assert not bad, [(f["control"], f["target"], f["evidence"]) for f in res["report"]["findings"]
                     if f["scope"] == "host" and f["status"] in ("fail", "error")]
    for control in ("PBG-NET-001", "PBG-NET-002", "PBG-NET-004", "PBG-NET-005", "PBG-SYS-001", "PBG-SYS-002",
                    "PBG-SYS-003", "PBG-SYS-004", "PBG-IOC-003", "PBG-IOC-004", "PBG-HOK-005", "PBG-FIL-003",
                    "PBG-FIL-004"):
        assert st[control] == {"pass"}, (control, st.get(control))
    assert res["report"]["target"]["pocketbase_version"] == "0.40.6"

    # plant: 0.0.0.0 bind as root, weak sandbox, writable hooks dir, rogue and changed hooks, wide modes,
    # directory listing at the proxy, a .env in the default public dir (pb_public beside the binary)
    sh(host, textwrap.dedent("""\
        set -e
        mkdir -p /opt/pocketbase/current/pb_public
        echo 'SMTP_PASSWORD=pbg-planted-public-env' > /opt/pocketbase/current/pb_public/.env
        cat > /etc/systemd/system/pocketbase.service <<'PBG_EOF'
        [Service]
        ExecStart=/opt/pocketbase/current/pocketbase serve --http=0.0.0.0:8090 --dir=/var/lib/pocketbase/pb_data --hooksDir=/opt/pocketbase/pb_hooks
        PBG_EOF
        chown pocketbase /opt/pocketbase/pb_hooks
        echo '$os.exec("id")' > /opt/pocketbase/pb_hooks/zz_backdoor.pb.js
        echo '// changed' >> /opt/pocketbase/pb_hooks/tickets.pb.js
        chmod 0755 /var/lib/pocketbase/pb_data
        chmod 0644 /var/lib/pocketbase/pb_data/data.db
        sed -i 's|reverse_proxy 127.0.0.1:8090|file_server browse\\n    reverse_proxy 127.0.0.1:8090|' /etc/caddy/Caddyfile
        systemctl daemon-reload
        systemctl restart pocketbase
        for i in $(seq 50); do curl -fsS http://127.0.0.1:8090/api/health >/dev/null && break; sleep 0.2; done
        """))
    planted_result = run_audit(tmp_path, host)
    planted = host_status(planted_result)
    for control in ("PBG-NET-001", "PBG-SYS-001", "PBG-SYS-002", "PBG-SYS-003", "PBG-SYS-004", "PBG-IOC-003",
                    "PBG-IOC-004", "PBG-HOK-004", "PBG-HOK-005", "PBG-FIL-003", "PBG-FIL-004"):
        assert "fail" in planted[control], (control, planted.get(control))
    public_env = [f for f in planted_result["report"]["findings"] if f["control"] == "PBG-FIL-004"
                  and f["target"] == "file:/opt/pocketbase/current/pb_public/.env"][0]
    # Found on the host; that PocketBase really serves such a file is exploited on real servers in
    # test_depthcoll.py (this planted unit cannot start PocketBase: it drops --encryptionEnv for SYS-004).
    assert public_env["status"] == "fail" and "secrets file" in public_env["evidence"], public_env
    assert "pbg-planted-public-env" not in json.dumps(planted_result)


def test_audit_playbook_against_container(host, tmp_path):
    inv = inventory(tmp_path, host, pocketbase_audit_email=EMAIL, pocketbase_audit_password=PASSWORD,
                    pocketbase_audit_scope=["api", "host"], pocketbase_audit_report_dir=str(tmp_path / "ctl"),
                    pocketbase_audit_expected_superusers=[EMAIL], pocketbase_audit_fail_on="high",
                    pbguard_become=False)
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", inv,
                           os.path.join(ROOT, "playbooks", "audit.yml")], env=ansible_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]  # fresh users.createRule "" is public and undeclared: critical
    assert "failing finding(s) at or above high" in out
    assert PASSWORD not in out
    files = sorted(os.listdir(str(tmp_path / "ctl" / host)))
    assert files == sorted("pbguard-audit-%s%s" % (host, ext) for ext in (".json", ".junit.xml", ".md", ".sarif"))
    assert json.loads((tmp_path / "ctl" / "fleet-summary.json").read_text())[0]["host"] == host
