# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of pocketbase_audit: runs api/probe audits of a local host in process, and analyses the
target's hook files on the controller.

In process: when the task runs over the local connection, without become, async or a task environment,
and its scopes are api and/or probe, the audit runs here (``module_utils._audit_run``, the same code the
module runs) instead of through AnsiballZ: the module would run on this machine anyway, and its start-up
(packaging, compiling its sources from the zip, a second Python) costs more than the audit. Arguments are
validated with the module's own spec; the result is no_log-scrubbed like AnsibleModule scrubs it. The
variable C(pbguard_audit_in_process=false) forces the module.

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
import json
import posixpath
import traceback

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common import json as ansible_json
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.pbguard.pocketbase.plugins.module_utils._hooks_vocab import CODE_CONTROLS

MODULE = "pbguard.pocketbase.pocketbase_audit"
PRIVATE_OPTIONS = ("_hooks_analysis", "_hooks_locate")
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 200
LOCATE_OPTIONS = ("hooks_dir", "data_dir", "service_name")
IN_PROCESS_SCOPES = frozenset(("api", "probe"))
IN_PROCESS_VAR = "pbguard_audit_in_process"


def _as_module_args(args):
    """The task's arguments as the module receives them: through JSON, so plain types (no templating
    tags or unsafe wrappers, vaulted values as text), exactly as AnsiballZ would carry them."""
    if hasattr(ansible_json, "get_module_encoder"):  # ansible-core >= 2.19
        encoder = ansible_json.get_module_encoder("legacy", ansible_json.Direction.CONTROLLER_TO_MODULE)
        return json.loads(json.dumps(args, cls=encoder))
    return json.loads(json.dumps(args, cls=ansible_json.AnsibleJSONEncoder, vault_to_text=True))


def _scrubbed(result, no_log_values):
    """AnsibleModule's no_log scrub of a result, skipped when one search of its JSON text finds none of the
    values: remove_values rebuilds every string and container, a large share of a big audit's cost."""
    from ansible_collections.pbguard.pocketbase.plugins.module_utils import _reports

    values = [v for v in no_log_values if v]
    if values and _reports.mentions_any(result, values):
        return remove_values(result, no_log_values)
    return result


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
        if self._in_process_allowed(scope, task_vars):
            result.update(self._run_in_process(args))
            return result
        try:
            if "host" in scope and _hooks_selected(args):
                args["_hooks_analysis"] = self._hooks_analysis(args, task_vars)
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _in_process_allowed(self, scope, task_vars):
        """Whether the module would run on this machine, as this user, in an environment this process has."""
        wanted = (task_vars or {}).get(IN_PROCESS_VAR, True)
        if not boolean(self._templar.template(wanted), strict=False):
            return False
        return (getattr(self._connection, "transport", None) in ("local", "ansible.builtin.local")
                and not self._play_context.become and not self._task.async_val
                and not any(env != {} for env in self._task.environment or [])  # a template or a variable: no
                and bool(scope) and set(scope) <= IN_PROCESS_SCOPES)

    def _run_in_process(self, args):
        """The module's validation, run and exit (scrubbed, ``invocation`` included) without AnsiballZ."""
        from ansible_collections.pbguard.pocketbase.plugins.module_utils import _argshape, _audit_run

        spec = _audit_run.argument_spec()
        params = _as_module_args(args)
        shape = _argshape.shape_errors(spec, params)
        validation = ArgumentSpecValidator(spec, required_together=_audit_run.REQUIRED_TOGETHER).validate(params)
        no_log_values = validation._no_log_values  # pylint: disable=protected-access
        problems = list(shape)
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (MODULE, msg)
            problems.append(msg)
        if problems:
            return remove_values(dict(failed=True, msg="; ".join(problems)), no_log_values)
        p = validation.validated_parameters
        warnings = []
        try:
            result = _audit_run.run(p, bool(self._task.check_mode), warn=warnings.append)
        except _audit_run.AuditFailure as exc:
            result = dict(exc.result, failed=True, msg=exc.msg)
        except Exception as exc:  # pylint: disable=broad-except
            # what a crashing module reports (its traceback), but as a failed task, scrubbed below
            result = dict(failed=True, msg="pocketbase_audit failed: %s: %s" % (exc.__class__.__name__, exc),
                          exception=traceback.format_exc())
        if warnings:
            result["warnings"] = warnings
        result = _scrubbed(result, no_log_values)
        result["invocation"] = remove_values({"module_args": p}, no_log_values)
        return result

    def _run_module(self, name, module_args, task_vars):
        return self._execute_module(module_name=name, module_args=module_args, task_vars=task_vars)

    def _hooks_analysis(self, args, task_vars):
        # imported here: tree-sitter and its grammar load only for the host scope
        from ansible_collections.pbguard.pocketbase.plugins.plugin_utils import _hooks_ast

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
