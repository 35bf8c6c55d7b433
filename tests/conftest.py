# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the checkout importable as ``ansible_collections.pbguard.pocketbase`` for plain pytest.

Under ``ansible-test units`` (or with the checkout already inside an ``ansible_collections`` tree)
nothing is changed.
"""

import atexit
import os
import shutil
import sys
import tempfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def _ensure_collection_importable():
    try:
        import ansible_collections.pbguard.pocketbase.plugins.module_utils  # noqa: F401 pylint: disable=unused-import
        return
    except ImportError:
        pass
    parts = REPO_ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3] == "ansible_collections":
        sys.path.insert(0, os.sep.join(parts[:-3]))
        return
    env_dir = os.environ.get("PBGUARD_COLLECTIONS_DIR")
    if env_dir and os.path.realpath(os.path.join(env_dir, "ansible_collections", "pbguard", "pocketbase")) == \
            os.path.realpath(REPO_ROOT):
        sys.path.insert(0, env_dir)
        return
    base = tempfile.mkdtemp(prefix="pbguard-pypath-")
    ns = os.path.join(base, "ansible_collections", "pbguard")
    os.makedirs(ns)
    os.symlink(REPO_ROOT, os.path.join(ns, "pocketbase"))
    atexit.register(shutil.rmtree, base, True)
    sys.path.insert(0, base)


_ensure_collection_importable()
