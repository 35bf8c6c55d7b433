"""Verify role pbguard.pocketbase.pocketbase (testinfra, podman backend: every check is a `podman exec`)."""

import hashlib
import json
import re
import time

import pytest

PORT = 8090
VERSION = "0.40.6"
EMAIL = "admin@pbguard.test"
PASSWORD = "pbg-srv-Molecule-1"  # test-only credential of a throw-away container
HOOK = 'routerAdd("GET", "/pbguard/ping", (e) => {\n  return e.json(200, { "pong": true })\n})\n'


def _curl(host, path, *extra):
    cmd = "curl -sS -o /dev/null -w '%{http_code}' " + " ".join(extra) + f" http://127.0.0.1:{PORT}{path}"
    for _attempt in range(30):
        res = host.run(cmd)
        if res.rc == 0 and res.stdout.strip() != "000":
            return res.stdout.strip()
        time.sleep(0.5)
    return res.stdout.strip()


def test_service_active_enabled_as_dedicated_user(host):
    svc = host.service("pocketbase")
    assert svc.is_enabled
    assert svc.is_running
    pid = host.check_output("systemctl show -p MainPID --value pocketbase")
    assert pid != "0"
    user = host.check_output(f"ps -o user= -p {pid}")
    assert user == "pocketbase"
    exe = host.check_output(f"readlink -f /proc/{pid}/exe")
    assert exe == f"/opt/pocketbase/versions/{VERSION}/pocketbase"


def test_user_has_no_shell_and_no_login(host):
    user = host.user("pocketbase")
    assert user.shell == "/usr/sbin/nologin"
    assert user.uid < 1000
    assert host.check_output("getent shadow pocketbase | cut -d: -f2").startswith("!")
    assert not host.file(user.home).exists or host.file(user.home).user == "root"


def test_listens_on_loopback_only(host):
    listeners = host.check_output("ss -Htlnp")
    lines = [ln for ln in listeners.splitlines() if "pocketbase" in ln]
    assert lines, listeners
    local = {ln.split()[3] for ln in lines}
    assert local == {f"127.0.0.1:{PORT}"}, local
    assert host.socket(f"tcp://127.0.0.1:{PORT}").is_listening
    assert not host.socket(f"tcp://0.0.0.0:{PORT}").is_listening
    assert not host.socket(f"tcp://:::{PORT}").is_listening


def test_health_200_on_loopback(host):
    assert _curl(host, "/api/health") == "200"


@pytest.mark.parametrize(
    "path,owner,group,mode",
    [
        ("/opt/pocketbase", "root", "root", 0o755),
        (f"/opt/pocketbase/versions/{VERSION}", "root", "root", 0o755),
        (f"/opt/pocketbase/versions/{VERSION}/pocketbase", "root", "root", 0o755),
        ("/opt/pocketbase/pb_hooks", "root", "root", 0o755),
        ("/opt/pocketbase/pb_hooks/pbguard_ping.pb.js", "root", "root", 0o644),
        ("/opt/pocketbase/pb_migrations", "root", "root", 0o755),
        ("/opt/pocketbase/pb_public", "root", "root", 0o755),
        ("/var/lib/pocketbase/pb_data", "pocketbase", "pocketbase", 0o700),
        ("/var/backups/pocketbase", "root", "root", 0o700),
        ("/etc/pocketbase", "root", "root", 0o755),
        ("/etc/pocketbase/pocketbase.env", "root", "root", 0o600),
        ("/etc/pocketbase/hooks.manifest.json", "root", "root", 0o644),
        ("/etc/systemd/system/pocketbase.service", "root", "root", 0o644),
    ],
)
def test_owner_and_mode(host, path, owner, group, mode):
    f = host.file(path)
    assert f.exists, path
    assert (f.user, f.group, f.mode) == (owner, group, mode)


def test_binary_and_hooks_not_writable_by_service_user(host):
    for path in (
        f"/opt/pocketbase/versions/{VERSION}/pocketbase",
        "/opt/pocketbase/pb_hooks",
        "/opt/pocketbase/pb_hooks/pbguard_ping.pb.js",
        "/etc/pocketbase/pocketbase.env",
    ):
        res = host.run(f"runuser -u pocketbase -- test -w {path}")
        assert res.rc != 0, f"{path} writable by pocketbase"
    assert host.run("runuser -u pocketbase -- cat /etc/pocketbase/pocketbase.env").rc != 0


def test_active_link_and_verification_record(host):
    link = host.file("/opt/pocketbase/current")
    assert link.is_symlink and link.linked_to == f"/opt/pocketbase/versions/{VERSION}"
    record = json.loads(host.file(f"/opt/pocketbase/versions/{VERSION}/pocketbase.verified.json").content_string)
    actual = host.check_output(f"sha256sum /opt/pocketbase/versions/{VERSION}/pocketbase").split()[0]
    assert record["sha256"] == actual
    assert record["source_checksum"] == "sha256:" + actual  # raw binary: artifact == binary
    assert host.check_output("/opt/pocketbase/current/pocketbase --version") == f"pocketbase version {VERSION}"


