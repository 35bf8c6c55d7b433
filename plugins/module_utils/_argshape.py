# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shape check of nested arguments before ansible-core validates them.

ansible-core's suboption validation raises a Python TypeError (a traceback, not a failed task) when
an option with ``options`` gets a scalar, or a list holding scalars, where a dict is expected (for
example ``auth: {otp: [1]}``: ``set_fallbacks`` runs ``name in 1`` before the dict check), and its
own message for a string there names no option path. ``ShapeCheckedModule`` removes every such
value before ansible-core sees it and fails with one line naming each path.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.validation import check_type_dict, check_type_list
from ansible.module_utils.six import string_types


def _dict_like(value):
    """True for a dict, or a string ansible-core turns into one (JSON or k=v)."""
    if isinstance(value, dict):
        return True
    if not isinstance(value, string_types):
        return False
    try:
        check_type_dict(value)
        return True
    except (TypeError, ValueError):
        return False


def _type_name(value):
    return "null" if value is None else type(value).__name__


def _check_list_of_dicts(spec, name, value, path, errors):
    """Returns the value to keep (None to drop it)."""
    if isinstance(value, string_types):
        try:
            items = check_type_list(value)
        except TypeError:
            items = [value]
        if all(_dict_like(item) for item in items):
            return value
        errors.append("%s must be a list of dicts, got a string" % path)
        return None
    if not isinstance(value, (list, tuple)):
        errors.append("%s must be a list of dicts, got %s" % (path, _type_name(value)))
        return None
    kept = []
    for idx, item in enumerate(value):
        item_path = "%s[%d]" % (path, idx)
        if isinstance(item, dict):
            _check(spec[name]["options"], item, item_path + ".", errors)
            kept.append(item)
        elif _dict_like(item):
            kept.append(item)
        else:
            errors.append("%s must be a dict, got %s" % (item_path, _type_name(item)))
    return kept


def _check(spec, params, prefix, errors):
    """Walks params along spec; removes wrongly shaped nested values in place, collecting errors."""
    for name, option in spec.items():
        if not option.get("options") or params.get(name) is None:
            continue
        value, path = params[name], prefix + name
        if option.get("type") == "dict":
            if isinstance(value, dict):
                _check(option["options"], value, path + ".", errors)
            elif not _dict_like(value):
                errors.append("%s must be a dict, got %s" % (path, _type_name(value)))
                del params[name]
        elif option.get("type") == "list" and option.get("elements") == "dict":
            kept = _check_list_of_dicts(spec, name, value, path, errors)
            if kept is None:
                del params[name]
            else:
                params[name] = kept


def shape_errors(spec, params):
    """Errors (one per path) for nested values ansible-core cannot validate; fixes params in place."""
    errors = []
    _check(spec, params, "", errors)
    return errors


class ShapeCheckedModule(AnsibleModule):
    """AnsibleModule whose nested dict options fail with the option path instead of a traceback."""

    def _load_params(self):
        super(ShapeCheckedModule, self)._load_params()
        self._pbg_shape_errors = shape_errors(self.argument_spec, self.params)

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ
        shape = getattr(self, "_pbg_shape_errors", None)
        if shape:
            self._pbg_shape_errors = None
            msg = "; ".join(shape + ([msg] if msg else []))
        super(ShapeCheckedModule, self).fail_json(msg=msg, **kwargs)

    def check_shapes(self):
        """Fails the task when the shape check found anything (call right after construction)."""
        if getattr(self, "_pbg_shape_errors", None):
            self.fail_json(msg="")
