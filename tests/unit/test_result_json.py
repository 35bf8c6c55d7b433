# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module result written piece by piece (_result_json, issue 14 goal 2): the very text ansible-core's own
``json.dumps`` would print, with ansible-core's module encoders."""

from __future__ import annotations

import io
import json

import pytest

from ansible.module_utils import basic

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _result_json as RJ
from ansible_collections.pbguard.pocketbase.plugins.module_utils._argshape import ShapeCheckedModule


def result(n):
    findings = [{"control": "PBG-RUL-%03d" % (i % 20), "status": "fail", "target": "collection:c%d.listRule" % i,
                 "evidence": "r\u00e9gle `@request.auth.id != \"\"` \\ \n\t\u2028 %d" % i, "duration": 1e-05,
                 "line": i, "ok": i % 2 == 0, "none": None, "nested": {"a": [1, 2.5, {"b": []}], "e": {}}}
                for i in range(n)]
    return {"changed": False, "msg": "1 pass", "report": {"findings": findings, "summary": {"pass": 1}, "empty": [],
                                                          "tuple": (1, "x"), "set_free": [[1], []]},
            "invocation": {"module_args": {"password": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "n": n}}}


@pytest.mark.parametrize("n", [0, 1, RJ.BATCH, RJ.BATCH + 1, 3 * RJ.BATCH + 17])
def test_pieces_join_to_the_whole_dump(n):
    value = result(n)
    assert "".join(RJ.json_pieces(value, json.dumps)) == json.dumps(value)
    assert "".join(RJ.json_pieces(value, json.dumps, batch=7)) == json.dumps(value)


def test_no_piece_is_the_whole_of_a_large_result():
    value = result(4 * RJ.BATCH)
    pieces = list(RJ.json_pieces(value, json.dumps))
    assert max(len(p) for p in pieces) < len(json.dumps(value)) / 3


@pytest.mark.parametrize("profile", ["legacy", "modern"])
def test_module_result_is_what_ansible_core_prints(profile, monkeypatch, capsys):
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", profile, raising=False)
    encoder = RJ.module_encoder()
    if encoder is None:
        pytest.skip("this ansible-core prints results without a module encoder (before 2.19)")
    value = result(2 * RJ.BATCH + 3)
    expected = "\n%s\n" % json.dumps(value, cls=encoder)
    module = ShapeCheckedModule.__new__(ShapeCheckedModule)
    module._record_module_result(value)  # pylint: disable=protected-access
    assert capsys.readouterr().out == expected


def test_keys_the_encoder_converts_or_refuses_alike():
    encode = json.dumps
    assert "".join(RJ.json_pieces({2: "a", None: [1] * 300, True: {}, 1.5: []}, encode)) == \
        json.dumps({2: "a", None: [1] * 300, True: {}, 1.5: []})
    with pytest.raises(TypeError):
        list(RJ.json_pieces({("t",): 1}, encode))
    out = io.StringIO()
    out.write("".join(RJ.json_pieces({"k": float("nan")}, encode)))
    assert out.getvalue() == json.dumps({"k": float("nan")})