def test_unit_command_line(host):
    unit = host.file("/etc/systemd/system/pocketbase.service").content_string
    execstart = [ln for ln in unit.splitlines() if ln.startswith("ExecStart=")]
    assert len(execstart) == 1
    cmd = execstart[0]
    assert f"--http=127.0.0.1:{PORT}" in cmd
    assert "--origins=https://app.pbguard.test" in cmd
    assert "--encryptionEnv=PB_ENCRYPTION_KEY" in cmd
    assert "--automigrate=false" in cmd
    assert "0123456789abcdef" not in unit  # the key lives only in the root-only env file


def test_cors_restricted_to_origins(host):
    out = host.check_output(
        f"curl -sS -D - -o /dev/null -H 'Origin: https://evil.example' http://127.0.0.1:{PORT}/api/health"
    )
    assert "access-control-allow-origin: *" not in out.lower()
    assert "evil.example" not in out.lower()


def test_systemd_analyze_exposure(host):
    out = host.run("systemd-analyze security --no-pager pocketbase.service")
    m = re.search(r"Overall exposure level for pocketbase\.service:\s*([0-9.]+)", out.stdout)
    assert m, out.stdout[-2000:] + out.stderr
    exposure = float(m.group(1))
    print(f"\nsystemd-analyze security pocketbase.service: exposure {exposure}")
    assert exposure <= 2.0


def test_no_installer_token_or_secret_in_journal(host):
    journal = host.check_output("journalctl -u pocketbase --no-pager -o cat")
    assert "Server started" in journal, journal[-2000:]
    assert "pbinstall" not in journal
    assert "__pbinstaller" not in journal
    assert PASSWORD not in journal


def test_first_superuser_created_before_first_serve(host):
    body = json.dumps({"identity": EMAIL, "password": PASSWORD})
    res = host.run(
        f"curl -sS -H 'Content-Type: application/json' --data '{body}' "
        f"http://127.0.0.1:{PORT}/api/collections/_superusers/auth-with-password"
    )
    data = json.loads(res.stdout)
    assert data.get("token"), {k: v for k, v in data.items() if k != "token"}
    assert data["record"]["email"] == EMAIL
    count = host.check_output(
        "sqlite3 -readonly /var/lib/pocketbase/pb_data/data.db 'select count(*) from _superusers'"
    )
    assert count == "1"  # only ours: no installer account was ever created


def test_hooks_deployed_manifest_and_rogue_removed(host):
    assert not host.file("/opt/pocketbase/pb_hooks/rogue.pb.js").exists
    hook = host.file("/opt/pocketbase/pb_hooks/pbguard_ping.pb.js")
    assert hook.content_string == HOOK
    manifest = json.loads(host.file("/etc/pocketbase/hooks.manifest.json").content_string)
    assert manifest["format"] == "pbguard-hooks-manifest/1"
    assert manifest["hooks_dir"] == "/opt/pocketbase/pb_hooks"
    assert manifest["exclusive"] is True
    assert manifest["hooks"] == [
        {"name": "pbguard_ping.pb.js", "sha256": hashlib.sha256(HOOK.encode()).hexdigest()}
    ]
    assert host.check_output(f"sha256sum {hook.path}").split()[0] == manifest["hooks"][0]["sha256"]
    assert _curl(host, "/pbguard/ping") == "200"


def test_settings_encrypted_at_rest(host):
    # --encryptionEnv: the settings row is ciphertext, not JSON (the key is only in the root-only env file)
    value = host.check_output(
        "sqlite3 -readonly /var/lib/pocketbase/pb_data/data.db \"select value from _params where id = 'settings'\""
    )
    assert value
    assert not value.lstrip().startswith("{")
    assert '"meta"' not in value


def _login_status(host, password):
    body = json.dumps({"identity": EMAIL, "password": password})
    return host.check_output(
        f"curl -sS -o /dev/null -w '%{{http_code}}' -H 'Content-Type: application/json' --data '{body}' "
        f"http://127.0.0.1:{PORT}/api/collections/_superusers/auth-with-password"
    )


@pytest.fixture(scope="module", autouse=True)
def argv_log(host):
    """side_effect started a recorder of every command line seen during converge and idempotence (issue 17
    item 10). Stopped before the first test: tests of this file put the password on curl's command line."""
    host.run("systemctl stop pbg-argv-recorder.service")
    return host.file("/root/pbg-argv.log").content_string


def test_first_superuser_password_never_on_a_command_line(host, argv_log):
    log = argv_log
    cli = [ln for ln in log.splitlines() if " superuser upsert " in ln and "runuser" in ln]
    assert cli, "the recorder never saw the CLI call, so it proves nothing:\n" + log[-3000:]
    assert PASSWORD not in log
    throwaway = cli[0].split(" superuser upsert ", 1)[1].split()[1]
    assert len(throwaway) >= 32 and throwaway.isalnum()
    assert _login_status(host, throwaway) == "400"  # the throwaway was replaced
    assert _login_status(host, PASSWORD) == "200"
    assert not host.file("/var/lib/pocketbase/pb_data/.pbguard-first-superuser-pending").exists
    assert not host.service("pocketbase-first-superuser").is_running
