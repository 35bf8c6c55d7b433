# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of pocketbase_audit: analyses the target's hook files on the controller.

With the C(host) scope and tree-sitter importable on the controller, the hook files are listed
(ansible.builtin.find) and read (ansible.builtin.slurp) through the module system, analysed in memory
by ``plugin_utils._hooks_ast`` and handed to the module in the private ``_hooks_analysis`` option
(findings only, never source text). The module reports them like its own lint's findings and lints on
the target whatever the controller did not analyse (no tree-sitter, a file too large or changed since).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import fnmatch
import hashlib
import posixpath

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.pbguard.pocketbase.plugins.module_utils._hooks_vocab import CODE_CONTROLS
from ansible_collections.pbguard.pocketbase.plugins.plugin_utils import _hooks_ast

MODULE = "pbguard.pocketbase.pocketbase_audit"
PRIVATE_OPTIONS = ("_hooks_analysis", "_hooks_locate")
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 200
LOCATE_OPTIONS = ("hooks_dir", "data_dir", "service_name")


def _hooks_selected(args):
    """Whether any hook control survives the controls/skip_controls globs."""
    ids = sorted(set(CODE_CONTROLS.values()))
    wanted = args.get("controls") or ["*"]
    skipped = args.get("skip_controls") or []
    return any(any(fnmatch.fnmatchcase(i, w) for w in wanted) and not any(fnmatch.fnmatchcase(i, s) for s in skipped)
               for i in ids)


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        for name in PRIVATE_OPTIONS:
            if name in args:
                raise AnsibleActionFail("%s is set by the pocketbase_audit action plugin, not by the task" % name)
        scope = args.get("scope") or ["api"]
        scope = [scope] if isinstance(scope, str) else list(scope)
        try:
            if "host" in scope and _hooks_selected(args):
                args["_hooks_analysis"] = self._hooks_analysis(args, task_vars)
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _run_module(self, name, module_args, task_vars):
        return self._execute_module(module_name=name, module_args=module_args, task_vars=task_vars)

    def _hooks_analysis(self, args, task_vars):
        if not _hooks_ast.HAS_TREE_SITTER:
            return {"unavailable": "tree-sitter not installed on the controller", "files": {}}
        hooks_dir = args.get("hooks_dir")
        if not hooks_dir:  # the module resolves it from the unit like the host scope does
            locate_args = dict((k, args[k]) for k in LOCATE_OPTIONS if args.get(k) is not None)
            locate_args["_hooks_locate"] = True
            located = self._run_module(MODULE, locate_args, task_vars)
            hooks_dir = None if located.get("failed") else located.get("hooks_dir")
        if not hooks_dir:
            return {"unavailable": "hooks dir not located on the target", "files": {}}
        found = self._run_module("ansible.builtin.find", {
            "paths": [hooks_dir], "patterns": [r"^.*\.pb\.(js|ts)$"], "use_regex": True, "file_type": "file",
            "recurse": False, "get_checksum": False}, task_vars)
        if found.get("failed"):
            return {"unavailable": "hook files not listed on the target", "dir": hooks_dir, "files": {}}
        analysis = {"analyser": "%s on the controller" % _hooks_ast.analyser_name(), "dir": hooks_dir, "files": {}}
        entries = sorted(found.get("files") or [], key=lambda f: f.get("path", ""))[:MAX_FILES]
        for entry in entries:
            if int(entry.get("size") or 0) > MAX_FILE_BYTES:
                continue  # left to the target-side lint, which reads it in place
            data = self._slurp(entry["path"], task_vars)
            if data is None:
                continue
            name = posixpath.basename(entry["path"])
            findings = _hooks_ast.analyse_source(data, name, _hooks_ast.UNKNOWN_GENERATION)
            analysis["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(),
                                       "findings": [f.as_dict() for f in findings]}
        return analysis

    def _slurp(self, path, task_vars):
        res = self._run_module("ansible.builtin.slurp", {"src": path}, task_vars)
        if res.get("failed") or "content" not in res:
            return None
        try:
            return base64.b64decode(to_text(res["content"]))
        except (TypeError, ValueError):
            return None
