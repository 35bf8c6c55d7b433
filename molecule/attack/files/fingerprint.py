"""Fingerprint a PocketBase host's state: every file under the given paths (path, mode, owner,
SHA-256) plus a logical dump of each SQLite database (tables in order, rows sorted).

Databases are dumped rather than hashed byte-wise because SQLite pages move without any logical
change.  Left out, and said so in the output: auxiliary.db (PocketBase's request log: every API
read, including check mode's, appends to it) and the _authOrigins table (PocketBase records each
new login origin there; a read-only check run has to log in), and SQLite's own sqlite_stat*
planner statistics.

    fingerprint.py --db /var/lib/pocketbase/pb_data/data.db PATH...  -> JSON {digest, items}
"""
import argparse
import hashlib
import json
import os
import sqlite3
import stat
import sys

SKIP_FILES = ("auxiliary.db", "auxiliary.db-wal", "auxiliary.db-shm", "data.db-wal", "data.db-shm",
              "data.db")
SKIP_TABLES = ("_authOrigins",)


def file_items(paths):
    out = {}
    for root in paths:
        if not os.path.lexists(root):
            out[root] = "absent"
            continue
        walk = [(root, [], [])] if not os.path.isdir(root) else os.walk(root)
        for d, dirs, files in walk:
            dirs.sort()
            entries = [d] if d == root and not os.path.isdir(root) else [d] + [os.path.join(d, f) for f in sorted(files)]
            for p in entries:
                if os.path.basename(p) in SKIP_FILES:
                    continue
                st = os.lstat(p)
                meta = "%o %d:%d" % (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
                if stat.S_ISLNK(st.st_mode):
                    out[p] = "link %s -> %s" % (meta, os.readlink(p))
                elif stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as fh:
                        out[p] = "file %s %s" % (meta, hashlib.sha256(fh.read()).hexdigest())
                elif stat.S_ISDIR(st.st_mode):
                    out[p] = "dir %s" % meta
    return out


def db_items(path):
    out = {}
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        schema = con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        out["%s#schema" % path] = hashlib.sha256(repr(schema).encode()).hexdigest()
        for t in tables:
            if t in SKIP_TABLES or t.startswith("sqlite_stat"):
                continue
            rows = sorted(repr(r) for r in con.execute('SELECT * FROM "%s"' % t.replace('"', '""')))
            out["%s#%s" % (path, t)] = "%d rows %s" % (
                len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    finally:
        con.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", action="append", default=[])
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    items = file_items(a.paths)
    for db in a.db:
        items.update(db_items(db))
    digest = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()
    json.dump({"digest": digest, "items": items, "skipped_files": SKIP_FILES,
               "skipped_tables": SKIP_TABLES}, sys.stdout)


if __name__ == "__main__":
    main()
