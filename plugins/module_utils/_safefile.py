# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing files that no other local user can redirect (private to pbguard.pocketbase).

A file is written to a fresh temporary name created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and
renamed over the destination, inside a directory this process created or verified: owned by the
running user and not writable by group or others. A planted symlink (at the temporary name or the
destination) or a directory another user controls is an error, never followed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import os
import stat


class UnsafePath(Exception):
    """The destination cannot be written safely; the message says why and what to change."""


def ensure_private_dir(directory, mode=0o700):
    """Create ``directory`` (and missing parents) with ``mode``, or verify an existing one."""
    directory = os.path.abspath(directory)
    if not os.path.lexists(directory):
        os.makedirs(directory, mode)
        os.chmod(directory, mode)
    verify_dir(directory)
    return directory


def verify_dir(directory):
    """Raise UnsafePath unless ``directory`` is a real directory of this user, not group/world-writable."""
    try:
        info = os.lstat(directory)
    except OSError as exc:
        raise UnsafePath("%s: %s" % (directory, exc.strerror))
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePath("%s is a symbolic link; refusing to write through it (use the real path)" % directory)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePath("%s is not a directory" % directory)
    if info.st_uid != os.geteuid():
        raise UnsafePath("%s is owned by uid %d, not by the running user (uid %d); another user could swap "
                         "files in it" % (directory, info.st_uid, os.geteuid()))
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafePath("%s is writable by group or others (mode %04o); use a directory only the running "
                         "user can write" % (directory, stat.S_IMODE(info.st_mode)))
    verify_ancestors(directory)


def verify_ancestors(directory):
    """Raise UnsafePath when another user could rename or replace ``directory`` through one of its parents:
    each must be owned by root or the running user and not writable by group or others, unless sticky
    (like /tmp, where only an entry's owner may rename it)."""
    parent = os.path.dirname(directory)
    while True:
        try:
            info = os.stat(parent)
        except OSError as exc:
            raise UnsafePath("%s: %s" % (parent, exc.strerror))
        if info.st_uid not in (0, os.geteuid()):
            raise UnsafePath("%s (a parent of %s) is owned by uid %d; that user could swap the directory below "
                             "it" % (parent, directory, info.st_uid))
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX:
            raise UnsafePath("%s (a parent of %s) is writable by group or others without the sticky bit "
                             "(mode %04o); they could swap the directory below it"
                             % (parent, directory, stat.S_IMODE(info.st_mode)))
        if parent == os.path.dirname(parent):
            return
        parent = os.path.dirname(parent)


def write_file(path, data, mode=0o600, create_dir=True):
    """Write ``data`` (bytes, str, or an iterable of bytes/str chunks, so that a large file is never held
    whole) to ``path`` atomically and safely; returns the absolute path."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    if create_dir:
        ensure_private_dir(directory)
    else:
        verify_dir(directory)
    if os.path.isdir(path) and not os.path.islink(path):
        raise UnsafePath("%s is a directory" % path)
    if isinstance(data, (str, bytes)):
        data = [data]
    suffix = binascii.hexlify(os.urandom(6)).decode("ascii")
    tmp = os.path.join(directory, ".%s.%s.tmp" % (os.path.basename(path), suffix))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, mode)
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have narrowed it
            _write_chunks(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, path)  # replaces a symlink at ``path`` itself, never writes through it
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return path


def _write_chunks(fd, chunks, size=1 << 16):
    """Write str (as UTF-8) or bytes chunks to ``fd``, gathered into writes of about ``size`` bytes."""
    pending, held = [], 0
    for chunk in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            _write_all(fd, b"".join(pending))
            pending, held = [], 0
    if pending:
        _write_all(fd, b"".join(pending))


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_file(path, limit=1024 * 1024):
    """Read a regular file without following a symlink at ``path``; None when absent or not regular."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, limit)
    finally:
        os.close(fd)


def ensure_mode(path, mode):
    """Set ``path``'s permission bits to ``mode`` (no symlink following); True when they changed."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == mode:
        return False
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return True
