# -*- coding: utf-8 -*-
"""Inventory values that would reach config files unchecked are refused in the roles' preflight.

One ansible-playbook run, one local host per refused input (each host carries exactly one bad value)
plus a control host with good values: each bad host must fail at the expected preflight task with a
one-line message naming the problem, before any task that writes; the control host passes. The
preflight task files are what the roles import first (roles/*/tasks/main.yml).
"""
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO_ROOT, ansible_env  # pylint: disable=import-error

EVIL_ALIAS = "www.example.com {\n respond /leak 200\n}\nhttps://evil.example.com"

PROXY_CASES = {
    "alias_braces": ({"pocketbase_proxy_server_aliases": [EVIL_ALIAS]}, "Refuse server names", "respond /leak"),
    "alias_space": ({"pocketbase_proxy_server_aliases": ["a.example.com b.example.com"]}, "Refuse server names",
                    "a.example.com b.example.com"),
    "name_trailing_newline": ({"pocketbase_proxy_server_name": "pb.example.com\n"}, "Refuse server names",
                              "pb.example.com\\n"),
    "name_semicolon": ({"pocketbase_proxy_server_name": "pb.example.com;"}, "Refuse server names", "pb.example.com;"),
    "wrapper_path_shell": ({"pocketbase_proxy_nginx_validate_wrapper": "/etc/pbguard/x; touch /tmp/pwn/w.conf"},
                           "validation wrapper path", "touch /tmp/pwn"),
    "basic_user_newline": ({"pocketbase_proxy_admin_basic_auth_user": "ops\n",
                            "pocketbase_proxy_admin_basic_auth_password": "a-real-secret-1"},
                           "Check the role variables", "invalid settings"),
    "basic_password_placeholder": ({"pocketbase_proxy_admin_basic_auth_user": "ops",
                                    "pocketbase_proxy_admin_basic_auth_password": "CHANGE-ME-basic"},
                                   "placeholder", "CHANGE-ME placeholder"),
    "basic_bcrypt_cost_low": ({"pocketbase_proxy_admin_basic_auth_user": "ops",
                               "pocketbase_proxy_admin_basic_auth_password": "a-real-secret-1",
                               "pocketbase_proxy_admin_basic_auth_bcrypt_cost": 4},
                              "Check the role variables", "bcrypt cost is 10 to 14"),
    "basic_bcrypt_cost_high": ({"pocketbase_proxy_admin_basic_auth_user": "ops",
                                "pocketbase_proxy_admin_basic_auth_password": "a-real-secret-1",
                                "pocketbase_proxy_admin_basic_auth_bcrypt_cost": 15},
                               "Check the role variables", "bcrypt cost is 10 to 14"),
}
SERVER_CASES = {
    "extra_args_http": ({"pocketbase_extra_args": ["--http=0.0.0.0:80"]}, "override a managed flag", "--http=0.0.0.0:80"),
    "extra_args_http_split": ({"pocketbase_extra_args": ["--http", "0.0.0.0:80"]}, "override a managed flag",
                              "0.0.0.0:80"),
    "extra_args_https": ({"pocketbase_extra_args": ["--HTTPS=0.0.0.0:443"]}, "override a managed flag", "--HTTPS"),
    "extra_args_domain": ({"pocketbase_extra_args": ["example.com"]}, "override a managed flag", "example.com"),
    "extra_args_space": ({"pocketbase_extra_args": ["--queryTimeout=30 --http=0.0.0.0:80"]},
                         "override a managed flag", "--queryTimeout=30 --http"),
    "extra_args_dir": ({"pocketbase_extra_args": ["--dir=/tmp"]}, "override a managed flag", "--dir=/tmp"),
    "extra_env_newline": ({"pocketbase_extra_env": {"FOO": "x\nPB_ENCRYPTION_KEY=attacker-chosen-32-characters!!"}},
                          "add lines to the env file", "FOO"),
    "extra_env_bad_key": ({"pocketbase_extra_env": {"A B": "1"}}, "add lines to the env file", "A B"),
    "extra_env_key_dup": ({"pocketbase_extra_env": {"PB_ENCRYPTION_KEY": "y"}}, "add lines to the env file",
                          "PB_ENCRYPTION_KEY"),
    "vault_password": ({"pocketbase_superuser_password": "CHANGE-ME-use-a-password-manager"},
                       "CHANGE-ME placeholders", "CHANGE-ME placeholder"),
    "vault_key": ({"pocketbase_encryption_key": "CHANGE-ME-32-characters-exactly!"}, "CHANGE-ME placeholders",
                  "CHANGE-ME placeholder"),
}
GOOD_PROXY = {"pocketbase_proxy_server_name": "pb.example.com",
              "pocketbase_proxy_server_aliases": ["www.example.com", "*.apps.example.com", "192.0.2.7", "[2001:db8::1]"],
              "pocketbase_proxy_tls_mode": "internal", "pocketbase_proxy_lockout_check": False}
