# -*- coding: utf-8 -*-
"""The role's shipped rule sets parse, lint clean except their declared public intent, in both syntaxes."""
import glob
import os

import jinja2
import pytest
import yaml

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _rules

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "roles", "pocketbase_policy", "templates", "rulesets")
BLOCKING = {"public", "tautology", "auth_only_no_ownership", "client_body_decides"}
FILES = sorted(glob.glob(os.path.join(ROOT, "*", "*.yml.j2")))


def render(path, **params):
    with open(path) as fh:
        return yaml.safe_load(jinja2.Template(fh.read()).render(**params))


def test_both_syntaxes_ship_the_same_rule_sets():
    names = {g: sorted(os.path.basename(p) for p in FILES if os.sep + g + os.sep in p) for g in ("v022", "v023")}
    assert names["v022"] == names["v023"]
    assert {"user_owned.yml.j2", "public_read_owner_write.yml.j2", "admin_only.yml.j2"} <= set(names["v023"])


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, ROOT))
@pytest.mark.parametrize("params", [{}, {"owner_field": "owner", "role_field": "kind", "admin_value": "staff"}])
def test_ruleset_lints_clean(path, params):
    generation = path.split(os.sep)[-2]
    data = render(path, **params)
    assert set(data["rules"]) == {"listRule", "viewRule", "createRule", "updateRule", "deleteRule"}
    for key, expr in data["rules"].items():
        if expr is None:
            continue
        _rules.parse(expr)  # raises on a syntax error
        findings = _rules.lint_rule(expr, key, generation)
        codes = {f.code for f in findings}
        assert "parse_error" not in codes and "identifier_generation_mismatch" not in codes, (key, findings)
        if key in data["public"]:
            assert codes & {"public", "tautology"}, (key, findings)  # intent only where it is needed
        else:
            assert not codes & BLOCKING, (key, findings)


def test_syntax_differs_only_in_request_body():
    for path in glob.glob(os.path.join(ROOT, "v023", "*.yml.j2")):
        new = render(path)
        old = render(path.replace(os.sep + "v023" + os.sep, os.sep + "v022" + os.sep))
        for key, expr in new["rules"].items():
            if expr is None:
                assert old["rules"][key] is None
            else:
                assert old["rules"][key] == expr.replace("@request.body", "@request.data")
