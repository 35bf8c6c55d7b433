"""Verify the upgrade proofs of role pbguard.pocketbase.pocketbase (testinfra, podman backend)."""

import json
import re
import time

PORT = 8090
DB = "/var/lib/pocketbase/pb_data/data.db"


def _sql(host, query):
    return host.check_output(f'sqlite3 -readonly {DB} "{query}"')


def _before(host):
    count, digest, email = host.file("/root/pbg-srvu-before.txt").content_string.split()
    return int(count), digest, email


def test_running_version_is_0_40_6_after_rollback(host):
    assert host.service("pocketbase").is_running
    pid = host.check_output("systemctl show -p MainPID --value pocketbase")
    exe = host.check_output(f"readlink -f /proc/{pid}/exe")
    assert exe == "/opt/pocketbase/versions/0.40.6/pocketbase"
    assert host.file("/opt/pocketbase/current").linked_to == "/opt/pocketbase/versions/0.40.6"
    assert host.check_output("/opt/pocketbase/current/pocketbase --version") == "pocketbase version 0.40.6"


def test_installed_from_release_archive_and_checksums(host):
    record = json.loads(host.file("/opt/pocketbase/versions/0.40.6/pocketbase.verified.json").content_string)
    assert record["source"] == "release"
    actual = host.check_output("sha256sum /opt/pocketbase/versions/0.40.6/pocketbase").split()[0]
    assert record["sha256"] == actual
    zip_sha = host.check_output("sha256sum /srv/pbg-mirror/v0.40.6/pocketbase_0.40.6_linux_amd64.zip").split()[0]
    assert zip_sha in host.file("/srv/pbg-mirror/v0.40.6/checksums.txt").content_string
    assert zip_sha != actual  # the archive was verified, then the binary extracted from it


def test_health_200_on_loopback(host):
    for _attempt in range(30):
        res = host.run(f"curl -sS http://127.0.0.1:{PORT}/api/health")
        if res.rc == 0:
            break
        time.sleep(0.5)
    assert json.loads(res.stdout)["code"] == 200


def test_every_record_kept(host):
    count, digest, _email = _before(host)
    assert count == 25
    assert int(_sql(host, "select count(*) from notes")) == count
    rows = _sql(host, "select id || '|' || title || '|' || n from notes order by id")
    after = host.check_output(
        f"sqlite3 -readonly {DB} \"select id || '|' || title || '|' || n from notes order by id\" | sha256sum"
    ).split()[0]
    assert rows
    assert after == digest


def test_admin_migrated_to_superusers(host):
    email = _before(host)[2]
    assert _sql(host, "select email from _superusers") == email


def test_backups_of_both_upgrades(host):
    listing = host.check_output("ls -1 /var/backups/pocketbase").split()
    assert any(re.match(r"\d{8}T\d{6}Z-0\.22\.27-to-0\.40\.6$", n) for n in listing), listing
    assert any(re.match(r"\d{8}T\d{6}Z-0\.40\.6-to-0\.99\.0$", n) for n in listing), listing
    assert any(n.endswith("-0.40.6-to-0.99.0.failed") for n in listing), listing
    old = [n for n in listing if n.endswith("-0.22.27-to-0.40.6")][0]
    # the pre-upgrade backup is a 0.22 data dir: it still has _admins and the planted records
    n = host.check_output(
        f"sqlite3 -readonly /var/backups/pocketbase/{old}/data.db 'select count(*) from notes'"
    )
    assert int(n) == 25
    d = host.file("/var/backups/pocketbase")
    assert (d.user, d.mode) == ("root", 0o700)


def test_previous_binaries_kept(host):
    versions = host.check_output("ls -1 /opt/pocketbase/versions").split()
    assert {"0.22.27", "0.40.6", "0.99.0"} <= set(versions)


def test_both_versions_ran_under_the_sandbox(host):
    journal = host.check_output("journalctl -u pocketbase --no-pager -o cat")
    assert journal.count("Server started at http://127.0.0.1:8090") >= 2, journal[-3000:]
    assert "pbinstall" not in journal
    out = host.run("systemd-analyze security --no-pager pocketbase.service").stdout
    exposure = float(re.search(r"Overall exposure level for pocketbase\.service:\s*([0-9.]+)", out).group(1))
    print(f"\nsystemd-analyze security pocketbase.service: exposure {exposure}")
    assert exposure <= 2.0
