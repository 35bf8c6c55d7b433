# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An unsupported target Python gets one clear failed-module line, and every module checks first."""

from __future__ import annotations

import ast
import glob
import io
import json
import os

import pytest

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _pyguard

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Exited(Exception):
    pass


def fake_exit(code):
    raise Exited(code)


@pytest.mark.parametrize("version", [(3, 10, 12), (3, 9, 2), (2, 7, 18)])
def test_old_python_fails_with_a_clear_message(version):
    out = io.StringIO()
    with pytest.raises(Exited) as exc:
        _pyguard.require_supported_python(version, out=out, exit_func=fake_exit)
    assert exc.value.args == (1,)
    result = json.loads(out.getvalue())
    assert result["failed"] is True
    assert "needs Python 3.11 or newer" in result["msg"] and "has Python %d.%d" % version[:2] in result["msg"]
    assert "ansible_python_interpreter" in result["msg"]


@pytest.mark.parametrize("version", [(3, 11, 2), (3, 13, 5), (3, 14, 0)])
def test_supported_python_passes_silently(version):
    out = io.StringIO()
    assert _pyguard.require_supported_python(version, out=out, exit_func=fake_exit) is True
    assert out.getvalue() == ""


def test_declared_minimum_matches_ansible_test_config():
    with open(os.path.join(ROOT, "tests", "config.yml"), encoding="utf-8") as fh:
        assert 'python_requires: ">=%d.%d"' % _pyguard.MIN_PYTHON in fh.read()


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))))
def test_every_module_imports_the_guard_before_anything_else(path):
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
               and getattr(n, "module", None) != "__future__"]
    first = imports[0]
    assert isinstance(first, ast.ImportFrom) and [a.name for a in first.names] == ["_pyguard"], path
