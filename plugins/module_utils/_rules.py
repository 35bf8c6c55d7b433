# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PocketBase rule-expression tokenizer, parser (AST) and linter (private; may change).

This module is the public facade; the code lives in ``_rules_ast.py`` (vocabulary,
errors, nodes, formatting), ``_rules_parser.py`` (tokenizer and parser) and
``_rules_lint.py`` (the linter).

The grammar follows PocketBase's filter parser (``ganigeorgiev/fexpr`` plus the
identifier rules of ``core/record_field_resolver.go``)::

    expr     := and ( "||" and )*
    and      := term ( "&&" term )*
    term     := "(" expr ")" | operand SIGN operand
    operand  := IDENT | FUNC "(" [ arg ( "," arg )* ] ")" | NUMBER | TEXT
    arg      := IDENT | FUNC(...) | NUMBER | TEXT          (functions nest <= 3 deep)
    SIGN     := = != > >= < <= ~ !~   and the any-of forms ?= ?!= ?> ?>= ?< ?<= ?~ ?!~

``&&`` binds tighter than ``||`` (PocketBase concatenates the groups into SQL,
where AND has precedence). Whitespace is space, tab or newline; ``//`` starts a
comment that runs to the end of the line. Text is single or double quoted; a
quote preceded by a backslash does not end it and ``\\'`` (``\\"``) stands for the
quote itself. ``true``, ``false`` and ``null`` are literals.

Both syntaxes are parsed: 0.22 (``@request.data``) and 0.23+ (``@request.body``,
``:lower``, ``:changed``, ``geoDistance()``, ``strftime()``, ``@yesterday``,
``@tomorrow``); the linter reports constructs that do not exist in the target
generation.

The parser is stricter than the server where the server accepts nonsense
(checked against real servers in tests/integration/test_rules_vs_server.py): an
operand written directly before a parenthesised group (``a (b = 1)``, the server
silently drops ``a``), unknown or repeated modifiers and empty path segments in
``@request.auth.*``/``@request.body.*`` (0.23+ accepts them at save time). It
mirrors the server's quirk that a bracket or quote inside a ``//`` comment within
parentheses is read as code. Identifiers are checked for shape only; whether a
field exists needs the collection schema.

Public API: ``parse``, ``RuleSyntaxError``, the node classes, ``lint_rule``,
``RuleFinding``, ``referenced_collections``, ``is_public_in_effect``,
``format_rule``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pbguard.pocketbase.plugins.module_utils._rules_ast import (
    ACTIONS, FINDING_CODES, FUNCTIONS, MACROS, MODIFIERS,
    And, Call, CollectionRef, Compare, Empty, Group, Identifier, Literal, Macro, Node, Or,
    RequestRef, RuleSyntaxError, format_rule, iter_nodes, iter_operands,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._rules_parser import (
    parse, referenced_collections,
)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._rules_lint import (
    RuleFinding, is_public_in_effect, lint_rule,
)
# one version parser for the client, the rules and the audit (tests/unit/test_compat.py)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._version import version_tuple  # noqa: F401 pylint: disable=unused-import
# _audit/rul.py reuses the linter's readability of a collection (through this facade)
from ansible_collections.pbguard.pocketbase.plugins.module_utils._rules_lint import _readability  # noqa: F401 pylint: disable=unused-import

__all__ = [
    "RuleSyntaxError", "parse", "format_rule", "lint_rule", "RuleFinding",
    "referenced_collections", "is_public_in_effect", "iter_nodes", "iter_operands",
    "Node", "Empty", "Or", "And", "Group", "Compare", "Identifier", "RequestRef",
    "CollectionRef", "Macro", "Literal", "Call",
    "ACTIONS", "MACROS", "MODIFIERS", "FUNCTIONS", "FINDING_CODES",
]
