# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's result written as JSON piece by piece (private to pbguard.pocketbase).

ansible-core 2.19+ prints a module's result with ``print('\\n%s' % json.dumps(result, cls=encoder))``. Its
encoder re-wraps every container while encoding, so the dump alone peaks at twice the size of the text, and the
text is then formatted into a second copy: for the 13 MB result of a 10,000-collection audit that is over 30 MB
held at once at the very end of the run (issue 14 goal 2). ``StreamedResultMixin`` writes the same text (the
same encoder, the same separators), encoding one key or one batch of list items at a time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys

from ansible.module_utils import basic

# list items encoded together: a batch of audit findings is tens of KB of JSON
BATCH = 256


def json_pieces(value, encode, batch=BATCH):
    """The JSON text of ``value`` as ``encode`` (one value -> its JSON text) writes it, in pieces: plain dicts
    and long plain lists are opened up, anything else is encoded whole. ``"".join(json_pieces(v, dumps))``
    equals ``dumps(v)`` for the default separators."""
    if type(value) is dict and value:  # pylint: disable=unidiomatic-typecheck
        yield "{"
        first = True
        for key, item in value.items():
            if not first:
                yield ", "
            first = False
            # the key as the encoder writes keys (converted or refused the same way): {"<key>": 0} minus its frame
            yield encode({key: 0})[1:-4]
            yield ": "
            yield from json_pieces(item, encode, batch)
        yield "}"
    elif type(value) is list and len(value) > batch:  # pylint: disable=unidiomatic-typecheck
        yield "["
        for start in range(0, len(value), batch):
            if start:
                yield ", "
            yield encode(value[start:start + batch])[1:-1]
        yield "]"
    else:
        yield encode(value)


def module_encoder():
    """The encoder class ansible-core 2.19+ prints results with, or None (older ansible-core, or a profile
    that transforms the whole result before encoding: pieces would not be encoded alike)."""
    json_mod = getattr(basic, "_json", None)
    if json_mod is None or not hasattr(json_mod, "get_module_encoder"):
        return None
    encoder = json_mod.get_module_encoder(getattr(basic, "_ANSIBLE_PROFILE", None),
                                          json_mod.Direction.MODULE_TO_CONTROLLER)
    profile = getattr(encoder, "_profile", None)
    owner = [k for k in getattr(profile, "__mro__", ()) if "pre_serialize" in vars(k)]
    if not owner or owner[0].__name__ != "_JSONSerializationProfile":
        return None
    return encoder


class StreamedResultMixin(object):
    """For an AnsibleModule subclass: the result is written piece by piece (see the module docstring)."""

    def _record_module_result(self, o):
        encoder = module_encoder()
        if encoder is None:
            super(StreamedResultMixin, self)._record_module_result(o)  # pylint: disable=no-member
            return
        encode = encoder().encode
        out = sys.stdout
        out.write("\n")
        for piece in json_pieces(o, encode):
            out.write(piece)
        out.write("\n")
        out.flush()
