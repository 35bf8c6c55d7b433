# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FIL controls: file fields, S3 storage and directory listing.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils import _publicdir
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import proxyconf, sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import (
    NotApplicable, Unavailable, bad, control, err, ok)

PUBLIC_BY_DESIGN_FILE_RE = re.compile(r"^(avatars?|photo|profile_?(photo|picture|image|pic)|picture|pic|logo|"
                                      r"icon|banner|cover(_?image)?|thumb(nail)?s?)$", re.I)


@control("PBG-FIL-001", title="File fields protected where records are not public",
         severity="high", scope="api", profile="baseline",
         source=sources.P5 + "; " + sources.CL_FILES,
         rationale="Unprotected files are downloadable by anyone with the URL even when the record is private.",
         remediation="Set `protected: true` on file fields of non-public collections (file tokens then apply).")
def check_fil_protected(ctx):
    """Fails per unprotected file field of a collection whose records are not public (viewRule not
    empty); a public-by-design image field (avatar, logo, cover...) fails as low."""
    out = []
    n = 0
    for coll in ctx.collections():
        view = (coll.get("rules") or {}).get("viewRule")
        for field in coll.get("fields") or []:
            if field.get("type") != "file":
                continue
            n += 1
            target = "collection:%s.%s" % (coll.get("name"), field.get("name"))
            if view == "":
                out.append(ok(target, "records are public; unprotected files match"))
            elif field.get("protected"):
                out.append(ok(target, "protected"))
            elif PUBLIC_BY_DESIGN_FILE_RE.search(field.get("name") or ""):
                out.append(bad(target, "unprotected %r looks public by design (profile image/logo): anyone with the "
                                       "URL can download it, but it is not private data" % field.get("name"),
                               severity="low"))
            else:
                out.append(bad(target, "file field not protected while records are not public: anyone with the "
                                       "URL can download"))
    if n == 0:
        raise NotApplicable("no file field")
    return out


@control("PBG-FIL-002", title="S3 storage over HTTPS with a bucket", severity="medium", scope="api", profile="strict",
         source=sources.P5 + "; " + sources.CL_FILES,
         rationale="Files and backups travel to and sit in the S3 bucket.",
         remediation="Use an https:// endpoint, a private bucket and dedicated credentials.")
def check_fil_s3(ctx):
    """Fails per enabled S3 storage (files, backups) with a non-HTTPS endpoint or without a bucket;
    not applicable when S3 is off."""
    s3 = ctx.setting("s3") or {}
    backups_s3 = ctx.setting("backups", "s3") or {}
    out = []
    for name, conf in (("s3", s3), ("backups.s3", backups_s3)):
        if not conf.get("enabled"):
            continue
        endpoint = conf.get("endpoint") or ""
        target = "setting:%s" % name
        if endpoint and not endpoint.lower().startswith("https://"):
            out.append(bad(target, "S3 endpoint %s is not HTTPS" % endpoint))
        elif not conf.get("bucket"):
            out.append(bad(target, "S3 enabled without a bucket"))
        else:
            out.append(ok(target, "S3 over HTTPS to bucket %s" % conf.get("bucket")))
    if not out:
        raise NotApplicable("S3 storage not enabled")
    return out


@control("PBG-FIL-003", title="No directory listing at the proxy",
         severity="medium", scope="host", profile="baseline",
         source=sources.P5 + "; " + sources.CL_FILES,
         rationale="Directory listing of pb_public or storage enables enumeration.",
         remediation="Remove `file_server browse` (Caddy) / `autoindex on` (nginx).")
def check_fil_listing(ctx):
    """Fails per proxy config that enables directory listing (Caddy file_server browse, nginx
    autoindex on)."""
    configs = proxyconf.proxy_text(ctx)
    out = []
    for path, text in sorted(configs.items()):
        if re.search(r"file_server\s+browse|autoindex\s+on", text):
            out.append(bad("proxy:" + path, "directory listing enabled"))
    return out or [ok("proxy", "no directory listing in %d proxy file(s)" % len(configs))]


@control("PBG-FIL-004", title="No secrets, dotfiles, backups or databases in the public dir", severity="high",
         scope="host", profile="baseline", source=sources.P5 + "; " + sources.CL_FILES,
         rationale="PocketBase serves every file under --publicDir (default pb_public beside the binary), dotfiles "
                   "included: a .env, a copied data.db or a backup archive there is one GET away from anyone.",
         remediation="Remove the files from the public dir (keep secrets in a root-only EnvironmentFile, backups and "
                     "data outside it) and deploy the frontend from a build directory holding only public assets.")
def check_fil_public_dir(ctx):
    """Fails per secret, dotfile, backup, key or database file under the public dir (evidence: served or not);
    an unknown or unreadable public dir is an error."""
    h = ctx.host_facts()
    dirs = h.get("public_dirs")
    if dirs is None:
        raise Unavailable("public dir not inspected")
    if not h.get("public_dir_known") and not any(d.get("exists") for d in dirs):
        raise Unavailable("public dir unknown: the unit (--publicDir) is not readable and public_dir is not set")
    out = []
    for d in dirs:
        if d.get("error"):
            out.append(err("dir:%s" % d["dir"], "not readable: %s" % d["error"]))
        for f in d.get("files") or []:
            out.append(bad("file:%s/%s" % (d["dir"].rstrip("/"), f["path"]),
                           "%s in the public dir, %s bytes: %s" % (f["kind"], f.get("size"), _served_proof(f))))
        if d.get("truncated"):
            limits = (_publicdir.MAX_ENTRIES, _publicdir.MAX_DEPTH)
            out.append(err("dir:%s" % d["dir"], "not fully scanned: more than %d files or deeper than %d "
                           "directories; what was not seen is unknown" % limits))
    existing = [d["dir"] for d in dirs if d.get("exists")]
    return out or [ok("dir:%s" % (", ".join(existing) or "pb_public"),
                      "no secret, dotfile, backup or database in the public dir" if existing else
                      "no public dir (%s)" % ", ".join(d["dir"] for d in dirs))]


def _served_proof(info):
    if info.get("served"):
        return "served by PocketBase at /%s" % info["path"]
    if info.get("served") is False:
        return "not confirmed over HTTP (status %s)" % info.get("http_status")
    return "not fetched (%s)" % info["fetch_error"] if info.get("fetch_error") else "not fetched"
