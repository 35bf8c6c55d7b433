# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 17 item 10: a typo in any role variable must not print a secret.

Known secrets are set, every role's argument validation is failed on purpose (a wrong type), and
the whole ``-vvv`` output of ansible-playbook is searched for them. The argument_specs used to
template ``default:`` from ``pocketbase_superuser_password``, and the validation error printed it.
"""

import json
import os
import subprocess

import pytest

from conftest import VENV_BIN, ansible_env  # pylint: disable=import-error

SECRETS = {
    "pocketbase_superuser_password": "pbg-known-superuser-Secret-7",
    "pocketbase_policy_password": "pbg-known-policy-Secret-8",
    "pocketbase_audit_password": "pbg-known-audit-Secret-9",
    "pocketbase_policy_smtp_password": "pbg-known-smtp-Secret-10",
    "pocketbase_encryption_key": "pbg-known-encryption-key-0123456789ab",
}
BROKEN = {
    "pocketbase": {"pocketbase_download_timeout": "not-a-number"},
    "pocketbase_proxy": {"pocketbase_port": "not-a-number"},
    "pocketbase_policy": {"pocketbase_policy_timeout": "not-a-number"},
    "pocketbase_audit": {"pocketbase_audit_timeout": "not-a-number"},
}


@pytest.mark.parametrize("role", sorted(BROKEN))
def test_failed_argument_validation_prints_no_secret(role, tmp_path):
    variables = dict(SECRETS, pocketbase_superuser_email="admin@example.com", **BROKEN[role])
    play = [{"hosts": "localhost", "gather_facts": False, "vars": variables,
             "roles": [{"role": "pbguard.pocketbase." + role}]}]
    path = tmp_path / "play.yml"
    path.write_text(json.dumps(play))
    os.chmod(str(path), 0o600)
    proc = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-playbook"), "-vvv", "-i", "localhost,", "-e", "ansible_connection=local",
         str(path)], env=ansible_env(), cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "not-a-number" in output or "argument" in output.lower(), output[-3000:]
    leaked = [name for name, value in SECRETS.items() if value in output]
    assert leaked == [], (leaked, output[-3000:])
