# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files under PocketBase's public dir that must not be there (secrets, dotfiles, backups, databases).

Private module_utils: the interface may change.

PocketBase serves every file under ``--publicDir`` at ``/<path>`` (dotfiles included); the
prebuilt binary's default is ``pb_public`` beside the executable (``os.Args[0]/../pb_public``),
and deployments often keep it beside ``pb_data``. Only names, sizes and digests are recorded,
never contents.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re

MAX_ENTRIES = 5000
MAX_DEPTH = 8
MAX_PROBES = 10
MAX_DIGEST_BYTES = 8 * 1024 * 1024

_KINDS = (
    ("database", re.compile(r"\.(db|sqlite3?|db-wal|db-shm|db-journal)$", re.I)),
    ("backup", re.compile(r"(\.(bak|backup|old|orig|save|swp|swo|sql|dump|zip|tar|tgz|gz|bz2|xz|7z|rar)|~)$", re.I)),
    ("key material", re.compile(r"(\.(pem|key|p12|pfx|jks|keystore|crt)|^id_(rsa|dsa|ecdsa|ed25519)(\.pub)?)$", re.I)),
    ("secrets file", re.compile(r"(^|\.)env(\.|$)|^(secrets?|credentials?)(\.|$)|\.htpasswd$|^config\.(ya?ml|json)$",
                                re.I)),
)
# dot-directories that are public by convention
_PUBLIC_DOT = (".well-known",)


def candidate_dirs(public_dir_flag, binary, data_dir, working_dir=None):
    """Directories PocketBase may serve: the ``--publicDir`` flag when set (relative to the unit's
    working directory), else ``pb_public`` beside the binary (PocketBase's default) and beside ``pb_data``."""
    if public_dir_flag:
        path = public_dir_flag
        if not os.path.isabs(path):
            path = os.path.join(working_dir or "/", path)
        return [os.path.normpath(path)]
    out = []
    if binary:
        out.append(os.path.normpath(os.path.join(os.path.dirname(binary), "pb_public")))
    if data_dir:
        out.append(os.path.normpath(os.path.join(os.path.dirname(data_dir.rstrip("/")), "pb_public")))
    return list(dict.fromkeys(out))


def classify(relpath):
    """Why a file at ``relpath`` (inside the public dir) is risky, or None."""
    parts = relpath.split("/")
    name = parts[-1]
    for kind, pattern in _KINDS:
        if pattern.search(name):
            return kind
    if any(p.startswith(".") and p not in _PUBLIC_DOT for p in parts):
        return "dotfile"
    if "pb_data" in parts[:-1]:
        return "data dir copy"
    return None


def scan(public_dir):
    """{"dir", "exists", "files": [{"path", "kind", "size", "sha256"}], "truncated", "error"}.

    Directory symlinks are followed: PocketBase serves the public dir through os.DirFS, which follows
    them, so ``pb_public/b -> /var/backups`` is served and must be looked at. A directory already seen
    (a link cycle, or two links to one place) is walked once. What the limits cut off (entries, depth)
    sets ``truncated``: an unseen file is never reported as absent.
    """
    facts = {"dir": public_dir, "exists": os.path.isdir(public_dir), "files": [], "truncated": False, "error": None}
    if not facts["exists"]:
        return facts
    seen = 0
    walked = set()
    try:
        for root, dirs, files in os.walk(public_dir, followlinks=True):
            real = os.path.realpath(root)
            if real in walked:
                dirs[:] = []
                continue
            walked.add(real)
            rel_root = os.path.relpath(root, public_dir)
            depth = 0 if rel_root == "." else rel_root.count(os.sep) + 1
            if depth >= MAX_DEPTH and dirs:
                facts["truncated"] = True
                dirs[:] = []
            for name in sorted(files):
                seen += 1
                if seen > MAX_ENTRIES:
                    facts["truncated"] = True
                    return facts
                rel = name if rel_root == "." else os.path.join(rel_root, name).replace(os.sep, "/")
                kind = classify(rel)
                if kind:
                    facts["files"].append(_file_facts(os.path.join(root, name), rel, kind))
    except OSError as exc:
        facts["error"] = "%s: %s" % (public_dir, exc.strerror or exc.__class__.__name__)
    return facts


def _file_facts(path, rel, kind):
    info = {"path": rel, "kind": kind, "size": None, "sha256": None}
    try:
        info["size"] = os.path.getsize(path)
        if info["size"] <= MAX_DIGEST_BYTES:
            with open(path, "rb") as fh:
                info["sha256"] = hashlib.sha256(fh.read()).hexdigest()
    except (OSError, IOError):
        pass
    return info


def probe_served(url, files, fetch):
    """Fetch each risky file through the server; ``fetch(url) -> (status, body bytes)``.

    Marks ``served`` True when the response body is the file (same digest: an index.html fallback
    answering 200 is not a hit), False when it is not, None when the request failed or the file has
    no digest to compare with (over MAX_DIGEST_BYTES or unreadable: not fetched, never "not served")."""
    for info in files[:MAX_PROBES]:
        if not info.get("sha256"):
            info["served"] = None
            info["fetch_error"] = "no digest to compare the answer with (over %d MiB or unreadable)" % (
                MAX_DIGEST_BYTES // (1024 * 1024))
            continue
        path = "/" + "/".join(_quote(p) for p in info["path"].split("/"))
        try:
            status, body = fetch(url.rstrip("/") + path)
        except Exception as exc:  # pylint: disable=broad-except
            info["served"] = None
            info["fetch_error"] = "%s: %s" % (exc.__class__.__name__, exc)
            continue
        info["http_status"] = status
        info["served"] = status == 200 and hashlib.sha256(body or b"").hexdigest() == info["sha256"]
    return files


def _quote(part):
    return "".join(chr(b) if (chr(b).isalnum() and b < 128) or chr(b) in "-._~" else "%%%02X" % b
                   for b in bytearray(part.encode("utf-8")))