GOOD_SERVER = {"pocketbase_extra_args": ["--queryTimeout=60", "--hooksWatch=false"],
               "pocketbase_extra_env": {"TZ": "UTC", "HTTP_PROXY": "http://proxy.example:3128"},
               "pocketbase_superuser_email": "ops@example.com", "pocketbase_superuser_password": "a-real-secret-1",
               "pocketbase_encryption_key": "0123456789abcdef0123456789abcdef"}

PLAYBOOK = """
- name: Proxy preflight only
  hosts: proxy
  gather_facts: false
  tasks:
    - name: Preflight of pbguard.pocketbase.pocketbase_proxy
      ansible.builtin.include_role:
        name: pbguard.pocketbase.pocketbase_proxy
        tasks_from: preflight.yml
- name: Server preflight only
  hosts: server
  gather_facts: false
  tasks:
    - name: Preflight of pbguard.pocketbase.pocketbase
      ansible.builtin.include_role:
        name: pbguard.pocketbase.pocketbase
        tasks_from: preflight.yml
"""


@pytest.fixture(scope="module")
def preflight_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("preflight")
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    server_base = dict(local, pocketbase_install_dir=str(tmp / "opt"), pocketbase_data_dir=str(tmp / "data"),
                       pocketbase_config_dir=str(tmp / "etc"), pocketbase_hooks_dir=str(tmp / "hooks"))
    inventory = {"all": {"children": {
        "proxy": {"hosts": dict([("proxy_good", dict(local, **GOOD_PROXY))]
                                + [("proxy_" + k, dict(local, **dict(GOOD_PROXY, **v[0])))
                                   for k, v in PROXY_CASES.items()])},
        "server": {"hosts": dict([("server_good", dict(server_base, **GOOD_SERVER))]
                                 + [("server_" + k, dict(server_base, **dict(GOOD_SERVER, **v[0])))
                                    for k, v in SERVER_CASES.items()])},
    }}}
    (tmp / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp / "play.yml").write_text(PLAYBOOK)
    proc = subprocess.run(["ansible-playbook", "-i", str(tmp / "inventory.yml"), str(tmp / "play.yml")],
                          capture_output=True, text=True, env=ansible_env(), cwd=REPO_ROOT, timeout=900,
                          check=False)
    return parse_default_output(proc.stdout), proc.stdout, tmp


def parse_default_output(out):
    """{host: (task name, msg)} of the first failure per host, from the default callback (JSON results)."""
    failed_at, task, lines, i = {}, None, out.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^TASK \[(?:[\w.]+ : )?(.*?)\] \**$", line)
        if m:
            task = m.group(1)
        m = re.match(r"^fatal: \[([^\]]+)\]: FAILED! => (\{.*)$", line)
        if m:
            body, j = m.group(2), i + 1
            while j < len(lines) and not lines[j - 1].startswith("}") and body.count("{") > body.count("}"):
                body += "\n" + lines[j]
                j += 1
            failed_at.setdefault(m.group(1), (task, str(json.loads(body).get("msg", ""))))
            i = j
            continue
        i += 1
    return failed_at


def test_good_values_pass(preflight_results):
    failed_at, out, dummy = preflight_results
    for host in ("proxy_good", "server_good"):
        assert host not in failed_at, failed_at.get(host)
        assert re.search(r"(?m)^%s\s+: ok=\d+ .*failed=0" % host, out), out[-3000:]


@pytest.mark.parametrize("host, task_part, msg_part",
                         [("proxy_" + k, v[1], v[2]) for k, v in PROXY_CASES.items()]
                         + [("server_" + k, v[1], v[2]) for k, v in SERVER_CASES.items()])
def test_bad_value_refused_in_preflight(preflight_results, host, task_part, msg_part):
    failed_at = preflight_results[0]
    assert host in failed_at, "%s was not refused" % host
    task, msg = failed_at[host]
    assert "PREFLIGHT" in task and task_part in task, (task, msg)
    assert msg_part in msg, msg
    assert "\n" not in msg.strip(), msg


def test_refusals_wrote_nothing(preflight_results):
    """Preflight only reads: the role's directories under the scratch dir were never created."""
    tmp = preflight_results[2]
    assert sorted(p.name for p in tmp.iterdir()) == ["inventory.yml", "play.yml"]
    assert not os.path.exists("/tmp/pwn")
