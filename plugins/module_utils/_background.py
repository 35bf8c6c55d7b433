# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A call run in a thread while the caller goes on: waiting on a server overlaps other work."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading


class Background(object):
    """``fn(*args)`` in a daemon thread; ``result()`` waits and returns its value or raises its exception."""

    def __init__(self, fn, *args):
        self._value = self._error = None
        self._thread = threading.Thread(target=self._run, args=(fn,) + args, name="pbguard-background")
        self._thread.daemon = True
        self._thread.start()

    def _run(self, fn, *args):
        try:
            self._value = fn(*args)
        except BaseException as exc:  # pylint: disable=broad-except
            self._error = exc

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error  # pylint: disable=raising-bad-type
        return self._value
