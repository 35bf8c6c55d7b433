# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as users get it: build the tarball, install it into a scratch collections path,
render every module's docs with ansible-doc and run pocketbase_info ad hoc against real servers."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tarfile

import pytest
import yaml

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV_BIN = os.path.dirname(sys.executable)
MODULES = sorted(
    os.path.splitext(os.path.basename(p))[0]
    for p in glob.glob(os.path.join(REPO_ROOT, "plugins", "modules", "*.py"))
    if not os.path.basename(p).startswith("_")
)
SNAPSHOT_KEYS = {"version", "generation", "health", "settings", "collections", "superusers", "superuser_auth"}


def _galaxy():
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _env(collections_dir, **extra):
    env = dict(os.environ)
    for name in ("POCKETBASE_URL", "POCKETBASE_EMAIL", "POCKETBASE_PASSWORD", "POCKETBASE_TOKEN"):
        env.pop(name, None)
    env.update(
        {
            # only the installed tarball: not the checkout, not site-packages
            "ANSIBLE_COLLECTIONS_PATH": collections_dir,
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
        }
    )
    env.update(extra)
    return env


def _run(cmd, env, cwd, timeout=300):
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(tarball, collections_dir): the built tarball installed into a scratch collections path."""
    work = tmp_path_factory.mktemp("package")
    build_dir = work / "build"
    colls = work / "collections"
    env = _env(str(colls))
    proc = _run([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "build", REPO_ROOT,
                 "--output-path", str(build_dir)], env, str(work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tarballs = glob.glob(str(build_dir / "*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    proc = _run([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "install", "--offline",
                 "-p", str(colls), tarballs[0]], env, str(work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tarballs[0], str(colls)


def test_tarball_name_manifest_and_contents(installed):
    tarball, colls = installed
    meta = _galaxy()
    assert os.path.basename(tarball) == "%s-%s-%s.tar.gz" % (meta["namespace"], meta["name"], meta["version"])
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == (meta["namespace"], meta["name"], meta["version"])
    assert "meta/runtime.yml" in names and "README.md" in names
    for mod in MODULES:
        assert "plugins/modules/%s.py" % mod in names
    leaked = [n for n in names if n.split("/")[0] in (".venv", ".work", ".cache", ".git", ".ansible", ".ci")
              or n.startswith("tests/output")]
    assert not leaked, leaked
    installed_root = os.path.join(colls, "ansible_collections", meta["namespace"], meta["name"])
    assert os.path.isfile(os.path.join(installed_root, "MANIFEST.json"))
    assert not os.path.islink(installed_root)


@pytest.mark.parametrize("module", MODULES or [pytest.param(None, marks=pytest.mark.skip("no modules yet"))])
def test_ansible_doc_renders(installed, module):
    _tarball, colls = installed
    fqcn = "pbguard.pocketbase." + module
    env = _env(colls)
    text = _run([os.path.join(VENV_BIN, "ansible-doc"), "-t", "module", fqcn], env, colls)
    assert text.returncode == 0, text.stdout + text.stderr
    assert fqcn in text.stdout
    assert "[WARNING]" not in text.stderr and "ERROR" not in text.stderr, text.stderr
    proc = _run([os.path.join(VENV_BIN, "ansible-doc"), "--json", "-t", "module", fqcn], env, colls)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)[fqcn]
    doc = data["doc"]
    assert doc["filename"].startswith(colls), doc["filename"]  # the installed copy, not the checkout
    assert doc["short_description"] and doc["description"]
    assert "url" in doc["options"] and doc["options"].get("password", {}).get("no_log", True)
    assert data["examples"].strip()
    assert data["return"]


@pytest.mark.skipif("pocketbase_info" not in MODULES, reason="pocketbase_info not written yet")
def test_adhoc_pocketbase_info(installed, pb_server):
    """`ansible localhost -m pbguard.pocketbase.pocketbase_info -a url=...` with the installed tarball;
    credentials come from the environment fallbacks, so they are not on the command line."""
    _tarball, colls = installed
    env = _env(colls, POCKETBASE_EMAIL=pb_server.email, POCKETBASE_PASSWORD=pb_server.password)
    proc = _run([os.path.join(VENV_BIN, "ansible"), "localhost", "-o", "-m", "pbguard.pocketbase.pocketbase_info",
                 "-a", "url=" + pb_server.url], env, colls)
    out = proc.stdout + proc.stderr
    assert pb_server.password not in out
    assert proc.returncode == 0, out
    line = proc.stdout.strip().splitlines()[-1]
    host, _sep, payload = line.partition(" => ")
    assert host.startswith("localhost | SUCCESS"), line
    result = json.loads(payload)
    assert SNAPSHOT_KEYS <= set(result), sorted(result)
    assert result["changed"] is False
    assert result["version"] == pb_server.version
    assert result["generation"] == pb_server.generation
    assert result["health"]["code"] == 200
    assert [s["email"] for s in result["superusers"]] == [pb_server.email]
    assert any(c["name"] == "users" and c["type"] == "auth" for c in result["collections"])
